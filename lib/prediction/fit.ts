/**
 * Fits the AWS Init Duration model on the calibration table, and validates it by leaving calibration
 * runtimes out.
 *
 * The form, per package type and architecture (a "cell"):
 *
 *     effective local ms = local Init Duration + k × file MB brought in during init
 *     ln(AWS Init Duration) = intercept + slope × ln(effective local ms)
 *
 * Why two inputs: local init time alone cannot tell a Node.js hello world from a Python one (both about
 * 50 ms here), while AWS shows 141 ms against 85 ms (lambda-perf, zip x86_64). What tells them apart is
 * how much of their files they touch to start (Node.js about 40 MB, Python about 9 MB:
 * lib/local-lambda/init-footprint.ts, which cites what AWS documents of on-demand loading and what is
 * our hypothesis): on a fresh Lambda worker those pages are fetched, here they are in the page cache.
 * k, in ms per MB, is what a megabyte of such pages weighs against a millisecond of local
 * init; it is found by a grid search (0 to K_MAX ms/MB in steps of K_STEP, the least sum of squared log
 * residuals of the p50, ties to the smaller k), and for each k the line is ordinary least squares. A grid,
 * not an optimiser: one bounded dimension, cheap, and the same table always gives the same k to the byte.
 * Why logarithms: the runtimes span two orders of magnitude, and what goes wrong is proportional (a
 * faster or slower CPU), so errors are compared in ratio; slope < 1 says the platform adds a part that
 * does not grow with local work. The p90 line uses the p50's k with the local p90.
 *
 * Validation:
 * - leave-one-runtime-out (LORO): each calibration runtime is predicted by the model fitted on the others,
 *   k included; the error is (predicted − AWS) / AWS.
 * - leave-one-family-out (LOFO), stricter: every runtime of the same language family (e.g. all the
 *   Python versions) is left out together, as for a target whose runtime the model has never seen.
 * The 95 % prediction interval, in log scale, is ± t(0.975, n−1) × σ × sqrt(1 + 1/n + (ln x − mean)² / Sxx)
 * with x the effective local ms: the textbook interval of a straight-line fit, with σ the root mean square of
 * the LORO log residuals (out-of-sample, so honest for a runtime the fit has not seen) and the last term
 * widening it for a target far from the calibration runtimes.
 */
import { type CalibrationRow } from '../calibration/table';
import type { CalibrationPoint, FittedCell, FittedModel, LeaveOneOutResult, LineParameters } from './types';
import { ARCHITECTURES, PACKAGE_TYPES } from './types';

/** The grid k is searched on, ms per MB. */
export const K_MAX = 50;
export const K_STEP = 0.05;

export class ModelFitError extends Error {}

/** A point of one cell: local and AWS figures of one calibration runtime. */
export interface CellPoint {
  runtime: string;
  family: string;
  localP50: number;
  localP90: number;
  /** File MB the calibration function's INIT brought in locally (p50). */
  fileMB: number;
  awsP50: number;
  awsP90: number;
}

/** Ordinary least squares of y on x; with one distinct x the slope is taken as 1 (a plain ratio). */
export function leastSquares(xs: readonly number[], ys: readonly number[]): LineParameters {
  const n = xs.length;
  if (n === 0 || n !== ys.length) throw new ModelFitError(`least squares needs as many y as x, at least one (got ${n} and ${ys.length})`);
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < n; i++) {
    sxx += (xs[i] - mx) * (xs[i] - mx);
    sxy += (xs[i] - mx) * (ys[i] - my);
  }
  const slope = sxx === 0 ? 1 : sxy / sxx;
  return { intercept: my - slope * mx, slope };
}

/** The model's input for one point: local ms + k × file MB. */
export function effectiveLocalMs(localMs: number, fileMB: number, k: number): number {
  return localMs + k * fileMB;
}

/** Least squares of ln(AWS) on ln(effective local ms) for a given k; also the sum of squared residuals. */
export function fitLogLine(points: readonly CellPoint[], quantile: 'p50' | 'p90', k: number): { line: LineParameters; sse: number } {
  const local = quantile === 'p50' ? (p: CellPoint) => p.localP50 : (p: CellPoint) => p.localP90;
  const aws = quantile === 'p50' ? (p: CellPoint) => p.awsP50 : (p: CellPoint) => p.awsP90;
  const xs = points.map((p) => Math.log(effectiveLocalMs(local(p), p.fileMB, k)));
  const ys = points.map((p) => Math.log(aws(p)));
  const line = leastSquares(xs, ys);
  let sse = 0;
  for (let i = 0; i < xs.length; i++) sse += (line.intercept + line.slope * xs[i] - ys[i]) ** 2;
  return { line, sse };
}

/** The k of least squared log error of the p50 on the grid (see the module comment), with its line. */
export function fitCurve(points: readonly CellPoint[]): { k: number; line: LineParameters } {
  let best: { k: number; line: LineParameters; sse: number } | undefined;
  const steps = Math.round(K_MAX / K_STEP);
  for (let i = 0; i <= steps; i++) {
    const k = round(i * K_STEP, 6);
    const { line, sse } = fitLogLine(points, 'p50', k);
    // A relative margin keeps the choice from turning on the last bits of floating point.
    if (!best || sse < best.sse * (1 - 1e-12)) best = { k, line, sse };
  }
  return { k: best!.k, line: best!.line };
}

function predictP50(curve: { k: number; line: LineParameters }, localP50: number, fileMB: number): number {
  return Math.exp(curve.line.intercept + curve.line.slope * Math.log(effectiveLocalMs(localP50, fileMB, curve.k)));
}

