import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { S3Client } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';
import { benchAws, describeEvent, explainAwsError, main, type BenchAwsClients, type BenchAwsOptions } from '../../bin/bench-aws';
import { startFakeAws, TEST_CREDENTIALS, type FakeAws, type FakeRequest } from './fake-aws';
import { describePlan, formatSeconds, planRun, ProgressTracker } from '../../lib/plan';

/** bench:aws against CloudFormation (query/XML), Step Functions (JSON) and S3 (REST) on 127.0.0.1. */
const SM = 'arn:aws:states:us-east-1:123456789012:stateMachine:Bench';
let fake: FakeAws;
let clients: BenchAwsClients;
let state: { status: string; objects: Map<string, string>; stackOutputs: Record<string, string> | null; polls: number; running: object[]; history?: object[] };
const dirs: string[] = [];

function cfnStacks(outputs: Record<string, string> | null): string {
  if (!outputs) {
    return '<ErrorResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><Error><Type>Sender</Type><Code>ValidationError</Code><Message>Stack with id AprLambdaBench does not exist</Message></Error><RequestId>r</RequestId></ErrorResponse>';
  }
  const members = Object.entries(outputs).map(([k, v]) => `<member><OutputKey>${k}</OutputKey><OutputValue>${v}</OutputValue></member>`).join('');
  return `<DescribeStacksResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><DescribeStacksResult><Stacks><member><StackName>AprLambdaBench</StackName><StackId>id</StackId><CreationTime>2024-06-01T00:00:00Z</CreationTime><StackStatus>CREATE_COMPLETE</StackStatus><Outputs>${members}</Outputs></member></Stacks></DescribeStacksResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></DescribeStacksResponse>`;
}

function respond(req: FakeRequest) {
  if (req.operation === 'DescribeStacks') return { status: state.stackOutputs ? 200 : 400, body: cfnStacks(state.stackOutputs) };
  if (req.operation === 'ListExecutions') {
    expect(JSON.parse(req.body)).toMatchObject({ stateMachineArn: SM, statusFilter: 'RUNNING' });
    return { body: { executions: state.running } };
  }
  if (req.operation === 'StartExecution') {
    const name = JSON.parse(req.body).name;
    return { body: { executionArn: `arn:aws:states:us-east-1:123456789012:execution:Bench:${name}`, startDate: 1 } };
  }
  if (req.operation === 'GetExecutionHistory') {
    if (state.history) return { body: { events: state.history } };
    return {
      body: {
        events: [
          { id: 1, timestamp: 1717200000, type: 'ExecutionStarted' },
          { id: 2, timestamp: 1717200001, type: 'TaskStateEntered', stateEnteredEventDetails: { name: 'ForceColdStart', input: JSON.stringify({ target: { key: 'apr' }, index: 1 }) } },
        ],
      },
    };
  }
  if (req.operation === 'DescribeExecution') {
    state.polls++;
    const status = state.polls < 2 ? 'RUNNING' : state.status;
    return { body: { executionArn: JSON.parse(req.body).executionArn, status, startDate: 1, stateMachineArn: SM } };
  }
  if (req.method === 'GET' && req.query.get('list-type') === '2') {
    const prefix = req.query.get('prefix') ?? '';
    const keys = [...state.objects.keys()].filter((k) => k.startsWith(prefix) && !k.slice(prefix.length).includes('/'));
    return { body: `<ListBucketResult><Name>results</Name><KeyCount>${keys.length}</KeyCount><IsTruncated>false</IsTruncated>${keys.map((k) => `<Contents><Key>${k}</Key></Contents>`).join('')}</ListBucketResult>` };
  }
  if (req.method === 'GET' && req.path.startsWith('/results/')) {
    const value = state.objects.get(decodeURIComponent(req.path.slice('/results/'.length)));
    return value === undefined ? { status: 404, body: '<Error><Code>NoSuchKey</Code><Message>no</Message></Error>' } : { body: value };
  }
  return undefined;
}

beforeAll(async () => {
  fake = await startFakeAws(respond);
  const config = { endpoint: fake.endpoint, region: 'us-east-1', credentials: TEST_CREDENTIALS, maxAttempts: 1 };
  clients = { cloudFormation: new CloudFormationClient(config), sfn: new SFNClient(config), s3: new S3Client({ ...config, forcePathStyle: true }) };
});
afterAll(async () => {
  await fake.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
beforeEach(() => {
  fake.requests.length = 0;
  state = { status: 'SUCCEEDED', objects: new Map(), stackOutputs: { StateMachineArn: SM, ResultsBucketName: 'results' }, polls: 0, running: [] };
});

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (t: string) => out.push(t), err: (t: string) => err.push(t), sleep: async () => undefined } };
}
const options = (o: Partial<BenchAwsOptions> = {}): BenchAwsOptions => ({ stackName: 'AprLambdaBench', pollSeconds: 1, ...o });

