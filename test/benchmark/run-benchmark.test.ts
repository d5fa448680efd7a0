import { aggregate, invocationRows } from '../../lib/benchmark/aggregate';
import { createBenchmarkClients, type BenchmarkClients } from '../../lib/benchmark/clients';
import { COLD_START_MARKER_VARIABLE } from '../../lib/benchmark/cold-start';
import { resolveConfig } from '../../lib/benchmark/config';
import { runBenchmark, type ProgressEvent } from '../../lib/benchmark/run-benchmark';
import type { TargetSpec } from '../../lib/benchmark/types';
import { FakeAws, TEST_CREDENTIALS } from './fake-aws';

function spec(key: string, functionName: string, extra: Partial<TargetSpec> = {}): TargetSpec {
  return {
    key, functionName, logGroupName: `/aws/lambda/${functionName}`, runtimeLabel: 'provided.al2023',
    memorySizeMB: 128, architecture: 'x86_64', packageBytes: 1000, packageLabel: 'zip', ...extra,
  };
}

describe('runBenchmark against Lambda and CloudWatch Logs wire protocols', () => {
  let fake: FakeAws;
  let clients: BenchmarkClients;
  let endpoint: string;
  const config = resolveConfig({ coldStarts: 3, warmInvocations: 5, reportCollection: { deadlineMs: 3_000, pollIntervalMs: 100 }, bootstrap: { iterations: 500 } });

  beforeEach(async () => {
    fake = new FakeAws();
    endpoint = await fake.start();
    clients = createBenchmarkClients({ region: 'us-east-1', endpoint, credentials: TEST_CREDENTIALS });
    fake.addFunction('wine-apr', { initMs: 20, durationMs: 1, maxMemoryMB: 13, variables: { KEEP: 'me' }, handler: () => ({ quality: 5.3, runtime: 'apr' }) });
    fake.addFunction('wine-pytorch', { initMs: 400, durationMs: 2, maxMemoryMB: 289, memorySizeMB: 512, handler: () => ({ quality: 5.3, runtime: 'pytorch' }) });
    fake.addFunction('wine-broken', { initFails: true });
  });
  afterEach(async () => {
    clients.lambda.destroy();
    clients.logs.destroy();
    await fake.stop();
  });

  test('cold starts, warm invocations, REPORT records joined; a failing function is recorded and the run goes on', async () => {
    const events: ProgressEvent[] = [];
    const run = await runBenchmark({
      lambda: clients.lambda, logs: clients.logs, config, runId: 'r1', updatePollSeconds: 0.05,
      targets: [spec('apr', 'wine-apr'), spec('broken', 'wine-broken'), spec('pytorch', 'wine-pytorch', { memorySizeMB: 512, runtimeLabel: 'container-image' })],
      onProgress: (e) => events.push(e),
    });
    expect(run.aborted).toBe(false);
    expect(run.targets.map((t) => t.spec.key)).toEqual(['apr', 'broken', 'pytorch']);

    const apr = run.targets[0];
    expect(apr.runErrors).toEqual([]);
    expect(apr.invocations).toHaveLength(8);
    expect(apr.invocations.map((i) => i.phase)).toEqual(['cold', 'cold', 'cold', 'warm', 'warm', 'warm', 'warm', 'warm']);
    expect(apr.invocations.slice(0, 3).map((i) => i.coldStartMarker)).toEqual(['r1-apr-0', 'r1-apr-1', 'r1-apr-2']);
    expect(apr.invocations.every((i) => i.report?.requestId === i.requestId)).toBe(true);
    expect(apr.invocations.slice(0, 3).map((i) => i.report!.initDurationMs)).toEqual([20, 20, 20]);
    expect(apr.invocations.slice(3).every((i) => i.report!.initDurationMs === undefined)).toBe(true);
    // One answer kept per phase: the records stay compact.
    expect(apr.invocations.filter((i) => i.response !== undefined).map((i) => i.phase)).toEqual(['cold', 'warm']);
    expect(fake.functions.get('wine-apr')!.variables).toEqual({ KEEP: 'me', [COLD_START_MARKER_VARIABLE]: 'r1-apr-2' });

    const broken = run.targets[1];
    expect(broken.invocations).toHaveLength(8);
    expect(broken.invocations.every((i) => i.functionError === 'Unhandled' && i.errorType === 'Runtime.ExitError')).toBe(true);
    expect(broken.invocations.every((i) => i.report?.status === 'error')).toBe(true);

    const results = aggregate({ run, backend: 'local', environment: { limitsApplied: false } });
    expect(results.targets.apr.cold).toMatchObject({ n: 3, initMs: { p50: 20, n: 3 } });
    expect(results.targets.apr.warm).toMatchObject({ n: 5, durationMs: { p50: 1 } });
    expect(results.targets.broken).toMatchObject({ errors: 8, cold: { n: 0, initMs: null } });
    expect(results.targets.broken.errorSummary.map((e) => [e.phase, e.kind, e.errorType, e.count])).toEqual([
      ['cold', 'function', 'Runtime.ExitError', 3],
      ['warm', 'function', 'Runtime.ExitError', 5],
    ]);
    expect(results.ratios!.coldStartInitP50.value).toBe(20);
    expect(results.ratios!.maxMemory.value).toBeCloseTo(289 / 13, 12);
    expect(invocationRows(run)).toHaveLength(24);

    expect(events.filter((e) => e.type === 'invocation')).toHaveLength(24);
    expect(events.filter((e) => e.type === 'target-done').map((e) => [e.target, (e as { failed: number }).failed])).toEqual([['apr', 0], ['broken', 8], ['pytorch', 0]]);
    const firstCold = events.find((e) => e.type === 'invocation') as Extract<ProgressEvent, { type: 'invocation' }>;
    expect(firstCold.updateWaitMs).toBeGreaterThan(0);
  });

  test('a function that does not exist gets a run error; the next target still runs', async () => {
    const run = await runBenchmark({
      lambda: clients.lambda, logs: clients.logs, config, updatePollSeconds: 0.05,
      targets: [spec('ghost', 'wine-ghost'), spec('apr', 'wine-apr')],
    });
    expect(run.targets[0].invocations).toEqual([]);
    expect(run.targets[0].runErrors).toEqual([expect.stringMatching(/^ResourceNotFoundException: Function not found: wine-ghost$/)]);
    expect(run.targets[1].invocations).toHaveLength(8);
  });

  test('late REPORT records are waited for; JSON log format supported', async () => {
    fake.ingestionDelayMs = 300;
    fake.jsonLogs = true;
    const run = await runBenchmark({
      lambda: clients.lambda, logs: clients.logs, config, updatePollSeconds: 0.05,
      targets: [spec('apr', 'wine-apr', { logFormat: 'JSON' })],
    });
    expect(run.targets[0].runErrors).toEqual([]);
    expect(run.targets[0].invocations.every((i) => i.report?.status === 'success')).toBe(true);
    const filters = fake.requests.filter((r) => r.target?.endsWith('FilterLogEvents')).map((r) => JSON.parse(r.body).filterPattern);
    expect(new Set(filters)).toEqual(new Set(['{ $.type = "platform.report" }']));
  });

  test('REPORT records that never arrive: a run error, and the invocations count as failed', async () => {
    fake.ingestionDelayMs = 60_000;
    const run = await runBenchmark({
      lambda: clients.lambda, logs: clients.logs, updatePollSeconds: 0.05,
      config: { ...config, reportCollection: { deadlineMs: 300, pollIntervalMs: 100 } },
      targets: [spec('apr', 'wine-apr')],
    });
    expect(run.targets[0].runErrors).toEqual([expect.stringMatching(/^8 of 8 REPORT records missing in \/aws\/lambda\/wine-apr after/)]);
    const results = aggregate({ run, backend: 'local', environment: { limitsApplied: false } });
    expect(results.targets.apr.errors).toBe(8);
    expect(results.targets.apr.cold.initMs).toBeNull();
  });

  test('an abort stops between invocations; what was measured is returned, marked aborted', async () => {
    const controller = new AbortController();
    let seen = 0;
    const run = await runBenchmark({
      lambda: clients.lambda, logs: clients.logs, config, updatePollSeconds: 0.05, signal: controller.signal,
      targets: [spec('apr', 'wine-apr'), spec('pytorch', 'wine-pytorch')],
      onProgress: (e) => {
        if (e.type === 'invocation' && ++seen === 4) controller.abort();
      },
    });
    expect(run.aborted).toBe(true);
    expect(run.targets).toHaveLength(1);
    expect(run.targets[0].invocations).toHaveLength(4);
    // The quick final pass still joined what was already in the log.
    expect(run.targets[0].invocations.every((i) => i.report !== undefined)).toBe(true);
    expect(fake.requests.some((r) => r.path.includes('wine-pytorch'))).toBe(false);
  });

  test('consecutive Invoke failures stop a target instead of hammering the service', async () => {
    const limited = createBenchmarkClients({ region: 'us-east-1', endpoint, credentials: TEST_CREDENTIALS, maxAttempts: 1 });
    try {
      fake.throttleInvokes = 1000;
      const run = await runBenchmark({
        lambda: limited.lambda, logs: limited.logs, updatePollSeconds: 0.05, maxConsecutiveApiErrors: 3,
        config: resolveConfig({ coldStarts: 10, warmInvocations: 10 }),
        targets: [spec('apr', 'wine-apr')],
      });
      expect(run.targets[0].invocations).toHaveLength(3);
      expect(run.targets[0].invocations.every((i) => i.apiError && i.errorType === 'TooManyRequestsException')).toBe(true);
      expect(run.targets[0].runErrors).toEqual([expect.stringMatching(/^TargetStopped: stopped after 3 Invoke failures in a row \(last: TooManyRequestsException: Rate Exceeded\.\)$/)]);
    } finally {
      limited.lambda.destroy();
      limited.logs.destroy();
    }
  });

  test('duplicate target keys are refused before anything runs', async () => {
    await expect(runBenchmark({ lambda: clients.lambda, logs: clients.logs, config, targets: [spec('a', 'wine-apr'), spec('a', 'wine-pytorch')] })).rejects.toThrow(/appears twice/);
    expect(fake.requests).toHaveLength(0);
  });
});
