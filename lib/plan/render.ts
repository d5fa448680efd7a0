/**
 * A plan as text: for the console (cdk synth, npm run bench:aws -- --plan, npm run bench) and as a
 * report.md section with the measured duration beside the planned one.
 */
import { describeWaitFit, type DeployRunPlans } from './deploy-plan';
import { planWarnings } from './checks';
import type { Range } from './figures';
import { formatNumber, formatRange, formatSeconds, formatUsd, formatUsdRange } from './format';
import type { RunPlan } from './run-plan';

const where = (plan: RunPlan) => (plan.profile === 'aws' ? 'on AWS' : 'on this machine (local Lambda service)');

function functionLine(f: RunPlan['functions'][number]): string {
  const what = `${f.packageType === 'Image' ? 'image' : 'zip'} ${f.architecture} ${f.memorySizeMB} MB`;
  const rounds = f.coldRounds === f.coldStarts ? '' : ` in ${f.coldRounds} updates`;
  return (
    `${f.key.padEnd(22)} ${what.padEnd(22)} ${`${f.coldStarts} cold${rounds}, ${f.warmInvocations} warm`.padEnd(26)} ` +
    `about ${formatSeconds(f.seconds.typical)} (${formatRange(f.seconds, formatSeconds)}), Init about ${formatNumber(f.initMs.range.typical)} ms`
  );
}

export interface PlanTextOptions {
  title: string;
  /** Per-step figures with their sources, every cost line's price source, the assumptions. */
  full?: boolean;
}

/** The plan for a console, one line per entry. */
export function renderPlanText(plan: RunPlan, options: PlanTextOptions): string[] {
  const out: string[] = [];
  out.push(`${options.title} ${where(plan)}: ${plan.functions.length} function${plan.functions.length === 1 ? '' : 's'}, one after another`);
  for (const f of plan.functions) out.push(`  ${functionLine(f)}`);
  out.push(
    `  duration: about ${formatSeconds(plan.seconds.typical)} (${formatRange(plan.seconds, formatSeconds)}); ` +
      `${formatNumber(plan.stateTransitions.typical)} state transitions (${formatRange(plan.stateTransitions, (v) => formatNumber(v))})`,
  );
  if (plan.calibration) {
    const c = plan.calibration;
    const holdouts = c.holdouts ? ` and ${c.holdouts} hold-out${c.holdouts === 1 ? '' : 's'}` : '';
    out.push(`  of which the calibration in the run: ${c.functions} calibration functions${holdouts} × ${c.coldStarts} cold starts, between the targets' cold starts`);
  }
  if (plan.cost) {
    out.push(`  AWS cost of one run: about ${formatUsd(plan.cost.usd.typical)} (${formatUsdRange(plan.cost.usd)}), by service:`);
    for (const l of plan.cost.lines) {
      out.push(
        `    ${l.service.padEnd(23)} ${formatUsd(l.usd.typical).padStart(9)}  ${l.item}: about ${formatNumber(l.quantity.typical)} ${l.unit} at $${l.price.usd} per ${l.price.per === 1 ? '' : `${formatNumber(l.price.per)} `}${l.price.unit} (${l.price.source}, read ${l.price.read})`,
      );
    }
    if (options.full) for (const a of plan.cost.assumptions) out.push(`    - ${a}`);
    else out.push('    - us-east-1 prices, x86 and Arm priced apart, free tier ignored (npm run bench:aws -- --plan lists every assumption and per-step figure)');
  }
  if (options.full) {
    out.push('  per-step figures (low / typical / high, seconds unless named) and their sources:');
    for (const s of plan.steps) out.push(`    ${s.step}: ${rangeText(s.figure.range)}; ${s.figure.source}`);
    for (const f of plan.functions) {
      out.push(`    ${f.key} Init Duration, ms: ${rangeText(f.initMs.range)}; ${f.initMs.source}`);
      out.push(`    ${f.key} warm Duration, ms: ${rangeText(f.warmDurationMs.range)}; ${f.warmDurationMs.source}`);
    }
  }
  for (const w of planWarnings(plan)) out.push(`  warning: ${w}`);
  return out;
}

