import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';

/**
 * The Python checkers (cfn-lint, checkov) live in tools/audit/.venv, which scripts/setup-audit.sh
 * builds from pinned PyPI packages. Each run is a child process with a bound on its time.
 */

export const AUDIT_VENV = path.resolve(__dirname, '..', '..', 'tools', 'audit', '.venv');

export function venvTool(name: 'cfn-lint' | 'checkov'): string {
  const file = path.join(AUDIT_VENV, 'bin', name);
  if (!existsSync(file)) {
    throw new Error(`${name} is not installed (${file} is missing): run scripts/setup-audit.sh, which npm test and npm run setup run too`);
  }
  return file;
}

export interface ToolRun {
  stdout: string;
  stderr: string;
  code: number | null;
  ms: number;
}

/** Runs a tool to its end (or kills it after timeoutMs) and returns what it printed and its exit code. */
export function runTool(file: string, args: string[], options: { timeoutMs: number; env?: NodeJS.ProcessEnv }): Promise<ToolRun> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...options.env } });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${path.basename(file)} did not finish within ${options.timeoutMs / 1000} s`));
    }, options.timeoutMs);
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`cannot run ${file}: ${e.message}`));
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), code, ms: Date.now() - started });
    });
  });
}
