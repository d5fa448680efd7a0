import { loadFittedModel, predictAwsInit, predictAwsMemory, PredictionInputError, nearestCalibrationRuntimes, type FittedModel } from '../../lib/prediction';
import { withSlopeBracket } from '../../lib/prediction/predict';

const round2 = (x: number) => Math.round(x * 100) / 100;

/**
 * A model with known lines on the effective local ms (local + k × file MB): Zip AWS = 2 × (local + 1 × MB),
 * Image AWS = 3 × (local + 0 × MB)^0.5 (p90: the same form). Intervals: ×/÷ e^0.1 for a calibration hello
 * world (version left out), ×/÷ e^0.3 for anything else (family left out).
 */
function model(): FittedModel {
  const cell = (packageType: 'Zip' | 'Image', architecture: 'x86_64' | 'arm64', intercept: number, slope: number, k: number) => ({
    packageType,
    architecture,
    form: 'one-k' as const,
    kRuntime: k,
    kPackage: k,
    kZip: 0,
    p50: { intercept, slope },
    p90: { intercept, slope },
    formsTried: [],
    n: 4,
    families: ['java', 'nodejs', 'python', 'rust'],
    effectiveRange: { min: 2, max: 400 },
    localP50Range: { min: 2, max: 400 },
    versionOutLevel: 0.8,
    versionOutLogQuantile: 0.1,
    familyOutLevel: 0.8,
    familyOutLogQuantile: 0.3,
    leaveOneOut: [
      { runtime: 'a', family: 'a', awsP50Ms: 1, predictedP50Ms: 1, errorPct: 10 },
      { runtime: 'b', family: 'b', awsP50Ms: 1, predictedP50Ms: 1, errorPct: -15 },
    ],
    looMedianAbsErrorPct: 12.5,
    looMaxAbsErrorPct: 15,
    leaveOneFamilyOut: [
      { runtime: 'a', family: 'a', awsP50Ms: 1, predictedP50Ms: 1, errorPct: 20 },
      { runtime: 'b', family: 'b', awsP50Ms: 1, predictedP50Ms: 1, errorPct: -50 },
    ],
    lofoMedianAbsErrorPct: 35,
    lofoMaxAbsErrorPct: 50,
    familyOutCoverage: { inside: 3, total: 4, familiesInside: 3, families: 4, level: 0.75, byRuntime: [] },
  });
  const point = (runtime: string, family: string, localInitP50Ms: number, localInitP90Ms: number, localInitFileMB: number) => ({
    runtime, family, source: 'test', localInitP50Ms, localInitP90Ms, localInitFileMB, localPackageFileMB: 0, localMaxMemoryMB: 10, packageZipMB: 0,
  });
  return {
    schemaVersion: 3,
    form: 'test',
    table: { path: 't', sha256: 's' },
    sources: ['test'],
    calibrationPoints: [
      point('rust', 'rust', 2, 3, 2),
      point('python3.12', 'python', 90, 110, 9),
      point('nodejs22.x', 'nodejs', 90, 110, 40),
      point('java17', 'java', 400, 500, 22),
    ],
    cells: [
      cell('Zip', 'x86_64', Math.log(2), 1, 1),
      cell('Zip', 'arm64', Math.log(1.5), 1, 1),
      cell('Image', 'x86_64', Math.log(3), 0.5, 0),
      cell('Image', 'arm64', Math.log(3), 0.5, 0),
    ],
    memoryCells: [],
  };
}

