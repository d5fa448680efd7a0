import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { refitFromTable, TABLE_FILE, MODEL_FILE } from '../../lib/calibration/calibrate';
import { type CalibrationRow, parseCalibrationTable, renderCalibrationTable } from '../../lib/calibration/table';
import { fitAdditive, fitModel, leaveGroupOut, renderFittedModel, t975, type CellPoint } from '../../lib/prediction/fit';

const ROOT = path.resolve(__dirname, '..', '..');
const COMMITTED_TABLE = path.join(ROOT, 'data', 'calibration', TABLE_FILE);
const COMMITTED_MODEL = path.join(ROOT, 'data', 'calibration', MODEL_FILE);

/** Rows whose AWS figures lie exactly on AWS = local + 10 + 3 × file MB in every cell (p90: local p90 + 14 + 3 × file MB). */
function exactRows(): CalibrationRow[] {
  const runtimes: [string, string, number, number][] = [
    ['rust (prov.al2023)', 'rust', 1, 1],
    ['python3.12', 'python', 73, 9],
    ['python3.11', 'python', 57, 8],
    ['nodejs22.x', 'nodejs', 48, 32],
    ['nodejs24.x', 'nodejs', 52, 40],
    ['java17', 'java', 340, 20],
  ];
  const rows: CalibrationRow[] = [];
  for (const [runtime, family, local, fileMB] of runtimes) {
    for (const packageType of ['Zip', 'Image'] as const) {
      for (const architecture of ['x86_64', 'arm64'] as const) {
        rows.push({
          calibrationFunction: `cal-${family}`,
          runtime,
          family,
          localN: 30,
          localInitP50Ms: local,
          localInitP90Ms: local * 1.21,
          localInitFileMB: fileMB,
          packageType,
          architecture,
          awsMemoryMB: 128,
          awsN: 500,
          awsInitP50Ms: local + 10 + 3 * fileMB,
          awsInitP90Ms: local * 1.21 + 14 + 3 * fileMB,
        });
      }
    }
  }
  return rows;
}

