import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { TargetSpec } from '../../lib/benchmark/types';
import { ConfigError, resolveAppConfigFromObject } from '../../lib/config/app-config';
import { prepareRun } from '../../lib/handlers/prepare';
import { DirectoryRunStore } from '../../lib/handlers/run-store';
import {
  AWS_PROFILE,
  checkCostCeiling,
  checkDeployPlans,
  describeWaitFit,
  formatSeconds,
  LOCAL_PROFILE,
  planDeployRuns,
  plannedVersusMeasured,
  planWarnings,
  renderPlanText,
  planRun,
  PRICES,
  REPORT_COLLECTION_RETRY,
  reportCollectionRetryWaits,
  RunCostCeilingError,
  targetKeyOf,
  TRANSITION_SHAPE,
  waitVerdict,
  type PlanFunction,
} from '../../lib/plan';
import type { DeploymentPlan } from '../../lib/targets/deployment-plan';
import { CALIBRATION_COLD_START } from '../../lib/plan/run-plan';
import { TARGETS } from '../../lib/targets/registry';

const apr: PlanFunction = { key: 'apr', targetKey: 'apr', packageType: 'Zip', architecture: 'x86_64', memorySizeMB: 128 };
const pytorch: PlanFunction = { key: 'pytorch', targetKey: 'pytorch', packageType: 'Image', architecture: 'x86_64', memorySizeMB: 512 };

/** Every registry target as deployed on x86_64 at its own memory, plus the arm64 builds the registry has. */
function deployment(): DeploymentPlan {
  const functions: DeploymentPlan['functions'] = [];
  for (const target of TARGETS) {
    for (const architecture of ['x86_64', 'arm64'] as const) {
      if ('notBuilt' in target.builds[architecture]) continue;
      functions.push({ key: architecture === 'x86_64' ? target.key : `${target.key}-arm64`, target, architecture, memorySizeMB: target.memorySizeMB, command: '', artefact: '' });
    }
  }
  return { functions, skipped: [] };
}

