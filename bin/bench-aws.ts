#!/usr/bin/env node
/**
 * npm run bench:aws -- [--stack-name AprLambdaBench] [--region eu-west-1] [--cold-starts 30] [--warm-invocations 100]
 *                      [--state-machine-arn ARN --bucket NAME] [--execution-arn ARN] [--out DIR]
 *
 * Runs the deployed benchmark state machine (or follows a run already started, e.g. by the
 * deployment), shows its progress, and prints report.md from the results bucket when it ends;
 * with --out, downloads the run's result files too. Finds the state machine and bucket from the
 * stack's outputs unless both are given.
 */
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  SFNClient,
  StartExecutionCommand,
  type HistoryEvent,
} from '@aws-sdk/client-sfn';
import { Command, InvalidArgumentError } from 'commander';
import { resolveAppConfigFromObject } from '../lib/config/app-config';
import { loadCdkJsonContext } from '../lib/config/cdk-json';
import { DirectorySink } from '../lib/benchmark/result-files';
import { REPO_ROOT } from '../lib/stacks/app';

export interface BenchAwsOptions {
  stackName: string;
  region?: string;
  stateMachineArn?: string;
  bucket?: string;
  executionArn?: string;
  coldStarts?: number;
  warmInvocations?: number;
  out?: string;
  pollSeconds: number;
  /** Endpoint override for every client (tests). */
  endpoint?: string;
}

export interface BenchAwsClients {
  cloudFormation: Pick<CloudFormationClient, 'send'>;
  sfn: Pick<SFNClient, 'send'>;
  s3: Pick<S3Client, 'send'>;
}

export interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
  sleep: (ms: number) => Promise<void>;
}

/** What a user can act on, for the errors a missing set-up produces. */
export function explainAwsError(err: unknown, options: Pick<BenchAwsOptions, 'stackName' | 'region'>): string {
  const e = err as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const name = e?.name ?? '';
  const message = e?.message ?? String(err);
  if (name === 'CredentialsProviderError' || /Could not load credentials/i.test(message)) {
    return 'no AWS credentials found: set AWS_PROFILE (or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY), or run `aws configure` / `aws sso login` first';
  }
  if (/Region is missing/i.test(message)) {
    return 'no AWS region: pass --region or set AWS_REGION (the region you deployed the stack to)';
  }
  if (name === 'ValidationError' && /does not exist/.test(message)) {
    return `stack ${options.stackName} not found${options.region ? ` in ${options.region}` : ''}: deploy it with \`npx cdk deploy\`, or pass --stack-name`;
  }
  if (['ExpiredToken', 'ExpiredTokenException', 'UnrecognizedClientException', 'InvalidClientTokenId', 'InvalidSignatureException'].includes(name)) {
    return `AWS rejected the credentials (${name}): refresh them (e.g. \`aws sso login\`) and try again`;
  }
  if (name === 'AccessDeniedException' || name === 'AccessDenied') {
    return `access denied: ${message}`;
  }
  return `${name || 'Error'}: ${message}`;
}

/** StateMachineArn and ResultsBucketName from the stack's outputs. */
export async function findDeployment(clients: BenchAwsClients, stackName: string): Promise<{ stateMachineArn: string; bucket: string }> {
  const out = await clients.cloudFormation.send(new DescribeStacksCommand({ StackName: stackName }));
  const stack = out.Stacks?.[0];
  if (!stack) throw new Error(`stack ${stackName} not found`);
  const outputs = Object.fromEntries((stack.Outputs ?? []).map((o) => [o.OutputKey, o.OutputValue]));
  const stateMachineArn = outputs.StateMachineArn;
  const bucket = outputs.ResultsBucketName;
  if (!stateMachineArn || !bucket) {
    throw new Error(`stack ${stackName} (${stack.StackStatus}) has no StateMachineArn/ResultsBucketName outputs: is it this project's stack, and is its deployment finished?`);
  }
  return { stateMachineArn, bucket };
}