describe('the fit and leaving runtimes out', () => {
  it('recovers P and k exactly, minimising the relative residuals', () => {
    const fit = fitAdditive([
      { local: 2, fileMB: 2, aws: 2 + 10 + 6 },
      { local: 50, fileMB: 40, aws: 50 + 10 + 120 },
      { local: 55, fileMB: 9, aws: 55 + 10 + 27 },
    ]);
    expect(fit.platformMs).toBeCloseTo(10, 9);
    expect(fit.fileMsPerMB).toBeCloseTo(3, 9);
    expect(fit.sse).toBeCloseTo(0, 12);
  });

  it('weighs each point by its relative miss: with k fixed, P is the 1 / AWS²-weighted mean of AWS − local', () => {
    // Excesses 4 (AWS 10) and 40 (AWS 100): weights 1/100 and 1/10000.
    const fit = fitAdditive([{ local: 6, fileMB: 0, aws: 10 }, { local: 60, fileMB: 0, aws: 100 }], 0);
    expect(fit.platformMs).toBeCloseTo((4 / 100 + 40 / 10000) / (1 / 100 + 1 / 10000), 9);
  });

  it('keeps P and k at zero or above: a start-up or a cost per MB below zero means nothing', () => {
    // AWS below local + a positive start-up everywhere, and AWS falling with the file MB.
    const fit = fitAdditive([{ local: 10, fileMB: 1, aws: 9 }, { local: 20, fileMB: 5, aws: 15 }, { local: 30, fileMB: 9, aws: 22 }]);
    expect(fit.platformMs).toBe(0);
    expect(fit.fileMsPerMB).toBe(0);
    // Every point at the same file MB: k cannot be told from P, and P alone is fitted.
    const flat = fitAdditive([{ local: 10, fileMB: 4, aws: 20 }, { local: 20, fileMB: 4, aws: 30 }]);
    expect(flat.fileMsPerMB).toBe(0);
    expect(flat.platformMs).toBeCloseTo(10, 9);
  });

  it('finds P and k, and predicts every left-out runtime exactly, when all points lie on the model', () => {
    const model = fitModel(exactRows(), { path: 't.csv', sha256: 'x' });
    expect(model.schemaVersion).toBe(3);
    for (const cell of model.cells) {
      expect(cell.fileMsPerMB).toBeCloseTo(3, 6);
      expect(cell.platformMs.p50).toBeCloseTo(10, 6);
      expect(cell.platformMs.p90).toBeCloseTo(14, 6);
      expect(cell.leaveOneOut).toHaveLength(6);
      // Each fold finds P = 10 and k = 3 again on the other runtimes, so nothing is left to error.
      for (const r of [...cell.leaveOneOut, ...cell.leaveOneFamilyOut]) expect(Math.abs(r.errorPct)).toBeLessThanOrEqual(0.1);
      expect(cell.looMaxAbsErrorPct).toBe(0);
      expect(cell.intervalT).toBe(t975(5));
      expect(cell.effectiveRange).toEqual({ min: 4, max: 400 });
      expect(cell.fileMBRange).toEqual({ min: 1, max: 40 });
    }
  });

  it('without the file MB, cannot tell Node.js from Python: with P alone LORO misses both', () => {
    // The same exact rows with the file MB gone (the one-input model): the Node.js and Python points
    // share a local Init Duration but not an AWS one, so one start-up for all cannot hold them.
    const points: CellPoint[] = exactRows()
      .filter((r) => r.packageType === 'Zip' && r.architecture === 'x86_64')
      .map((r) => ({ runtime: r.runtime, family: r.family, localP50: r.localInitP50Ms, localP90: r.localInitP90Ms, fileMB: 0, awsP50: r.awsInitP50Ms, awsP90: r.awsInitP90Ms }));
    const loro = leaveGroupOut(points, (p) => p.runtime);
    for (const runtime of ['nodejs22.x', 'python3.11']) expect(Math.abs(loro.find((r) => r.runtime === runtime)!.errorPct)).toBeGreaterThan(20);
  });

  it('computes the leave-one-out error of a point off the model from the fit on the others', () => {
    // Three points on AWS = local + 5, a fourth at local + 50; no file MB, so only P is fitted.
    const points: CellPoint[] = [
      { runtime: 'a', family: 'a', localP50: 10, localP90: 10, fileMB: 0, awsP50: 15, awsP90: 15 },
      { runtime: 'b', family: 'b', localP50: 100, localP90: 100, fileMB: 0, awsP50: 105, awsP90: 105 },
      { runtime: 'c', family: 'c', localP50: 1000, localP90: 1000, fileMB: 0, awsP50: 1005, awsP90: 1005 },
      { runtime: 'd', family: 'd', localP50: 50, localP90: 50, fileMB: 0, awsP50: 100, awsP90: 100 },
    ];
    const loro = leaveGroupOut(points, (p) => p.runtime);
    const d = loro.find((r) => r.runtime === 'd')!;
    // Fitted on a, b, c: P = 5, so d is predicted 55 against 100: -45 %.
    expect(d.predictedP50Ms).toBeCloseTo(55, 2);
    expect(d.errorPct).toBe(-45);
    // Leaving a out, P is the 1 / AWS²-weighted mean of the excesses of b, c and d (5, 5 and 50), by hand.
    const w = [1 / 105 ** 2, 1 / 1005 ** 2, 1 / 100 ** 2];
    const p = (5 * w[0] + 5 * w[1] + 50 * w[2]) / (w[0] + w[1] + w[2]);
    const a = loro.find((r) => r.runtime === 'a')!;
    expect(a.predictedP50Ms).toBeCloseTo(10 + p, 2);
    expect(a.errorPct).toBeCloseTo(((10 + p - 15) / 15) * 100, 1);
  });

  it('leaves a whole language family out together', () => {
    const points: CellPoint[] = [
      { runtime: 'python3.11', family: 'python', localP50: 60, localP90: 70, fileMB: 9, awsP50: 90, awsP90: 100 },
      { runtime: 'python3.12', family: 'python', localP50: 60, localP90: 70, fileMB: 9, awsP50: 80, awsP90: 100 },
      { runtime: 'rust', family: 'rust', localP50: 2, localP90: 3, fileMB: 2, awsP50: 2 + 10 + 4, awsP90: 22 },
      { runtime: 'nodejs22.x', family: 'nodejs', localP50: 50, localP90: 60, fileMB: 40, awsP50: 50 + 10 + 80, awsP90: 170 },
    ];
    const lofo = leaveGroupOut(points, (p) => p.family);
    // Without Python, Rust and Node.js lie exactly on P = 10, k = 2: both Pythons are predicted 60 + 10 + 18.
    for (const runtime of ['python3.11', 'python3.12']) expect(lofo.find((r) => r.runtime === runtime)!.predictedP50Ms).toBeCloseTo(88, 6);
    // Leaving one runtime out keeps the other Python in the fit: python3.11 is then predicted otherwise.
    const loro = leaveGroupOut(points, (p) => p.runtime);
    expect(loro.find((r) => r.runtime === 'python3.11')!.predictedP50Ms).not.toBeCloseTo(88, 1);
  });

  it('refuses to leave one out of fewer than three runtimes', () => {
    const p: CellPoint = { runtime: 'a', family: 'a', localP50: 1, localP90: 1, fileMB: 0, awsP50: 1, awsP90: 1 };
    expect(() => leaveGroupOut([p, { ...p, runtime: 'b', family: 'b' }], (x) => x.runtime)).toThrow('at least 3 groups');
  });
});

