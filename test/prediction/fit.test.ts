import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { refitFromTable, TABLE_FILE, MODEL_FILE } from '../../lib/calibration/calibrate';
import { type CalibrationRow, parseCalibrationTable, renderCalibrationTable } from '../../lib/calibration/table';
import { familyOutCoverage, fitCell, fitModel, leastSquares, leaveGroupOut, renderFittedModel, type CellPoint } from '../../lib/prediction/fit';
import { cellLevel, conformalQuantile } from '../../lib/prediction/conformal';

const ROOT = path.resolve(__dirname, '..', '..');
const COMMITTED_TABLE = path.join(ROOT, 'data', 'calibration', TABLE_FILE);
const COMMITTED_MODEL = path.join(ROOT, 'data', 'calibration', MODEL_FILE);

/** Rows whose AWS figures lie exactly on AWS = 4 × (local + 3 × file MB)^0.5 in every cell. */
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
          localPackageFileMB: 0,
          localMaxMemoryMB: local / 4,
          packageZipMB: 0,
          source: 'exact test rows',
          packageType,
          architecture,
          awsMemoryMB: 128,
          awsN: 500,
          awsInitP50Ms: 4 * Math.sqrt(local + 3 * fileMB),
          awsInitP90Ms: 4 * Math.sqrt(local * 1.21 + 3 * fileMB),
          // On a line too: AWS = 10 + 1.5 × local MB.
          awsMaxMemoryMB: 10 + 1.5 * (local / 4),
        });
      }
    }
  }
  return rows;
}