/** Each group (by the key) predicted from the model (k and line) fitted on the other groups' points. */
export function leaveGroupOut(points: readonly CellPoint[], key: (p: CellPoint) => string): LeaveOneOutResult[] {
  const groups = [...new Set(points.map(key))];
  if (groups.length < 3) throw new ModelFitError(`leaving one out needs at least 3 groups to fit a line on the rest, got ${groups.length}`);
  const out: LeaveOneOutResult[] = [];
  for (const group of groups) {
    const rest = points.filter((p) => key(p) !== group);
    const curve = fitCurve(rest);
    for (const p of points.filter((q) => key(q) === group)) {
      const predicted = predictP50(curve, p.localP50, p.fileMB);
      out.push({ runtime: p.runtime, awsP50Ms: p.awsP50, predictedP50Ms: round(predicted, 2), errorPct: round(((predicted - p.awsP50) / p.awsP50) * 100, 1) });
    }
  }
  return out.sort((a, b) => a.runtime.localeCompare(b.runtime));
}

/** Two-sided 95 % Student t quantiles (t(0.975, df)), df 1-30; beyond, the normal 1.96 is close enough. */
const T975 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042];
export function t975(df: number): number {
  if (!Number.isInteger(df) || df < 1) throw new ModelFitError(`degrees of freedom must be a positive integer, got ${df}`);
  return df <= T975.length ? T975[df - 1] : 1.96;
}

function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Rounds to a fixed number of decimals, so that the stored model does not depend on the last bits of floating point. */
function round(x: number, decimals: number): number {
  const f = 10 ** decimals;
  return Math.round(x * f) / f;
}

function roundLine(l: LineParameters): LineParameters {
  return { intercept: round(l.intercept, 6), slope: round(l.slope, 6) };
}

export function fitCell(points: readonly CellPoint[], packageType: FittedCell['packageType'], architecture: FittedCell['architecture']): FittedCell {
  const loro = leaveGroupOut(points, (p) => p.runtime);
  const lofo = leaveGroupOut(points, (p) => p.family);
  const logResiduals = loro.map((r) => Math.log(r.predictedP50Ms / r.awsP50Ms));
  const rms = Math.sqrt(logResiduals.reduce((a, r) => a + r * r, 0) / logResiduals.length);
  const absErrors = loro.map((r) => Math.abs(r.errorPct));
  const lofoAbs = lofo.map((r) => Math.abs(r.errorPct));
  const curve = fitCurve(points);
  const effective = points.map((p) => effectiveLocalMs(p.localP50, p.fileMB, curve.k));
  const logEffective = effective.map((x) => Math.log(x));
  const mean = logEffective.reduce((a, b) => a + b, 0) / logEffective.length;
  return {
    packageType,
    architecture,
    fileMsPerMB: curve.k,
    p50: roundLine(curve.line),
    p90: roundLine(fitLogLine(points, 'p90', curve.k).line),
    looLogResidualSd: round(rms, 6),
    n: points.length,
    logEffectiveMean: round(mean, 6),
    logEffectiveSxx: round(logEffective.reduce((a, x) => a + (x - mean) * (x - mean), 0), 6),
    effectiveRange: { min: round(Math.min(...effective), 3), max: round(Math.max(...effective), 3) },
    localP50Range: { min: Math.min(...points.map((p) => p.localP50)), max: Math.max(...points.map((p) => p.localP50)) },
    intervalT: t975(loro.length - 1),
    leaveOneOut: loro,
    looMedianAbsErrorPct: round(median(absErrors), 1),
    looMaxAbsErrorPct: round(Math.max(...absErrors), 1),
    leaveOneFamilyOut: lofo,
    lofoMedianAbsErrorPct: round(median(lofoAbs), 1),
    lofoMaxAbsErrorPct: round(Math.max(...lofoAbs), 1),
  };
}

export const MODEL_FORM =
  'per package type and architecture: ln(AWS Init Duration) = intercept + slope × ln(local Init Duration, burst CPU + k × file MB brought in during init), k by grid search and the line by least squares over the calibration runtimes; the p90 line uses the p50\'s k';

/** Fits every (package type, architecture) cell of the table. Same rows → the same model, to the byte. */
export function fitModel(rows: readonly CalibrationRow[], table: FittedModel['table']): FittedModel {
  if (rows.length === 0) throw new ModelFitError('the calibration table has no rows');
  const cells: FittedCell[] = [];
  for (const packageType of PACKAGE_TYPES) {
    for (const architecture of ARCHITECTURES) {
      const points = rows
        .filter((r) => r.packageType === packageType && r.architecture === architecture)
        .map((r) => ({ runtime: r.runtime, family: r.family, localP50: r.localInitP50Ms, localP90: r.localInitP90Ms, fileMB: r.localInitFileMB, awsP50: r.awsInitP50Ms, awsP90: r.awsInitP90Ms }))
        .sort((a, b) => a.runtime.localeCompare(b.runtime));
      const runtimes = new Set(points.map((p) => p.runtime));
      if (runtimes.size !== points.length) throw new ModelFitError(`the table has a runtime twice in ${packageType} ${architecture}`);
      cells.push(fitCell(points, packageType, architecture));
    }
  }
  const seen = new Map<string, CalibrationPoint>();
  for (const r of rows) {
    if (!seen.has(r.runtime)) seen.set(r.runtime, { runtime: r.runtime, localInitP50Ms: r.localInitP50Ms, localInitP90Ms: r.localInitP90Ms, localInitFileMB: r.localInitFileMB });
  }
  return {
    schemaVersion: 2,
    form: MODEL_FORM,
    table,
    calibrationPoints: [...seen.values()].sort((a, b) => a.runtime.localeCompare(b.runtime)),
    cells,
  };
}

/** The stored form: two-space JSON with a final newline. */
export function renderFittedModel(model: FittedModel): string {
  return `${JSON.stringify(model, null, 2)}\n`;
}
