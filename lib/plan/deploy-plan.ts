/**
 * The plans a deployment implies, as `cdk synth` and `npm run bench:aws -- --plan` print them: the
 * run the deployment starts and waits for (runOnDeployTargets), and a full run of every deployed
 * function (`npm run bench:aws`). Checked here: the cost ceiling of the run on deploy, and a wait
 * that cannot cover even one cold start of its slowest function.
 */
import { ConfigError, type AppConfig } from '../config/app-config';
import type { DeploymentPlan } from '../targets/deployment-plan';
import { checkCostCeiling, slowestColdStart, waitVerdict, type WaitVerdict } from './checks';
import type { PlanFunction } from './figures';
import { formatSeconds, formatUsd } from './format';
import { planRun, type RunPlan } from './run-plan';

export type DeployPlanConfig = Pick<AppConfig, 'benchmark' | 'runOnDeploy' | 'deployWaitMinutes' | 'runOnDeployTargets' | 'maxRunCostUsd'>;

export interface DeployRunPlans {
  /** The run the deployment starts; absent when runOnDeploy is false. */
  onDeploy?: RunPlan;
  /** Why these functions (printed with the plan). */
  onDeployReason: string;
  full: RunPlan;
  waitMinutes: number;
  verdict?: WaitVerdict;
  maxRunCostUsd?: number;
  notes: string[];
}

/** What the plan needs of each deployed function. */
export function planFunctionsOf(deployment: DeploymentPlan): PlanFunction[] {
  return deployment.functions.map((f) => ({
    key: f.key,
    targetKey: f.target.key,
    packageType: f.target.packageType,
    architecture: f.architecture,
    memorySizeMB: f.memorySizeMB,
    coldStartConcurrency: 1,
  }));
}

/**
 * The functions the run on deploy measures: those of runOnDeployTargets that are deployed; every
 * deployed function when the setting is "all" or names none that is deployed.
 */
export function onDeployKeys(deployedKeys: readonly string[], chosen: AppConfig['runOnDeployTargets']): { keys: string[]; reason: string; notes: string[] } {
  if (chosen === 'all') return { keys: [...deployedKeys], reason: 'runOnDeployTargets "all": every deployed function', notes: [] };
  const keys = deployedKeys.filter((k) => chosen.includes(k));
  const missing = chosen.filter((k) => !deployedKeys.includes(k));
  const notes = missing.length > 0 ? [`runOnDeployTargets names ${missing.join(', ')}, not deployed with these settings: not measured on deploy`] : [];
  if (keys.length === 0) return { keys: [...deployedKeys], reason: `runOnDeployTargets (${chosen.join(', ')}) names no deployed function: every deployed function`, notes };
  return { keys, reason: `runOnDeployTargets: ${keys.join(', ')}`, notes };
}

export function planDeployRuns(config: DeployPlanConfig, deployment: DeploymentPlan): DeployRunPlans {
  const functions = planFunctionsOf(deployment);
  const { coldStarts, warmInvocations } = config.benchmark;
  const full = planRun({ profile: 'aws', functions, coldStarts, warmInvocations });
  const plans: DeployRunPlans = { full, waitMinutes: config.deployWaitMinutes, onDeployReason: '', notes: [] };
  if (config.maxRunCostUsd !== undefined) plans.maxRunCostUsd = config.maxRunCostUsd;
  if (config.runOnDeploy) {
    const chosen = onDeployKeys(
      functions.map((f) => f.key),
      config.runOnDeployTargets,
    );
    plans.onDeploy = planRun({ profile: 'aws', functions: functions.filter((f) => chosen.keys.includes(f.key)), coldStarts, warmInvocations });
    plans.onDeployReason = chosen.reason;
    plans.notes.push(...chosen.notes);
    plans.verdict = waitVerdict(plans.onDeploy.seconds, config.deployWaitMinutes);
  }
  if (config.maxRunCostUsd !== undefined && full.cost && full.cost.usd.high > config.maxRunCostUsd) {
    plans.notes.push(
      `a full run's plan costs up to ${formatUsd(full.cost.usd.high)}, over maxRunCostUsd ${formatUsd(config.maxRunCostUsd)}: Prepare will refuse it; run fewer functions or invocations (npm run bench:aws -- --cold-starts N --warm-invocations N)`,
    );
  }
  return plans;
}

/**
 * Refuses, before anything is built: a wait shorter than one cold start of the run on deploy's
 * slowest function (the deployment could never report a measurement), and a run on deploy whose
 * plan costs more than maxRunCostUsd.
 */
export function checkDeployPlans(plans: DeployRunPlans): void {
  if (!plans.onDeploy) return;
  const slowest = slowestColdStart(plans.onDeploy);
  if (plans.waitMinutes * 60 < slowest.seconds) {
    throw new ConfigError(
      'deployWaitMinutes',
      plans.waitMinutes,
      `a wait of at least one cold start of the slowest function on deploy (${slowest.key}: about ${formatSeconds(slowest.seconds)} for a forced cold start), at most 50`,
    );
  }
  checkCostCeiling(plans.onDeploy, plans.maxRunCostUsd, 'the run on deploy');
}

/** One sentence: does the deployment's wait cover the run on deploy, and what follows it if not. */
export function describeWaitFit(plans: DeployRunPlans): string {
  const plan = plans.onDeploy;
  if (!plan || !plans.verdict) return '';
  const wait = `${plans.waitMinutes} min`;
  const follow = 'follow it with `npm run bench:aws -- --execution-arn <BenchmarkExecutionArn from the stack outputs>`';
  if (plans.verdict === 'fits') {
    return `The deployment waits up to ${wait} (deployWaitMinutes): the run fits even at the plan's high estimate (${formatSeconds(plan.seconds.high)}), so \`cdk deploy\` ends with BenchmarkStatus SUCCEEDED and the headline ratios in its outputs.`;
  }
  if (plans.verdict === 'may-not-fit') {
    return `The deployment waits up to ${wait} (deployWaitMinutes): the run fits at the plan's typical ${formatSeconds(plan.seconds.typical)} but not at its high ${formatSeconds(plan.seconds.high)}; if it runs long, \`cdk deploy\` ends with BenchmarkStatus RUNNING and the run goes on: ${follow}.`;
  }
  return `The run cannot finish within the deployment's ${wait} wait (plan about ${formatSeconds(plan.seconds.typical)}): \`cdk deploy\` will end with BenchmarkStatus RUNNING and the run goes on; ${follow}. To see results in the deployment's outputs instead, measure fewer functions on deploy (runOnDeployTargets) or fewer cold starts, or raise deployWaitMinutes (at most 50).`;
}
