import { readFileSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import { GetFunctionConfigurationCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { COLD_START_MARKER_VARIABLE } from '../../lib/benchmark/cold-start';
import { LocalLambdaService } from '../../lib/local-lambda';
import type { CfnTemplate } from '../../lib/state-machine-local';
import { runStateMachineLocally, type LocalRunProgress } from '../../lib/state-machine-local';
import { synthesizeBenchmarkTemplate } from '../../lib/state-machine-local/synth';
import { filesUnder, fixture, readJson, target, tempDir } from './helpers';
import { STATE_NAMES } from '../../lib/constructs/benchmark-state-machine';
import { formatSeconds, shapeOfDefinition, TRANSITION_SHAPE } from '../../lib/plan';
import { extractStateMachine } from '../../lib/state-machine-local/definition';

/**
 * The state machine `cdk synth` produces, executed end to end on this machine: aws-local-stepfunctions
 * interprets the definition from the template, every Task runs the real handler code, and the
 * functions under test are real processes behind the local Lambda service on 127.0.0.1.
 */
jest.setTimeout(120_000);

let template: CfnTemplate;
let service: LocalLambdaService;
let lambda: LambdaClient;
const dirs: string[] = [];
const fast = { bootstrap: { iterations: 200 } };

beforeAll(async () => {
  template = synthesizeBenchmarkTemplate();
  service = await LocalLambdaService.start({ limits: 'off' });
  service.register(fixture('fixture-a'));
  service.register(fixture('fixture-b', { FIXTURE_INIT_DELAY_MS: '40' }));
  service.register(fixture('fixture-init-fails', { FIXTURE_INIT: 'init-error' }));
  lambda = new LambdaClient({ endpoint: service.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts: 1 });
}, 120_000);

afterAll(async () => {
  lambda?.destroy();
  await service?.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function outDir(): string {
  const d = tempDir();
  dirs.push(d);
  return d;
}

test('a run: cold starts forced one by one, warm invocations, REPORT lines joined, result files written', async () => {
  const events: LocalRunProgress[] = [];
  const out = outDir();
  const result = await runStateMachineLocally({
    template,
    lambdaEndpoint: service.endpoint,
    outDir: out,
    targets: [target('apr', 'fixture-a'), target('pytorch', 'fixture-b')],
    defaults: { coldStarts: 3, warmInvocations: 4, ...fast },
    onProgress: (e) => events.push(e),
  });
  expect(result.status).toBe('SUCCEEDED');
  expect(result.resultsDir).toBe(path.join(out, 'runs', result.executionName));
  expect(filesUnder(result.resultsDir)).toEqual(
    [
      'cold-init-distribution.svg',
      'cold-start.svg',
      'invocations.csv',
      'raw/apr/cold/0001.json',
      'raw/apr/cold/0002.json',
      'raw/apr/cold/0003.json',
      'raw/apr/reports.json',
      'raw/apr/warm.json',
      'raw/pytorch/cold/0001.json',
      'raw/pytorch/cold/0002.json',
      'raw/pytorch/cold/0003.json',
      'raw/pytorch/reports.json',
      'raw/pytorch/warm.json',
      'raw/run.json',
      'report.md',
      'results.json',
      'warm-duration-distribution.svg',
    ].sort(),
  );

  const results = readJson(path.join(result.resultsDir, 'results.json'));
  expect(results.backend).toBe('local');
  for (const key of ['apr', 'pytorch']) {
    const t = results.targets[key];
    expect(t.invocations).toBe(7);
    expect(t.errors).toBe(0);
    expect(t.runErrors).toEqual([]);
    // Every forced cold start landed in a new environment, every warm invocation in a used one.
    expect(t.cold.n).toBe(3);
    expect(t.cold.withoutInitDuration).toBe(0);
    expect(t.warm.n).toBe(4);
    expect(t.warm.withInitDuration).toBe(0);
  }
  // The execution's output is what the deploy trigger and bench:aws read.
  expect(result.output?.resultsPrefix).toBe(`runs/${result.executionName}/`);
  expect(result.output?.ratios?.coldStartInitP50.value).toBeCloseTo(results.ratios.coldStartInitP50.value, 10);
  expect(result.output?.errors).toEqual({ apr: 0, pytorch: 0 });

  // Each cold start had its own marker, and the function's configuration carries the last one.
  const markers = [1, 2, 3].map((i) => readJson(path.join(result.resultsDir, `raw/apr/cold/000${i}.json`)).record.coldStartMarker);
  expect(new Set(markers).size).toBe(3);
  const conf = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'fixture-a' }));
  expect(conf.Environment?.Variables?.[COLD_START_MARKER_VARIABLE]).toBe(markers[2]);

  const csv = readFileSync(path.join(result.resultsDir, 'invocations.csv'), 'utf8').trim().split('\n');
  expect(csv).toHaveLength(1 + 14);
  const run = readJson(path.join(result.resultsDir, 'raw/run.json'));
  expect(run.config.coldStarts).toBe(3);
  expect(run.targets.map((t: { functionName: string }) => t.functionName)).toEqual(['fixture-a', 'fixture-b']);

  // The plan Prepare recorded (local profile), and report.md's measured duration beside it.
  expect(run.plan.profile).toBe('local');
  expect(run.plan.functions.map((f: { key: string }) => f.key)).toEqual(['apr', 'pytorch']);
  expect(run.plan.coldStarts).toBe(3);
  const measured = (Date.parse(results.finishedAt) - Date.parse(results.startedAt)) / 1000;
  const report = readFileSync(path.join(result.resultsDir, 'report.md'), 'utf8');
  expect(report).toContain('## Plan and measured duration');
  const line = report.split('\n').find((l) => l.startsWith('**Duration**'))!;
  expect(line).toMatch(new RegExp(`^\\*\\*Duration\\*\\*: planned about ${formatSeconds(run.plan.seconds.typical)} \\(.+\\), measured (\\d+(\\.\\d)? s|\\d+ min \\d+ s) \\(Prepare to Aggregate\\): \\d+\\.\\d\\d× the typical plan, (within|below|above) its range\\.$`));
  // Measured from Prepare's start to Aggregate: what results.json's window says, within the formatting.
  expect(line).toContain(`measured ${formatSeconds(measured)}`);

  // Progress: targets in order, every invocation, the REPORT collection.
  expect(events.filter((e) => e.type === 'target-start').map((e) => (e as { target: string }).target)).toEqual(['apr', 'pytorch']);
  expect(events.filter((e) => e.type === 'invocation')).toHaveLength(14);
  expect(events.filter((e) => e.type === 'collecting')).toEqual([
    { type: 'collecting', target: 'apr', found: 7, missing: 0 },
    { type: 'collecting', target: 'pytorch', found: 7, missing: 0 },
  ]);
  expect(events.filter((e) => e.type === 'target-done')).toEqual([
    { type: 'target-done', target: 'apr', invocations: 7, failed: 0 },
    { type: 'target-done', target: 'pytorch', invocations: 7, failed: 0 },
  ]);
});


test('the run plan counts the state transitions of the synthesized definition\'s own shape', () => {
  const { definition } = extractStateMachine(template, STATE_NAMES.prepare, { region: 'us-east-1' });
  expect(shapeOfDefinition(definition as never)).toEqual(TRANSITION_SHAPE);
});

test('cold starts in rounds: each forced update serves coldStartConcurrency invocations, each one a new environment', async () => {
  const out = outDir();
  const result = await runStateMachineLocally({
    template,
    lambdaEndpoint: service.endpoint,
    outDir: out,
    // fixture-b takes 40 ms to init, so the invocations of a round all find the others' environments busy.
    targets: [target('apr', 'fixture-a'), target('pytorch', 'fixture-b', { coldStartConcurrency: 2 })],
    defaults: { coldStarts: 5, warmInvocations: 2, ...fast },
  });
  expect(result.status).toBe('SUCCEEDED');
  const results = readJson(path.join(result.resultsDir, 'results.json'));
  expect(results.targets.apr.coldStartConcurrency).toBe(1);
  expect(results.targets.pytorch.coldStartConcurrency).toBe(2);
  for (const key of ['apr', 'pytorch']) {
    expect(results.targets[key].errors).toBe(0);
    expect(results.targets[key].cold.n).toBe(5);
    expect(results.targets[key].cold.withoutInitDuration).toBe(0);
  }
  // Five cold invocations from three forced updates: rounds 1-2, 3-4 and 5.
  const markers = [1, 2, 3, 4, 5].map((i) => readJson(path.join(result.resultsDir, `raw/pytorch/cold/000${i}.json`)).record.coldStartMarker);
  expect(markers[0]).toBe(markers[1]);
  expect(markers[2]).toBe(markers[3]);
  expect(new Set(markers).size).toBe(3);
  // Each of the five carried an Init Duration (cold.n above): five new environments, none reused.
  expect(readFileSync(path.join(result.resultsDir, 'report.md'), 'utf8')).toContain('**Cold starts in rounds** (pytorch: 2 per update)');
});

test('a function that fails its init: every invocation is recorded as failed, the run finishes and says so', async () => {
  const result = await runStateMachineLocally({
    template,
    lambdaEndpoint: service.endpoint,
    outDir: outDir(),
    targets: [target('apr', 'fixture-a'), target('pytorch', 'fixture-init-fails')],
    defaults: { coldStarts: 2, warmInvocations: 2, ...fast },
  });
  expect(result.status).toBe('SUCCEEDED');
  const results = readJson(path.join(result.resultsDir, 'results.json'));
  expect(results.targets.apr.errors).toBe(0);
  const failing = results.targets.pytorch;
  expect(failing.invocations).toBe(4);
  expect(failing.errors).toBe(4);
  expect(failing.cold.n).toBe(0);
  expect(failing.errorSummary.every((e: { kind: string }) => e.kind === 'function')).toBe(true);
  expect(JSON.stringify(failing.errorSummary)).toContain('Runtime.');
  expect(results.ratios.coldStartInitP50.value).toBeNull();
  expect(readFileSync(path.join(result.resultsDir, 'report.md'), 'utf8')).toContain('4 of 4');
});

test('a throttled call is retried by the SDK with back-off and recorded with its attempts', async () => {
  const throttling = await LocalLambdaService.start({ limits: 'off' });
  try {
    throttling.register(fixture('only-one'));
    // The function's next two invocations are refused with 429, as at Lambda's concurrency limit: the run's
    // first cold invocation is throttled twice, whatever the machine's speed, and answered on the third attempt.
    throttling.throttleNextInvocations('only-one', 2);
    const result = await runStateMachineLocally({
      template,
      lambdaEndpoint: throttling.endpoint,
      outDir: outDir(),
      targets: [target('apr', 'only-one')],
      defaults: { coldStarts: 2, warmInvocations: 2, ratio: { numerator: 'apr', denominator: 'apr' }, ...fast },
    });
    expect(result.status).toBe('SUCCEEDED');
    const first = readJson(path.join(result.resultsDir, 'raw/apr/cold/0001.json')).record;
    expect(first.apiError ?? false).toBe(false);
    expect(first.attempts).toBe(3);
    expect(first.retryDelayMs).toBeGreaterThan(0);
    expect(first.statusCode).toBe(200);
    const later = readJson(path.join(result.resultsDir, 'raw/apr/cold/0002.json')).record;
    expect(later.attempts).toBe(1);
    expect(readJson(path.join(result.resultsDir, 'results.json')).targets.apr.errors).toBe(0);
  } finally {
    await throttling.stop();
  }
});

test('REPORT lines that never arrive: the collect step is retried, then the missing ones are recorded, not dropped', async () => {
  const events: LocalRunProgress[] = [];
  const result = await runStateMachineLocally({
    template,
    lambdaEndpoint: service.endpoint,
    outDir: outDir(),
    // The wrong log group: it exists, but holds none of these invocations' REPORT lines.
    targets: [target('apr', 'fixture-a', { logGroupName: '/aws/lambda/fixture-b' })],
    defaults: { coldStarts: 1, warmInvocations: 2, ratio: { numerator: 'apr', denominator: 'apr' }, ...fast },
    retryIntervalOverrides: { CollectReports: 5 },
    onProgress: (e) => events.push(e),
  });
  expect(result.status).toBe('SUCCEEDED');
  const retries = events.filter((e) => e.type === 'retry' && e.state === 'CollectReports');
  expect(retries).toHaveLength(10);
  expect(retries.every((e) => (e as { error: string }).error === 'ReportsNotYetIngested')).toBe(true);
  expect(events.some((e) => e.type === 'state' && e.state === 'CollectRemainingReports')).toBe(true);
  const t = readJson(path.join(result.resultsDir, 'results.json')).targets.apr;
  expect(t.errors).toBe(3);
  expect(t.errorSummary.map((e: { kind: string }) => e.kind)).toEqual(expect.arrayContaining(['missing-report']));
  expect(t.runErrors.join('\n')).toMatch(/3 of 3 REPORT records missing in \/aws\/lambda\/fixture-b after 12 passes/);
  // One pass, ten retries, then the final pass that records what is missing.
});

test('a function that does not exist: the target records why it stopped, the other target is still measured', async () => {
  const result = await runStateMachineLocally({
    template,
    lambdaEndpoint: service.endpoint,
    outDir: outDir(),
    targets: [target('apr', 'fixture-a'), target('pytorch', 'no-such-function')],
    defaults: { coldStarts: 1, warmInvocations: 1, ...fast },
  });
  expect(result.status).toBe('SUCCEEDED');
  const results = readJson(path.join(result.resultsDir, 'results.json'));
  expect(results.targets.apr.cold.n).toBe(1);
  expect(results.targets.pytorch.invocations).toBe(0);
  expect(results.targets.pytorch.runErrors).toEqual([expect.stringMatching(/^ResourceNotFoundException: .*no-such-function/)]);
});

test('a run that cannot start: failure.json says which state failed and why, and the execution fails', async () => {
  const result = await runStateMachineLocally({
    template,
    lambdaEndpoint: service.endpoint,
    outDir: outDir(),
    targets: [target('apr', 'fixture-a')],
    input: { config: { coldStarts: 0 } },
  });
  expect(result.status).toBe('FAILED');
  expect(result.error?.error).toBe('ExecutionInputError');
  expect(result.failure).toMatchObject({
    schemaVersion: 1,
    run: result.executionName,
    status: 'FAILED',
    failedState: 'Prepare',
    error: 'ExecutionInputError',
    message: expect.stringContaining('coldStarts'),
  });
  expect(filesUnder(result.resultsDir)).toEqual(['failure.json']);
});

test('the execution input overrides the defaults, as `bench:aws --cold-starts` does', async () => {
  const result = await runStateMachineLocally({
    template,
    lambdaEndpoint: service.endpoint,
    outDir: outDir(),
    targets: [target('apr', 'fixture-a')],
    defaults: { coldStarts: 5, warmInvocations: 5, ratio: { numerator: 'apr', denominator: 'apr' }, ...fast },
    input: { config: { coldStarts: 1, warmInvocations: 1 } },
    executionName: 'override-check',
  });
  expect(result.status).toBe('SUCCEEDED');
  expect(result.executionName).toBe('override-check');
  const results = readJson(path.join(result.resultsDir, 'results.json'));
  expect(results.config).toMatchObject({ coldStarts: 1, warmInvocations: 1 });
  expect(results.targets.apr.invocations).toBe(2);
});