function rangeText(r: Range): string {
  return `${formatNumber(r.low)} / ${formatNumber(r.typical)} / ${formatNumber(r.high)}`;
}

/** What synth and `bench:aws --plan` print about the deployment: the run on deploy, its wait, the full run. */
export function renderDeployPlansText(plans: DeployRunPlans, options: { full?: boolean } = {}): string[] {
  const out: string[] = [];
  if (plans.onDeploy) {
    out.push(...renderPlanText(plans.onDeploy, { title: `Plan of the run on deploy (${plans.onDeployReason})`, ...options }));
    out.push(`  ${describeWaitFit(plans)}`);
  } else {
    out.push('No run on deploy (runOnDeploy is false): start one with `npm run bench:aws`.');
  }
  out.push('');
  out.push(...renderPlanText(plans.full, { title: 'Plan of a full run (`npm run bench:aws`, every deployed function)', ...options }));
  for (const n of plans.notes) out.push(`  note: ${n}`);
  return out;
}

/** The report's section: the plan of this run, and its measured duration beside the planned one. */
export function renderPlanMarkdown(plan: RunPlan, measuredSeconds?: number): string[] {
  const out: string[] = ['## Plan and measured duration', ''];
  if (measuredSeconds !== undefined) out.push(plannedVersusMeasured(plan, measuredSeconds), '');
  out.push(
    `Planned before the run started (${plan.profile === 'aws' ? 'AWS' : 'local'} profile, lib/plan): ${plan.coldStarts} cold starts and ${plan.warmInvocations} warm invocations per function, ` +
      `${formatNumber(plan.stateTransitions.typical)} state transitions (${formatRange(plan.stateTransitions, (v) => formatNumber(v))}).`,
    '',
    '| function | package | cold starts (updates) | warm | Init Duration planned (ms) | planned duration |',
    '|---|---|---:|---:|---:|---:|',
  );
  for (const f of plan.functions) {
    out.push(
      `| \`${f.key}\` | ${f.packageType} ${f.architecture} ${f.memorySizeMB} MB | ${f.coldStarts} (${f.coldRounds}) | ${f.warmInvocations} | ${formatNumber(f.initMs.range.typical)} | ${formatSeconds(f.seconds.typical)} (${formatRange(f.seconds, formatSeconds)}) |`,
    );
  }
  out.push('');
  if (plan.cost) {
    out.push(`AWS cost of this run, planned: about ${formatUsd(plan.cost.usd.typical)} (${formatUsdRange(plan.cost.usd)}).`, '');
    out.push('| service | item | quantity (typical) | price | source, read | cost (typical) |', '|---|---|---:|---|---|---:|');
    for (const l of plan.cost.lines) {
      out.push(`| ${l.service} | ${l.item} | ${formatNumber(l.quantity.typical)} | $${l.price.usd} per ${formatNumber(l.price.per)} ${l.price.unit} | ${l.price.source}, ${l.price.read} | ${formatUsd(l.usd.typical)} |`);
    }
    out.push('', ...plan.cost.assumptions.map((a) => `- ${a}`), '');
  }
  out.push('Per-step figures (low / typical / high; seconds unless named):', '');
  for (const s of plan.steps) out.push(`- ${s.step}: ${rangeText(s.figure.range)}. ${s.figure.source}.`);
  for (const f of plan.functions) out.push(`- \`${f.key}\` Init Duration (ms): ${rangeText(f.initMs.range)}. ${f.initMs.source}.`);
  out.push('');
  return out;
}

/** "Duration: planned about X (L to H), measured Y: 0.81× the typical plan, within its range." */
export function plannedVersusMeasured(plan: RunPlan, measuredSeconds: number): string {
  const s = plan.seconds;
  const position = measuredSeconds < s.low ? 'below its range' : measuredSeconds > s.high ? 'above its range' : 'within its range';
  const ratio = s.typical > 0 ? (measuredSeconds / s.typical).toFixed(2) : 'n/a';
  return `**Duration**: planned about ${formatSeconds(s.typical)} (${formatRange(s, formatSeconds)}), measured ${formatSeconds(measuredSeconds)} (Prepare to Aggregate): ${ratio}× the typical plan, ${position}.`;
}
