import * as path from 'node:path';
import { buildAprFunction } from '../build/apr-build';
import type { AprBundler } from '../constructs/apr-function';

/**
 * The .apr function's local bundling: the project's own build (a static binary, no Docker), writing
 * just `bootstrap` into the asset directory CDK hands over.
 */
export function aprBundler(repoRoot: string, cargoOutput: 'inherit' | 'capture' = 'inherit'): AprBundler {
  return (outputDir: string) => {
    buildAprFunction({ outputDir, crateDir: path.join(repoRoot, 'lambda-apr'), packageZip: false, cargoOutput });
  };
}
