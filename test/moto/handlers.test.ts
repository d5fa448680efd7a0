import { GetFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { DescribeExecutionCommand, StartExecutionCommand, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { resolveConfig } from '../../lib/benchmark/config';
import { COLD_START_MARKER_VARIABLE } from '../../lib/benchmark/cold-start';
import { collectReports, reportFilterPattern } from '../../lib/benchmark/collect-reports';
import { isComplete, onEvent } from '../../lib/handlers/deploy-trigger';
import { describeTarget } from '../../lib/handlers/describe-target';
import { forceColdStartTask } from '../../lib/handlers/measure';
import { recordFailureTask } from '../../lib/handlers/record-failure';
import { S3RunStore } from '../../lib/handlers/run-store';
import { ensureOnlyRun } from '../../lib/handlers/single-run';
import { MOTO_ACCOUNT, MOTO_REGION, useMoto } from './moto';
import {
  createBucket,
  createRole,
  createStateMachine,
  createZipFunction,
  destroyClients,
  motoClients,
  putLogLines,
  setMotoExecutesStateMachines,
  type MotoClients,
} from './moto-aws';

/**
 * Each handler's AWS calls against moto, one service at a time. Where moto's answers differ from
 * the wire fakes of test/benchmark/fake-aws.ts and test/cdk/fake-aws.ts, the comment says which one
 * AWS's documentation agrees with.
 */
jest.setTimeout(60_000);

const moto = useMoto();
let aws: MotoClients;

beforeEach(async () => {
  await moto().reset();
  aws = motoClients(moto().endpoint);
  await createRole(moto().endpoint);
});
afterEach(() => destroyClients(aws));

const target = (functionName: string) => ({
  key: 'apr',
  functionName,
  logGroupName: `/aws/lambda/${functionName}`,
  runtimeLabel: 'provided.al2023',
  memorySizeMB: 128,
  architecture: 'x86_64' as const,
  packageBytes: 0,
  packageLabel: 'unknown',
});

describe('Lambda: forcing a cold start (UpdateFunctionConfiguration, then the waiter on GetFunctionConfiguration)', () => {
  test('the marker variable is set and the function\'s other variables are kept', async () => {
    await createZipFunction(aws.lambda, 'fa', { variables: { KEEP: 'me' } });
    const out = await forceColdStartTask(
      { run: 'r1', target: target('fa'), config: resolveConfig({ coldStarts: 1 }), index: 1 },
      { lambda: aws.lambda, updatePollSeconds: 0.1 },
    );
    expect(out.marker).toMatch(/^r1-apr-1-[0-9a-f]{6}$/);
    const conf = await aws.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'fa' }));
    expect(conf.Environment?.Variables).toEqual({ KEEP: 'me', [COLD_START_MARKER_VARIABLE]: out.marker });
    // moto answers LastUpdateStatus Successful at once; test/benchmark/fake-aws.ts answers InProgress
    // first. Both are AWS behaviour: "When you update a function, Lambda provisions an instance of
    // the function and its supporting resources... LastUpdateStatus is InProgress" until it is done
    // (Lambda Developer Guide, "Lambda function states"), and a small update may be done before the
    // first poll. The waiter (waitUntilFunctionUpdated) handles both, and the fake's InProgress path
    // is the one that exercises it.
    expect(conf.LastUpdateStatus).toBe('Successful');
  });

  test('a second forced cold start replaces the marker', async () => {
    await createZipFunction(aws.lambda, 'fa');
    const deps = { lambda: aws.lambda, updatePollSeconds: 0.1 };
    const base = { run: 'r1', target: target('fa'), config: resolveConfig({ coldStarts: 2 }) };
    const first = await forceColdStartTask({ ...base, index: 1 }, deps);
    const second = await forceColdStartTask({ ...base, index: 2 }, deps);
    expect(second.marker).not.toBe(first.marker);
    const conf = await aws.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'fa' }));
    expect(conf.Environment?.Variables?.[COLD_START_MARKER_VARIABLE]).toBe(second.marker);
  });

  test('a function that does not exist: Lambda\'s ResourceNotFoundException reaches the state machine', async () => {
    const err = await forceColdStartTask(
      { run: 'r1', target: target('missing'), config: resolveConfig({ coldStarts: 1 }), index: 1 },
      { lambda: aws.lambda, updatePollSeconds: 0.1 },
    ).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).name).toBe('ResourceNotFoundException');
  });

  test('describeTarget reads the deployed memory, architecture and zip size from GetFunction', async () => {
    await createZipFunction(aws.lambda, 'fa', { memorySizeMB: 256 });
    const spec = { ...target('fa'), memorySizeMB: 1, logGroupName: '/bench/fa' };
    const out = await describeTarget({ lambda: aws.lambda, ecr: { send: () => Promise.reject(new Error('a zip needs no ECR')) } }, spec);
    expect(out).toMatchObject({ memorySizeMB: 256, architecture: 'x86_64', logFormat: 'Text', runtimeLabel: 'provided.al2023', packageBytes: 22 });
    expect(out.packageLabel).toBe('0.00 MB zip');
    // moto 5.2.5's FunctionConfiguration has no LoggingConfig; AWS returns it (Lambda API reference,
    // FunctionConfiguration: LoggingConfig {LogFormat, LogGroup, ...}), and test/cdk/handlers.test.ts's
    // fake does. Without it the handler keeps the log group the stack configured and reads Text format.
    expect(out.logGroupName).toBe('/bench/fa');
  });
});

