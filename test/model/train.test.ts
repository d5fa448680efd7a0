import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FEATURE_NAMES, loadWineCsv, parseWineCsv } from '../../lib/model/wine-data';
import { predict, trainWineModel } from '../../lib/model/train';
import { buildAprPack, encodeApr, inspectApr, MODEL_CREATED_AT } from '../../lib/model/apr-pack';

const ROOT = join(__dirname, '..', '..');
const RED = join(ROOT, 'data', 'wine', 'winequality-red.csv');
const COMMITTED_MODEL = join(ROOT, 'lambda-apr', 'model', 'wine.apr');

describe('training on the red-wine data', () => {
  const data = loadWineCsv(RED);
  const model = trainWineModel(data);
  let aprPack: string;
  beforeAll(() => { aprPack = buildAprPack(); }, 300_000);

  it('reads all 1599 red wines with 11 features', () => {
    expect(data.features).toHaveLength(1599);
    expect(data.features.every((row) => row.length === 11)).toBe(true);
  });

  it('finds the least-squares optimum: residuals are orthogonal to every column of the design matrix', () => {
    const residuals = data.features.map((row, i) => data.quality[i] - predict(model.fit, row));
    const columns = [data.features.map(() => 1), ...FEATURE_NAMES.map((_, j) => data.features.map((row) => row[j]))];
    for (const column of columns) {
      const dot = column.reduce((s, x, i) => s + x * residuals[i], 0);
      const scale = Math.sqrt(column.reduce((s, x) => s + x * x, 0) * residuals.reduce((s, r) => s + r * r, 0));
      expect(Math.abs(dot) / scale).toBeLessThan(1e-10);
    }
  });

  it('reports training and cross-validated quality in the expected range', () => {
    expect(model.metrics.r2).toBeCloseTo(0.3606, 4);
    expect(model.metrics.rmse).toBeCloseTo(0.6456, 4);
    expect(model.metrics.cv10Rmse).toBeGreaterThan(model.metrics.rmse);
    expect(model.metrics.cv10Rmse).toBeLessThan(0.7);
  });

  it('writes byte-identical files on two runs, equal to the committed model', () => {
    const first = encodeApr(model, aprPack);
    const second = encodeApr(trainWineModel(loadWineCsv(RED)), aprPack);
    expect(second.equals(first)).toBe(true);
    expect(readFileSync(COMMITTED_MODEL).equals(first)).toBe(true);
  });

  it('commits a model that apr-format loads with the trained weights and statistics', () => {
    const loaded = inspectApr(COMMITTED_MODEL, aprPack);
    expect(loaded.format_version).toEqual([1, 0]);
    expect(loaded.model_type).toBe('LinearRegression');
    expect(loaded.payload_size).toBe(58);
    expect(loaded.coefficients).toEqual(model.stored.coefficients);
    expect(loaded.intercept).toBe(model.stored.intercept);
    expect(loaded.fit_intercept).toBe(true);
    expect(loaded.metadata.created_at).toBe(MODEL_CREATED_AT);
    const stats = loaded.metadata.custom.wine_quality;
    expect(stats.feature_names).toEqual([...FEATURE_NAMES]);
    expect(stats.feature_means).toEqual(model.statistics.means);
    expect(stats.feature_mins).toEqual(model.statistics.mins);
    expect(stats.feature_maxs).toEqual(model.statistics.maxs);
    expect(loaded.metadata.metrics.training.cv10_rmse).toBe(model.metrics.cv10Rmse);
  });
});

describe('parseWineCsv', () => {
  const header = '"fixed acidity";"volatile acidity";"citric acid";"residual sugar";"chlorides";"free sulfur dioxide";"total sulfur dioxide";"density";"pH";"sulphates";"alcohol";"quality"';
  it('names the line and column of a bad cell', () => {
    expect(() => parseWineCsv(`${header}\n7.4;0.7;0;1.9;0.076;11;34;0.9978;x;0.56;9.4;5\n`, 'red.csv'))
      .toThrow("red.csv line 2: column 'pH' is not a number: \"x\"");
  });
  it('rejects a short row and an unexpected header', () => {
    expect(() => parseWineCsv(`${header}\n7.4;0.7\n`)).toThrow(/line 2: 2 columns, expected 12/);
    expect(() => parseWineCsv('"a";"b"\n1;2\n')).toThrow(/unexpected header/);
  });
});