test('finds the state machine from the stack outputs, starts a run, shows progress, prints report.md', async () => {
  const captured = io();
  // The report appears under the execution's name, which is chosen when the run starts.
  const code = await benchAws(options({ coldStarts: 3 }), clients, {
    ...captured.io,
    sleep: async () => {
      const name = JSON.parse(fake.requests.find((r) => r.operation === 'StartExecution')!.body).name;
      state.objects.set(`runs/${name}/report.md`, '# Benchmark results\n');
    },
  });
  expect(code).toBe(0);
  const start = fake.requests.find((r) => r.operation === 'StartExecution')!;
  const sent = JSON.parse(start.body);
  expect(sent.stateMachineArn).toBe(SM);
  expect(sent.name).toMatch(/^manual-\d{8}-\d{6}-[0-9a-f]{6}$/);
  expect(JSON.parse(sent.input)).toEqual({ config: { coldStarts: 3 } });
  expect(captured.out.join('')).toBe('# Benchmark results\n');
  expect(captured.err.join('')).toContain('ForceColdStart apr #1');
  expect(captured.err.join('')).toContain('execution SUCCEEDED; results: s3://results/runs/');
});

test('--execution-arn follows a run already started (e.g. by the deployment) and --out downloads its files', async () => {
  const name = 'deploy-20240601-120000-abcdef';
  state.objects.set(`runs/${name}/report.md`, 'report\n');
  state.objects.set(`runs/${name}/results.json`, '{}\n');
  state.objects.set(`runs/${name}/raw/run.json`, '{}\n');
  const out = mkdtempSync(path.join(os.tmpdir(), 'bench-aws-test-'));
  dirs.push(out);
  const captured = io();
  const code = await benchAws(
    options({ executionArn: `arn:aws:states:us-east-1:123456789012:execution:Bench:${name}`, stateMachineArn: SM, bucket: 'results', out }),
    clients,
    captured.io,
  );
  expect(code).toBe(0);
  expect(fake.requests.some((r) => r.operation === 'StartExecution' || r.operation === 'DescribeStacks')).toBe(false);
  expect(readFileSync(path.join(out, name, 'report.md'), 'utf8')).toBe('report\n');
  expect(existsSync(path.join(out, name, 'results.json'))).toBe(true);
  // Only the result files, not the raw records below them.
  expect(existsSync(path.join(out, name, 'raw'))).toBe(false);
});

test('progress per function with the time left, from the plan Prepare wrote to run.json, corrected as cold starts complete', async () => {
  const name = 'deploy-20240601-120000-abcdef';
  const plan = planRun({ profile: 'aws', functions: [{ key: 'apr', targetKey: 'apr', packageType: 'Zip', architecture: 'x86_64', memorySizeMB: 128 }], coldStarts: 30, warmInvocations: 100 });
  state.objects.set(`runs/${name}/raw/run.json`, JSON.stringify({ plan }));
  state.objects.set(`runs/${name}/report.md`, 'report\n');
  state.history = [
    { id: 1, timestamp: 1717200000, type: 'ExecutionStarted' },
    { id: 2, timestamp: 1717200000, type: 'TaskStateEntered', stateEnteredEventDetails: { name: 'Prepare', input: '{}' } },
    { id: 3, timestamp: 1717200001, type: 'TaskStateExited', stateExitedEventDetails: { name: 'Prepare', output: '{}' } },
    { id: 4, timestamp: 1717200002, type: 'TaskStateEntered', stateEnteredEventDetails: { name: 'ForceColdStart', input: JSON.stringify({ target: { key: 'apr' }, index: 1 }) } },
    { id: 5, timestamp: 1717200012, type: 'TaskStateEntered', stateEnteredEventDetails: { name: 'ForceColdStart', input: JSON.stringify({ target: { key: 'apr' }, index: 2 }) } },
  ];
  const captured = io();
  const code = await benchAws(options({ executionArn: `arn:aws:states:us-east-1:123456789012:execution:Bench:${name}`, stateMachineArn: SM, bucket: 'results' }), clients, {
    ...captured.io,
    now: () => 1717200012 * 1000,
  });
  expect(code).toBe(0);
  const err = captured.err.join('');
  expect(err).toContain(`plan: ${describePlan(plan)}`);
  // One forced cold start took 10 s: the 29 left are counted at that pace, not at the plan's.
  const tracker = new ProgressTracker(plan);
  tracker.entered({ state: 'ForceColdStart', target: 'apr', at: 1717200002 * 1000 });
  tracker.entered({ state: 'ForceColdStart', target: 'apr', at: 1717200012 * 1000 });
  const expected = tracker.progress(1717200012 * 1000);
  expect(expected.current!.secondsLeft).toBeGreaterThan(29 * 10);
  expect(err).toContain(`progress: apr 1/30 cold starts, about ${formatSeconds(expected.current!.secondsLeft)} left for it; 0/1 functions done, about ${formatSeconds(expected.secondsLeft)} left for the run (planned ${formatSeconds(plan.seconds.typical)} in all)`);
  // Every event once, though each poll reads the history from its start.
  expect(err.split('ForceColdStart apr #2').length).toBe(2);
});

