import { STATE_NAMES } from '../../lib/constructs/benchmark-state-machine';
import { planRun, ProgressTracker, TRACKED_STATES, type PlanFunction } from '../../lib/plan';

const apr: PlanFunction = { key: 'apr', targetKey: 'apr', packageType: 'Zip', architecture: 'x86_64', memorySizeMB: 128 };
const pytorch: PlanFunction = { key: 'pytorch', targetKey: 'pytorch', packageType: 'Image', architecture: 'x86_64', memorySizeMB: 512 };
const plan = planRun({ profile: 'aws', functions: [apr, pytorch], coldStarts: 4, warmInvocations: 10 });
const [a, p] = plan.functions;
const T0 = Date.UTC(2026, 11, 7, 18, 0, 0);
const at = (s: number) => T0 + s * 1000;
const aggregate = plan.steps.find((s) => s.step === 'Aggregate')!.figure.range.typical;
const rest = (f: typeof a) => f.seconds.typical - f.phases.cold.typical - f.phases.warm.typical - f.phases.collect.typical;

test('the tracker follows the state machine\'s own state names', () => {
  expect(TRACKED_STATES).toEqual({
    forceColdStart: STATE_NAMES.forceColdStart,
    invokeWarm: STATE_NAMES.invokeWarm,
    collectReports: STATE_NAMES.collectReports,
    aggregate: STATE_NAMES.aggregate,
  });
});

test('before any cold start completes, the time left is the plan from the first function on', () => {
  const tracker = new ProgressTracker(plan);
  const before = tracker.progress(at(0));
  expect(before.current).toBeUndefined();
  expect(before.secondsLeft).toBeCloseTo(a.seconds.typical + p.seconds.typical + aggregate, 9);
  expect(before.measuredOverheadSeconds).toBeUndefined();
});

test('completed cold starts replace the planned ones, for this function and the ones still to come', () => {
  const tracker = new ProgressTracker(plan);
  // Two forced cold starts of apr took 10 s each: far slower than planned.
  tracker.entered({ state: 'ForceColdStart', target: 'apr', at: at(0) });
  tracker.entered({ state: 'ForceColdStart', target: 'apr', at: at(10) });
  tracker.entered({ state: 'ForceColdStart', target: 'apr', at: at(20) });
  const now = tracker.progress(at(20));
  const overhead = 10 - a.initMs.range.typical / 1000;
  expect(now.measuredOverheadSeconds).toBeCloseTo(overhead, 9);
  expect(now.current).toMatchObject({ key: 'apr', phase: 'cold', coldRoundsDone: 2, coldRounds: 4 });
  // apr: two rounds left at the measured 10 s, then its warm and collect phases as planned.
  const aprLeft = 2 * 10 + a.phases.warm.typical + a.phases.collect.typical + rest(a);
  expect(now.current!.secondsLeft).toBeCloseTo(aprLeft, 6);
  // pytorch: its own Init on top of the measured overhead, for each of its rounds.
  const coldMapState = p.phases.cold.typical - 4 * p.secondsPerColdStart.typical;
  const pytorchLeft = coldMapState + 4 * (overhead + p.initMs.range.typical / 1000) + p.phases.warm.typical + p.phases.collect.typical + rest(p);
  expect(now.targets[1]).toMatchObject({ key: 'pytorch', phase: 'waiting' });
  expect(now.targets[1].secondsLeft).toBeCloseTo(pytorchLeft, 6);
  expect(now.secondsLeft).toBeCloseTo(aprLeft + pytorchLeft + aggregate, 6);
  // Five seconds into the third round, five fewer are left.
  expect(tracker.progress(at(25)).current!.secondsLeft).toBeCloseTo(aprLeft - 5, 6);
});

test('a function starting ends the one before; the warm phase counts down; Aggregate leaves only itself', () => {
  const tracker = new ProgressTracker(plan);
  for (let i = 0; i < 4; i++) tracker.entered({ state: 'ForceColdStart', target: 'apr', at: at(2 * i) });
  tracker.entered({ state: 'InvokeWarm', target: 'apr', at: at(8) });
  const warm = tracker.progress(at(8));
  expect(warm.current).toMatchObject({ key: 'apr', phase: 'warm', coldRoundsDone: 4 });
  expect(warm.current!.secondsLeft).toBeCloseTo(a.phases.warm.typical + a.phases.collect.typical + rest(a), 6);
  tracker.entered({ state: 'ForceColdStart', target: 'pytorch', at: at(30) });
  const next = tracker.progress(at(30));
  expect(next.targets[0]).toMatchObject({ key: 'apr', phase: 'done', secondsLeft: 0 });
  expect(next.current!.key).toBe('pytorch');
  tracker.entered({ state: 'Aggregate', at: at(100) });
  const last = tracker.progress(at(101));
  expect(last.targets.every((t) => t.phase === 'done' && t.secondsLeft === 0)).toBe(true);
  expect(last.secondsLeft).toBeCloseTo(Math.max(0, aggregate - 1), 9);
});
