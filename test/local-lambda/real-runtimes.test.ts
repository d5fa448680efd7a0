/**
 * Runtimes the service did not write: AWS's Python runtime client (awslambdaric) on a small fixture
 * handler, the Ruby hold-out's runtime client on Debian's ruby, and the project's two real functions (the
 * Rust `.apr` bootstrap and the PyTorch function).
 * Each part runs where its files exist and is skipped, saying what is missing and how to build it, where
 * they do not.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { REFERENCE_PAYLOAD } from '../../lib/benchmark/reference-payload';
import { LocalLambdaService } from '../../lib/local-lambda';
import { localTargets, missingTargetFiles } from '../../lib/targets/local-targets';
import { clients, FIXTURES, invoke, mb, ms, PROJECT_ROOT } from './helpers';

const targets = localTargets(PROJECT_ROOT);
const python = targets.pytorch.command;
const hasRic = fs.existsSync(python) && venvHas(path.join(path.dirname(python), '..'), 'awslambdaric');
const aprMissing = missingTargetFiles(targets.apr, PROJECT_ROOT);
const pytorchMissing = missingTargetFiles(targets.pytorch, PROJECT_ROOT);
const rubyClient = path.join(PROJECT_ROOT, 'holdout', 'ruby', 'runtime', 'lambda_runtime.rb');
const hasRuby = spawnSync('ruby', ['--version']).status === 0;

function venvHas(venv: string, pkg: string): boolean {
  const lib = path.join(venv, 'lib');
  if (!fs.existsSync(lib)) return false;
  return fs.readdirSync(lib).some((py) => fs.existsSync(path.join(lib, py, 'site-packages', pkg)));
}

function describeIf(ready: boolean, title: string, why: string | undefined): jest.Describe {
  if (!ready) {
    process.stderr.write(`skipped: ${title}: ${why}\n`);
    return describe.skip;
  }
  return describe;
}

let service: LocalLambdaService;
let lambda: ReturnType<typeof clients>['lambda'];

beforeAll(async () => {
  // The init limit is raised so that a loaded test machine cannot turn a slow PyTorch init into a failure:
  // these tests check that the real functions work and are measured, not how fast this machine is.
  service = await LocalLambdaService.start({ limits: 'auto', initTimeoutMs: 120000 });
  if (hasRic) {
    registerFixture({ runtime: 'python3.11', command: python, args: ['-m', 'awslambdaric', 'fixture_handler.handler'], cwd: path.join(FIXTURES, 'python'), memorySizeMB: 1769 }, [
      ['ric', 'ok'],
      ['ric-import-error', 'import-error'],
    ]);
  }
  if (hasRuby) {
    registerFixture({ runtime: 'ruby3.2', command: 'ruby', args: [rubyClient, 'fixture_handler.handler'], cwd: path.join(FIXTURES, 'ruby'), memorySizeMB: 128 }, [
      ['ruby', 'ok'],
      ['ruby-load-error', 'load-error'],
    ]);
  }
  if (!aprMissing) service.register(targets.apr);
  if (!pytorchMissing) service.register(targets.pytorch);
  ({ lambda } = clients(service.endpoint));
});

/** A runtime client on its fixture handler (fixture_handler.handler), once per name, each with its FIXTURE_INIT. */
function registerFixture(run: { runtime: string; command: string; args: string[]; cwd: string; memorySizeMB: number }, named: [string, string][]): void {
  for (const [functionName, init] of named) {
    service.register({ functionName, ...run, packageType: 'Zip', handler: 'fixture_handler.handler', timeoutSeconds: 10, environment: { FIXTURE_INIT: init } });
  }
}

afterAll(async () => {
  lambda.destroy();
  await service.stop();
});

describeIf(hasRic, 'awslambdaric against the Runtime API', `${python} is missing (build it with \`npm run build:pytorch\`)`)('awslambdaric against the Runtime API', () => {
  test('serves events, sees the context Lambda provides, and reports handler errors', async () => {
    const cold = await invoke(lambda, 'ric', { hello: 'world' });
    expect(cold.out.FunctionError).toBeUndefined();
    expect(cold.json).toMatchObject({
      echo: { hello: 'world' },
      requestId: cold.report.RequestId,
      functionName: 'ric',
      invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:ric',
      memoryLimitInMB: '1769',
    });
    expect(cold.json.remainingMs).toBeGreaterThan(9000);
    expect(cold.json.remainingMs).toBeLessThanOrEqual(10000);
    expect(ms(cold.report['Init Duration'])).toBeGreaterThan(10);
    expect(cold.tail).toContain('fixture module imported\n');
    expect(cold.tail).toContain('fixture handler ran\n');

    const failed = await invoke(lambda, 'ric', { action: 'error' });
    expect(failed.out.FunctionError).toBe('Unhandled');
    expect(failed.json).toMatchObject({ errorType: 'ValueError', errorMessage: 'the fixture was asked to fail', requestId: failed.report.RequestId });
    expect(failed.report['Init Duration']).toBeUndefined();
  });

  test('an import error goes through /init/error and fails the invocation', async () => {
    const r = await invoke(lambda, 'ric-import-error', {});
    expect(r.out.FunctionError).toBe('Unhandled');
    expect(r.json).toMatchObject({ errorType: 'RuntimeError', errorMessage: 'the fixture was asked to fail its import' });
    expect(r.tail).toMatch(/INIT_REPORT Init Duration: [\d.]+ ms\tPhase: init\tStatus: error\tError Type: RuntimeError\n/);
    expect(r.report.Status).toBe('error');
    expect(r.report['Error Type']).toBe('RuntimeError');
  });
});

