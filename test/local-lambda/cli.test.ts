/**
 * `npm run local-lambda -- --targets … --target-file …`: the command line itself (bin/local-lambda.ts, as
 * npm runs it), serving a ladder target and a target file's function to the AWS SDK, then stopped by
 * SIGTERM; and its refusals, which come before any service starts.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { GetFunctionConfigurationCommand, ListFunctionsCommand, ResourceNotFoundException } from '@aws-sdk/client-lambda';
import { REFERENCE_PAYLOAD } from '../../lib/benchmark/reference-payload';
import { localReadiness } from '../../lib/targets/local-targets';
import { clients, FIXTURES, invoke, PROJECT_ROOT } from './helpers';

const CLI = path.join(PROJECT_ROOT, 'bin', 'local-lambda.ts');
const work = mkdtempSync(path.join(tmpdir(), 'local-lambda-cli-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The command exactly as `npm run local-lambda` starts it (package.json: node with sucrase's require hook, as `npm run bench`). */
function cliArgs(args: string[]): string[] {
  return ['-r', 'sucrase/register/ts', CLI, ...args];
}

function targetFile(name: string, body: Record<string, unknown>): string {
  const file = path.join(work, `${name}.json`);
  writeFileSync(file, JSON.stringify(body));
  return file;
}

const ECHO_FILE = targetFile('echo', {
  functionName: 'users-echo',
  runtime: 'nodejs20.x',
  packageType: 'Zip',
  handler: 'test-runtime.handler',
  memorySizeMB: 256,
  timeoutSeconds: 5,
  command: process.execPath,
  args: [path.join(FIXTURES, 'test-runtime.cjs')],
  cwd: FIXTURES,
});

function refusal(args: string[]): { status: number | null; stderr: string; stdout: string } {
  const r = spawnSync(process.execPath, cliArgs(args), { cwd: PROJECT_ROOT, encoding: 'utf8', timeout: 30000 });
  return { status: r.status, stderr: r.stderr, stdout: r.stdout };
}

describe('npm run local-lambda refuses bad choices before starting', () => {
  test('an unknown registry key names the known ones', () => {
    const r = refusal(['--targets', 'apr,bogus']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/unknown target bogus; choose from apr, apr-runtime-crate/);
    expect(r.stdout).not.toMatch(/endpoint:/);
  });

  test('--targets none needs a target file', () => {
    const r = refusal(['--targets', 'none']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/--targets none needs at least one --target-file/);
  });

  test('a target file that takes a registry target\'s name is refused, naming the file', () => {
    const clash = targetFile('clash', { functionName: 'apr', runtime: 'x', packageType: 'Zip', handler: 'h', memorySizeMB: 128, timeoutSeconds: 3, command: process.execPath, cwd: FIXTURES });
    const r = refusal(['--targets', 'none', '--target-file', clash]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`target file ${clash}: "functionName" "apr" is taken by a built-in target`);
  });
});

const aprNotReady = localReadiness('apr', PROJECT_ROOT);
if (aprNotReady) process.stderr.write(`skipped: serving apr through the CLI: ${aprNotReady.reason} (build it with \`${aprNotReady.command}\`)\n`);
const describeWithApr = aprNotReady ? describe.skip : describe;

describeWithApr('npm run local-lambda -- --targets apr --target-file FILE, invoked with the AWS SDK', () => {
  let child: ChildProcess;
  let stdout = '';
  let endpoint: string;
  let echoPid: number;

  beforeAll(async () => {
    child = spawn(process.execPath, cliArgs(['--port', '0', '--limits', 'off', '--targets', 'apr', '--target-file', ECHO_FILE]), { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.setEncoding('utf8');
    endpoint = await new Promise<string>((resolve, reject) => {
      let stderr = '';
      child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
      child.stdout!.on('data', (d: string) => {
        stdout += d;
        const m = /^endpoint: (\S+)$/m.exec(stdout);
        if (m) resolve(m[1]);
      });
      child.once('exit', (code) => reject(new Error(`local-lambda exited (${code}) before printing its endpoint: ${stderr}`)));
    });
  }, 30000);

  afterAll(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });

  test('it lists what it serves: the ladder target under its key, the target file\'s function under its name', () => {
    expect(stdout).toMatch(/^function apr: provided\.al2023, 128 MB, 10 s$/m);
    expect(stdout).toMatch(/^function users-echo: nodejs20\.x, 256 MB, 5 s$/m);
    expect(stdout).toMatch(/^limits: not applied/m);
  });

  test('the SDK invokes the ladder target and the target file\'s function, and sees only those', async () => {
    const { lambda } = clients(endpoint);
    try {
      const apr = await invoke(lambda, 'apr', REFERENCE_PAYLOAD);
      expect(apr.out.StatusCode).toBe(200);
      expect(apr.out.FunctionError).toBeUndefined();
      expect(typeof apr.json.quality).toBe('number');
      expect(apr.reportLine).toMatch(/Init Duration: [\d.]+ ms/);

      const echo = await invoke(lambda, 'users-echo', { action: 'echo', from: 'a target file' });
      expect(echo.json.echo).toEqual({ action: 'echo', from: 'a target file' });
      echoPid = echo.json.pid as number;
      const config = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'users-echo' }));
      expect(config).toMatchObject({ FunctionName: 'users-echo', MemorySize: 256, Timeout: 5, Runtime: 'nodejs20.x' });

      const listed = await lambda.send(new ListFunctionsCommand({}));
      expect((listed.Functions ?? []).map((f) => f.FunctionName).sort()).toEqual(['apr', 'users-echo']);
      await expect(lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'pytorch' }))).rejects.toBeInstanceOf(ResourceNotFoundException);
    } finally {
      lambda.destroy();
    }
  });

  test('SIGTERM stops the service and every environment; the command exits 0', async () => {
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    // The target file's runtime process is gone, not left running (kill 0 only checks).
    let code: string | undefined;
    try {
      process.kill(echoPid, 0);
    } catch (error) {
      code = (error as NodeJS.ErrnoException).code;
    }
    expect(code).toBe('ESRCH');
    await expect(fetch(`${endpoint}/2015-03-31/functions`)).rejects.toThrow();
  });
});