describe('CloudWatch Logs: FilterLogEvents', () => {
  const reportLine = (id: string, init?: number) =>
    `REPORT RequestId: ${id}\tDuration: 1.50 ms\tBilled Duration: 2 ms\tMemory Size: 128 MB\tMax Memory Used: 13 MB\t${init ? `Init Duration: ${init.toFixed(2)} ms\t` : ''}\n`;

  // moto 5.2.5 applies a single bare or quoted term only; for the steps' patterns (`?"REPORT"
  // ?"INIT_REPORT"`, and the JSON one with `||`) it returns every event (moto/logs/utils.py,
  // UnsupportedFilterPattern). AWS applies both (CloudWatch Logs User Guide, "Filter pattern syntax"),
  // as test/benchmark/fake-aws.ts does. So here the handler is checked to pick REPORT records out of
  // everything else on its own, which it must do anyway (other invocations' lines match too).
  test('the REPORT records of the requested ids, between START and END lines and other invocations', async () => {
    const t = Date.now() - 10_000;
    await putLogLines(aws.logs, '/aws/lambda/fa', [
      { timestamp: t, message: 'START RequestId: a Version: $LATEST\n' },
      { timestamp: t + 1, message: 'END RequestId: a\n' },
      { timestamp: t + 2, message: reportLine('a', 22.5) },
      { timestamp: t + 3, message: reportLine('b') },
      { timestamp: t + 4, message: reportLine('not-ours') },
    ]);
    const out = await collectReports(aws.logs, '/aws/lambda/fa', ['a', 'b', 'c'], { startTime: t - 1000, endTime: t + 1000 });
    expect(Object.keys(out.reports).sort()).toEqual(['a', 'b']);
    expect(out.reports.a).toMatchObject({ durationMs: 1.5, initDurationMs: 22.5 });
    expect(out.missing).toEqual(['c']);
    expect(out.malformed).toEqual([]);
  });

  test('the window is inclusive at both ends, in moto as in our fake and AWS', async () => {
    // AWS: startTime "Events with a timestamp before this time are not returned", endTime "Events
    // with a timestamp later than this time are not returned" (FilterLogEvents API reference):
    // both ends inclusive. moto (logs/models.py) and test/benchmark/fake-aws.ts agree.
    const t = Date.now() - 10_000;
    await putLogLines(aws.logs, '/aws/lambda/fa', [
      { timestamp: t, message: reportLine('at-start') },
      { timestamp: t + 100, message: reportLine('at-end') },
      { timestamp: t + 101, message: reportLine('after') },
    ]);
    const out = await collectReports(aws.logs, '/aws/lambda/fa', ['at-start', 'at-end', 'after'], { startTime: t, endTime: t + 100 });
    expect(out.missing).toEqual(['after']);
  });

  test('JSON log format: the platform.report events are picked out even where the filter pattern is not applied', async () => {
    const t = Date.now() - 10_000;
    const event = (type: string, requestId: string) =>
      JSON.stringify({ time: new Date(t).toISOString(), type, record: type === 'platform.report' ? { requestId, metrics: { durationMs: 1.2, billedDurationMs: 2, memorySizeMB: 128, maxMemoryUsedMB: 13 }, status: 'success' } : { requestId } });
    await putLogLines(aws.logs, '/aws/lambda/fj', [
      { timestamp: t, message: event('platform.start', 'a') },
      { timestamp: t + 1, message: '{"level":"INFO","message":"hello"}' },
      { timestamp: t + 2, message: event('platform.report', 'a') },
    ]);
    const out = await collectReports(aws.logs, '/aws/lambda/fj', ['a'], { startTime: t - 1000, endTime: t + 1000, filterPattern: reportFilterPattern('JSON') });
    expect(out.missing).toEqual([]);
    expect(out.reports.a).toMatchObject({ durationMs: 1.2, maxMemoryUsedMB: 13 });
    expect(out.malformed).toEqual([]);
  });

  test('a log group that does not exist yet is an error, as in AWS', async () => {
    // ResourceNotFoundException (FilterLogEvents API reference, Errors); moto and our fake agree.
    const err = await collectReports(aws.logs, '/aws/lambda/nothing', ['a'], { startTime: 0, endTime: Date.now() }).catch((e: Error) => e);
    expect((err as Error).name).toBe('ResourceNotFoundException');
  });
});

