import { createHash } from 'node:crypto';
import * as path from 'node:path';
import { Annotations, CfnOutput, CfnResource, Stack, type StackProps } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import type { AppConfig } from '../config/app-config';
import { AprFunction, type AprBundler } from '../constructs/apr-function';
import { BenchmarkStateMachine, checkTargetsFitEnvironment, prepareTargetSpec, type BenchmarkTarget } from '../constructs/benchmark-state-machine';
import { DeployTrigger } from '../constructs/deploy-trigger';
import { benchmarkedLogGroupName, stackLogGroup } from '../constructs/log-group';
import { acknowledge } from '../constructs/nag';
import { PytorchFunction } from '../constructs/pytorch-function';
import { ResultsBucket } from '../constructs/results-bucket';
import { ZipTargetFunction, type ZipBundler } from '../constructs/zip-target-function';
import type { DeploymentPlan, PlannedFunction } from '../targets/deployment-plan';
import { zipBundler } from './zip-bundler';
import { onDeployKeys } from '../plan/deploy-plan';

export interface BenchmarkStackProps extends StackProps {
  config: AppConfig;
  /** The repository root (the PyTorch image's build context, the handlers' project root). */
  repoRoot: string;
  /** Builds the .apr function's `bootstrap` into a directory (lib/build's buildAprFunction). */
  aprBundler: AprBundler;
  /** The functions to deploy (lib/targets/deployment-plan.ts) and what was left out, with why. */
  plan: DeploymentPlan;
  /** How a zip target is bundled; default: its own build command, then its zip (zip-bundler.ts). */
  zipBundlerFor?: (fn: PlannedFunction) => ZipBundler;
}

/** Relative to the repository root. */
export const PYTORCH_DOCKERFILE = 'baselines/pytorch-wine/Dockerfile';
export const HANDLER_ENTRY = 'lib/handlers/lambda/index.ts';

/** One deployed function of the plan, whatever construct deploys it. */
export interface DeployedTarget {
  planned: PlannedFunction;
  construct: AprFunction | PytorchFunction | ZipTargetFunction;
}

/**
 * The construct id of a planned function: 'Apr' and 'Pytorch' for the two reference functions (their
 * logical ids predate the ladder), PascalCase of the result key for every other.
 */
export function constructIdOf(key: string): string {
  return key
    .split('-')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}

/**
 * Everything a benchmark on AWS needs, and nothing that outlives `cdk destroy`: one function per
 * planned target (each with its own role and log group), the state machine with its Task functions,
 * the results bucket, and the deploy-time trigger.
 */
export class BenchmarkStack extends Stack {
  readonly apr?: AprFunction;
  readonly pytorch?: PytorchFunction;
  readonly targets: DeployedTarget[] = [];
  readonly results: ResultsBucket;
  readonly benchmark: BenchmarkStateMachine;
  readonly trigger?: DeployTrigger;

