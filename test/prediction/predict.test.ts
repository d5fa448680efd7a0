import { loadFittedModel, predictAwsInit, PredictionInputError, nearestCalibrationRuntimes, type FittedModel } from '../../lib/prediction';

const round2 = (x: number) => Math.round(x * 100) / 100;

/** A model with known lines: Zip AWS = 2 × local, Image AWS = 3 × local^0.5 (p90: the same form). */
function model(): FittedModel {
  const cell = (packageType: 'Zip' | 'Image', architecture: 'x86_64' | 'arm64', intercept: number, slope: number) => ({
    packageType,
    architecture,
    p50: { intercept, slope },
    p90: { intercept, slope },
    looLogResidualSd: 0.1,
    intervalT: 3,
    n: 3,
    logLocalMean: Math.log(100),
    logLocalSxx: 2,
    localP50Range: { min: 2, max: 400 },
    leaveOneOut: [{ runtime: 'a', awsP50Ms: 1, predictedP50Ms: 1, errorPct: 0 }],
    looMedianAbsErrorPct: 12.5,
    looMaxAbsErrorPct: 40,
    leaveOneFamilyOut: [],
    lofoMedianAbsErrorPct: 20,
    lofoMaxAbsErrorPct: 50,
  });
  return {
    schemaVersion: 1,
    form: 'test',
    table: { path: 't', sha256: 's' },
    calibrationPoints: [
      { runtime: 'rust', localInitP50Ms: 2, localInitP90Ms: 3 },
      { runtime: 'python3.12', localInitP50Ms: 90, localInitP90Ms: 110 },
      { runtime: 'java17', localInitP50Ms: 400, localInitP90Ms: 500 },
    ],
    cells: [
      cell('Zip', 'x86_64', Math.log(2), 1),
      cell('Zip', 'arm64', Math.log(1.5), 1),
      cell('Image', 'x86_64', Math.log(3), 0.5),
      cell('Image', 'arm64', Math.log(3), 0.5),
    ],
  };
}

describe('predictAwsInit', () => {
  it('applies the line of each architecture, with the interval from the leave-one-out residuals', () => {
    const [x86, arm] = predictAwsInit({ localInitP50Ms: 100, localInitP90Ms: 150, packageType: 'Zip' }, model());
    expect(x86).toEqual({
      architecture: 'x86_64',
      packageType: 'Zip',
      p50Ms: 200,
      p90Ms: 300,
      // At the calibration mean the leverage term is 1 + 1/n.
      interval95: { low: round2(200 * Math.exp(-0.3 * Math.sqrt(4 / 3))), high: round2(200 * Math.exp(0.3 * Math.sqrt(4 / 3))) },
      validation: { looMedianAbsErrorPct: 12.5, looMaxAbsErrorPct: 40, runtimes: 1 },
      nearestCalibrationRuntimes: ['python3.12', 'java17'],
      extrapolated: false,
    });
    expect(arm.architecture).toBe('arm64');
    expect(arm.p50Ms).toBe(150);
  });

  it('uses the image lines for an image, and names the nearest calibration runtimes in log scale', () => {
    const [x86] = predictAwsInit({ localInitP50Ms: 1600, localInitP90Ms: 2500, packageType: 'Image', runtimeLabel: 'python3.11' }, model());
    expect(x86.p50Ms).toBe(120);
    expect(x86.p90Ms).toBe(150);
    expect(x86.nearestCalibrationRuntimes).toEqual(['java17', 'python3.12']);
    // Beyond the calibration range: flagged, and the interval wider by the leverage term.
    expect(x86.extrapolated).toBe(true);
    const d = Math.log(1600) - Math.log(100);
    expect(x86.interval95.high).toBe(round2(120 * Math.exp(0.3 * Math.sqrt(1 + 1 / 3 + (d * d) / 2))));
    expect(nearestCalibrationRuntimes(model().calibrationPoints, 3, 1)).toEqual(['rust']);
  });

  it.each([
    [{ localInitP50Ms: 0, localInitP90Ms: 1, packageType: 'Zip' }, 'localInitP50Ms must be a positive number of ms, got 0'],
    [{ localInitP50Ms: 5, localInitP90Ms: Number.NaN, packageType: 'Zip' }, 'localInitP90Ms must be a positive number of ms, got NaN'],
    [{ localInitP50Ms: 5, localInitP90Ms: 4, packageType: 'Zip' }, 'localInitP90Ms (4) is below localInitP50Ms (5)'],
    [{ localInitP50Ms: 5, localInitP90Ms: 6, packageType: 'zip' }, `packageType must be 'Zip' or 'Image', got "zip"`],
  ])('refuses a bad input: %j', (input, message) => {
    expect(() => predictAwsInit(input as never, model())).toThrow(PredictionInputError);
    expect(() => predictAwsInit(input as never, model())).toThrow(message);
  });

  it('works with the committed model: every prediction within its interval, and p90 at least p50', () => {
    const committed = loadFittedModel();
    for (const packageType of ['Zip', 'Image'] as const) {
      const out = predictAwsInit({ localInitP50Ms: 1600, localInitP90Ms: 2100, packageType, runtimeLabel: 'python3.11' }, committed);
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
