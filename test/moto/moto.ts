/**
 * moto's server (PyPI `moto[server]`, installed by scripts/setup-audit.sh): an implementation of the
 * AWS APIs written by other people from AWS's documentation and behaviour, used here to check the
 * handlers against something that is not our own reading of AWS.
 *
 * startMoto() runs test/moto/moto_server.py on 127.0.0.1 and a free port. The server ends when its
 * standard input closes, which happens when stop() is called and also when this process dies in any
 * way, so no server outlives the tests. useMoto() wires it into a test file's beforeAll/afterAll.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');
export const AUDIT_PYTHON = path.join(REPO_ROOT, 'tools', 'audit', '.venv', 'bin', 'python');
/** moto's default account; every ARN it returns is in it. */
export const MOTO_ACCOUNT = '123456789012';
export const MOTO_REGION = 'us-east-1';
/** moto checks no signatures; the SDK needs some credentials to sign with. */
export const MOTO_CREDENTIALS = { accessKeyId: 'moto', secretAccessKey: 'moto' };

export interface MotoServer {
  endpoint: string;
  /** Forgets every resource (moto's /moto-api/reset), so that tests do not see each other's. */
  reset(): Promise<void>;
  stop(): Promise<void>;
}

const START_TIMEOUT_MS = 60_000;

export async function startMoto(): Promise<MotoServer> {
  if (!existsSync(AUDIT_PYTHON)) {
    throw new Error(`${AUDIT_PYTHON} is missing: run scripts/setup-audit.sh (npm test runs it through scripts/setup.sh)`);
  }
  const child: ChildProcessWithoutNullStreams = spawn(AUDIT_PYTHON, [path.join(__dirname, 'moto_server.py')], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, PYTHONUNBUFFERED: '1' },
  });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => {
    stderr = (stderr + c.toString('utf8')).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => fail(new Error(`moto did not start within ${START_TIMEOUT_MS / 1000} s; stderr: ${stderr}`)), START_TIMEOUT_MS);
    const fail = (err: Error) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(err);
    };
    child.once('error', (err) => fail(new Error(`cannot run ${AUDIT_PYTHON}: ${err.message}`)));
    const exitedEarly = (code: number | null) => fail(new Error(`moto exited (code ${code}) before it listened; stderr: ${stderr}`));
    child.once('exit', exitedEarly);
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString('utf8');
      const line = out.split('\n')[0];
      if (!out.includes('\n')) return;
      clearTimeout(timer);
      child.off('exit', exitedEarly);
      try {
        resolve((JSON.parse(line) as { port: number }).port);
      } catch {
        fail(new Error(`moto's first line was not {"port": N}: ${line}`));
      }
    });
  });
  const endpoint = `http://127.0.0.1:${port}`;
  let stopped = false;
  return {
    endpoint,
    async reset() {
      const res = await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
      if (!res.ok) throw new Error(`moto reset answered ${res.status}`);
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      child.stdin.end();
      const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(killer);
    },
  };
}

/** One moto server for the test file: started before its first test, stopped after its last, pass or fail. */
export function useMoto(): () => MotoServer {
  let server: MotoServer | undefined;
  beforeAll(async () => {
    server = await startMoto();
  }, START_TIMEOUT_MS + 5_000);
  afterAll(async () => {
    await server?.stop();
  });
  return () => {
    if (!server) throw new Error('moto is not running (its beforeAll failed)');
    return server;
  };
}