/** One line per state the execution enters, naming the target and the cold start where there is one. */
export function describeEvent(event: HistoryEvent): string | undefined {
  const entered = event.stateEnteredEventDetails;
  if (event.type === 'TaskStateEntered' && entered) {
    let input: { target?: { key?: string }; index?: number; run?: string } = {};
    try {
      input = JSON.parse(entered.input ?? '{}');
    } catch {
      // input not shown when execution data is not logged
    }
    const who = input.target?.key ? ` ${input.target.key}` : '';
    const which = typeof input.index === 'number' ? ` #${input.index}` : '';
    return `${entered.name}${who}${which}`;
  }
  if (event.type === 'TaskFailed' && event.taskFailedEventDetails) {
    return `  failed: ${event.taskFailedEventDetails.error ?? ''} ${(event.taskFailedEventDetails.cause ?? '').slice(0, 200)}`;
  }
  if (event.type === 'ExecutionFailed' && event.executionFailedEventDetails) {
    return `execution failed: ${event.executionFailedEventDetails.error ?? ''}`;
  }
  return undefined;
}

function executionName(now: Date): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-');
  return `manual-${stamp}-${randomBytes(3).toString('hex')}`;
}

async function getText(s3: BenchAwsClients['s3'], bucket: string, key: string): Promise<string | undefined> {
  try {
    const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return await out.Body?.transformToString('utf-8');
  } catch (err) {
    if ((err as Error).name === 'NoSuchKey') return undefined;
    throw err;
  }
}

async function download(s3: BenchAwsClients['s3'], bucket: string, prefix: string, dir: string): Promise<string[]> {
  const sink = new DirectorySink(dir);
  const written: string[] = [];
  const listing = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, Delimiter: '/' }));
  for (const item of listing.Contents ?? []) {
    const name = item.Key!.slice(prefix.length);
    const body = await getText(s3, bucket, item.Key!);
    if (body !== undefined) {
      await sink.put(name, body, '');
      written.push(path.join(dir, name));
    }
  }
  return written;
}

/** Returns the process exit code: 0 when the run succeeded. */
export async function benchAws(options: BenchAwsOptions, clients: BenchAwsClients, io: Io): Promise<number> {
  let { stateMachineArn, bucket } = options;
  if (!stateMachineArn || !bucket) {
    const found = await findDeployment(clients, options.stackName);
    stateMachineArn ??= found.stateMachineArn;
    bucket ??= found.bucket;
  }
  let executionArn = options.executionArn;
  if (!executionArn) {
    // One run per stack at a time (lib/handlers/single-run.ts): Prepare would refuse a second run
    // anyway; saying so before starting one spares a failed execution and names the one to follow.
    const running = await clients.sfn.send(new ListExecutionsCommand({ stateMachineArn, statusFilter: 'RUNNING', maxResults: 10 }));
    const other = running.executions?.[0];
    if (other?.executionArn) {
      io.err(
        `bench:aws: a run is in progress: ${other.executionArn}${other.startDate ? ` (started ${new Date(other.startDate).toISOString()})` : ''}. ` +
          `One run per stack at a time: follow it with --execution-arn ${other.executionArn}, and start again when it has ended.\n`,
      );
      return 1;
    }
    const config: Record<string, number> = {};
    if (options.coldStarts !== undefined) config.coldStarts = options.coldStarts;
    if (options.warmInvocations !== undefined) config.warmInvocations = options.warmInvocations;
    const started = await clients.sfn.send(
      new StartExecutionCommand({
        stateMachineArn,
        name: executionName(new Date()),
        input: JSON.stringify(Object.keys(config).length ? { config } : {}),
      }),
    );
    executionArn = started.executionArn!;
    io.err(`started ${executionArn}\n`);
  } else {
    io.err(`following ${executionArn}\n`);
  }
  const name = executionArn.split(':').pop()!;
  let nextToken: string | undefined;
  let status = 'RUNNING';
  for (;;) {
    // New history events since the last poll, oldest first.
    do {
      const page = await clients.sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 200, ...(nextToken ? { nextToken } : {}) }));
      for (const event of page.events ?? []) {
        const line = describeEvent(event);
        if (line) io.err(`[${(event.timestamp ? new Date(event.timestamp) : new Date()).toISOString().slice(11, 19)}] ${line}\n`);
      }
      if (page.nextToken) nextToken = page.nextToken;
      else break;
    } while (nextToken);
    const described = await clients.sfn.send(new DescribeExecutionCommand({ executionArn }));
    status = described.status ?? 'UNKNOWN';
    if (status !== 'RUNNING' && status !== 'PENDING_REDRIVE') break;
    await io.sleep(options.pollSeconds * 1000);
  }
  const prefix = `runs/${name}/`;
  io.err(`execution ${status}; results: s3://${bucket}/${prefix}\n`);
  if (status === 'SUCCEEDED') {
    const report = await getText(clients.s3, bucket, `${prefix}report.md`);
    if (report === undefined) {
      io.err(`report.md is missing under s3://${bucket}/${prefix}\n`);
      return 1;
    }
    if (options.out) {
      const files = await download(clients.s3, bucket, prefix, path.join(options.out, name));
      io.err(`downloaded ${files.length} files to ${path.join(options.out, name)}\n`);
    }
    io.out(report.endsWith('\n') ? report : `${report}\n`);
    return 0;
  }
  const failure = await getText(clients.s3, bucket, `${prefix}failure.json`);
  if (failure) {
    let message = failure;
    try {
      const f = JSON.parse(failure) as { failedState?: string; message?: string };
      message = `${f.failedState ?? '?'} failed: ${f.message ?? ''}`;
    } catch {
      // print it as it is
    }
    io.err(`${message}\n(the full record: s3://${bucket}/${prefix}failure.json)\n`);
  } else {
    io.err(`no failure.json was written (the run may have been stopped from outside)\n`);
  }
  return 1;
}