describe('predictAwsInit', () => {
  it('applies the line of each architecture to local + k × file MB, with the family-out interval for a function the model has not seen', () => {
    // Effective local: 90 + 1 × 10 = 100 ms (p50), 140 + 10 = 150 ms (p90).
    const [x86, arm] = predictAwsInit({ localInitP50Ms: 90, localInitP90Ms: 140, localInitFileMB: 10, packageType: 'Zip' }, model());
    expect(x86).toEqual({
      architecture: 'x86_64',
      packageType: 'Zip',
      p50Ms: 200,
      p90Ms: 300,
      interval: { low: round2(200 * Math.exp(-0.3)), high: round2(200 * Math.exp(0.3)), level: 0.8 },
      validation: { kind: 'leave-one-family-out', medianAbsErrorPct: 35, maxAbsErrorPct: 50, runtimes: 4, families: 4, familyOutCoverage: { inside: 3, total: 4, familiesInside: 3, families: 4, level: 0.75 } },
      effectiveLocalMs: 100,
      // Same local p50 as Python and Node.js; its file MB is Python's: Python first.
      nearestCalibrationRuntimes: ['python3.12', 'nodejs22.x'],
      extrapolated: null,
      effectiveRange: { min: 2, max: 400 },
    });
    expect(arm.architecture).toBe('arm64');
    expect(arm.p50Ms).toBe(150);
  });

  it('gives a calibration hello world of a family it was fitted on the version-out interval, and any other function the family-out one', () => {
    const input = { localInitP50Ms: 90, localInitP90Ms: 140, localInitFileMB: 10, packageType: 'Zip' as const };
    const [hello] = predictAwsInit({ ...input, calibrationRuntime: 'python3.12' }, model());
    expect(hello.validation.kind).toBe('leave-one-version-out');
    expect(hello.interval).toEqual({ low: round2(200 * Math.exp(-0.1)), high: round2(200 * Math.exp(0.1)), level: 0.8 });
    expect(hello.validation.familyOutCoverage).toBeUndefined();
    // A hello world of a runtime whose family the model does not know is something new to it.
    const [other] = predictAwsInit({ ...input, calibrationRuntime: 'ruby3.3' }, model());
    expect(other.validation.kind).toBe('leave-one-family-out');
    // A version the model was not fitted on, of a family it was (python3.9 beside python3.12): one version left out,
    // its family read from the label as lambda-perf writes it.
    const [newVersion] = predictAwsInit({ ...input, calibrationRuntime: 'python3.9' }, model());
    expect(newVersion.validation.kind).toBe('leave-one-version-out');
    expect(newVersion.interval).toEqual(hello.interval);
    const [untold] = predictAwsInit({ ...input, calibrationRuntime: '3.9' }, model());
    expect(untold.validation.kind).toBe('leave-one-family-out');
  });

  it('tells two runtimes of the same local Init Duration apart by the file MB their init brought in', () => {
    const [python] = predictAwsInit({ localInitP50Ms: 50, localInitP90Ms: 60, localInitFileMB: 9, packageType: 'Zip' }, model());
    const [node] = predictAwsInit({ localInitP50Ms: 50, localInitP90Ms: 60, localInitFileMB: 40, packageType: 'Zip' }, model());
    expect(python.p50Ms).toBe(118);
    expect(node.p50Ms).toBe(180);
    expect(node.nearestCalibrationRuntimes[0]).toBe('nodejs22.x');
  });

  it('uses the image lines for an image, and names the nearest calibration runtimes in log scale', () => {
    const [x86] = predictAwsInit({ localInitP50Ms: 1600, localInitP90Ms: 2500, localInitFileMB: 300, packageType: 'Image', runtimeLabel: 'python3.11' }, model());
    expect(x86.p50Ms).toBe(120);
    expect(x86.p90Ms).toBe(150);
    expect(x86.nearestCalibrationRuntimes).toEqual(['java17', 'nodejs22.x']);
    // Beyond the calibration range: flagged, and the interval up to at least slope 1 from the edge
    // (3 × 400^0.5 = 60 at 400 ms, × 1600 / 400 = 240).
    expect(x86.extrapolated).toBe('above');
    expect(x86.interval).toEqual({ low: round2(120 * Math.exp(-0.3)), high: 240, level: 0.8 });
    expect(nearestCalibrationRuntimes(model().calibrationPoints, 3, 2, 1)).toEqual(['rust']);
  });

  it('outside the calibration range, reaches up to slope 0 below the range and slope 1 above it, from the line at the edge', () => {
    // Line: AWS = 4 × x^0.5 on a range of 4-400 ms.
    const cell = { p50: { intercept: Math.log(4), slope: 0.5 }, effectiveRange: { min: 4, max: 400 } };
    // Below: at x = 1 the line gives 4; slope 0 from the edge keeps its 8.
    const close = (i: { low: number; high: number }) => ({ low: round2(i.low), high: round2(i.high) });
    expect(close(withSlopeBracket({ low: 3.8, high: 4.2 }, cell, 1))).toEqual({ low: 3.8, high: 8 });
    // Above: at x = 1600 the line gives 160; slope 1 from the edge (80 at x = 400) gives 320.
    expect(close(withSlopeBracket({ low: 150, high: 170 }, cell, 1600))).toEqual({ low: 150, high: 320 });
    // A statistical interval already wider stays as it is; inside the range nothing is added.
    expect(withSlopeBracket({ low: 1, high: 9 }, cell, 1)).toEqual({ low: 1, high: 9 });
    expect(withSlopeBracket({ low: 38, high: 42 }, cell, 100)).toEqual({ low: 38, high: 42 });
  });

  it.each([
    [{ localInitP50Ms: 0, localInitP90Ms: 1, localInitFileMB: 1, packageType: 'Zip' }, 'localInitP50Ms must be a positive number of ms, got 0'],
    [{ localInitP50Ms: 5, localInitP90Ms: Number.NaN, localInitFileMB: 1, packageType: 'Zip' }, 'localInitP90Ms must be a positive number of ms, got NaN'],
    [{ localInitP50Ms: 5, localInitP90Ms: 4, localInitFileMB: 1, packageType: 'Zip' }, 'localInitP90Ms (4) is below localInitP50Ms (5)'],
    [{ localInitP50Ms: 5, localInitP90Ms: 6, packageType: 'Zip' }, 'localInitFileMB must be a positive number of MB'],
    [{ localInitP50Ms: 5, localInitP90Ms: 6, localInitFileMB: 1, packageType: 'zip' }, `packageType must be 'Zip' or 'Image', got "zip"`],
    [{ localInitP50Ms: 5, localInitP90Ms: 6, localInitFileMB: 1, localPackageFileMB: 2, packageType: 'Zip' }, 'localPackageFileMB must be a number of MB from 0 to localInitFileMB (1), got 2'],
  ])('refuses a bad input: %j', (input, message) => {
    expect(() => predictAwsInit(input as never, model())).toThrow(PredictionInputError);
    expect(() => predictAwsInit(input as never, model())).toThrow(message);
  });

  it('works with the committed model: every prediction within its interval, and p90 at least p50', () => {
    const committed = loadFittedModel();
    for (const packageType of ['Zip', 'Image'] as const) {
      const out = predictAwsInit({ localInitP50Ms: 1600, localInitP90Ms: 2100, localInitFileMB: 250, packageType, runtimeLabel: 'python3.11' }, committed);
      expect(out.map((p) => p.architecture)).toEqual(['x86_64', 'arm64']);
      for (const p of out) {
        expect(p.interval.low).toBeLessThanOrEqual(p.p50Ms);
        expect(p.interval.high).toBeGreaterThanOrEqual(p.p50Ms);
        expect(p.validation.kind).toBe('leave-one-family-out');
        expect(p.p90Ms).toBeGreaterThanOrEqual(p.p50Ms);
        expect(p.nearestCalibrationRuntimes).toHaveLength(2);
        expect(p.validation.runtimes).toBeGreaterThanOrEqual(4);
      }
    }
  });

  it('predicts AWS Max Memory Used from the committed model, above the local figure (AWS counts the environment too)', () => {
    const committed = loadFittedModel();
    const [x86] = predictAwsMemory({ localMaxMemoryMB: 2, packageType: 'Zip' }, committed);
    expect(x86.architecture).toBe('x86_64');
    expect(x86.maxMemoryUsedMB).toBeGreaterThan(2);
    expect(x86.interval.low).toBeLessThanOrEqual(x86.maxMemoryUsedMB);
    expect(x86.interval.high).toBeGreaterThanOrEqual(x86.maxMemoryUsedMB);
    expect(predictAwsMemory({ packageType: 'Zip' }, committed)).toEqual([]);
    expect(() => predictAwsMemory({ localMaxMemoryMB: -1, packageType: 'Zip' }, committed)).toThrow('localMaxMemoryMB must be a positive number of MB, got -1');
  });

  it('says how to make the model when its file is missing', () => {
    expect(() => loadFittedModel('/nonexistent/fitted-model.json')).toThrow('npm run calibrate -- --refit writes it');
  });
});