describe('least squares and leaving runtimes out', () => {
  it('recovers an exact line', () => {
    const line = leastSquares([0, 1, 2, 3], [1, 3, 5, 7]);
    expect(line.slope).toBeCloseTo(2, 12);
    expect(line.intercept).toBeCloseTo(1, 12);
  });

  it('takes a plain ratio (slope 1) when every x is the same', () => {
    expect(leastSquares([2, 2], [3, 5])).toEqual({ intercept: 2, slope: 1 });
  });

  it('finds k and the line, and predicts every left-out runtime exactly, when all points lie on one curve', () => {
    const model = fitModel(exactRows(), { path: 't.csv', sha256: 'x' });
    for (const cell of model.cells) {
      expect(cell.form).toBe('one-k');
      expect(cell.kRuntime).toBe(3);
      expect(cell.p50.slope).toBeCloseTo(0.5, 6);
      expect(cell.p50.intercept).toBeCloseTo(Math.log(4), 6);
      expect(cell.p90.slope).toBeCloseTo(0.5, 6);
      expect(cell.leaveOneOut).toHaveLength(6);
      // Each fold finds k = 3 again on the other runtimes, so nothing is left to error.
      for (const r of [...cell.leaveOneOut, ...cell.leaveOneFamilyOut]) expect(Math.abs(r.errorPct)).toBeLessThanOrEqual(0.1);
      expect(cell.looMaxAbsErrorPct).toBe(0);
      // Six runtimes of four families are too few for 90 % conformal intervals; the levels printed are the
      // highest they allow: 6 / 7 over runtimes, 4 / 5 over families.
      expect(cell.versionOutLevel).toBe(0.85);
      expect(cell.familyOutLevel).toBe(0.8);
      expect(cell.effectiveRange).toEqual({ min: 4, max: 400 });
    }
  });

  it('without the file MB, cannot tell Node.js from Python: k = 0 leaves them on one line and LORO misses both', () => {
    // The same exact rows, fitted as if k were 0 (the one-input model): the Node.js and Python points
    // share a local Init Duration but not an AWS one, so a single line through ln(local) cannot hold them.
    const points: CellPoint[] = exactRows()
      .filter((r) => r.packageType === 'Zip' && r.architecture === 'x86_64')
      .map((r) => ({ runtime: r.runtime, family: r.family, localP50: r.localInitP50Ms, localP90: r.localInitP90Ms, fileMB: 0, packageMB: 0, zipMB: 0, awsP50: r.awsInitP50Ms, awsP90: r.awsInitP90Ms }));
    const loro = leaveGroupOut(points, (p) => p.runtime);
    expect(Math.max(...loro.map((r) => Math.abs(r.errorPct)))).toBeGreaterThan(20);
  });

  it('computes the leave-one-out error of a point off the line from the fit on the others', () => {
    // Three points on ln(aws) = ln(local) (aws = local), a fourth at twice its local figure.
    const points: CellPoint[] = [
      { runtime: 'a', family: 'a', localP50: 10, localP90: 10, fileMB: 0, packageMB: 0, zipMB: 0, awsP50: 10, awsP90: 10 },
      { runtime: 'b', family: 'b', localP50: 100, localP90: 100, fileMB: 0, packageMB: 0, zipMB: 0, awsP50: 100, awsP90: 100 },
      { runtime: 'c', family: 'c', localP50: 1000, localP90: 1000, fileMB: 0, packageMB: 0, zipMB: 0, awsP50: 1000, awsP90: 1000 },
      { runtime: 'd', family: 'd', localP50: 50, localP90: 50, fileMB: 0, packageMB: 0, zipMB: 0, awsP50: 100, awsP90: 100 },
    ];
    const loro = leaveGroupOut(points, (p) => p.runtime);
    const d = loro.find((r) => r.runtime === 'd')!;
    // Fitted on a, b, c: aws = local, so d is predicted 50 against 100: -50 %.
    expect(d.predictedP50Ms).toBeCloseTo(50, 2);
    expect(d.errorPct).toBe(-50);
    // Leaving a out, the fit on b, c, d is computed by hand: x = ln 100, ln 1000, ln 50; y = ln 100, ln 1000, ln 100.
    const xs = [Math.log(100), Math.log(1000), Math.log(50)];
    const ys = [Math.log(100), Math.log(1000), Math.log(100)];
    const mx = xs.reduce((s, v) => s + v) / 3;
    const my = ys.reduce((s, v) => s + v) / 3;
    const slope = xs.reduce((s, x, i) => s + (x - mx) * (ys[i] - my), 0) / xs.reduce((s, x) => s + (x - mx) ** 2, 0);
    const expectedA = Math.exp(my - slope * mx + slope * Math.log(10));
    const a = loro.find((r) => r.runtime === 'a')!;
    expect(a.predictedP50Ms).toBeCloseTo(expectedA, 2);
    expect(a.errorPct).toBeCloseTo(((expectedA - 10) / 10) * 100, 1);
  });

  it('leaves a whole language family out together', () => {
    const points: CellPoint[] = [
      { runtime: 'python3.11', family: 'python', localP50: 80, localP90: 90, fileMB: 0, packageMB: 0, zipMB: 0, awsP50: 78, awsP90: 90 },
      { runtime: 'python3.12', family: 'python', localP50: 90, localP90: 100, fileMB: 0, packageMB: 0, zipMB: 0, awsP50: 85, awsP90: 100 },
      { runtime: 'rust', family: 'rust', localP50: 2, localP90: 3, fileMB: 0, packageMB: 0, zipMB: 0, awsP50: 16, awsP90: 22 },
      { runtime: 'java17', family: 'java', localP50: 400, localP90: 500, fileMB: 0, packageMB: 0, zipMB: 0, awsP50: 205, awsP90: 230 },
    ];
    const lofo = leaveGroupOut(points, (p) => p.family);
    const line = leastSquares([Math.log(2), Math.log(400)], [Math.log(16), Math.log(205)]);
    // With no file MB every k fits alike, and the grid keeps the first: k = 0, the plain log-log line.
    const expected311 = Math.exp(line.intercept + line.slope * Math.log(80));
    expect(lofo.find((r) => r.runtime === 'python3.11')!.predictedP50Ms).toBeCloseTo(expected311, 2);
  });

  it('refuses to leave one out of fewer than three runtimes', () => {
    const p: CellPoint = { runtime: 'a', family: 'a', localP50: 1, localP90: 1, fileMB: 0, packageMB: 0, zipMB: 0, awsP50: 1, awsP90: 1 };
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
    expect(model.schemaVersion).toBe(3);
    for (const cell of model.cells) expect(cell.leaveOneOut.map((r: { runtime: string }) => r.runtime)).toEqual([...runtimes].sort());
    // Every point names where its AWS figure comes from.
    for (const p of model.calibrationPoints) expect(p.source).toMatch(/^lambda-perf 2026-07-01\.\.2026-08-22/);
  });

  it('reports, for zip x86_64, how often AWS fell inside the family-out interval with each family left out, and meets the level it prints', () => {
    const model = JSON.parse(fs.readFileSync(COMMITTED_MODEL, 'utf8'));
    const cell = model.cells.find((c: { packageType: string; architecture: string }) => c.packageType === 'Zip' && c.architecture === 'x86_64');
    expect(cell.familyOutCoverage.total).toBe(cell.n);
    expect(cell.familyOutCoverage.families).toBe(cell.families.length);
    // Each family's interval there comes from the other F − 1 families, at the level they allow.
    expect(cell.familyOutCoverage.familiesInside / cell.familyOutCoverage.families).toBeGreaterThanOrEqual(cell.familyOutCoverage.level);
  });
});

