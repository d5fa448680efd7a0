import { AssetHashType, BundlingOutput, DockerImage } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';

/** Writes a function's deployment files (or, for an archive, its one zip) into `outputDir`. */
export type LocalBundler = (outputDir: string) => void;

/**
 * A function's code built on this machine through CDK's local bundling hook: no Docker engine is needed
 * for `cdk synth` or `cdk deploy`. The asset hash is that of the build output, so the deployed code
 * changes exactly when the build's output does. With `archive`, the bundler leaves one .zip, which CDK
 * uploads as it is (BundlingOutput.ARCHIVED); naming it in the options also keeps two builds of one
 * folder apart (CDK stages a source folder once per set of bundling options, and a function in the
 * options does not count).
 */
export function locallyBundledCode(sourceDir: string, bundler: LocalBundler, archive?: { artefact: string }): lambda.AssetCode {
  return lambda.Code.fromAsset(sourceDir, {
    assetHashType: AssetHashType.OUTPUT,
    bundling: {
      // Required by the type; never pulled, because local bundling always succeeds or throws.
      image: DockerImage.fromRegistry('local-bundling-only'),
      ...(archive ? { command: ['local-bundling-only', archive.artefact], outputType: BundlingOutput.ARCHIVED } : {}),
      local: {
        tryBundle(outputDir: string): boolean {
          bundler(outputDir);
          return true;
        },
      },
    },
  });
}