function positiveInt(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new InvalidArgumentError('must be a positive integer');
  return Number(value);
}

function nonNegativeInt(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('must be an integer >= 0');
  return Number(value);
}

export async function main(argv: string[], io: Io): Promise<number> {
  let defaultStack = 'AprLambdaBench';
  try {
    defaultStack = resolveAppConfigFromObject(loadCdkJsonContext(REPO_ROOT)).stackName;
  } catch {
    // cdk.json unreadable: keep the default name
  }
  const program = new Command()
    .name('bench:aws')
    .description('Run the deployed benchmark state machine and print its report')
    .option('--stack-name <name>', 'the deployed stack', defaultStack)
    .option('--region <region>', 'AWS region of the stack (default: the SDK\'s, e.g. AWS_REGION)')
    .option('--state-machine-arn <arn>', 'skip the stack lookup (give --bucket too)')
    .option('--bucket <name>', 'the results bucket (with --state-machine-arn)')
    .option('--execution-arn <arn>', 'follow an execution already started instead of starting one')
    .option('--cold-starts <n>', 'override the deployed setting for this run', positiveInt)
    .option('--warm-invocations <n>', 'override the deployed setting for this run', nonNegativeInt)
    .option('--out <dir>', 'also download the run\'s result files into <dir>/<execution name>/')
    .option('--poll-seconds <s>', 'seconds between progress polls', positiveInt, 10)
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err });
  try {
    program.parse(argv, { from: 'user' });
  } catch (err) {
    return (err as { exitCode?: number }).exitCode ?? 2;
  }
  const o = program.opts<BenchAwsOptions>();
  const options: BenchAwsOptions = { ...o, pollSeconds: o.pollSeconds };
  if (Boolean(options.stateMachineArn) !== Boolean(options.bucket)) {
    io.err('bench:aws: give --state-machine-arn and --bucket together, or neither\n');
    return 2;
  }
  const config = { ...(options.region ? { region: options.region } : {}), ...(options.endpoint ? { endpoint: options.endpoint } : {}) };
  const clients: BenchAwsClients = {
    cloudFormation: new CloudFormationClient(config),
    sfn: new SFNClient(config),
    s3: new S3Client({ ...config, ...(options.endpoint ? { forcePathStyle: true } : {}) }),
  };
  try {
    return await benchAws(options, clients, io);
  } catch (err) {
    io.err(`bench:aws: ${explainAwsError(err, options)}\n`);
    return 1;
  }
}

if (require.main === module) {
  main(process.argv.slice(2), {
    out: (t) => process.stdout.write(t),
    err: (t) => process.stderr.write(t),
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
  }).then((code) => process.exit(code));
}
