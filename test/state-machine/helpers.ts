/** Shared set-up for running the synthesized state machine against the local Lambda service. */
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { TargetSpec } from '../../lib/benchmark/types';
import type { LocalFunctionDefinition } from '../../lib/local-lambda';
import { fixtureFunction } from '../local-lambda/helpers';

/** A function served by the local service's configurable test runtime (real processes, Runtime API). */
export function fixture(functionName: string, environment: Record<string, string> = {}): LocalFunctionDefinition {
  return fixtureFunction(functionName, { timeoutSeconds: 10, environment, codeSizeBytes: 4096 });
}

export function target(key: string, functionName: string, overrides: Partial<TargetSpec> = {}): TargetSpec {
  return {
    key,
    functionName,
    logGroupName: `/aws/lambda/${functionName}`,
    runtimeLabel: 'provided.al2023',
    memorySizeMB: 1769,
    architecture: 'x86_64',
    packageBytes: 4096,
    packageLabel: '4 kB test runtime',
    ...overrides,
  };
}

export function tempDir(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'apr-bench-sm-test-'));
}

export function readJson(file: string): any {
  return JSON.parse(readFileSync(file, 'utf8'));
}

export function filesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (abs: string, rel: string) => {
    for (const e of readdirSync(abs, { withFileTypes: true })) {
      if (e.isDirectory()) walk(path.join(abs, e.name), `${rel}${e.name}/`);
      else out.push(`${rel}${e.name}`);
    }
  };
  walk(dir, '');
  return out.sort();
}
