/**
 * An AWS run directory, produced by the project's own AWS path ("AWS path on moto + local service"):
 * the state machine's Task handlers (lib/handlers: Prepare, ForceColdStart, InvokeCold, InvokeWarm,
 * CollectReports, Aggregate with backend 'aws' and the manifest the deployed Aggregate writes) run in
 * the order the state machine calls them, against moto's Lambda, CloudWatch Logs and S3. moto cannot run
 * a function, so each invocation goes to the local Lambda service, which runs the real function as a
 * process; what Lambda does between the two (a new environment after the configuration update, the
 * log lines delivered to the function's log group) this module does. The run's result files are then
 * downloaded from runs/<run>/ as `npm run bench:aws -- --out DIR` downloads them (bin/bench-aws.ts).
 *
 * The figures are the local service's, not AWS's: the fixture exercises the files, not the numbers.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { CreateFunctionCommand } from '@aws-sdk/client-lambda';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { REFERENCE_PAYLOAD } from '../../lib/benchmark/reference-payload';
import { DirectorySink, S3Sink } from '../../lib/benchmark/result-files';
import type { TargetSpec } from '../../lib/benchmark/types';
import { aggregateTask } from '../../lib/handlers/aggregate';
import { collectReportsTask } from '../../lib/handlers/collect';
import { describeTarget } from '../../lib/handlers/describe-target';
import { forceColdStartTask, invokeColdTask, invokeWarmTask } from '../../lib/handlers/measure';
import { prepareRun } from '../../lib/handlers/prepare';
import { S3RunStore } from '../../lib/handlers/run-store';
import type { LocalLambdaService } from '../../lib/local-lambda';
import { registryLocalDefinition } from '../../lib/targets/local-targets';
import { clients as localClients } from '../local-lambda/helpers';
import { MOTO_REGION, REPO_ROOT } from '../moto/moto';
import { createBucket, createRole, destroyClients, motoClients, putLogLines, ROLE_ARN } from '../moto/moto-aws';

export const AWS_FIXTURE_LABEL = 'AWS path on moto + local service';

export interface AwsRunOnMotoOptions {
  motoEndpoint: string;
  /** A running local service; the function is registered on it here. */
  service: LocalLambdaService;
  run: string;
  coldStarts: number;
  warmInvocations: number;
  /** Where the run's files are downloaded: outParent/<run>/. */
  outParent: string;
}

const BUCKET = 'compare-fixture-results';

/** The .apr function as the stack deploys it (128 MB, x86_64, its real zip), keyed `apr` as on AWS. */
export async function produceAwsRunOnMoto(o: AwsRunOnMotoOptions): Promise<string> {
  const functionName = 'bench-apr';
  const zip = readFileSync(path.join(REPO_ROOT, 'lambda-apr', 'dist', 'bootstrap.zip'));
  o.service.register(registryLocalDefinition('apr', REPO_ROOT, { functionName, memorySizeMB: 128 }));
  const local = localClients(o.service.endpoint);
  const aws = motoClients(o.motoEndpoint);
  try {
    await createRole(o.motoEndpoint).catch((err: Error) => {
      if (!/EntityAlreadyExists/.test(err.message)) throw err;
    });
    await aws.lambda.send(
      new CreateFunctionCommand({
        FunctionName: functionName,
        Runtime: 'provided.al2023',
        Handler: 'bootstrap',
        Role: ROLE_ARN,
        Code: { ZipFile: zip },
        MemorySize: 128,
        Architectures: ['x86_64'],
        LoggingConfig: { LogFormat: 'Text', LogGroup: `/aws/lambda/${functionName}` },
      }),
    );
    await createBucket(aws.s3, BUCKET).catch((err: Error) => {
      if (!/BucketAlreadyOwnedByYou|BucketAlreadyExists/.test(err.name)) throw err;
    });
    const store = new S3RunStore(aws.s3, BUCKET);
    const spec: TargetSpec = {
      key: 'apr',
      functionName,
      logGroupName: `/aws/lambda/${functionName}`,
      runtimeLabel: 'provided.al2023',
      memorySizeMB: 128,
      architecture: 'x86_64',
      packageBytes: 0,
      packageLabel: 'the deployed zip',
      packageType: 'Zip',
    };
    const prepared = await prepareRun(
      { executionName: o.run, startTime: new Date().toISOString(), input: { config: { coldStarts: o.coldStarts, warmInvocations: o.warmInvocations, payload: { ...REFERENCE_PAYLOAD } } } },
      {
        store,
        defaults: { config: {}, targets: [spec] },
        describeTarget: (s) => describeTarget({ lambda: aws.lambda, ecr: { send: () => Promise.reject(new Error('a zip function needs no ECR')) } }, s),
      },
    );
    const [target] = prepared.targets;
    const base = { run: o.run, config: prepared.config };
    for (let index = 1; index <= o.coldStarts; index++) {
      // The AWS path's own call, recorded in moto ...
      const forced = await forceColdStartTask({ ...base, target, index }, { lambda: aws.lambda, updatePollSeconds: 0.05 });
      // ... and what Lambda does after it: the next invocation lands in a new environment.
      await forceColdStartTask({ ...base, target, index }, { lambda: local.lambda, updatePollSeconds: 0.05 });
      await invokeColdTask({ ...base, target, index, forced }, { lambda: local.lambda, store });
    }
    await invokeWarmTask({ ...base, target }, { lambda: local.lambda, store });
    const logged = await local.logs.send(new FilterLogEventsCommand({ logGroupName: target.logGroupName }));
    await putLogLines(aws.logs, target.logGroupName, (logged.events ?? []).map((e) => ({ timestamp: e.timestamp!, message: e.message! })));
    const collected = await collectReportsTask({ ...base, target, final: true }, { logs: aws.logs, store });
    if (collected.missing > 0) throw new Error(`${collected.missing} REPORT lines did not reach moto's log group`);
    const out = await aggregateTask(
      { run: o.run },
      {
        store,
        sinkFor: (prefix) => new S3Sink(aws.s3, BUCKET, prefix),
        backend: 'aws',
        // What the deployed Aggregate function records (lib/handlers/lambda/index.ts), labelled.
        environment: {
          limitsApplied: true,
          limitsReason: "AWS Lambda applies each function's configured memory and the CPU share that comes with it",
          region: MOTO_REGION,
          measuredFrom: `${AWS_FIXTURE_LABEL} (test/compare/aws-run-on-moto.ts)`,
          node: process.version,
        },
      },
    );
    // What `npm run bench:aws -- --out DIR` downloads: the run's top-level files, into DIR/<run>/.
    const dir = path.join(o.outParent, o.run);
    const sink = new DirectorySink(dir);
    const listing = await aws.s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: out.resultsPrefix, Delimiter: '/' }));
    for (const item of listing.Contents ?? []) {
      const body = await (await aws.s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: item.Key! }))).Body!.transformToString('utf-8');
      await sink.put(item.Key!.slice(out.resultsPrefix.length), body, '');
    }
    return dir;
  } finally {
    local.lambda.destroy();
    local.logs.destroy();
    destroyClients(aws);
  }
}
