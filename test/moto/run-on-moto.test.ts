import { FilterLogEventsCommand, type CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { DeleteFunctionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import type { TargetSpec } from '../../lib/benchmark/types';
import { S3Sink } from '../../lib/benchmark/result-files';
import { aggregateTask } from '../../lib/handlers/aggregate';
import { collectReportsTask, recordTargetErrorTask } from '../../lib/handlers/collect';
import { describeTarget } from '../../lib/handlers/describe-target';
import { forceColdStartTask, invokeColdTask, invokeWarmTask } from '../../lib/handlers/measure';
import { prepareRun } from '../../lib/handlers/prepare';
import { S3RunStore } from '../../lib/handlers/run-store';
import { LocalLambdaService } from '../../lib/local-lambda';
import { clients as localClients } from '../local-lambda/helpers';
import { fixture } from '../state-machine/helpers';
import { MOTO_REGION, useMoto } from './moto';
import { createBucket, createRole, createZipFunction, destroyClients, motoClients, putLogLines, type MotoClients } from './moto-aws';

/**
 * A run's Task handlers, in the order the state machine calls them, against moto: Prepare describes
 * the deployed functions (Lambda GetFunction) and writes run.json to S3; ForceColdStart updates a
 * function's configuration and waits for it (UpdateFunctionConfiguration, GetFunctionConfiguration);
 * CollectReports reads REPORT lines with FilterLogEvents; RecordTargetError and Aggregate read and
 * write the run's objects in S3 and Aggregate writes the report files there.
 *
 * moto cannot run a function without Docker, so Invoke goes to the local Lambda service, which runs
 * the fixture function as a real process and writes its REPORT lines. The test then does what Lambda
 * does between the two: it delivers those log lines to the function's log group (in moto).
 */
jest.setTimeout(90_000);

const moto = useMoto();
let aws: MotoClients;
let service: LocalLambdaService;
let local: { lambda: LambdaClient; logs: CloudWatchLogsClient };

const RUN = 'moto-run-1';
const BUCKET = 'results';

beforeAll(async () => {
  service = await LocalLambdaService.start({ limits: 'off' });
  service.register(fixture('bench-apr'));
  local = localClients(service.endpoint);
}, 60_000);

afterAll(async () => {
  local?.lambda.destroy();
  local?.logs.destroy();
  if (aws) destroyClients(aws);
  await service?.stop();
});

/** What Lambda does for us on AWS: every line the function's invocations logged, delivered to its log group. */
async function deliverLogs(functionName: string, group: string): Promise<number> {
  const out = await local.logs.send(new FilterLogEventsCommand({ logGroupName: `/aws/lambda/${functionName}` }));
  const events = (out.events ?? []).map((e) => ({ timestamp: e.timestamp!, message: e.message! }));
  await putLogLines(aws.logs, group, events);
  return events.length;
}

/** The Catch of a lambda:invoke Task hands over the function's error as Error (its type) and Cause (its JSON). */
function caught(err: Error): { Error: string; Cause: string } {
  return { Error: err.name, Cause: JSON.stringify({ errorType: err.name, errorMessage: err.message, trace: [] }) };
}

test('prepare, force a cold start, invoke, collect, record a target\'s error, aggregate: the report files land in the bucket', async () => {
  await moto().reset();
  aws = motoClients(moto().endpoint);
  await createRole(moto().endpoint);
  await createZipFunction(aws.lambda, 'bench-apr', { memorySizeMB: 1769 });
  await createZipFunction(aws.lambda, 'bench-pytorch', { memorySizeMB: 512 });
  await createBucket(aws.s3, BUCKET);
  const store = new S3RunStore(aws.s3, BUCKET);
  const spec = (key: string, functionName: string): TargetSpec => ({
    key,
    functionName,
    // What the stack sets (BENCH_TARGETS): moto's GetFunction leaves out LoggingConfig, so the
    // handler keeps this value (see handlers.test.ts).
    logGroupName: `/aws/lambda/${functionName}`,
    runtimeLabel: 'provided.al2023',
    memorySizeMB: 1,
    architecture: 'x86_64',
    packageBytes: 0,
    packageLabel: 'unknown',
  });

  const prepared = await prepareRun(
    { executionName: RUN, startTime: new Date().toISOString(), input: { config: { coldStarts: 1, warmInvocations: 3, bootstrap: { iterations: 200 } } } },
    {
      store,
      defaults: { config: {}, targets: [spec('apr', 'bench-apr'), spec('pytorch', 'bench-pytorch')] },
      describeTarget: (s) => describeTarget({ lambda: aws.lambda, ecr: { send: () => Promise.reject(new Error('zip functions need no ECR')) } }, s),
    },
  );
  expect(prepared.targets.map((t) => [t.key, t.memorySizeMB, t.logGroupName])).toEqual([
    ['apr', 1769, '/aws/lambda/bench-apr'],
    ['pytorch', 512, '/aws/lambda/bench-pytorch'],
  ]);
  const [apr, pytorch] = prepared.targets;
  const base = { run: RUN, config: prepared.config };

  // The .apr target is measured: its configuration changes in moto, its invocations run locally.
  const forced = await forceColdStartTask({ ...base, target: apr, index: 1 }, { lambda: aws.lambda, updatePollSeconds: 0.1 });
  expect(await invokeColdTask({ ...base, target: apr, index: 1, forced }, { lambda: local.lambda, store })).toEqual({ invocations: 1, apiErrors: 0, functionErrors: 0 });
  expect(await invokeWarmTask({ ...base, target: apr }, { lambda: local.lambda, store })).toEqual({ invocations: 3, apiErrors: 0, functionErrors: 0 });
  expect(await deliverLogs('bench-apr', apr.logGroupName)).toBeGreaterThanOrEqual(4);
  expect(await collectReportsTask({ ...base, target: apr, final: false }, { logs: aws.logs, store })).toEqual({ found: 4, missing: 0 });

  // The PyTorch function disappears after Prepare: its forced cold start fails, the Catch records it.
  await aws.lambda.send(new DeleteFunctionCommand({ FunctionName: 'bench-pytorch' }));
  const failure = await forceColdStartTask({ ...base, target: pytorch, index: 1 }, { lambda: aws.lambda, updatePollSeconds: 0.1 }).then(
    () => undefined,
    (err: Error) => err,
  );
  expect(failure?.name).toBe('ResourceNotFoundException');
  const recorded = await recordTargetErrorTask({ ...base, target: pytorch, error: caught(failure!) }, { store });
  expect(recorded.recorded).toMatch(/^ResourceNotFoundException: /);

  const out = await aggregateTask(
    { run: RUN },
    {
      store,
      sinkFor: (prefix) => new S3Sink(aws.s3, BUCKET, prefix),
      backend: 'aws',
      environment: { limitsApplied: true, region: MOTO_REGION, measuredFrom: 'a test against moto' },
    },
  );
  expect(out).toMatchObject({ run: RUN, resultsPrefix: `runs/${RUN}/`, errors: { apr: 0, pytorch: 0 }, runErrors: { apr: 0, pytorch: 1 } });

  const listed = await aws.s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: `runs/${RUN}/` }));
  const keys = (listed.Contents ?? []).map((c) => c.Key!.slice(`runs/${RUN}/`.length)).sort();
  expect(keys).toEqual(
    [
      'cold-init-distribution.svg',
      'cold-start.svg',
      'invocations.csv',
      'raw/apr/cold/0001.json',
      'raw/apr/reports.json',
      'raw/apr/warm.json',
      'raw/pytorch/run-errors.json',
      'raw/run.json',
      'report.md',
      'results.json',
      'warm-duration-distribution.svg',
    ].sort(),
  );
  const read = async (name: string) =>
    (await aws.s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: `runs/${RUN}/${name}` })).then((o) => o.Body!.transformToString()));
  const results = JSON.parse(await read('results.json'));
  expect(results.backend).toBe('aws');
  expect(results.targets.apr.cold.initMs.n).toBe(1);
  expect(results.targets.apr.cold.initMs.p50).toBeGreaterThan(0);
  expect(results.targets.apr.warm.durationMs.n).toBe(3);
  expect(results.targets.pytorch.runErrors).toEqual([recorded.recorded]);
  const report = await read('report.md');
  expect(report).toContain('ResourceNotFoundException');
  expect((await read('invocations.csv')).trim().split('\n')).toHaveLength(1 + 4);
});