  constructor(scope: Construct, id: string, props: BenchmarkStackProps) {
    super(scope, id, {
      description: 'apr-lambda-bench: one wine-quality model served by a ladder of runtimes (Rust .apr to a PyTorch image), benchmarked on AWS Lambda',
      ...props,
    });
    const { config, repoRoot, plan } = props;
    const retention = config.logRetentionDays;
    const handlerEntry = path.join(repoRoot, HANDLER_ENTRY);
    if (plan.functions.length === 0) {
      throw new Error(`no target can be deployed: ${plan.skipped.map((s) => s.reason).join('; ') || 'none chosen'}`);
    }
    for (const skipped of plan.skipped) {
      Annotations.of(this).addWarningV2(
        `apr-lambda-bench:target-skipped:${skipped.key}`,
        `not deployed: ${skipped.reason}${skipped.command ? ` (build: ${skipped.command})` : ''}`,
      );
    }
    // Before anything is built: the list must fit Prepare's environment (the state machine checks it
    // again with what it is given). Function names at Lambda's longest, 64 characters.
    checkTargetsFitEnvironment(
      plan.functions.map((f) =>
        prepareTargetSpec({ ...f, functionName: 'f'.repeat(64), logGroupName: benchmarkedLogGroupName(config.stackName, f.key), runtimeLabel: f.target.runtimeLabel }),
      ),
    );
    const bundlerFor = props.zipBundlerFor ?? ((fn: PlannedFunction) => zipBundler(repoRoot, fn.command, fn.artefact));

    const benchmarkTargets: BenchmarkTarget[] = [];
    for (const planned of plan.functions) {
      const { target, key, memorySizeMB, architecture } = planned;
      const constructId = constructIdOf(key);
      const logGroupName = benchmarkedLogGroupName(config.stackName, key);
      let construct: DeployedTarget['construct'];
      if (target.construct === 'AprFunction') {
        const apr = new AprFunction(this, constructId, {
          sourceDir: path.join(repoRoot, target.folder),
          bundler: props.aprBundler,
          logRetentionDays: retention,
          logGroupName,
          memorySizeMB,
        });
        if (key === target.key) this.apr = apr;
        construct = apr;
      } else if (target.construct === 'PytorchFunction') {
        const pytorch = new PytorchFunction(this, constructId, {
          repoRoot,
          dockerfile: PYTORCH_DOCKERFILE,
          ...(config.pytorchImage ? { existingImage: config.pytorchImage } : {}),
          logRetentionDays: retention,
          logGroupName,
          memorySizeMB,
        });
        if (key === target.key) this.pytorch = pytorch;
        construct = pytorch;
      } else {
        construct = new ZipTargetFunction(this, constructId, {
          key,
          description: target.description,
          sourceDir: path.join(repoRoot, target.folder),
          bundler: bundlerFor(planned),
          artefact: planned.artefact,
          runtime: target.lambdaRuntime!,
          handler: target.handler,
          architecture,
          memorySizeMB,
          timeoutSeconds: target.timeoutSeconds,
          logRetentionDays: retention,
          logGroupName,
        });
        this.acknowledgeRuntimeChoice(construct as ZipTargetFunction, target.lambdaRuntime!);
      }
      this.targets.push({ planned, construct });
      benchmarkTargets.push({
        key,
        function: construct.function,
        logGroup: construct.logGroup,
        runtimeLabel: target.runtimeLabel,
        memorySizeMB,
        architecture,
        ...(construct instanceof PytorchFunction ? { imageRepository: construct.repository } : {}),
      });
    }
    this.results = new ResultsBucket(this, 'Results', { accessLogRetentionDays: retention });
    this.benchmark = new BenchmarkStateMachine(this, 'Benchmark', {
      targets: benchmarkTargets,
      settings: config.benchmark,
      bucket: this.results.bucket,
      logRetentionDays: retention,
      handlerEntry,
      projectRoot: repoRoot,
      ...(config.maxRunCostUsd !== undefined ? { maxRunCostUsd: config.maxRunCostUsd } : {}),
    });
    this.giveAutoDeleteProviderALogGroup(retention);

    new CfnOutput(this, 'StateMachineArn', { value: this.benchmark.stateMachine.stateMachineArn, description: 'Start a run: npm run bench:aws' });
    new CfnOutput(this, 'ResultsBucketName', { value: this.results.bucket.bucketName, description: 'Runs are written under runs/<execution name>/' });
    for (const { planned, construct } of this.targets) {
      new CfnOutput(this, `${constructIdOf(planned.key)}FunctionName`, { value: construct.function.functionName, description: `${planned.key}: ${planned.target.runtimeLabel}, ${planned.memorySizeMB} MB, ${planned.architecture}` });
    }

    if (config.runOnDeploy) {
      // The zip's asset key is the hash of the built package; the image URI ends in the image's tag or digest.
      const codeOf = (fn: lambda.IFunction) => {
        const code = (fn.node.defaultChild as lambda.CfnFunction).code as lambda.CfnFunction.CodeProperty;
        return (code.s3Key ?? code.imageUri) as string;
      };
      const targetCode: Record<string, string> = {};
      for (const { planned, construct } of this.targets) targetCode[planned.key] = codeOf(construct.function);
      // The run on deploy measures the functions of runOnDeployTargets (lib/plan/deploy-plan.ts): by
      // default the original comparison's two, whose run fits the deployment's wait.
      const onDeploy = onDeployKeys(
        this.targets.map((t) => t.planned.key),
        config.runOnDeployTargets,
      ).keys;
      this.trigger = new DeployTrigger(this, 'RunOnDeploy', {
        stateMachine: this.benchmark.stateMachine,
        bucket: this.results.bucket,
        waitMinutes: config.deployWaitMinutes,
        runWhenChanged: {
          ...(this.apr ? { AprCode: targetCode.apr } : {}),
          ...(this.pytorch ? { PytorchImage: targetCode.pytorch } : {}),
          TargetCode: targetCode,
          ConfigHash: settingsHash(config),
          // All of them: no list, Prepare measures every deployed function.
          ...(onDeploy.length < this.targets.length ? { RunTargets: onDeploy.join(',') } : {}),
        },
        logRetentionDays: retention,
        handlerEntry,
        projectRoot: repoRoot,
      });
      const attr = (name: Parameters<DeployTrigger['attribute']>[0]) => this.trigger!.attribute(name);
      new CfnOutput(this, 'BenchmarkStatus', { value: attr('Status'), description: 'Outcome of the run started by this deployment' });
      new CfnOutput(this, 'BenchmarkExecutionArn', { value: attr('ExecutionArn') });
      new CfnOutput(this, 'ResultsLocation', { value: attr('ResultsLocation') });
      new CfnOutput(this, 'Report', { value: attr('Report') });
      new CfnOutput(this, 'ColdStartInitP50Ratio', { value: attr('ColdStartInitP50Ratio'), description: 'p50 Init Duration, pytorch / apr, with its bootstrap 95% CI' });
      new CfnOutput(this, 'WarmDurationP50Ratio', { value: attr('WarmDurationP50Ratio'), description: 'p50 warm Duration, pytorch / apr' });
      new CfnOutput(this, 'MaxMemoryRatio', { value: attr('MaxMemoryRatio'), description: 'p50 Max Memory Used on cold starts, pytorch / apr' });
      new CfnOutput(this, 'PackageSizeRatio', { value: attr('PackageSizeRatio'), description: 'deployed package bytes, pytorch / apr' });
    }
  }

