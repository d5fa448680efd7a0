/**
 * What a plan is checked against before a run starts: the cost ceiling (maxRunCostUsd, at synth for
 * the run on deploy and in Prepare for every run), the deployment's wait (deployWaitMinutes) and the
 * state machine's own timeout.
 */
import type { Range } from './figures';
import { formatRange, formatSeconds, formatUsd, formatUsdRange } from './format';
import type { RunPlan } from './run-plan';
import { STATE_MACHINE_TIMEOUT_HOURS } from './state-machine-pacing';

/** A run whose plan costs more than maxRunCostUsd: refused before it starts, with the plan's figures. */
export class RunCostCeilingError extends Error {
  constructor(
    readonly plan: RunPlan,
    readonly maxRunCostUsd: number,
    what: string,
  ) {
    const cost = plan.cost!.usd;
    super(
      `${what} is refused: its plan costs up to ${formatUsd(cost.high)} on AWS (typical ${formatUsd(cost.typical)}, ${formatUsdRange(cost)}), ` +
        `over maxRunCostUsd ${formatUsd(maxRunCostUsd)}. The plan: ${describePlan(plan)}. ` +
        'Measure fewer functions or fewer invocations (coldStarts, warmInvocations), or raise maxRunCostUsd (`-c maxRunCostUsd=N`, then deploy again).',
    );
    this.name = 'RunCostCeilingError';
  }
}

/** One line: the functions, the invocations, the duration and the cost. */
export function describePlan(plan: RunPlan): string {
  const keys = plan.functions.map((f) => f.key).join(', ');
  return (
    `${plan.functions.length} function${plan.functions.length === 1 ? '' : 's'} (${keys}), ${plan.coldStarts} cold starts and ${plan.warmInvocations} warm invocations each, ` +
    `about ${formatSeconds(plan.seconds.typical)} (${formatRange(plan.seconds, formatSeconds)})` +
    (plan.cost ? `, ${formatUsd(plan.cost.usd.typical)} (${formatUsdRange(plan.cost.usd)})` : '')
  );
}

/** Refuses a plan whose high cost is over the ceiling; no ceiling, no check. */
export function checkCostCeiling(plan: RunPlan, maxRunCostUsd: number | undefined, what = 'the run'): void {
  if (maxRunCostUsd === undefined || !plan.cost) return;
  if (plan.cost.usd.high > maxRunCostUsd) throw new RunCostCeilingError(plan, maxRunCostUsd, what);
}

export type WaitVerdict = 'fits' | 'may-not-fit' | 'does-not-fit';

/**
 * Whether the deployment's wait covers the run: the trigger asks for the run's status before it
 * looks at the clock (lib/handlers/deploy-trigger.ts), so a run that ends within the wait is reported
 * with its results. Fits: even the plan's high estimate ends within the wait.
 */
export function waitVerdict(seconds: Range, waitMinutes: number): WaitVerdict {
  const wait = waitMinutes * 60;
  if (seconds.high <= wait) return 'fits';
  if (seconds.typical <= wait) return 'may-not-fit';
  return 'does-not-fit';
}

/** The slowest function's one forced cold start, s (typical), with its key. */
export function slowestColdStart(plan: RunPlan): { key: string; seconds: number } {
  const slowest = [...plan.functions].sort((a, b) => b.secondsPerColdStart.typical - a.secondsPerColdStart.typical)[0];
  return { key: slowest.key, seconds: slowest.secondsPerColdStart.typical };
}

/** Warnings a plan earns on its own: a run longer than the state machine allows. */
export function planWarnings(plan: RunPlan): string[] {
  const limit = STATE_MACHINE_TIMEOUT_HOURS * 3600;
  const out: string[] = [];
  if (plan.seconds.typical > limit) {
    out.push(`the plan (about ${formatSeconds(plan.seconds.typical)}) is longer than the state machine's ${STATE_MACHINE_TIMEOUT_HOURS}-hour timeout: the run would stop before its end; measure fewer functions or cold starts`);
  } else if (plan.seconds.high > limit) {
    out.push(`the plan's high estimate (${formatSeconds(plan.seconds.high)}) is longer than the state machine's ${STATE_MACHINE_TIMEOUT_HOURS}-hour timeout`);
  }
  return out;
}
