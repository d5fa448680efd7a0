/**
 * The benchmark template for a local run: synthesized in a child process (interruptible, and free to
 * overlap with the parity check), and kept in a cache keyed by the content of every file the synth
 * reads, so that a second run with the same sources skips the 10-odd seconds of synth.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { runInOwnGroup } from '../process/process-group';
import type { CfnTemplate } from './definition';

export interface SynthOptions {
  repoRoot: string;
  signal?: AbortSignal;
  onGroup?: (pgid: number) => () => void;
  /** Where templates are cached; default node_modules/.cache/apr-lambda-bench under repoRoot. */
  cacheDir?: string;
}

const RELATIVE_IMPORT = /(?:from|import|require\()\s*['"](\.{1,2}\/[^'"]+)['"]/g;

function resolveModule(fromFile: string, spec: string): string | undefined {
  const base = path.resolve(path.dirname(fromFile), spec);
  for (const candidate of [base, `${base}.ts`, path.join(base, 'index.ts')]) {
    if (candidate.endsWith('.ts') && existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** The project's own source files the synth loads: the relative imports reachable from its entry. */
export function synthSourceFiles(repoRoot: string): string[] {
  const seen = new Set<string>();
  const queue = [path.join(repoRoot, 'lib', 'state-machine-local', 'synth.ts')];
  while (queue.length) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const match of readFileSync(file, 'utf8').matchAll(RELATIVE_IMPORT)) {
      const resolved = resolveModule(file, match[1]);
      if (resolved) queue.push(resolved);
    }
  }
  return [...seen];
}

/**
 * What the template depends on: the CDK app's code (every project file the synth imports), its
 * context (cdk.json) and the locked library versions. Function code is not an input: bundling is
 * skipped for this synth.
 */
export function synthCacheKey(repoRoot: string): string {
  const files = [
    ...synthSourceFiles(repoRoot),
    ...['cdk.json', 'package-lock.json'].map((f) => path.join(repoRoot, f)).filter((f) => existsSync(f)),
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
    // The error itself, not the stack frames under it.
    const message = result.stderr.split('\n').filter((line) => line.trim() !== '' && !/^\s+at /.test(line)).slice(-8).join('\n');
    throw new Error(`synthesizing the benchmark stack failed (exit ${result.code ?? result.signal}): ${message}`);
  }
  return { template: JSON.parse(readFileSync(file, 'utf8')) as CfnTemplate, cached: false };
}
