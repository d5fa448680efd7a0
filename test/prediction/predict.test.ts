import { loadFittedModel, predictAwsInit, PredictionInputError, nearestCalibrationRuntimes, type FittedModel } from '../../lib/prediction';

const round2 = (x: number) => Math.round(x * 100) / 100;

/**
 * A model with known parts: Zip x86_64 AWS = local + 10 + 1 × MB (p90: local p90 + 20 + 1 × MB), Zip arm64
 * local + 5 + 1 × MB, Image local + 30 + 0 × MB (p90: + 40). Covariance: var P 400, cov 0, var k 1 (unscaled).
 */
function model(): FittedModel {
  const cell = (packageType: 'Zip' | 'Image', architecture: 'x86_64' | 'arm64', p50: number, p90: number, k: number) => ({
    packageType,
    architecture,
    fileMsPerMB: k,
    platformMs: { p50, p90 },
    covariance: { platform: 400, platformFile: 0, file: 1 },
    looLogResidualSd: 0.1,
    intervalT: 3,
    n: 3,
    effectiveRange: { min: 2, max: 400 },
    fileMBRange: { min: 2, max: 40 },
    localP50Range: { min: 2, max: 400 },
    leaveOneOut: [{ runtime: 'a', awsP50Ms: 1, predictedP50Ms: 1, errorPct: 0 }],
    looMedianAbsErrorPct: 12.5,
    looMaxAbsErrorPct: 40,
    leaveOneFamilyOut: [],
    lofoMedianAbsErrorPct: 20,
    lofoMaxAbsErrorPct: 50,
  });
  return {
    schemaVersion: 3,
    form: 'test',
    table: { path: 't', sha256: 's' },
    calibrationPoints: [
      { runtime: 'rust', localInitP50Ms: 2, localInitP90Ms: 3, localInitFileMB: 2 },
      { runtime: 'python3.12', localInitP50Ms: 90, localInitP90Ms: 110, localInitFileMB: 9 },
      { runtime: 'nodejs22.x', localInitP50Ms: 90, localInitP90Ms: 110, localInitFileMB: 40 },
      { runtime: 'java17', localInitP50Ms: 400, localInitP90Ms: 500, localInitFileMB: 22 },
    ],
    cells: [cell('Zip', 'x86_64', 10, 20, 1), cell('Zip', 'arm64', 5, 20, 1), cell('Image', 'x86_64', 30, 40, 0), cell('Image', 'arm64', 30, 40, 0)],
  };
}

describe('predictAwsInit', () => {
  it('adds each architecture\'s platform start-up and k × file MB to the local figure, with the interval from the leave-one-out residuals', () => {
    // Effective local: 90 + 1 × 10 = 100 ms; p50 10 + 100 = 110 ms, p90 20 + 140 + 10 = 170 ms.
    const [x86, arm] = predictAwsInit({ localInitP50Ms: 90, localInitP90Ms: 140, localInitFileMB: 10, packageType: 'Zip' }, model());
    expect(x86).toEqual({
      architecture: 'x86_64',
      packageType: 'Zip',
      p50Ms: 110,
      p90Ms: 170,
      // Leverage (400 + 10²) / 110²; half-width t × σ × sqrt(1 + leverage).
      interval95: { low: round2(110 * Math.exp(-0.3 * Math.sqrt(1 + 500 / 110 ** 2))), high: round2(110 * Math.exp(0.3 * Math.sqrt(1 + 500 / 110 ** 2))) },
      validation: { looMedianAbsErrorPct: 12.5, looMaxAbsErrorPct: 40, runtimes: 1 },
      effectiveLocalMs: 100,
      // Same local p50 as Python and Node.js; its file MB is Python's: Python first.
      nearestCalibrationRuntimes: ['python3.12', 'nodejs22.x'],
      extrapolated: null,
      effectiveRange: { min: 2, max: 400 },
    });
    expect(arm.architecture).toBe('arm64');
    expect(arm.p50Ms).toBe(105);
  });

  it('tells two runtimes of the same local Init Duration apart by the file MB their init brought in', () => {
    const [python] = predictAwsInit({ localInitP50Ms: 50, localInitP90Ms: 60, localInitFileMB: 9, packageType: 'Zip' }, model());
    const [node] = predictAwsInit({ localInitP50Ms: 50, localInitP90Ms: 60, localInitFileMB: 40, packageType: 'Zip' }, model());
    expect(python.p50Ms).toBe(69);
    expect(node.p50Ms).toBe(100);
    expect(node.nearestCalibrationRuntimes[0]).toBe('nodejs22.x');
  });

  it('uses the image cells for an image, and names the nearest calibration runtimes in log scale', () => {
    const [x86] = predictAwsInit({ localInitP50Ms: 1600, localInitP90Ms: 2500, localInitFileMB: 300, packageType: 'Image', runtimeLabel: 'python3.11' }, model());
    expect(x86.p50Ms).toBe(1630);
    expect(x86.p90Ms).toBe(2540);
    expect(x86.nearestCalibrationRuntimes).toEqual(['java17', 'nodejs22.x']);
    // Beyond the calibration range: flagged, and the interval wider by the leverage term (300 MB: 400 + 300²).
    expect(x86.extrapolated).toBe('above');
    expect(x86.interval95.high).toBe(round2(1630 * Math.exp(0.3 * Math.sqrt(1 + (400 + 300 ** 2) / 1630 ** 2))));
    const [near] = predictAwsInit({ localInitP50Ms: 1600, localInitP90Ms: 2500, localInitFileMB: 10, packageType: 'Image' }, model());
    expect(near.interval95.high - near.p50Ms).toBeLessThan(x86.interval95.high - x86.p50Ms);
    expect(nearestCalibrationRuntimes(model().calibrationPoints, 3, 2, 1)).toEqual(['rust']);
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