describe('the committed model', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'refit-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('is what the committed table refits to, byte for byte (npm run calibrate -- --refit)', () => {
    // The refit records the table's path relative to the project: lay the copy out the same way.
    const dataDir = path.join(dir, 'data', 'calibration');
    fs.mkdirSync(dataDir, { recursive: true });
    fs.copyFileSync(COMMITTED_TABLE, path.join(dataDir, TABLE_FILE));
    refitFromTable(dir, dataDir);
    const first = fs.readFileSync(path.join(dataDir, MODEL_FILE));
    refitFromTable(dir, dataDir);
    const second = fs.readFileSync(path.join(dataDir, MODEL_FILE));
    expect(second.equals(first)).toBe(true);
    expect(first.toString('utf8')).toBe(fs.readFileSync(COMMITTED_MODEL, 'utf8'));
  });

  it('does not depend on the order of the table rows', () => {
    const rows = parseCalibrationTable(fs.readFileSync(COMMITTED_TABLE, 'utf8'));
    const table = { path: 'x', sha256: 'y' };
    expect(renderFittedModel(fitModel([...rows].reverse(), table))).toBe(renderFittedModel(fitModel(rows, table)));
    expect(renderCalibrationTable([...rows].reverse())).toBe(fs.readFileSync(COMMITTED_TABLE, 'utf8'));
  });

  it('holds every calibration runtime in every cell with its leave-one-out error', () => {
    const model = JSON.parse(fs.readFileSync(COMMITTED_MODEL, 'utf8'));
    const runtimes = model.calibrationPoints.map((p: { runtime: string }) => p.runtime);
    expect(runtimes).toEqual(expect.arrayContaining(['rust (prov.al2023)', 'python3.12', 'nodejs22.x', 'java17']));
    expect(model.cells).toHaveLength(4);
    for (const cell of model.cells) expect(cell.leaveOneOut.map((r: { runtime: string }) => r.runtime)).toEqual([...runtimes].sort());
  });
});

describe('the calibration table file', () => {
  it('names the line and column of a bad value', () => {
    const text = fs.readFileSync(COMMITTED_TABLE, 'utf8').split('\n');
    text[1] = text[1].replace(/,Image,/, ',Docker,');
    expect(() => parseCalibrationTable(text.join('\n'), 't.csv')).toThrow('t.csv line 2: package_type must be Zip or Image, got "Docker"');
    expect(() => parseCalibrationTable('a,b\n', 't.csv')).toThrow('t.csv: the first line must be the header');
  });
});
