import { aggregate, invocationRows, outcomeOf, parityFromResponses } from '../../lib/benchmark/aggregate';
import { bootstrapRatioCi, median } from '../../lib/benchmark/statistics';
import { syntheticRun } from './synthetic-run';

const ENV = { limitsApplied: false, cpu: 'test cpu' };

describe('aggregate', () => {
  const run = syntheticRun();
  const results = aggregate({ run, backend: 'local', environment: ENV });

  test('the document header and config', () => {
    expect(results.schemaVersion).toBe(1);
    expect(results.backend).toBe('local');
    expect(results.startedAt).toBe('2026-01-01T00:00:00.000Z');
    expect(results.aborted).toBe(false);
    expect(results.config).toMatchObject({ coldStarts: 6, warmInvocations: 13, costColdStartShare: 0.01 });
    expect(results.config.payload.pH).toBe(3.3);
    expect(results.environment).toEqual(ENV);
  });

  test('cold samples: only successful cold-phase invocations with an Init Duration', () => {
    const apr = results.targets.apr;
    expect(apr.cold.n).toBe(5);
    expect(apr.cold.withoutInitDuration).toBe(1);
    expect(apr.cold.initMs).toEqual({ n: 5, min: 20, p50: 22, p90: 23.6, p99: expect.closeTo(23.96, 10), max: 24, mean: 22, stdev: expect.closeTo(Math.sqrt(2.5), 12) });
    expect(apr.cold.durationMs!.p50).toBeCloseTo(1.2, 12);
    expect(apr.cold.billedMs!.p50).toBe(24); // ceil(22 + 1.2)
    expect(apr.cold.maxMemoryMB!.max).toBe(14);
    expect(apr.cold.roundTripMs!.n).toBe(5);
  });

  test('warm samples: successful warm-phase invocations without an Init Duration', () => {
    const apr = results.targets.apr;
    expect(apr.warm.n).toBe(10);
    expect(apr.warm.withInitDuration).toBe(1);
    expect(apr.warm.durationMs!.p50).toBeCloseTo(0.9, 12);
    expect(results.targets.pytorch.warm.n).toBe(10);
    expect(results.targets.pytorch.warm.durationMs!.p50).toBeCloseTo(1.565, 12);
  });

  test('errors: counted by kind, distinct types listed, never in the statistics', () => {
    const apr = results.targets.apr;
    expect(apr.invocations).toBe(19);
    expect(apr.errors).toBe(2);
    const failed = run.targets[0].invocations.filter((i) => i.functionError || !i.report);
    expect(apr.errorSummary).toEqual([
      { kind: 'function', errorType: 'InvalidInput', errorMessage: "missing field 'alcohol'", count: 1, phases: { cold: 0, warm: 1 }, exampleRequestId: failed[0].requestId },
      { kind: 'missing-report', errorType: 'MissingReport', errorMessage: 'no REPORT record was found for this request id', count: 1, phases: { cold: 0, warm: 1 }, exampleRequestId: failed[1].requestId },
    ]);
    const torch = results.targets.pytorch;
    expect(torch.errors).toBe(1);
    expect(torch.errorSummary).toEqual([{ kind: 'api', errorType: 'TooManyRequestsException', errorMessage: 'Rate Exceeded.', count: 1, phases: { cold: 0, warm: 1 }, exampleRequestId: 'api-err-1' }]);
    expect(torch.runErrors).toHaveLength(1);
  });

  test('ratios pytorch / apr: value from the medians, bootstrap interval around it', () => {
    const r = results.ratios!;
    expect(r.numerator).toBe('pytorch');
    expect(r.denominator).toBe('apr');
    expect(r.coldStartInitP50.value).toBeCloseTo(4000 / 22, 12);
    expect(r.coldStartInitP50.numerator).toBe(4000);
    expect(r.coldStartInitP50.denominator).toBe(22);
    const [lo, hi] = r.coldStartInitP50.ci95!;
    expect(lo).toBeLessThanOrEqual(4000 / 22);
    expect(hi).toBeGreaterThanOrEqual(4000 / 22);
    // Exactly the documented procedure, with the configured seed.
    expect(r.coldStartInitP50.ci95).toEqual(
      bootstrapRatioCi([3900, 3950, 4000, 4050, 4100], [20, 21, 22, 23, 24], median, { iterations: 2000, confidence: 0.95, seed: run.config.bootstrap.seed }),
    );
    expect(r.warmDurationP50.value).toBeCloseTo(1.565 / 0.9, 12);
    expect(r.maxMemory.value).toBeCloseTo(291 / 13, 12);
    expect(r.maxMemory.basis).toMatch(/cold starts/);
    expect(r.packageSize).toEqual({ value: 1250, ci95: null, numerator: 1_500_000_000, denominator: 1_200_000, basis: expect.any(String) });
  });

  test('the result is plain JSON and reproducible', () => {
    expect(JSON.parse(JSON.stringify(results))).toEqual(results);
    expect(aggregate({ run: syntheticRun(), backend: 'local', environment: ENV })).toEqual(results);
  });

  test('one real response per target, and parity derived from them when none is given', () => {
    expect(results.targets.apr.response).toMatchObject({ runtime: 'apr', quality: 5.3125 });
    expect(results.parity).toEqual({ maxAbsQualityDiff: expect.closeTo(0.00001, 12), identicalLabels: true, source: expect.stringMatching(/answers/), cases: 1 });
    const given = { maxAbsQualityDiff: 2e-6, identicalLabels: true, source: 'parity test', cases: 500 };
    expect(aggregate({ run, backend: 'aws', environment: ENV, parity: given }).parity).toEqual(given);
    expect(parityFromResponses({ quality: 5, category: 'Average' }, { quality: 5, category: 'Good' })!.identicalLabels).toBe(false);
    expect(parityFromResponses(null, { quality: 5 })).toBeNull();
  });

  test('cost from the measured p50s', () => {
    expect(results.cost.targets.apr.coldBilledMs).toBe(Math.ceil(22 + 1.2));
    expect(results.cost.targets.apr.warmBilledMs).toBe(1);
    expect(results.cost.targets.pytorch.coldBilledMs).toBe(Math.ceil(4000 + 1.5));
    expect(results.cost.targets.pytorch.warmBilledMs).toBe(2);
  });

  test('no ratios without both targets; a target with no success has null stats', () => {
    const single = syntheticRun();
    single.targets = [single.targets[0]];
    single.targets[0].invocations = single.targets[0].invocations.map((i) => ({ ...i, functionError: 'Unhandled', errorType: 'Runtime.ExitError', errorMessage: 'exit status 1' }));
    const out = aggregate({ run: single, backend: 'local', environment: ENV });
    expect(out.ratios).toBeNull();
    expect(out.parity).toBeNull();
    expect(out.targets.apr.cold).toMatchObject({ n: 0, initMs: null, durationMs: null });
    expect(out.targets.apr.response).toBeNull();
    expect(out.targets.apr.errorSummary.map((e) => [e.errorType, e.count, e.phases])).toEqual([['Runtime.ExitError', 19, { cold: 6, warm: 13 }]]);
    expect(out.cost.targets.apr.perMillion).toBeNull();
  });
});