describe('S3: the run store', () => {
  test('JSON round trip, a missing key is absent, listing is sorted and stays under its prefix', async () => {
    await createBucket(aws.s3, 'results');
    const store = new S3RunStore(aws.s3, 'results');
    await store.putJson('runs/r/raw/apr/cold/0002.json', { n: 2 });
    await store.putJson('runs/r/raw/apr/cold/0001.json', { n: 1 });
    await store.putJson('runs/r/raw/apr-x/cold/0001.json', { other: true });
    expect(await store.getJson('runs/r/raw/apr/cold/0001.json')).toEqual({ n: 1 });
    // moto answers 404 NoSuchKey, as S3 does for a caller allowed s3:ListBucket. Without that
    // permission S3 answers 403 AccessDenied instead (GetObject API reference, "Permissions"); moto
    // does not model it (it enforces no IAM here), so the IAM simulation holds that side. Paging
    // through ListObjectsV2 is left to test/cdk/handlers.test.ts: moto pages at 1,000 keys only.
    expect(await store.getJson('runs/r/raw/apr/run-errors.json')).toBeUndefined();
    expect(await store.list('runs/r/raw/apr/')).toEqual(['runs/r/raw/apr/cold/0001.json', 'runs/r/raw/apr/cold/0002.json']);
    const raw = await aws.s3.send(new GetObjectCommand({ Bucket: 'results', Key: 'runs/r/raw/apr/cold/0002.json' }));
    expect(raw.ContentType).toBe('application/json');
    expect(await raw.Body?.transformToString()).toBe('{"n":2}\n');
  });

  test('RecordFailure writes failure.json under the run, pointing at the raw records in the bucket', async () => {
    await createBucket(aws.s3, 'results');
    const out = await recordFailureTask(
      { executionName: 'r9', failedState: 'Prepare', error: { Error: 'ExecutionInputError', Cause: JSON.stringify({ errorType: 'ExecutionInputError', errorMessage: 'execution input: bad', trace: [] }) } },
      { store: new S3RunStore(aws.s3, 'results'), now: () => new Date('2026-01-01T00:00:00Z') },
    );
    expect(out.failureKey).toBe('runs/r9/failure.json');
    const raw = await aws.s3.send(new GetObjectCommand({ Bucket: 'results', Key: out.failureKey }));
    expect(JSON.parse(await raw.Body!.transformToString())).toMatchObject({
      run: 'r9',
      status: 'FAILED',
      failedState: 'Prepare',
      message: 'ExecutionInputError: execution input: bad',
      recordedAt: '2026-01-01T00:00:00.000Z',
      rawRecords: 's3://results/runs/r9/raw/',
    });
  });

  test('a bucket that does not exist is an error, not an empty store', async () => {
    const store = new S3RunStore(aws.s3, 'no-such-bucket');
    await expect(store.getJson('runs/r/raw/run.json')).rejects.toMatchObject({ name: 'NoSuchBucket' });
  });
});

