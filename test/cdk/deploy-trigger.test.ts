import { SFNClient } from '@aws-sdk/client-sfn';
import { formatRatio, isComplete, onEvent, PHYSICAL_RESOURCE_ID, TRIGGER_ATTRIBUTES } from '../../lib/handlers/deploy-trigger';
import { startFakeAws, TEST_CREDENTIALS, type FakeAws, type FakeResponse } from './fake-aws';

/** The deploy-time trigger's handlers against Step Functions' JSON protocol on 127.0.0.1. */
const STATE_MACHINE = 'arn:aws:states:us-east-1:123456789012:stateMachine:Bench';
const EXECUTION = 'arn:aws:states:us-east-1:123456789012:execution:Bench:deploy-20240601-120000-abcdef';
let fake: FakeAws;
let answer: (operation: string, body: any) => FakeResponse | undefined;
let sfn: SFNClient;
const now = new Date('2024-06-01T12:10:00Z');

beforeAll(async () => {
  fake = await startFakeAws((req) => answer(req.operation, req.body ? JSON.parse(req.body) : {}));
  sfn = new SFNClient({ endpoint: fake.endpoint, region: 'us-east-1', credentials: TEST_CREDENTIALS, maxAttempts: 1 });
});
afterAll(async () => {
  sfn.destroy();
  await fake.close();
});
beforeEach(() => {
  fake.requests.length = 0;
});

const deps = () => ({ sfn, stateMachineArn: STATE_MACHINE, bucketName: 'results-bucket', waitMs: 30 * 60_000, now: () => now });
const created = { RequestType: 'Create' as const, ResourceProperties: { AprCode: 'abc.zip', PytorchImage: 'repo:tag', ConfigHash: 'h' } };

test('Create starts an execution named after the time, recording why it ran', async () => {
  answer = (op) => (op === 'StartExecution' ? { body: { executionArn: EXECUTION, startDate: now.getTime() / 1000 } } : undefined);
  const out = await onEvent(created, deps());
  expect(out).toEqual({ PhysicalResourceId: PHYSICAL_RESOURCE_ID, Data: { ExecutionArn: EXECUTION, StartedAt: now.toISOString() } });
  expect(fake.requests).toHaveLength(1);
  const sent = JSON.parse(fake.requests[0].body);
  expect(sent.stateMachineArn).toBe(STATE_MACHINE);
  expect(sent.name).toMatch(/^deploy-20240601-121000-[0-9a-f]{6}$/);
  expect(JSON.parse(sent.input)).toEqual({
    // No TargetCode in these properties: recorded as null.
    trigger: { source: 'cloudformation', requestType: 'Create', aprCode: 'abc.zip', pytorchImage: 'repo:tag', targetCode: null, configHash: 'h' },
  });
});

test('RunTargets (runOnDeployTargets) becomes the execution input\'s targets: the run on deploy measures only those', async () => {
  answer = (op) => (op === 'StartExecution' ? { body: { executionArn: EXECUTION, startDate: now.getTime() / 1000 } } : undefined);
  await onEvent({ ...created, ResourceProperties: { ...created.ResourceProperties, RunTargets: 'apr,pytorch' } }, deps());
  const input = JSON.parse(JSON.parse(fake.requests[0].body).input);
  expect(input.targets).toEqual(['apr', 'pytorch']);
  expect(input.trigger.requestType).toBe('Create');
});

test('Update keeps the physical id, so CloudFormation never deletes the resource on a change', async () => {
  answer = () => ({ body: { executionArn: EXECUTION, startDate: 0 } });
  const out = await onEvent({ ...created, RequestType: 'Update', PhysicalResourceId: 'kept' }, deps());
  expect(out.PhysicalResourceId).toBe('kept');
});

test('Delete does nothing and succeeds at once, in both handlers', async () => {
  answer = () => {
    throw new Error('no call expected');
  };
  await expect(onEvent({ RequestType: 'Delete', PhysicalResourceId: 'p' }, deps())).resolves.toEqual({ PhysicalResourceId: 'p' });
  await expect(isComplete({ RequestType: 'Delete', PhysicalResourceId: 'p' }, deps())).resolves.toEqual({ IsComplete: true });
  expect(fake.requests).toHaveLength(0);
});

const polled = { RequestType: 'Create' as const, Data: { ExecutionArn: EXECUTION } };

test('while the run is young: not complete, and no data (the provider framework forbids it)', async () => {
  answer = () => ({ body: { executionArn: EXECUTION, status: 'RUNNING', startDate: (now.getTime() - 60_000) / 1000 } });
  await expect(isComplete(polled, deps())).resolves.toEqual({ IsComplete: false });
});

test('past the wait: complete, reported as still running, with every attribute the outputs read', async () => {
  answer = () => ({ body: { executionArn: EXECUTION, status: 'RUNNING', startDate: (now.getTime() - 31 * 60_000) / 1000 } });
  const out = await isComplete(polled, deps());
  expect(out.IsComplete).toBe(true);
  expect(Object.keys(out.Data!).sort()).toEqual([...TRIGGER_ATTRIBUTES].sort());
  expect(out.Data!.Status).toMatch(/^RUNNING/);
  expect(out.Data!.ResultsLocation).toBe('s3://results-bucket/runs/deploy-20240601-120000-abcdef/');
  expect(out.Data!.ColdStartInitP50Ratio).toBe('n/a');
});

