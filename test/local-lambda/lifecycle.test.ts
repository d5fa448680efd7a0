/**
 * The life of invocations against real runtime processes, through the real Lambda SDK client: init and
 * duration measured, init failures, crashes, timeouts, bad answers from a function.
 */
import { performance } from 'node:perf_hooks';
import { FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { LocalLambdaService } from '../../lib/local-lambda';
import { clients, fixtureFunction, invoke, mb, ms, parseReportLine } from './helpers';

let service: LocalLambdaService;
let lambda: ReturnType<typeof clients>['lambda'];
let logs: ReturnType<typeof clients>['logs'];

beforeAll(async () => {
  // Init limited to 3 s here so that the init-timeout case does not take 10 s; everything else as Lambda.
  service = await LocalLambdaService.start({ limits: 'auto', initTimeoutMs: 3000 });
  service.register(fixtureFunction('works'));
  service.register(fixtureFunction('init-error', { environment: { FIXTURE_INIT: 'init-error' } }));
  service.register(fixtureFunction('init-crash', { environment: { FIXTURE_INIT: 'crash' } }));
  service.register(fixtureFunction('init-hang', { environment: { FIXTURE_INIT: 'hang' }, timeoutSeconds: 1 }));
  service.register(fixtureFunction('short-timeout', { timeoutSeconds: 1 }));
  service.register(fixtureFunction('no-entrypoint', { command: '/nonexistent/bootstrap' }));
  ({ lambda, logs } = clients(service.endpoint));
});

afterAll(async () => {
  lambda.destroy();
  logs.destroy();
  await service.stop();
});

/** Billed Duration is ceil of a sum of which the log shows each term to 0.01 ms. */
function expectBilled(field: string, printedSum: number): void {
  const billed = Number(field.replace(' ms', ''));
  expect([Math.max(1, Math.ceil(printedSum - 0.011)), Math.max(1, Math.ceil(printedSum + 0.011))]).toContain(billed);
}

describe('a working runtime', () => {
  test('the first invocation is a cold start with a measured Init Duration; the second is warm', async () => {
    const cold = await invoke(lambda, 'works', { action: 'echo', n: 1 });
    expect(cold.out.StatusCode).toBe(200);
    expect(cold.out.FunctionError).toBeUndefined();
    expect(cold.json.echo).toEqual({ action: 'echo', n: 1 });
    expect(cold.out.ExecutedVersion).toBe('$LATEST');

    const init = ms(cold.report['Init Duration']);
    const duration = ms(cold.report.Duration);
    // A Node.js runtime needs milliseconds to reach /next (how many depends on the machine's load).
    expect(init).toBeGreaterThan(5);
    expect(duration).toBeGreaterThan(0);
    // Custom runtimes bill INIT: ceil(init + duration), from the unrounded values (printed to 0.01 ms).
    expectBilled(cold.report['Billed Duration'], init + duration);
    expect(cold.report['Memory Size']).toBe('1769 MB');
    expect(mb(cold.report['Max Memory Used'])).toBeGreaterThan(10);
    expect(mb(cold.report['Max Memory Used'])).toBeLessThan(1769);
    expect(cold.reportLine.endsWith('\t')).toBe(true);
    expect(cold.report.RequestId).toBe(cold.json.requestId);

    const warm = await invoke(lambda, 'works', { n: 2 });
    expect(warm.report['Init Duration']).toBeUndefined();
    expect(warm.json.pid).toBe(cold.json.pid);
    expectBilled(warm.report['Billed Duration'], ms(warm.report.Duration));
    expect(warm.out.$metadata.requestId).toBe(warm.json.requestId);
  });

  test('a cold invocation\'s time is accounted for: sandbox preparation, then Init Duration, then Duration', async () => {
    service.updateFunctionConfiguration('works', { Description: 'accounted cold start' });
    const started = performance.now();
    const record = await service.invoke('works', { n: 3 });
    const wall = performance.now() - started;
    expect(record.coldStart).toBe(true);
    const prep = record.sandboxPrepMs!;
    // Preparation covers creating the cgroups and spawning the wrapper until it waits: more than nothing.
    expect(prep).toBeGreaterThan(0);
    const accounted = prep + record.initDurationMs! + record.durationMs;
    // The phases follow one another inside the call; what is left is the service's own bookkeeping
    // (dispatch, END and REPORT), which `npm run bench:service-overhead` measures, not a test.
    expect(accounted).toBeLessThanOrEqual(wall);
  });

  test('the runtime sees the variables and /next headers Lambda provides', async () => {
    const { json } = await invoke(lambda, 'works', { action: 'env' });
    const env = json.env as Record<string, string>;
    expect(env.AWS_LAMBDA_RUNTIME_API).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(env._HANDLER).toBe('test-runtime.handler');
    expect(env.AWS_LAMBDA_FUNCTION_NAME).toBe('works');
    expect(env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE).toBe('1769');
    expect(env.AWS_LAMBDA_FUNCTION_VERSION).toBe('$LATEST');
    expect(env.AWS_LAMBDA_INITIALIZATION_TYPE).toBe('on-demand');
    expect(env.AWS_LAMBDA_LOG_GROUP_NAME).toBe('/aws/lambda/works');
    expect(env.AWS_LAMBDA_LOG_STREAM_NAME).toMatch(/^\d{4}\/\d{2}\/\d{2}\/\[\$LATEST\][0-9a-f]{32}$/);
    expect(env.AWS_REGION).toBe('us-east-1');
    expect(env.AWS_DEFAULT_REGION).toBe('us-east-1');
    expect(env.TZ).toBe(':UTC');
    expect(env.LAMBDA_TASK_ROOT).toBe(json.cwd);
    expect(env.AWS_ACCESS_KEY_ID).toBeTruthy();
    expect(env.AWS_SESSION_TOKEN).toBeTruthy();
    const headers = json.headers as Record<string, string>;
    expect(headers['lambda-runtime-invoked-function-arn']).toBe('arn:aws:lambda:us-east-1:123456789012:function:works');
    expect(headers['lambda-runtime-trace-id']).toMatch(/^Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=0$/);
    const deadline = Number(headers['lambda-runtime-deadline-ms']);
    expect(deadline).toBeGreaterThan(Date.now());
    expect(deadline).toBeLessThanOrEqual(Date.now() + 5000);
  });

  test("the function's output lines appear between START and END in the Tail log", async () => {
    const r = await invoke(lambda, 'works', { action: 'log', lines: ['first line', 'second line'] });
    const lines = r.tail.split('\n');
    const start = lines.findIndex((l) => l.startsWith('START RequestId: '));
    const end = lines.findIndex((l) => l.startsWith('END RequestId: '));
    expect(lines[start]).toBe(`START RequestId: ${r.report.RequestId} Version: $LATEST`);
    expect(lines.slice(start + 1, end)).toEqual(['first line', 'second line', 'unterminated stderr line']);
    expect(lines[end + 1]).toBe(r.reportLine);
    expect(Buffer.byteLength(r.tail)).toBeLessThanOrEqual(4096);
  });

  test('a function error is flagged Unhandled, the payload is what the runtime posted, and REPORT has no Status', async () => {
    const r = await invoke(lambda, 'works', { action: 'error' });
    expect(r.out.FunctionError).toBe('Unhandled');
    expect(r.json).toEqual({ errorMessage: 'the fixture was asked to fail', errorType: 'FixtureError', stackTrace: [] });
    expect(r.report.Status).toBeUndefined();
  });
});

describe('init failures', () => {
  test('/init/error fails the invocation with the runtime error type, after Lambda retries init once', async () => {
    const r = await invoke(lambda, 'init-error');
    expect(r.out.FunctionError).toBe('Unhandled');
    expect(r.json).toEqual({ errorMessage: 'the fixture was asked to fail its init', errorType: 'Runtime.FixtureInitError', stackTrace: [] });
    const initReports = r.tail.split('\n').filter((l) => l.startsWith('INIT_REPORT '));
    expect(initReports).toHaveLength(2);
    expect(initReports[0]).toMatch(/^INIT_REPORT Init Duration: [\d.]+ ms\tPhase: init\tStatus: error\tError Type: Runtime\.FixtureInitError$/);
    expect(initReports[1]).toMatch(/\tPhase: invoke\tStatus: error\tError Type: Runtime\.FixtureInitError$/);
    expect(r.report.Status).toBe('error');
    expect(r.report['Error Type']).toBe('Runtime.FixtureInitError');
    expect(r.report['Init Duration']).toBeUndefined();
    expect(r.reportLine.endsWith('Error Type: Runtime.FixtureInitError')).toBe(true);
  });

  test('a runtime that exits during init fails with Runtime.ExitError', async () => {
    const r = await invoke(lambda, 'init-crash');
    expect(r.out.FunctionError).toBe('Unhandled');
    expect(r.json.errorType).toBe('Runtime.ExitError');
    expect(r.json.errorMessage).toBe(`RequestId: ${r.report.RequestId} Error: Runtime exited with error: exit status 3`);
    expect(r.tail).toContain('Phase: init\tStatus: error\tError Type: Runtime.ExitError');
    expect(r.report.Status).toBe('error');
    expect(r.report['Error Type']).toBe('Runtime.ExitError');
  });

  test('a runtime that never asks for an event times out its init', async () => {
    const r = await invoke(lambda, 'init-hang');
    expect(r.out.FunctionError).toBe('Unhandled');
    expect(r.json).toEqual({ errorType: 'Sandbox.Timedout', errorMessage: `RequestId: ${r.report.RequestId} Error: Task timed out after 1.00 seconds` });
    const initReports = r.tail.split('\n').filter((l) => l.startsWith('INIT_REPORT '));
    expect(initReports[0]).toMatch(/Phase: init\tStatus: timeout$/);
    expect(ms(initReports[0].split('\t')[0].replace('INIT_REPORT Init Duration: ', ''))).toBeGreaterThanOrEqual(2990);
    expect(initReports[1]).toMatch(/Phase: invoke\tStatus: timeout$/);
    expect(r.report.Status).toBe('timeout');
    expect(r.report['Error Type']).toBeUndefined();
    // The benchmark finds such cold starts through FilterLogEvents: both INIT_REPORT lines are in the group,
    // in the stream of the invocation's REPORT line, each message ending with a newline.
    const found = await logs.send(new FilterLogEventsCommand({ logGroupName: '/aws/lambda/init-hang', filterPattern: '?INIT_REPORT ?REPORT' }));
    const messages = (found.events ?? []).filter((e) => e.message!.includes(r.report.RequestId) || e.message!.startsWith('INIT_REPORT '));
    expect(messages.map((e) => e.message!.replace(/[\d.]+ ms/g, 'N ms'))).toEqual([
      'INIT_REPORT Init Duration: N ms\tPhase: init\tStatus: timeout\n',
      'INIT_REPORT Init Duration: N ms\tPhase: invoke\tStatus: timeout\n',
      expect.stringMatching(/^REPORT RequestId: /),
    ]);
    expect(new Set(messages.map((e) => e.logStreamName)).size).toBe(1);
  });

  test('a missing entrypoint fails with Runtime.InvalidEntrypoint', async () => {
    const r = await invoke(lambda, 'no-entrypoint');
    expect(r.json.errorType).toBe('Runtime.InvalidEntrypoint');
    expect(r.report['Error Type']).toBe('Runtime.InvalidEntrypoint');
  });
});

describe('failures during an invocation', () => {
  test('a crash fails with Runtime.ExitError and the next invocation is a cold start', async () => {
    const before = await invoke(lambda, 'works', {});
    const r = await invoke(lambda, 'works', { action: 'crash' });
    expect(r.out.FunctionError).toBe('Unhandled');
    expect(r.json).toEqual({ errorType: 'Runtime.ExitError', errorMessage: `RequestId: ${r.report.RequestId} Error: Runtime exited with error: exit status 7` });
    expect(r.tail).toContain('crashing now\n');
    expect(r.tail).toContain(`RequestId: ${r.report.RequestId} Error: Runtime exited with error: exit status 7\nRuntime.ExitError\n`);
    expect(r.report.Status).toBe('error');
    expect(r.report['Error Type']).toBe('Runtime.ExitError');
    const after = await invoke(lambda, 'works', {});
    expect(after.json.pid).not.toBe(before.json.pid);
    expect(after.report['Init Duration']).toBeDefined();
  });

  test('the function timeout kills the environment and reports Status: timeout', async () => {
    const warm = await invoke(lambda, 'short-timeout', {});
    const r = await invoke(lambda, 'short-timeout', { action: 'hang' });
    expect(r.out.FunctionError).toBe('Unhandled');
    expect(r.json).toEqual({ errorType: 'Sandbox.Timedout', errorMessage: `RequestId: ${r.report.RequestId} Error: Task timed out after 1.00 seconds` });
    expect(r.report.Duration).toBe('1000.00 ms');
    expect(r.report['Billed Duration']).toBe('1000 ms');
    expect(r.report.Status).toBe('timeout');
    expect(r.tail).toMatch(new RegExp(`\\d{4}-\\d{2}-\\d{2}T[\\d:.]+Z ${r.report.RequestId} Task timed out after 1\\.00 seconds\n`));
    const after = await invoke(lambda, 'short-timeout', {});
    expect(after.json.pid).not.toBe(warm.json.pid);
    expect(after.report['Init Duration']).toBeDefined();
  });

  test('a response over 6 MB becomes Function.ResponseSizeTooLarge; the runtime got 413 and keeps serving', async () => {
    const r = await invoke(lambda, 'works', { action: 'big-response', bytes: 6 * 1024 * 1024 + 200 });
    expect(r.out.FunctionError).toBe('Unhandled');
    expect(r.json).toEqual({ errorType: 'Function.ResponseSizeTooLarge', errorMessage: 'Response payload size exceeded maximum allowed payload size (6291556 bytes).' });
    const next = await invoke(lambda, 'works', {});
    expect(next.report['Init Duration']).toBeUndefined();
  });

  test('a response of exactly 6 MB is delivered', async () => {
    const r = await invoke(lambda, 'works', { action: 'big-response', bytes: 6 * 1024 * 1024 });
    expect(r.out.FunctionError).toBeUndefined();
    expect(r.payload.length).toBe(6 * 1024 * 1024);
  });

  test('a response that is not JSON is passed through as Lambda does for custom runtimes', async () => {
    const r = await invoke(lambda, 'works', { action: 'not-json' });
    expect(r.out.FunctionError).toBeUndefined();
    expect(r.payload).toBe('this is not json');
  });

  test('a response for a request id that is not the current one is refused with 400 InvalidRequestID', async () => {
    const r = await invoke(lambda, 'works', { action: 'wrong-id' });
    expect(r.json).toEqual({ wrongIdStatus: 400, wrongIdBody: { errorMessage: 'Invalid request ID', errorType: 'InvalidRequestID' } });
  });
});

test('parseReportLine reads the fields of a REPORT line', () => {
  expect(parseReportLine('REPORT RequestId: a\tDuration: 1.00 ms\tStatus: error\tError Type: Runtime.ExitError')).toEqual({
    RequestId: 'a',
    Duration: '1.00 ms',
    Status: 'error',
    'Error Type': 'Runtime.ExitError',
  });
});