describe('Step Functions: the deploy trigger (StartExecution, DescribeExecution)', () => {
  const create = { RequestType: 'Create' as const, ResourceProperties: { AprCode: 'x', PytorchImage: 'y', ConfigHash: 'z' } };

  test('onEvent starts an execution whose ARN has the form AWS gives it; isComplete waits while it runs', async () => {
    const arn = await createStateMachine(aws.sfn, 'Benchmark', { StartAt: 'Wait', States: { Wait: { Type: 'Wait', Seconds: 3600, End: true } } });
    const deps = { sfn: aws.sfn, stateMachineArn: arn, bucketName: 'results', waitMs: 60_000 };
    const started = await onEvent(create, deps);
    const executionArn = started.Data!.ExecutionArn;
    // arn:aws:states:<region>:<account>:execution:<state machine name>:<execution name>, colons
    // throughout (Service Authorization Reference, "Actions, resources, and condition keys for AWS
    // Step Functions", resource type execution); moto builds the same form.
    expect(executionArn).toMatch(new RegExp(`^arn:aws:states:${MOTO_REGION}:${MOTO_ACCOUNT}:execution:Benchmark:deploy-\\d{8}-\\d{6}-[0-9a-f]{6}$`));
    const described = await aws.sfn.send(new DescribeExecutionCommand({ executionArn }));
    expect(JSON.parse(described.input!)).toMatchObject({ trigger: { source: 'cloudformation', requestType: 'Create', aprCode: 'x', pytorchImage: 'y', configHash: 'z' } });
    const event = { ...create, PhysicalResourceId: started.PhysicalResourceId, Data: started.Data };
    expect(await isComplete(event, deps)).toEqual({ IsComplete: false });
    // After the deployment's wait the resource completes and says the run goes on.
    const late = await isComplete(event, { ...deps, now: () => new Date(Date.now() + 120_000) });
    expect(late.IsComplete).toBe(true);
    expect(late.Data?.Status).toMatch(/^RUNNING/);
    expect(late.Data?.ResultsLocation).toBe(`s3://results/runs/${executionArn.split(':').pop()}/`);
  });

  test('an execution that was stopped completes the resource with its status and where the failure record is', async () => {
    const arn = await createStateMachine(aws.sfn, 'Benchmark', { StartAt: 'Wait', States: { Wait: { Type: 'Wait', Seconds: 3600, End: true } } });
    const deps = { sfn: aws.sfn, stateMachineArn: arn, bucketName: 'results', waitMs: 60_000 };
    const started = await onEvent(create, deps);
    await aws.sfn.send(new StopExecutionCommand({ executionArn: started.Data!.ExecutionArn, error: 'Stopped', cause: 'test' }));
    const out = await isComplete({ ...create, Data: started.Data }, deps);
    expect(out.IsComplete).toBe(true);
    expect(out.Data?.Status).toBe('ABORTED');
    expect(out.Data?.Report).toMatch(/failure\.json$/);
  });

  test('an execution that succeeded: the ratios from its output', async () => {
    await setMotoExecutesStateMachines(moto().endpoint, true);
    try {
      const result = {
        run: 'x',
        resultsPrefix: 'runs/x/',
        ratios: {
          numerator: 'pytorch',
          denominator: 'apr',
          coldStartInitP50: { value: 250, ci95: [240, 260] },
          warmDurationP50: { value: 1.5, ci95: null },
          maxMemory: { value: 20, ci95: null },
          packageSize: { value: 800, ci95: null },
        },
        errors: {},
        runErrors: {},
      };
      const arn = await createStateMachine(aws.sfn, 'Benchmark', { StartAt: 'Done', States: { Done: { Type: 'Pass', Result: result, End: true } } });
      const deps = { sfn: aws.sfn, stateMachineArn: arn, bucketName: 'results', waitMs: 60_000 };
      const started = await onEvent(create, deps);
      let out = await isComplete({ ...create, Data: started.Data }, deps);
      for (let i = 0; i < 50 && !out.IsComplete; i++) {
        await new Promise((r) => setTimeout(r, 100));
        out = await isComplete({ ...create, Data: started.Data }, deps);
      }
      expect(out.Data).toMatchObject({ Status: 'SUCCEEDED', ColdStartInitP50Ratio: 'pytorch/apr 250x (95% CI 240-260)', WarmDurationP50Ratio: 'pytorch/apr 1.50x' });
    } finally {
      await setMotoExecutesStateMachines(moto().endpoint, false);
    }
  });

  test('one run at a time: Prepare\'s ListExecutions of RUNNING executions lets the first run on and refuses the second', async () => {
    const stateMachineArn = await createStateMachine(aws.sfn, 'Benchmark', { StartAt: 'Wait', States: { Wait: { Type: 'Wait', Seconds: 3600, End: true } } });
    const start = async (name: string) => {
      const out = await aws.sfn.send(new StartExecutionCommand({ stateMachineArn, name }));
      const described = await aws.sfn.send(new DescribeExecutionCommand({ executionArn: out.executionArn }));
      return { stateMachineArn, executionArn: out.executionArn!, startTime: described.startDate!.toISOString() };
    };
    const first = await start('run-a');
    await new Promise((r) => setTimeout(r, 20));
    const second = await start('run-b');
    await expect(ensureOnlyRun(aws.sfn, first)).resolves.toBeUndefined();
    await expect(ensureOnlyRun(aws.sfn, second)).rejects.toMatchObject({ name: 'RunInProgressError', message: expect.stringContaining('run-a') });
    // Once the first has stopped, ListExecutions with statusFilter RUNNING no longer returns it.
    await aws.sfn.send(new StopExecutionCommand({ executionArn: first.executionArn }));
    await expect(ensureOnlyRun(aws.sfn, second)).resolves.toBeUndefined();
  });

  test('DescribeExecution of an execution that does not exist: ExecutionDoesNotExist', async () => {
    const deps = { sfn: aws.sfn, stateMachineArn: 'unused', bucketName: 'results', waitMs: 1 };
    const executionArn = `arn:aws:states:${MOTO_REGION}:${MOTO_ACCOUNT}:execution:Benchmark:nope`;
    await expect(isComplete({ ...create, Data: { ExecutionArn: executionArn } }, deps)).rejects.toMatchObject({ name: 'ExecutionDoesNotExist' });
  });
});
