import * as path from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ConfigError, resolveAppConfig, type AppConfig, type ContextKey } from '../config/app-config';
import type { AprBundler } from '../constructs/apr-function';
import type { ZipBundler } from '../constructs/zip-target-function';
import type { MachineProbe } from '../targets/buildability';
import { planDeployment, UnbuildableTargetError, type DeploymentPlan, type PlannedFunction } from '../targets/deployment-plan';
import { BenchmarkStack } from './benchmark-stack';
import { checkDeployPlans, planDeployRuns, type DeployRunPlans } from '../plan/deploy-plan';

export const SERVER_ACCESS_LOGS_USE_BUCKET_POLICY = '@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy';

const PATH_METADATA = 'aws:cdk:enable-path-metadata';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');

export interface CreateAppOptions {
  /** Context values on top of cdk.json's (tests pass theirs here; the CDK CLI passes its own through the environment). */
  context?: Record<string, unknown>;
  outdir?: string;
  aprBundler: AprBundler;
  repoRoot?: string;
  /** How the machine's tools and built artefacts are looked for (tests replace it). */
  probe?: MachineProbe;
  /** How a zip target is bundled; default: its own build command, then its zip. */
  zipBundlerFor?: (fn: PlannedFunction) => ZipBundler;
  /**
   * false: the run plans are computed but not held against deployWaitMinutes and maxRunCostUsd (the
   * local run synthesizes the stack only for its state machine definition, and deploys nothing).
   */
  checkRunPlans?: boolean;
  /** Told the run plans once they are checked, before any function is built (bin/app.ts prints them). */
  onRunPlans?: (plans: DeployRunPlans) => void;
  /** Stack environment; default: environment-agnostic, so synth needs no credentials. */
  env?: { account?: string; region?: string };
}

export interface BenchmarkApp {
  app: App;
  stack: BenchmarkStack;
  config: AppConfig;
  plan: DeploymentPlan;
  /** The plans of the run on deploy and of a full run (lib/plan), checked before the stack is built. */
  runPlans: DeployRunPlans;
}

/**
 * The CDK app: validates the context (throws ConfigError naming the bad key), builds the stack, and
 * registers cdk-nag's AwsSolutions checks, which run on every synth. Any finding not acknowledged
 * with a reason fails the synth; the acknowledgements are also written into the template's
 * resource metadata (cdk_nag.rules_to_suppress), where `npm run audit` and auditors read them.
 */
export function createApp(options: CreateAppOptions): BenchmarkApp {
  const app = new App({ ...(options.context ? { context: options.context } : {}), ...(options.outdir ? { outdir: options.outdir } : {}) });
  // Server access logs are delivered through the log bucket's policy, not through ACLs: the buckets
  // keep ACLs disabled (BucketOwnerEnforced). A design decision, so not left to cdk.json.
  app.node.setContext(SERVER_ACCESS_LOGS_USE_BUCKET_POLICY, true);
  // Construct paths in the template's metadata, as the CDK CLI writes them: the audit names resources by them.
  if (app.node.tryGetContext(PATH_METADATA) === undefined) app.node.setContext(PATH_METADATA, true);
  const config = resolveAppConfig((key: ContextKey) => app.node.tryGetContext(key));
  const repoRoot = options.repoRoot ?? REPO_ROOT;
  const plan = planTargets(config, repoRoot, options.probe);
  // Before anything is built: a wait that cannot cover one cold start, or a run on deploy over the
  // cost ceiling, stops the synth with the setting and the plan's figures.
  const runPlans = planDeployRuns(config, plan);
  if (options.checkRunPlans !== false) checkDeployPlans(runPlans);
  options.onRunPlans?.(runPlans);
  const stack = new BenchmarkStack(app, config.stackName, {
    config,
    repoRoot,
    aprBundler: options.aprBundler,
    plan,
    ...(options.zipBundlerFor ? { zipBundlerFor: options.zipBundlerFor } : {}),
    ...(options.env ? { env: options.env } : {}),
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true, writeSuppressionsToCloudFormation: true }));
  return { app, stack, config, plan, runPlans };
}

/** The deployment plan of the configuration; a target named in `targets` that cannot be built here is a configuration error. */
export function planTargets(config: AppConfig, repoRoot: string, probe?: MachineProbe): DeploymentPlan {
  try {
    return planDeployment({
      ...(config.targets ? { targets: config.targets } : {}),
      ...(config.memorySizes ? { memorySizes: config.memorySizes } : {}),
      architectures: config.architectures,
      projectRoot: repoRoot,
      ...(probe ? { probe } : {}),
    });
  } catch (err) {
    if (err instanceof UnbuildableTargetError) throw new ConfigError('targets', config.targets, `targets that can be built here (${err.message})`);
    throw err;
  }
}
