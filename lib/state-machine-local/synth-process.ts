/**
 * The benchmark template for a local run: synthesized in a child process (interruptible, and free to
 * overlap with the parity check), and kept in a cache keyed by the content of every file the synth
 * reads, so that a second run with the same sources skips the 10-odd seconds of synth.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { runInOwnGroup } from '../local-bench/process-group';
import type { CfnTemplate } from './definition';

export interface SynthOptions {
  repoRoot: string;
  signal?: AbortSignal;
  onGroup?: (pgid: number) => () => void;
  /** Where templates are cached; default node_modules/.cache/apr-lambda-bench under repoRoot. */
  cacheDir?: string;
}

function tsFilesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...tsFilesUnder(p));
    else if (entry.name.endsWith('.ts')) out.push(p);
  }
  return out;
}

/**
 * What the template depends on: the CDK app's code (bin/app.ts, lib/), its context (cdk.json) and the
 * locked library versions. Function code is not an input: bundling is skipped for this synth.
 */
export function synthCacheKey(repoRoot: string): string {
  const files = [
    ...tsFilesUnder(path.join(repoRoot, 'lib')),
    ...['bin/app.ts', 'cdk.json', 'package-lock.json'].map((f) => path.join(repoRoot, f)).filter((f) => existsSync(f)),
  ].sort();
  const hash = createHash('sha256');
  for (const f of files) {
    hash.update(path.relative(repoRoot, f)).update('\0').update(readFileSync(f)).update('\0');
  }
  return hash.digest('hex').slice(0, 32);
}

export async function synthesizeTemplateCached(options: SynthOptions): Promise<{ template: CfnTemplate; cached: boolean }> {
  const cacheDir = options.cacheDir ?? path.join(options.repoRoot, 'node_modules', '.cache', 'apr-lambda-bench');
  const file = path.join(cacheDir, `synth-${synthCacheKey(options.repoRoot)}.template.json`);
  if (existsSync(file)) {
    try {
      return { template: JSON.parse(readFileSync(file, 'utf8')) as CfnTemplate, cached: true };
    } catch {
      // an unreadable cache entry is synthesized again
    }
  }
  const result = await runInOwnGroup(
    process.execPath,
    ['-r', 'ts-node/register/transpile-only', path.join(__dirname, 'synth-cli.ts'), file, options.repoRoot],
    { cwd: options.repoRoot, ...(options.signal ? { signal: options.signal } : {}), ...(options.onGroup ? { onGroup: options.onGroup } : {}) },
  );
  if (result.code !== 0) {
    throw new Error(`synthesizing the benchmark stack failed (exit ${result.code ?? result.signal}): ${result.stderr.trim().split('\n').slice(-5).join('\n')}`);
  }
  return { template: JSON.parse(readFileSync(file, 'utf8')) as CfnTemplate, cached: false };
}