test('succeeded: the headline ratios from the execution output, and where report.md is', async () => {
  const output = {
    run: 'deploy-20240601-120000-abcdef',
    resultsPrefix: 'runs/deploy-20240601-120000-abcdef/',
    ratios: {
      numerator: 'pytorch',
      denominator: 'apr',
      coldStartInitP50: { value: 174.31, ci95: [150.2, 201.9] },
      warmDurationP50: { value: 1.84, ci95: [1.5, 2.2] },
      maxMemory: { value: 22.2, ci95: [21.9, 22.5] },
      packageSize: { value: 1250.5, ci95: null },
    },
    errors: { apr: 0, pytorch: 0 },
    runErrors: { apr: 0, pytorch: 0 },
  };
  answer = () => ({ body: { executionArn: EXECUTION, status: 'SUCCEEDED', startDate: 0, output: JSON.stringify(output) } });
  const out = await isComplete(polled, deps());
  expect(out).toEqual({
    IsComplete: true,
    Data: {
      Status: 'SUCCEEDED',
      ExecutionArn: EXECUTION,
      ResultsLocation: 's3://results-bucket/runs/deploy-20240601-120000-abcdef/',
      Report: 's3://results-bucket/runs/deploy-20240601-120000-abcdef/report.md',
      ColdStartInitP50Ratio: 'pytorch/apr 174x (95% CI 150-202)',
      WarmDurationP50Ratio: 'pytorch/apr 1.84x (95% CI 1.50-2.20)',
      MaxMemoryRatio: 'pytorch/apr 22.2x (95% CI 21.9-22.5)',
      PackageSizeRatio: 'pytorch/apr 1251x',
    },
  });
});

test('failed: complete all the same (a rollback would delete the evidence), pointing at failure.json', async () => {
  answer = () => ({ body: { executionArn: EXECUTION, status: 'FAILED', startDate: 0, error: 'ExecutionInputError' } });
  const out = await isComplete(polled, deps());
  expect(out.IsComplete).toBe(true);
  expect(out.Data).toMatchObject({ Status: 'FAILED: ExecutionInputError', Report: 's3://results-bucket/runs/deploy-20240601-120000-abcdef/failure.json' });
});

test('formatRatio', () => {
  expect(formatRatio(undefined)).toBe('n/a');
  expect(formatRatio({ value: null, ci95: null })).toBe('n/a');
  expect(formatRatio({ value: 0.5, ci95: [0.25, 0.75] })).toBe('0.50x (95% CI 0.25-0.75)');
});

describe('DescribeExecution failing: transient errors poll again, definitive ones fail', () => {
  const startedRecently = { RequestType: 'Create' as const, Data: { ExecutionArn: EXECUTION, StartedAt: new Date(now.getTime() - 60_000).toISOString() } };
  const startedLongAgo = { RequestType: 'Create' as const, Data: { ExecutionArn: EXECUTION, StartedAt: new Date(now.getTime() - 31 * 60_000).toISOString() } };

  test.each([
    ['throttled', { status: 400, body: { __type: 'ThrottlingException', message: 'Rate exceeded' } }],
    ['an internal error (500)', { status: 500, body: { __type: 'InternalFailure', message: 'oops' } }],
    ['service unavailable (503)', { status: 503, body: { __type: 'ServiceUnavailable', message: 'later' } }],
    ['a dropped connection', { dropConnection: true }],
  ])('%s: not complete, no data, so the provider framework polls again', async (_what, response) => {
    answer = () => response as FakeResponse;
    await expect(isComplete(startedRecently, deps())).resolves.toEqual({ IsComplete: false });
    expect(fake.requests.length).toBeGreaterThan(0);
  });

  test('a connection refused (nothing listening) is transient too', async () => {
    const closed = await startFakeAws(() => undefined);
    const endpoint = closed.endpoint;
    await closed.close();
    const offline = new SFNClient({ endpoint, region: 'us-east-1', credentials: TEST_CREDENTIALS, maxAttempts: 1 });
    try {
      await expect(isComplete(startedRecently, { ...deps(), sfn: offline })).resolves.toEqual({ IsComplete: false });
    } finally {
      offline.destroy();
    }
  });

  test('still failing past the wait: complete with status UNKNOWN, never a failed deployment', async () => {
    answer = () => ({ status: 400, body: { __type: 'ThrottlingException', message: 'Rate exceeded' } });
    const out = await isComplete(startedLongAgo, deps());
    expect(out.IsComplete).toBe(true);
    expect(out.Data!.Status).toMatch(/^UNKNOWN \(DescribeExecution kept failing: ThrottlingException/);
    expect(Object.keys(out.Data!).sort()).toEqual([...TRIGGER_ATTRIBUTES].sort());
  });

  test.each([
    ['AccessDeniedException', 400],
    ['ExecutionDoesNotExist', 400],
    ['InvalidArn', 400],
  ])('%s is definitive: isComplete throws, and the framework reports the failure', async (type, status) => {
    answer = () => ({ status, body: { __type: type, message: `${type} says no` } });
    await expect(isComplete(startedRecently, deps())).rejects.toMatchObject({ name: type });
  });
});