  /**
   * cdk-nag's AwsSolutions-L1 asks for the newest runtime of each language. The ladder pins its
   * runtimes on purpose: the Python packages carry wheels for CPython 3.11 (numpy 2.2.6 and onnxruntime
   * 1.16.3 are the newest with manylinux2014 wheels for it) and the PyTorch image runs Python 3.11 too;
   * the Node.js function is measured locally on Node.js 22 with aws-lambda-ric 4, the nodejs22.x
   * runtime's client. provided.al2023 is the newest OS-only runtime and raises nothing.
   */
  private acknowledgeRuntimeChoice(fn: ZipTargetFunction, runtime: string): void {
    if (runtime === 'provided.al2023') return;
    const why =
      runtime === 'python3.11'
        ? 'python3.11 on purpose: the package\'s wheels are built for CPython 3.11 (numpy 2.2.6 and onnxruntime 1.16.3 are the newest with manylinux2014 cp311 wheels), the Python of the PyTorch image the ladder compares with.'
        : `${runtime} on purpose: the function is measured locally on Node.js 22 with aws-lambda-ric 4, the ${runtime} runtime's client; the deployed runtime matches what was measured.`;
    acknowledge(fn.function, 'AwsSolutions-L1', why);
  }

  /**
   * autoDeleteObjects brings a CDK-internal provider function whose log group is not configurable:
   * Lambda would create /aws/lambda/<name> on its first run, never expiring, outside the stack. Point
   * its logging at a log group of the stack instead. The custom resources that invoke it reference
   * the function, which references the log group, so on delete the log group goes last.
   */
  private giveAutoDeleteProviderALogGroup(retentionDays: number): void {
    const provider = this.node.tryFindChild('Custom::S3AutoDeleteObjectsCustomResourceProvider');
    if (!provider) return;
    const handler = provider.node.tryFindChild('Handler') as CfnResource | undefined;
    if (!handler) throw new Error('the S3 auto-delete provider has no Handler resource: has the CDK changed its layout?');
    const logGroup = stackLogGroup(this, 'AutoDeleteObjectsLogGroup', retentionDays);
    handler.addPropertyOverride('LoggingConfig', { LogGroup: logGroup.logGroupName, LogFormat: 'Text' });
    // The CDK gives its role the managed AWSLambdaBasicExecutionRole, which allows logs:CreateLogGroup
    // on every log group of the account. It writes to the log group above and nothing else: replace
    // the managed policy by exactly that. (Its S3 permissions come from the buckets' policies.)
    const role = provider.node.tryFindChild('Role') as CfnResource | undefined;
    if (!role) throw new Error('the S3 auto-delete provider has no Role resource: has the CDK changed its layout?');
    role.addPropertyDeletionOverride('ManagedPolicyArns');
    role.addPropertyOverride('Policies', [
      {
        PolicyName: 'WriteOwnLogGroup',
        PolicyDocument: {
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: logGroup.logGroupArn }],
        },
      },
    ]);
  }
}

/** Changes exactly when a setting that changes the measurement changes. */
export function settingsHash(config: AppConfig): string {
  const { coldStarts, warmInvocations, payload } = config.benchmark;
  return createHash('sha256').update(JSON.stringify({ coldStarts, warmInvocations, payload })).digest('hex');
}
