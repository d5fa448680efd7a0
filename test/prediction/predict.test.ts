import { loadFittedModel, predictAwsInit, PredictionInputError, nearestCalibrationRuntimes, type FittedModel } from '../../lib/prediction';
import { withSlopeBracket } from '../../lib/prediction/predict';

const round2 = (x: number) => Math.round(x * 100) / 100;

/**
 * A model with known lines on the effective local ms (local + k × file MB): Zip AWS = 2 × (local + 1 × MB),
 * Image AWS = 3 × (local + 0 × MB)^0.5 (p90: the same form).
 */
function model(): FittedModel {
  const cell = (packageType: 'Zip' | 'Image', architecture: 'x86_64' | 'arm64', intercept: number, slope: number, k: number) => ({
    packageType,
    architecture,
    fileMsPerMB: k,
    p50: { intercept, slope },
    p90: { intercept, slope },
    looLogResidualSd: 0.1,
    intervalT: 3,
    n: 3,
    logEffectiveMean: Math.log(100),
    logEffectiveSxx: 2,
    effectiveRange: { min: 2, max: 400 },
    localP50Range: { min: 2, max: 400 },
    leaveOneOut: [{ runtime: 'a', awsP50Ms: 1, predictedP50Ms: 1, errorPct: 0 }],
    looMedianAbsErrorPct: 12.5,
    looMaxAbsErrorPct: 40,
    leaveOneFamilyOut: [],
    lofoMedianAbsErrorPct: 20,
    lofoMaxAbsErrorPct: 50,
  });
  return {
    schemaVersion: 2,
    form: 'test',
    table: { path: 't', sha256: 's' },
    calibrationPoints: [
      { runtime: 'rust', localInitP50Ms: 2, localInitP90Ms: 3, localInitFileMB: 2 },
      { runtime: 'python3.12', localInitP50Ms: 90, localInitP90Ms: 110, localInitFileMB: 9 },
      { runtime: 'nodejs22.x', localInitP50Ms: 90, localInitP90Ms: 110, localInitFileMB: 40 },
      { runtime: 'java17', localInitP50Ms: 400, localInitP90Ms: 500, localInitFileMB: 22 },
    ],
    cells: [
      cell('Zip', 'x86_64', Math.log(2), 1, 1),
      cell('Zip', 'arm64', Math.log(1.5), 1, 1),
      cell('Image', 'x86_64', Math.log(3), 0.5, 0),
      cell('Image', 'arm64', Math.log(3), 0.5, 0),
    ],
  };
}

describe('predictAwsInit', () => {
  it('applies the line of each architecture to local + k × file MB, with the interval from the leave-one-out residuals', () => {
    // Effective local: 90 + 1 × 10 = 100 ms (p50), 140 + 10 = 150 ms (p90).
    const [x86, arm] = predictAwsInit({ localInitP50Ms: 90, localInitP90Ms: 140, localInitFileMB: 10, packageType: 'Zip' }, model());
    expect(x86).toEqual({
      architecture: 'x86_64',
      packageType: 'Zip',
      p50Ms: 200,
      p90Ms: 300,
      // At the calibration mean the leverage term is 1 + 1/n.
      interval95: { low: round2(200 * Math.exp(-0.3 * Math.sqrt(4 / 3))), high: round2(200 * Math.exp(0.3 * Math.sqrt(4 / 3))) },
      validation: { looMedianAbsErrorPct: 12.5, looMaxAbsErrorPct: 40, runtimes: 1 },
      effectiveLocalMs: 100,
      // Same local p50 as Python and Node.js; its file MB is Python's: Python first.
      nearestCalibrationRuntimes: ['python3.12', 'nodejs22.x'],
      extrapolated: null,
      effectiveRange: { min: 2, max: 400 },
    });
    expect(arm.architecture).toBe('arm64');
    expect(arm.p50Ms).toBe(150);
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
    // Beyond the calibration range: flagged, and the interval wider by the leverage term, and up to at
    // least slope 1 from the edge (3 × 400^0.5 = 60 at 400 ms, × 1600 / 400 = 240).
    expect(x86.extrapolated).toBe('above');
    const d = Math.log(1600) - Math.log(100);
    const statistical = 0.3 * Math.sqrt(1 + 1 / 3 + (d * d) / 2);
    expect(x86.interval95).toEqual({ low: round2(120 * Math.exp(-statistical)), high: round2(Math.max(120 * Math.exp(statistical), 240)) });
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
        expect(p.interval95.low).toBeLessThanOrEqual(p.p50Ms);
        expect(p.interval95.high).toBeGreaterThanOrEqual(p.p50Ms);
        expect(p.p90Ms).toBeGreaterThanOrEqual(p.p50Ms);
        expect(p.nearestCalibrationRuntimes).toHaveLength(2);
        expect(p.validation.runtimes).toBeGreaterThanOrEqual(4);
      }
    }
  });

  it('says how to make the model when its file is missing', () => {
    expect(() => loadFittedModel('/nonexistent/fitted-model.json')).toThrow('npm run calibrate -- --refit writes it');
  });
});