test('--plan: the plan of the run bench:aws would start, from cdk.json, without any AWS call', async () => {
  const ok = io();
  expect(await main(['--plan', '--cold-starts', '5', '--targets', 'apr'], ok.io)).toBe(0);
  const out = ok.out.join('');
  expect(out).toMatch(/^Plan of this run \(npm run bench:aws\) on AWS: 1 function, one after another\n  apr +zip x86_64 128 MB +5 cold, 100 warm/);
  expect(out).toContain('per-step figures (low / typical / high, seconds unless named) and their sources:');
  expect(out).toContain('configuration update (ForceColdStart): 1 / 3 / 10; low: the update waiter\'s first check after 1 s');
  expect(out).toContain('    - The free tier is ignored');
  expect(out).toContain('(https://aws.amazon.com/step-functions/pricing/, read 2026-12-07)');
  expect(out).toContain('The run on deploy (runOnDeployTargets: apr, pytorch)');
  expect(fake.requests).toHaveLength(0);
  const bad = io();
  expect(await main(['--plan', '--targets', 'tensorflow'], bad.io)).toBe(2);
  expect(bad.err.join('')).toMatch(/^bench:aws --plan: --targets names tensorflow, not deployed with cdk.json's settings; deployed: apr/);
});

test('a run in progress: no second run is started; the message names the one to follow', async () => {
  const other = 'arn:aws:states:us-east-1:123456789012:execution:Bench:deploy-20240601-120000-abcdef';
  state.running = [{ executionArn: other, stateMachineArn: SM, name: 'deploy-20240601-120000-abcdef', status: 'RUNNING', startDate: 1717243200 }];
  const captured = io();
  expect(await benchAws(options(), clients, captured.io)).toBe(1);
  expect(fake.requests.map((r) => r.operation)).not.toContain('StartExecution');
  expect(captured.err.join('')).toContain(`a run is in progress: ${other} (started 2024-06-01T12:00:00.000Z)`);
  expect(captured.err.join('')).toContain(`--execution-arn ${other}`);
});

test('a failed run: what failed, from failure.json, and exit code 1', async () => {
  state.status = 'FAILED';
  const captured = io();
  const code = await benchAws(options(), clients, {
    ...captured.io,
    sleep: async () => {
      const name = JSON.parse(fake.requests.find((r) => r.operation === 'StartExecution')!.body).name;
      state.objects.set(`runs/${name}/failure.json`, JSON.stringify({ failedState: 'Prepare', message: 'ExecutionInputError: execution input: coldStarts must be an integer >= 1, got 0' }));
    },
  });
  expect(code).toBe(1);
  expect(captured.err.join('')).toContain('Prepare failed: ExecutionInputError: execution input: coldStarts must be an integer >= 1, got 0');
  expect(captured.out).toEqual([]);
});

test('a stack that does not exist, and one without the outputs: errors that say what to do', async () => {
  state.stackOutputs = null;
  await expect(benchAws(options(), clients, io().io)).rejects.toMatchObject({ name: 'ValidationError' });
  let err: unknown;
  try {
    await benchAws(options(), clients, io().io);
  } catch (e) {
    err = e;
  }
  expect(explainAwsError(err, { stackName: 'AprLambdaBench', region: 'eu-west-1' })).toBe(
    'stack AprLambdaBench not found in eu-west-1: deploy it with `npx cdk deploy`, or pass --stack-name',
  );
  state.stackOutputs = { Other: 'x' };
  await expect(benchAws(options(), clients, io().io)).rejects.toThrow('has no StateMachineArn/ResultsBucketName outputs');
});

test('explainAwsError: missing credentials, missing region, expired credentials', () => {
  const o = { stackName: 'S' };
  expect(explainAwsError(Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' }), o)).toMatch(/^no AWS credentials found/);
  expect(explainAwsError(new Error('Region is missing'), o)).toMatch(/^no AWS region: pass --region or set AWS_REGION/);
  expect(explainAwsError(Object.assign(new Error('expired'), { name: 'ExpiredTokenException' }), o)).toMatch(/refresh them/);
});

test('describeEvent: Task states with their target and cold-start number; failures', () => {
  expect(describeEvent({ id: 1, timestamp: new Date(), type: 'TaskStateEntered', stateEnteredEventDetails: { name: 'InvokeWarm', input: '{"target":{"key":"pytorch"}}' } })).toBe('InvokeWarm pytorch');
  expect(describeEvent({ id: 1, timestamp: new Date(), type: 'TaskFailed', taskFailedEventDetails: { resourceType: 'lambda', resource: 'invoke', error: 'ColdStartError', cause: 'x' } })).toBe('  failed: ColdStartError x');
  expect(describeEvent({ id: 1, timestamp: new Date(), type: 'PassStateEntered' })).toBeUndefined();
});

test('command line: bad numbers and half-given flags are refused before any call', async () => {
  const a = io();
  expect(await main(['--cold-starts', '0'], a.io)).toBe(1);
  expect(a.err.join('')).toContain('must be a positive integer');
  const b = io();
  expect(await main(['--state-machine-arn', SM], b.io)).toBe(2);
  expect(b.err.join('')).toContain('give --state-machine-arn and --bucket together');
});
