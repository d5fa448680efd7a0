#!/usr/bin/env node
/**
 * npm run bench:aws -- [--stack-name AprLambdaBench] [--region eu-west-1] [--cold-starts 30] [--warm-invocations 100]
 *                      [--targets apr,pytorch] [--state-machine-arn ARN --bucket NAME] [--execution-arn ARN] [--out DIR]
 * npm run bench:aws -- --plan [--cold-starts N] [--warm-invocations N] [--targets a,b]
 *
 * Runs the deployed benchmark state machine (or follows a run already started, e.g. by the
 * deployment), shows its progress per function with the time left (from the run's plan, corrected
 * as cold starts complete), and prints report.md from the results bucket when it ends;
 * with --out, downloads the run's result files too. Finds the state machine and bucket from the
 * stack's outputs unless both are given. --plan prints the plan of such a run (duration, AWS cost
 * by service, the per-step figures and prices with their sources) from cdk.json, without AWS.
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
import { resolveAppConfigFromObject, type AppConfig } from '../lib/config/app-config';
import { loadCdkJsonContext } from '../lib/config/cdk-json';
import { DirectorySink } from '../lib/benchmark/result-files';
import { layout } from '../lib/handlers/run-layout';
import type { RunManifest } from '../lib/handlers/prepare';
import { describePlan } from '../lib/plan/checks';
import { describeWaitFit, planDeployRuns, planFunctionsOf } from '../lib/plan/deploy-plan';
import { formatSeconds } from '../lib/plan/format';
import { ProgressTracker, type RunProgress } from '../lib/plan/progress';
import { renderPlanText } from '../lib/plan/render';
import { planRun } from '../lib/plan/run-plan';
import { planTargets, REPO_ROOT } from '../lib/stacks/app';
import type { DeploymentPlan } from '../lib/targets/deployment-plan';
import { parseArguments } from '../lib/util/parse-arguments';

export interface BenchAwsOptions {
  stackName: string;
  region?: string;
  stateMachineArn?: string;
  bucket?: string;
  executionArn?: string;
  coldStarts?: number;
  warmInvocations?: number;
  /** Deployed functions' keys to measure; default every deployed one. */
  targets?: string[];
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
  /** Epoch ms; default Date.now. */
  now?: () => number;
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
    const input = { ...(Object.keys(config).length ? { config } : {}), ...(options.targets ? { targets: options.targets } : {}) };
    const started = await clients.sfn.send(
      new StartExecutionCommand({
        stateMachineArn,
        name: executionName(new Date()),
        input: JSON.stringify(input),
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
  const progress = new RunProgressDisplay(clients.s3, bucket, name, io);
  let lastEventId = 0;
  for (;;) {
    // New history events since the last poll, oldest first.
    do {
      const page = await clients.sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 200, ...(nextToken ? { nextToken } : {}) }));
      for (const event of page.events ?? []) {
        // Without a token the history starts again from the first event: show each event once.
        if (event.id !== undefined) {
          if (event.id <= lastEventId) continue;
          lastEventId = event.id;
        }
        const line = describeEvent(event);
        if (line) io.err(`[${(event.timestamp ? new Date(event.timestamp) : new Date()).toISOString().slice(11, 19)}] ${line}\n`);
        progress.event(event);
      }
      if (page.nextToken) nextToken = page.nextToken;
      else break;
    } while (nextToken);
    await progress.show();
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

/** The state a TaskStateEntered event entered, with its function. */
export function enteredState(event: HistoryEvent): { state: string; target?: string; at: number } | undefined {
  const entered = event.stateEnteredEventDetails;
  if (event.type !== 'TaskStateEntered' || !entered?.name) return undefined;
  let target: string | undefined;
  try {
    target = (JSON.parse(entered.input ?? '{}') as { target?: { key?: string } }).target?.key;
  } catch {
    // input not shown when execution data is not logged
  }
  const at = event.timestamp ? new Date(event.timestamp).getTime() : Date.now();
  return { state: entered.name, ...(target ? { target } : {}), at };
}

/** One line: the current function's cold starts and time left, the run's time left against its plan. */
export function describeProgress(p: RunProgress): string {
  const c = p.current;
  const here = c ? `${c.key} ${c.phase === 'cold' ? `${c.coldRoundsDone}/${c.coldRounds} cold starts` : c.phase === 'warm' ? 'warm invocations' : 'collecting REPORT lines'}, about ${formatSeconds(c.secondsLeft)} left for it; ` : '';
  const done = p.targets.filter((t) => t.phase === 'done').length;
  return `progress: ${here}${done}/${p.targets.length} functions done, about ${formatSeconds(p.secondsLeft)} left for the run (planned ${formatSeconds(p.plannedSeconds)} in all)`;
}

/**
 * Progress with the time left: the run's plan comes from its run.json (written by Prepare, so it
 * holds this run's functions and settings); the states it enters correct it as cold starts complete.
 */
class RunProgressDisplay {
  private tracker?: ProgressTracker;
  private readonly pending: { state: string; target?: string; at: number }[] = [];
  private preparedSeen = false;
  private lastShown = '';

  constructor(
    private readonly s3: BenchAwsClients['s3'],
    private readonly bucket: string,
    private readonly run: string,
    private readonly io: Io,
  ) {}

  event(event: HistoryEvent): void {
    if (event.type === 'TaskStateExited' && event.stateExitedEventDetails?.name === 'Prepare') this.preparedSeen = true;
    const entered = enteredState(event);
    if (!entered) return;
    if (entered.state !== 'Prepare') this.preparedSeen = true;
    if (this.tracker) this.tracker.entered(entered);
    else this.pending.push(entered);
  }

  async show(): Promise<void> {
    if (!this.tracker && this.preparedSeen) {
      const text = await getText(this.s3, this.bucket, layout.runManifest(this.run)).catch(() => undefined);
      let manifest: Partial<RunManifest> | undefined;
      try {
        manifest = text ? (JSON.parse(text) as RunManifest) : undefined;
      } catch {
        manifest = undefined;
      }
      if (manifest?.plan) {
        this.tracker = new ProgressTracker(manifest.plan);
        this.io.err(`plan: ${describePlan(manifest.plan)}\n`);
        for (const e of this.pending.splice(0)) this.tracker.entered(e);
      }
    }
    if (!this.tracker) return;
    const line = describeProgress(this.tracker.progress((this.io.now ?? Date.now)()));
    // A line when something moved, not one per poll.
    const key = line.replace(/about [^,;(]+/g, '');
    if (key !== this.lastShown) {
      this.lastShown = key;
      this.io.err(`${line}\n`);
    }
  }
}

/** What `--plan` prints: the run bench:aws would start, and the run the deployment starts, without AWS. */
export function renderBenchAwsPlan(config: AppConfig, deployment: DeploymentPlan, options: Pick<BenchAwsOptions, 'coldStarts' | 'warmInvocations' | 'targets'>): string[] {
  const all = planFunctionsOf(deployment);
  const unknown = (options.targets ?? []).filter((k) => !all.some((f) => f.key === k));
  if (unknown.length > 0) throw new InvalidArgumentError(`--targets names ${unknown.join(', ')}, not deployed with cdk.json's settings; deployed: ${all.map((f) => f.key).join(', ')}`);
  const functions = options.targets ? all.filter((f) => options.targets!.includes(f.key)) : all;
  const plan = planRun({
    profile: 'aws',
    functions,
    coldStarts: options.coldStarts ?? config.benchmark.coldStarts,
    warmInvocations: options.warmInvocations ?? config.benchmark.warmInvocations,
  });
  const out = renderPlanText(plan, { title: 'Plan of this run (npm run bench:aws)', full: true });
  if (config.maxRunCostUsd !== undefined && plan.cost && plan.cost.usd.high > config.maxRunCostUsd) {
    out.push(`  Prepare will refuse this run: its plan costs up to $${plan.cost.usd.high.toFixed(4)}, over maxRunCostUsd $${config.maxRunCostUsd}.`);
  }
  const deploy = planDeployRuns(config, deployment);
  if (deploy.onDeploy) {
    out.push('', `The run on deploy (${deploy.onDeployReason}): ${describePlan(deploy.onDeploy)}.`, describeWaitFit(deploy));
  }
  out.push('', 'From cdk.json and the builds on this machine, as `cdk synth` would deploy them; the run itself records its own plan in runs/<execution>/raw/run.json.');
  return out;
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
    .option('--targets <keys>', 'measure only these deployed functions (comma-separated keys, e.g. apr,pytorch)', (v: string) => v.split(',').map((k) => k.trim()).filter(Boolean))
    .option('--plan', 'print the plan of the run (duration, AWS cost by service, sources) and exit; needs no AWS')
    .option('--out <dir>', 'also download the run\'s result files into <dir>/<execution name>/')
    .option('--poll-seconds <s>', 'seconds between progress polls', positiveInt, 10);
  const parsed = parseArguments(program, argv, io, 1);
  if (parsed !== undefined) return parsed;
  const o = program.opts<BenchAwsOptions & { plan?: boolean }>();
  const { plan: planOnly, ...rest } = o;
  const options: BenchAwsOptions = { ...rest, pollSeconds: o.pollSeconds };
  if (planOnly) {
    try {
      const config = resolveAppConfigFromObject(loadCdkJsonContext(REPO_ROOT));
      io.out(`${renderBenchAwsPlan(config, planTargets(config, REPO_ROOT), options).join('\n')}\n`);
      return 0;
    } catch (err) {
      io.err(`bench:aws --plan: ${(err as Error).message}\n`);
      return 2;
    }
  }
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