describe('conformal intervals', () => {
  it('takes the ⌈(n + 1) × level⌉-th smallest error, and says when there are too few for the level', () => {
    const errors = [0.5, 0.1, 0.4, 0.2, 0.3, 0.9, 0.8, 0.7, 0.6];
    // n = 9: ⌈10 × 0.9⌉ = 9, the largest; ⌈10 × 0.5⌉ = 5.
    expect(conformalQuantile(errors, 0.9)).toBe(0.9);
    expect(conformalQuantile(errors, 0.5)).toBe(0.5);
    expect(conformalQuantile(errors.slice(0, 8), 0.9)).toBeNull();
    expect(cellLevel(8)).toBe(0.88);
    expect(cellLevel(9)).toBe(0.9);
    expect(conformalQuantile(errors.slice(0, 8), cellLevel(8))).toBe(0.9);
  });

  it('checks the family-out interval on each family without letting that family size its own interval', () => {
    // Four families on AWS = local, and a fifth (z) at twice its local figure: with z left out, the other
    // families' own family-out errors are all 0, so the interval is a point, and z falls outside it.
    const points: CellPoint[] = ['a', 'b', 'c', 'd'].map((f, i) => ({
      runtime: f, family: f, localP50: 10 ** (i + 1), localP90: 10 ** (i + 1), fileMB: 1, packageMB: 0, zipMB: 0, awsP50: 10 ** (i + 1), awsP90: 10 ** (i + 1),
    }));
    points.push({ runtime: 'z', family: 'z', localP50: 50, localP90: 50, fileMB: 1, packageMB: 0, zipMB: 0, awsP50: 100, awsP90: 100 });
    const cov = familyOutCoverage(points, 'one-k');
    expect(cov.byRuntime.find((r) => r.runtime === 'z')!.inside).toBe(false);
    expect(cov.total).toBe(5);
  });
});

describe('the split form: the function\'s own package apart', () => {
  it('is kept when leaving families out supports it, and finds both k', () => {
    // AWS = 2 × (local + 1 × runtime MB + 6 × package MB)^0.8: packages cost six times what runtime pages do.
    const aws = (local: number, rt: number, pkg: number) => 2 * (local + rt + 6 * pkg) ** 0.8;
    const spec: [string, number, number, number][] = [
      ['rust', 2, 0.1, 2], ['python', 30, 9, 0], ['node', 35, 40, 0], ['java', 120, 22, 0], ['bun', 20, 5, 60], ['go', 5, 0.2, 4],
    ];
    const points: CellPoint[] = spec.map(([f, local, rt, pkg]) => ({
      runtime: f, family: f, localP50: local, localP90: local, fileMB: rt + pkg, packageMB: pkg, zipMB: 0, awsP50: aws(local, rt, pkg), awsP90: aws(local, rt, pkg),
    }));
    const cell = fitCell(points, 'Zip', 'x86_64');
    expect(cell.form).toBe('split-k');
    expect(cell.kRuntime).toBeCloseTo(1, 1);
    expect(cell.kPackage).toBeCloseTo(6, 1);
    expect(cell.formsTried.map((f) => f.form)).toEqual(['one-k', 'split-k']);
    expect(cell.lofoMaxAbsErrorPct).toBeLessThan(0.5);
  });
});

describe('the zip form: the zip Lambda receives, downloaded and unpacked whole', () => {
  it('is kept when leaving families out supports it, and finds kZip', () => {
    // AWS = 2 × (local + 1 × file MB + 5 × zip MB)^0.8.
    const aws = (local: number, file: number, zip: number) => 2 * (local + file + 5 * zip) ** 0.8;
    const spec: [string, number, number, number][] = [
      ['rust', 2, 2, 0.8], ['python', 30, 9, 0], ['node', 35, 40, 0], ['java', 120, 22, 0.1], ['bun', 20, 30, 36], ['go', 5, 4, 4],
    ];
    const points: CellPoint[] = spec.map(([f, local, file, zip]) => ({
      runtime: f, family: f, localP50: local, localP90: local, fileMB: file, packageMB: 0, zipMB: zip, awsP50: aws(local, file, zip), awsP90: aws(local, file, zip),
    }));
    const cell = fitCell(points, 'Zip', 'x86_64');
    expect(cell.formsTried.map((f) => f.form)).toEqual(['one-k', 'zip-k']);
    expect(cell.form).toBe('zip-k');
    expect(cell.kRuntime).toBeCloseTo(1, 1);
    expect(cell.kZip).toBeCloseTo(5, 1);
  });
});

describe('the Max Memory Used model', () => {
  it('recovers AWS = intercept + slope × local when the points lie on it', () => {
    const model = fitModel(exactRows(), { path: 't.csv', sha256: 'x' });
    expect(model.memoryCells).toHaveLength(4);
    for (const m of model.memoryCells) {
      expect(m.line.intercept).toBeCloseTo(10, 6);
      expect(m.line.slope).toBeCloseTo(1.5, 6);
      expect(m.lofoMaxAbsErrorPct).toBe(0);
    }
  });
});

describe('the calibration table file', () => {
  it('names the line and column of a bad value', () => {
    const text = fs.readFileSync(COMMITTED_TABLE, 'utf8').split('\n');
    text[1] = text[1].replace(/,Image,/, ',Docker,');
    const missing = fs.readFileSync(COMMITTED_TABLE, 'utf8').split('\n');
    missing[1] = missing[1].split(',').map((v, i) => (i === 5 ? '' : v)).join(',');
    expect(() => parseCalibrationTable(missing.join('\n'), 't.csv')).toThrow('t.csv line 2: local_init_p50_ms must be a non-negative number, got ""');
    expect(() => parseCalibrationTable(text.join('\n'), 't.csv')).toThrow('t.csv line 2: package_type must be Zip or Image, got "Docker"');
    expect(() => parseCalibrationTable('a,b\n', 't.csv')).toThrow('t.csv: the first line must be the header');
  });
});