describe('duration', () => {
  test('a local run that calibrates itself adds each calibration cold start, and says so', () => {
    const without = planRun({ profile: 'local', functions: [apr], coldStarts: 5, warmInvocations: 2 });
    const withCalibration = planRun({ profile: 'local', functions: [apr], coldStarts: 5, warmInvocations: 2, calibration: { functions: 12, coldStarts: 10 } });
    for (const k of ['low', 'typical', 'high'] as const) {
      expect(withCalibration.seconds[k] - without.seconds[k]).toBeCloseTo(120 * CALIBRATION_COLD_START.range[k], 9);
    }
    expect(withCalibration.calibration).toEqual({ functions: 12, coldStarts: 10 });
    expect(withCalibration.steps.map((s) => s.step)).toContain('calibration in the run: 12 functions × 10 cold starts, each');
    expect(renderPlanText(withCalibration, { title: 'Plan' }).join('\n')).toContain('of which the calibration in the run: 12 calibration functions × 10 cold starts');
    // The hold-outs measured in the same rounds take their cold starts too, and are named as hold-outs.
    const withHoldouts = planRun({ profile: 'local', functions: [apr], coldStarts: 5, warmInvocations: 2, calibration: { functions: 12, holdouts: 4, coldStarts: 10 } });
    for (const k of ['low', 'typical', 'high'] as const) {
      expect(withHoldouts.seconds[k] - without.seconds[k]).toBeCloseTo(160 * CALIBRATION_COLD_START.range[k], 9);
    }
    expect(renderPlanText(withHoldouts, { title: 'Plan' }).join('\n')).toContain('of which the calibration in the run: 12 calibration functions and 4 hold-outs × 10 cold starts');
  });

  test('one forced cold start adds its states, the update, the round trip, the Init and the Duration; rounds of C divide the updates', () => {
    const one = planRun({ profile: 'aws', functions: [apr], coldStarts: 1, warmInvocations: 0 });
    const eleven = planRun({ profile: 'aws', functions: [apr], coldStarts: 11, warmInvocations: 0 });
    const f = one.functions[0];
    const perColdStart =
      TRANSITION_SHAPE.perColdStart * AWS_PROFILE.perState.range.typical +
      AWS_PROFILE.updateWait.range.typical +
      AWS_PROFILE.coldInvokeOverhead.range.typical +
      f.initMs.range.typical / 1000 +
      f.warmDurationMs.range.typical / 1000;
    expect(f.secondsPerColdStart.typical).toBeCloseTo(perColdStart, 9);
    expect(eleven.seconds.typical - one.seconds.typical).toBeCloseTo(10 * perColdStart, 9);
    // Two environments per update: half the updates, the same number of cold starts.
    const rounds = planRun({ profile: 'aws', functions: [{ ...pytorch, coldStartConcurrency: 2 }], coldStarts: 11, warmInvocations: 0 });
    expect(rounds.functions[0].coldRounds).toBe(6);
    expect(rounds.functions[0].coldStarts).toBe(11);
  });

  test('warm invocations add their round trip and Duration each; the collect step waits the Retry schedule of the state machine', () => {
    const none = planRun({ profile: 'aws', functions: [apr], coldStarts: 1, warmInvocations: 0 });
    const hundred = planRun({ profile: 'aws', functions: [apr], coldStarts: 1, warmInvocations: 100 });
    const perWarm = AWS_PROFILE.warmRoundTrip.range.typical + hundred.functions[0].warmDurationMs.range.typical / 1000;
    expect(hundred.seconds.typical - none.seconds.typical).toBeCloseTo(100 * perWarm, 9);
    // The schedule, from the construct's own settings: 5, 7.5, 11.25, ... capped at 60 s.
    expect(REPORT_COLLECTION_RETRY).toEqual({ intervalSeconds: 5, backoffRate: 1.5, maxAttempts: 10, maxDelaySeconds: 60 });
    expect(reportCollectionRetryWaits().slice(0, 4)).toEqual([5, 7.5, 11.25, 16.875]);
    expect(reportCollectionRetryWaits().slice(-3)).toEqual([60, 60, 60]);
    const collect = none.functions[0].phases.collect;
    const attempt = AWS_PROFILE.collectAttempt.range;
    // low: no retry; typical: one (5 s); high: three (5 + 7.5 + 11.25 s).
    expect(collect.low).toBeCloseTo(AWS_PROFILE.perState.range.low + attempt.low, 9);
    expect(collect.typical).toBeCloseTo(AWS_PROFILE.perState.range.typical + 2 * attempt.typical + 5, 9);
    expect(collect.high).toBeCloseTo(AWS_PROFILE.perState.range.high + 4 * attempt.high + 23.75, 9);
  });

  test('the run adds Prepare, its functions one after another and Aggregate; low <= typical <= high everywhere', () => {
    const plan = planRun({ profile: 'aws', functions: [apr, pytorch], coldStarts: 30, warmInvocations: 100 });
    const sum = (k: 'low' | 'typical' | 'high') =>
      AWS_PROFILE.prepare.range[k] +
      2 * AWS_PROFILE.preparePerFunction.range[k] +
      TRANSITION_SHAPE.perRun * AWS_PROFILE.perState.range[k] +
      plan.functions[0].seconds[k] +
      plan.functions[1].seconds[k] +
      AWS_PROFILE.aggregate.range[k];
    for (const k of ['low', 'typical', 'high'] as const) expect(plan.seconds[k]).toBeCloseTo(sum(k), 9);
    for (const r of [plan.seconds, plan.stateTransitions, plan.cost!.usd, ...plan.functions.map((f) => f.seconds)]) {
      expect(r.low).toBeLessThanOrEqual(r.typical);
      expect(r.typical).toBeLessThanOrEqual(r.high);
    }
    // PyTorch's cold starts are its Init (the reference benchmark's 3.9 s) on top of the same update and round trips.
    expect(plan.functions[1].secondsPerColdStart.typical - plan.functions[0].secondsPerColdStart.typical).toBeCloseTo(
      (plan.functions[1].initMs.range.typical - plan.functions[0].initMs.range.typical + plan.functions[1].warmDurationMs.range.typical - plan.functions[0].warmDurationMs.range.typical) / 1000,
      9,
    );
  });

  test('state transitions: the definition\'s shape per run, function and cold start, plus CollectReports\' retries', () => {
    const plan = planRun({ profile: 'aws', functions: [apr, pytorch], coldStarts: 30, warmInvocations: 100 });
    const base = 4 + 2 * 5 + 2 * 30 * 2;
    expect(plan.stateTransitions).toEqual({ low: base, typical: base + 2, high: base + 6 });
    // Locally REPORT lines are there at once: no retries.
    const local = planRun({ profile: 'local', functions: [apr, pytorch], coldStarts: 30, warmInvocations: 100 });
    expect(local.stateTransitions).toEqual({ low: base, typical: base, high: base });
    expect(local.cost).toBeUndefined();
  });

  test('a plan longer than the state machine\'s 8-hour timeout is flagged where it is printed', () => {
    const ladder = deployment().functions.map((f) => ({ key: f.key, targetKey: f.target.key, packageType: f.target.packageType, architecture: f.architecture, memorySizeMB: f.memorySizeMB }));
    const long = planRun({ profile: 'aws', functions: ladder, coldStarts: 500, warmInvocations: 100 });
    expect(long.seconds.typical).toBeLessThan(8 * 3600);
    expect(long.seconds.high).toBeGreaterThan(8 * 3600);
    expect(planWarnings(long)).toEqual([expect.stringMatching(/^the plan's high estimate \(\d+ h \d+ min\) is longer than the state machine's 8-hour timeout$/)]);
    expect(renderPlanText(long, { title: 'Plan' }).at(-1)).toMatch(/^  warning: the plan's high estimate/);
    expect(planWarnings(planRun({ profile: 'aws', functions: ladder, coldStarts: 30, warmInvocations: 100 }))).toEqual([]);
  });

  test('a function key names its registry target; an unknown function gets a wide range that says so', () => {
    expect(targetKeyOf('apr')).toBe('apr');
    expect(targetKeyOf('apr-runtime-crate-512')).toBe('apr-runtime-crate');
    expect(targetKeyOf('numpy-arm64')).toBe('numpy');
    expect(targetKeyOf('pytorch-1024mb')).toBe('pytorch');
    expect(targetKeyOf('fixture-a')).toBeUndefined();
    const unknown = planRun({ profile: 'local', functions: [{ key: 'mine', packageType: 'Zip', architecture: 'x86_64', memorySizeMB: 256 }], coldStarts: 5, warmInvocations: 5 });
    expect(unknown.functions[0].initMs.source).toMatch(/^no figure for this function/);
    expect(LOCAL_PROFILE.initMs(apr).range.typical).toBe(1.21);
  });
});

describe('cost', () => {
  test('benchmarked functions: Init plus Duration rounded up to 1 ms on every cold start, at the architecture\'s GB-second price', () => {
    const plan = planRun({ profile: 'aws', functions: [apr, { ...apr, key: 'apr-arm64', architecture: 'arm64' }], coldStarts: 10, warmInvocations: 100 });
    const [x86, arm] = plan.cost!.lines;
    const f = plan.functions[0];
    const coldMs = Math.ceil(f.initMs.range.typical + f.warmDurationMs.range.typical);
    const warmMs = Math.ceil(f.warmDurationMs.range.typical);
    const gbSeconds = ((10 * coldMs + 100 * warmMs) * (128 / 1024)) / 1000;
    expect(x86.quantity.typical).toBeCloseTo(gbSeconds, 12);
    // The prices as the AWS pricing pages give them (us-east-1, first tier, read 2026-12-07).
    expect(x86.price.usd).toBe(0.0000166667);
    expect(x86.usd.typical).toBeCloseTo(gbSeconds * 0.0000166667, 15);
    expect(x86.price.source).toBe('https://aws.amazon.com/lambda/pricing/');
    const a = plan.functions[1];
    const armGbSeconds = ((10 * Math.ceil(a.initMs.range.typical + a.warmDurationMs.range.typical) + 100 * Math.ceil(a.warmDurationMs.range.typical)) * (128 / 1024)) / 1000;
    expect(arm.item).toContain('arm64');
    expect(arm.usd.typical).toBeCloseTo(armGbSeconds * 0.0000133334, 15);
  });

  test('state transitions at $0.025 per 1,000, requests at $0.20 per million, and the lines add up to the total', () => {
    const plan = planRun({ profile: 'aws', functions: [apr], coldStarts: 10, warmInvocations: 0 });
    const sfn = plan.cost!.lines.find((l) => l.service === 'AWS Step Functions')!;
    expect(sfn.quantity.typical).toBe(4 + 5 + 2 * 10 + 1);
    expect(sfn.usd.typical).toBeCloseTo(30 * 0.000025, 15);
    expect(sfn.price.source).toBe('https://aws.amazon.com/step-functions/pricing/');
    const requests = plan.cost!.lines.find((l) => l.item.startsWith('requests'))!;
    // 10 cold invocations; Prepare, 2 per forced cold start, InvokeWarm, 2 CollectReports attempts, Aggregate.
    expect(requests.quantity.typical).toBe(10 + 1 + 20 + 1 + 2 + 1);
    expect(requests.usd.typical).toBeCloseTo(35 * 0.0000002, 15);
    for (const k of ['low', 'typical', 'high'] as const) {
      expect(plan.cost!.usd[k]).toBeCloseTo(plan.cost!.lines.reduce((s, l) => s + l.usd[k], 0), 15);
    }
    const services = new Set(plan.cost!.lines.map((l) => l.service));
    expect([...services].sort()).toEqual(['AWS Lambda', 'AWS Step Functions', 'Amazon CloudWatch Logs', 'Amazon S3']);
    for (const l of plan.cost!.lines) {
      expect(l.price.read).toBe('2026-12-07');
      expect(l.price.source).toMatch(/^https:\/\/aws\.amazon\.com\/[a-z0-9-]+\/pricing\/$/);
    }
    expect(Object.values(PRICES).map((p) => p.usd)).toEqual([0.0000166667, 0.0000133334, 0.2, 0.025, 0.5, 0.005, 0.0004, 0.023]);
    expect(plan.cost!.assumptions.join(' ')).toMatch(/us-east-1.*x86_64 functions at the x86 price, arm64 functions at the Arm price.*free tier is ignored/is);
  });

  test('a plan over maxRunCostUsd is refused with its figures; at or under it, nothing happens', () => {
    const plan = planRun({ profile: 'aws', functions: [apr, pytorch], coldStarts: 30, warmInvocations: 100 });
    expect(() => checkCostCeiling(plan, undefined)).not.toThrow();
    expect(() => checkCostCeiling(plan, plan.cost!.usd.high)).not.toThrow();
    let error: unknown;
    try {
      checkCostCeiling(plan, plan.cost!.usd.high / 2, 'the run on deploy');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RunCostCeilingError);
    const message = (error as Error).message;
    expect(message).toMatch(/^the run on deploy is refused: its plan costs up to \$0\.\d+ on AWS \(typical \$0\.\d+, \$0\.\d+ to \$0\.\d+\), over maxRunCostUsd \$0\.\d+\./);
    expect(message).toContain('2 functions (apr, pytorch), 30 cold starts and 100 warm invocations each');
    expect(message).toContain('raise maxRunCostUsd');
  });
});

describe('the deployment\'s wait and the run on deploy', () => {
  const config = (context: Record<string, unknown>) => resolveAppConfigFromObject(context);

  test('by default the run on deploy measures apr and pytorch, and even its high estimate fits the 30-minute wait', () => {
    const plans = planDeployRuns(config({}), deployment());
    expect(plans.onDeploy!.functions.map((f) => f.key)).toEqual(['apr', 'pytorch']);
    expect(plans.full.functions).toHaveLength(10);
    expect(plans.verdict).toBe('fits');
    expect(plans.onDeploy!.seconds.high).toBeLessThanOrEqual(30 * 60);
    expect(describeWaitFit(plans)).toContain('ends with BenchmarkStatus SUCCEEDED');
    expect(() => checkDeployPlans(plans)).not.toThrow();
  });

  test('a configuration whose plan exceeds the wait says so, with the command that follows the run', () => {
    const plans = planDeployRuns(config({ runOnDeployTargets: 'all', coldStarts: 100 }), deployment());
    expect(plans.onDeploy!.seconds.typical).toBeGreaterThan(30 * 60);
    expect(plans.verdict).toBe('does-not-fit');
    const text = describeWaitFit(plans);
    expect(text).toContain(`plan about ${formatSeconds(plans.onDeploy!.seconds.typical)}`);
    expect(text).toContain('BenchmarkStatus RUNNING');
    expect(text).toContain('npm run bench:aws -- --execution-arn <BenchmarkExecutionArn from the stack outputs>');
    // Exceeding the wait is allowed (the run goes on); it is said, not refused.
    expect(() => checkDeployPlans(plans)).not.toThrow();
    expect(waitVerdict({ low: 1, typical: 100, high: 200 }, 2)).toBe('may-not-fit');
  });

  test('runOnDeployTargets naming nothing deployed measures every deployed function, and says which were not deployed', () => {
    const plans = planDeployRuns(config({ runOnDeployTargets: ['apr-1024'] }), deployment());
    expect(plans.onDeploy!.functions).toHaveLength(10);
    expect(plans.notes.join(' ')).toContain('apr-1024, not deployed');
  });

  test('a run on deploy over maxRunCostUsd stops the synth; a full run over it is noted for Prepare to refuse', () => {
    const plans = planDeployRuns(config({ maxRunCostUsd: '0.001' }), deployment());
    expect(() => checkDeployPlans(plans)).toThrow(RunCostCeilingError);
    const full = planDeployRuns(config({ maxRunCostUsd: plansCost() }), deployment());
    expect(() => checkDeployPlans(full)).not.toThrow();
    expect(full.notes.join(' ')).toMatch(/a full run's plan costs up to \$0\.\d+, over maxRunCostUsd .*Prepare will refuse it/);
  });

  test('a wait shorter than one cold start of the slowest function on deploy names deployWaitMinutes', () => {
    const plans = planDeployRuns(config({}), deployment());
    // deployWaitMinutes is at least 1 (a whole minute) in the configuration; the check itself takes any wait.
    let error: unknown;
    try {
      checkDeployPlans({ ...plans, waitMinutes: 0.05 });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).key).toBe('deployWaitMinutes');
    expect((error as Error).message).toMatch(/^context key "deployWaitMinutes": got 0\.05; allowed: a wait of at least one cold start of the slowest function on deploy \(pytorch: about \d+ s/);
  });
});

/** The default run on deploy's high cost: above it the run on deploy passes, a full run does not. */
function plansCost(): number {
  const plans = planDeployRuns(resolveAppConfigFromObject({}), deployment());
  return plans.onDeploy!.cost!.usd.high;
}

describe('Prepare', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
  const spec = (key: string, extra: Partial<TargetSpec> = {}): TargetSpec => ({
    key,
    functionName: `fn-${key}`,
    logGroupName: `/aws/lambda/fn-${key}`,
    runtimeLabel: key === 'pytorch' ? 'container-image' : 'provided.al2023',
    memorySizeMB: key === 'pytorch' ? 512 : 128,
    architecture: 'x86_64',
    packageBytes: 1,
    packageLabel: 'x',
    ...extra,
  });
  const input = (extra: Record<string, unknown> = {}) => ({ executionName: 'manual-20261207-180000-abcdef', startTime: '2026-12-07T18:00:00.000Z', input: extra });

  test('records the plan in run.json, for the functions the execution input chose', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'plan-prepare-'));
    dirs.push(dir);
    const out = await prepareRun(input({ targets: ['pytorch'], config: { coldStarts: 4 } }), {
      store: new DirectoryRunStore(dir),
      defaults: { config: { warmInvocations: 7 }, targets: [spec('apr'), spec('pytorch')] },
    });
    expect(out.targets.map((t) => t.key)).toEqual(['pytorch']);
    const manifest = JSON.parse(readFileSync(path.join(dir, 'runs', 'manual-20261207-180000-abcdef', 'raw', 'run.json'), 'utf8'));
    expect(manifest.plan.profile).toBe('aws');
    expect(manifest.plan.functions.map((f: { key: string; packageType: string }) => [f.key, f.packageType])).toEqual([['pytorch', 'Image']]);
    expect(manifest.plan.coldStarts).toBe(4);
    expect(manifest.plan.warmInvocations).toBe(7);
    await expect(
      prepareRun(input({ targets: ['tensorflow'] }), { store: new DirectoryRunStore(dir), defaults: { config: {}, targets: [spec('apr')] } }),
    ).rejects.toThrow('execution input: "targets" names "tensorflow", not deployed; deployed: apr');
  });

  test('refuses a run whose plan costs more than maxRunCostUsd before writing anything', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'plan-prepare-'));
    dirs.push(dir);
    await expect(
      prepareRun(input({ config: { coldStarts: 500 } }), {
        store: new DirectoryRunStore(dir),
        defaults: { config: {}, targets: [spec('apr'), spec('pytorch')] },
        maxRunCostUsd: 0.01,
      }),
    ).rejects.toThrow(/^run manual-20261207-180000-abcdef is refused: its plan costs up to \$\d+\.\d+ on AWS .* over maxRunCostUsd \$0\.010\. The plan: 2 functions \(apr, pytorch\), 500 cold starts/);
    expect(() => readFileSync(path.join(dir, 'runs', 'manual-20261207-180000-abcdef', 'raw', 'run.json'))).toThrow(/ENOENT/);
  });
});

test('the report line sets the measured duration beside the plan', () => {
  const plan = planRun({ profile: 'local', functions: [apr], coldStarts: 30, warmInvocations: 100 });
  const inside = plannedVersusMeasured(plan, plan.seconds.typical * 1.5);
  expect(inside).toBe(
    `**Duration**: planned about ${formatSeconds(plan.seconds.typical)} (${formatSeconds(plan.seconds.low)} to ${formatSeconds(plan.seconds.high)}), ` +
      `measured ${formatSeconds(plan.seconds.typical * 1.5)} (Prepare to Aggregate): 1.50× the typical plan, within its range.`,
  );
  expect(plannedVersusMeasured(plan, plan.seconds.high * 2)).toMatch(/above its range\.$/);
  expect(plannedVersusMeasured(plan, 0)).toMatch(/0\.00× the typical plan, below its range\.$/);
});