describe('invocationRows', () => {
  test('one row per invocation, indexed within each phase, with the REPORT values', () => {
    const rows = invocationRows(syntheticRun());
    expect(rows).toHaveLength(19 + 16);
    expect(rows[0]).toEqual({ target: 'apr', phase: 'cold', index: 0, requestId: 'req-1', startedAt: 1_700_000_000_001, roundTripMs: 26, initMs: 20, durationMs: 1, billedMs: 21, maxMemoryMB: 13, status: 'ok', errorType: null, initReport: null });
    const aprWarm = rows.filter((r) => r.target === 'apr' && r.phase === 'warm');
    expect(aprWarm.map((r) => r.index)).toEqual([...Array(13).keys()]);
    expect(aprWarm[11]).toMatchObject({ status: 'function-error', errorType: 'InvalidInput' });
    expect(aprWarm[12]).toMatchObject({ status: 'missing-report', errorType: 'MissingReport', durationMs: null });
    expect(rows[rows.length - 1]).toMatchObject({ target: 'pytorch', status: 'api-error', errorType: 'TooManyRequestsException', requestId: 'api-err-1' });
  });

  test('a REPORT line with a failure status is an error even when Invoke looked fine', () => {
    const inv = { requestId: 'x', phase: 'cold' as const, startedAt: 0, roundTripMs: 1, attempts: 1, retryDelayMs: 0, statusCode: 200, report: { requestId: 'x', durationMs: 1, billedDurationMs: 1, memorySizeMB: 128, maxMemoryUsedMB: 1, status: 'timeout' } };
    expect(outcomeOf(inv)).toBe('report-error');
    expect(outcomeOf({ ...inv, report: { ...inv.report, status: 'success' } })).toBe('ok');
  });
});