describeIf(hasRuby, "the Ruby hold-out's runtime client", 'ruby is not installed (Debian: ruby; scripts/setup.sh installs it)')("the Ruby hold-out's runtime client", () => {
  test('loads the handler file, serves events with their request id, and reports a handler error as Lambda does', async () => {
    const cold = await invoke(lambda, 'ruby', { hello: 'world' });
    expect(cold.out.FunctionError).toBeUndefined();
    expect(cold.json).toEqual({ echo: { hello: 'world' }, requestId: cold.report.RequestId });
    expect(ms(cold.report['Init Duration'])).toBeGreaterThan(0);
    expect(cold.tail).toContain('fixture file loaded\n');
    expect(cold.tail).toContain('fixture handler ran\n');

    const failed = await invoke(lambda, 'ruby', { action: 'error' });
    expect(failed.out.FunctionError).toBe('Unhandled');
    expect(failed.json).toMatchObject({ errorType: 'ArgumentError', errorMessage: 'the fixture was asked to fail' });
    expect(failed.report['Init Duration']).toBeUndefined();
    // The environment keeps serving after a handler error.
    const again = await invoke(lambda, 'ruby', 7);
    expect(again.json).toEqual({ echo: 7, requestId: again.report.RequestId });
  });

  test('stopped by SIGTERM while it waits for an event, it exits 0 without a stack trace', async () => {
    // A Runtime API that accepts the connection and never answers: the client waits in GET /next.
    const sockets: net.Socket[] = [];
    const server = net.createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as net.AddressInfo;
      const child = spawn('ruby', [rubyClient, 'fixture_handler.handler'], {
        cwd: path.join(FIXTURES, 'ruby'),
        env: { ...process.env, AWS_LAMBDA_RUNTIME_API: `127.0.0.1:${port}`, FIXTURE_INIT: 'ok' },
      });
      let stderr = '';
      child.stderr.on('data', (d) => (stderr += d));
      while (sockets.length === 0) await new Promise((r) => setTimeout(r, 20));
      child.kill('SIGTERM');
      const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
      expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    } finally {
      for (const s of sockets) s.destroy();
      server.close();
    }
  });

  test('a handler file that fails to load goes through /init/error and fails the invocation', async () => {
    const r = await invoke(lambda, 'ruby-load-error', {});
    expect(r.out.FunctionError).toBe('Unhandled');
    expect(r.json).toMatchObject({ errorType: 'RuntimeError', errorMessage: 'the fixture was asked to fail its load' });
    expect(r.tail).toMatch(/INIT_REPORT Init Duration: [\d.]+ ms\tPhase: init\tStatus: error\tError Type: Runtime\.RuntimeError\n/);
    expect(r.report.Status).toBe('error');
  });
});

describeIf(!aprMissing, 'the Rust .apr bootstrap', aprMissing)('the Rust .apr bootstrap', () => {
  test('answers the reference payload on a measured cold start, then warm', async () => {
    const cold = await invoke(lambda, targets.apr.functionName, REFERENCE_PAYLOAD);
    expect(cold.out.FunctionError).toBeUndefined();
    expect(cold.json.runtime).toBe('apr');
    expect(typeof cold.json.quality).toBe('number');
    expect(cold.report['Memory Size']).toBe('128 MB');
    expect(ms(cold.report['Init Duration'])).toBeGreaterThan(0);
    expect(ms(cold.report['Init Duration'])).toBeLessThan(10000);
    expect(mb(cold.report['Max Memory Used'])).toBeGreaterThan(0);
    const warm = await invoke(lambda, targets.apr.functionName, REFERENCE_PAYLOAD);
    expect(warm.report['Init Duration']).toBeUndefined();
    expect(warm.json.quality).toBe(cold.json.quality);
  });

  test('bad input is an InvalidInput function error and the environment keeps serving', async () => {
    const bad = await invoke(lambda, targets.apr.functionName, { alcohol: 'strong' });
    expect(bad.out.FunctionError).toBe('Unhandled');
    expect(bad.json.errorType).toBe('InvalidInput');
    const again = await invoke(lambda, targets.apr.functionName, REFERENCE_PAYLOAD);
    expect(again.report['Init Duration']).toBeUndefined();
  });
});

describeIf(!pytorchMissing, 'the PyTorch function', pytorchMissing)('the PyTorch function', () => {
  test('answers the reference payload on a measured cold start under 512 MB', async () => {
    const cold = await invoke(lambda, targets.pytorch.functionName, REFERENCE_PAYLOAD);
    expect(cold.out.FunctionError).toBeUndefined();
    expect(cold.json.runtime).toBe('pytorch');
    expect(typeof cold.json.quality).toBe('number');
    expect(cold.report['Memory Size']).toBe('512 MB');
    // import torch takes a second or more with burst CPU; a measured init, not a retried one.
    expect(ms(cold.report['Init Duration'])).toBeGreaterThan(100);
    expect(mb(cold.report['Max Memory Used'])).toBeGreaterThan(100);
    expect(mb(cold.report['Max Memory Used'])).toBeLessThanOrEqual(512);
  }, 180000);
});
