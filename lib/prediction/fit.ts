/**
 * Fits the AWS Init Duration model on the calibration table, and validates it by leaving calibration
 * runtimes out.
 *
 * The form, per package type and architecture (a "cell"):
 *
 *     AWS Init Duration = local Init Duration + P + k × file MB brought in during init
 *
 * Each term is one thing the issue and the public data name, so the model reads as an account of where
 * the time goes rather than a curve:
 * - **local Init Duration, with slope 1**: Lambda runs INIT with burst CPU, not the memory share
 *   (lambda-perf's Init Duration does not move with memory size for any runtime), so the CPU work a
 *   runtime does to start costs on AWS what it costs on a core of this machine. The slope is fixed,
 *   not fitted: fitted, it is set by Java alone (the one runtime with much local work) and pulls the
 *   platform part up (on the committed table a free slope left Rust out at +71 %).
 * - **P, the platform's own start-up**: what Lambda spends before and around the runtime that a local
 *   process does not (AWS: 15.9 ms for a static Rust hello world on provided.al2023, which reaches
 *   `GET /next` here in 2 ms).
 * - **k × file MB**: a fresh Lambda worker must fetch the pages of the files INIT touches, which this
 *   machine has cached (lib/local-lambda/init-footprint.ts, which cites what AWS documents of on-demand
 *   loading and what is our hypothesis). Locally Node.js 22 and Python start in about 50 ms alike, while
 *   AWS shows 141 ms against 85 ms; Node.js touches 40 MB of file pages to start, Python 9 MB.
 *
 * P and k are fitted by weighted least squares on the relative residuals, Σ ((AWS − predicted) / AWS)²:
 * the runtimes span two orders of magnitude and what goes wrong is proportional, so a 5 ms miss on
 * Rust's 16 ms weighs what a 60 ms miss on Java's 205 ms does. Both are kept ≥ 0 (a negative start-up
 * or a negative cost per MB means nothing); a closed form, so the same table always gives the same
 * model to the byte. The p90 takes the p50's k with the local p90 and a P of its own.
 *
 * The previous form (schema version 2), ln(AWS) = a + b × ln(local + k × file MB), has three free
 * parameters where this has two, and its slope below 1 had no meaning of its own. On the same table
 * (zip x86_64) it left Rust out at −28.0 % (its line extrapolated from inits 10× longer) and the Node.js
 * family out at +67.9 %; this form gives −21.3 % and −23.5 % (lib/calibration/README.md has both forms'
 * figures for every cell, and where this one does worse: Rust as an image).
 *
 * Validation:
 * - leave-one-runtime-out (LORO): each calibration runtime is predicted by the model fitted on the others;
 *   the error is (predicted − AWS) / AWS.
 * - leave-one-family-out (LOFO), stricter: every runtime of the same language family (e.g. all the
 *   Python versions) is left out together, as for a target whose runtime the model has never seen.
 * The 95 % prediction interval, in log scale, is ± t(0.975, n−1) × σ × sqrt(1 + h): the textbook
 * interval of a weighted least-squares fit, with σ the root mean square of the LORO log residuals
 * (out-of-sample, so honest for a runtime the fit has not seen) and h = x₀ᵀ (XᵀX)⁻¹ x₀ / predicted², x₀ =
 * (1, file MB), the leverage that widens it for a target whose file MB lies far from the calibration
 * runtimes'.
 */
import { type CalibrationRow } from '../calibration/table';
import type { CalibrationPoint, FittedCell, FittedModel, LeaveOneOutResult, ParameterCovariance } from './types';
import { ARCHITECTURES, PACKAGE_TYPES } from './types';

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

/** P and k of one quantile, with the unscaled covariance (XᵀX)⁻¹ of the relative-residual fit. */
export interface AdditiveFit {
  platformMs: number;
  fileMsPerMB: number;
  covariance: ParameterCovariance;
  /** Σ ((AWS − predicted) / AWS)². */
  sse: number;
}

/** The model's input for one point: local ms + k × file MB (the prediction adds P to it). */
export function effectiveLocalMs(localMs: number, fileMB: number, k: number): number {
  return localMs + k * fileMB;
}

/** What the model predicts for local ms and file MB: local + P + k × file MB. */
export function predictAdditive(fit: Pick<AdditiveFit, 'platformMs' | 'fileMsPerMB'>, localMs: number, fileMB: number): number {
  return fit.platformMs + effectiveLocalMs(localMs, fileMB, fit.fileMsPerMB);
}

/**
 * Weighted least squares of (AWS − local) = P + k × file MB, weights 1 / AWS², with P ≥ 0 and k ≥ 0;
 * with `fixedK`, only P is fitted. In relative units the design rows are x = (1, MB) / AWS and the targets
 * y = (AWS − local) / AWS, so the fit is ordinary least squares of y on x.
 */
export function fitAdditive(points: readonly { local: number; fileMB: number; aws: number }[], fixedK?: number): AdditiveFit {
  if (points.length === 0) throw new ModelFitError('a fit needs at least one calibration runtime');
  for (const p of points) {
    if (!(p.aws > 0) || !(p.local > 0) || !(p.fileMB >= 0)) throw new ModelFitError(`a calibration point needs positive local and AWS ms and file MB ≥ 0, got ${JSON.stringify(p)}`);
  }
  let s11 = 0; // Σ x1², x1 = 1 / AWS
  let s12 = 0; // Σ x1 x2, x2 = MB / AWS
  let s22 = 0;
  let s1y = 0;
  let s2y = 0;
  for (const p of points) {
    const x1 = 1 / p.aws;
    const x2 = p.fileMB / p.aws;
    const y = (p.aws - p.local) / p.aws;
    s11 += x1 * x1;
    s12 += x1 * x2;
    s22 += x2 * x2;
    s1y += x1 * y;
    s2y += x2 * y;
  }
  const sse = (platformMs: number, k: number) => points.reduce((a, p) => a + ((p.aws - p.local - platformMs - k * p.fileMB) / p.aws) ** 2, 0);
  // One-parameter fits, for a fixed k or on the boundary of the constraints.
  const platformOnly = (k: number): AdditiveFit => {
    const platformMs = Math.max(0, (s1y - k * s12) / s11);
    return { platformMs, fileMsPerMB: k, covariance: { platform: 1 / s11, platformFile: 0, file: 0 }, sse: sse(platformMs, k) };
  };
  if (fixedK !== undefined) return platformOnly(fixedK);
  const candidates: AdditiveFit[] = [platformOnly(0)];
  if (s22 > 0) {
    const k = Math.max(0, s2y / s22);
    candidates.push({ platformMs: 0, fileMsPerMB: k, covariance: { platform: 0, platformFile: 0, file: 1 / s22 }, sse: sse(0, k) });
  }
  const det = s11 * s22 - s12 * s12;
  // Columns near proportional (every point with the same file MB): k cannot be told from P.
  if (det > 1e-12 * s11 * s22) {
    const platformMs = (s22 * s1y - s12 * s2y) / det;
    const k = (s11 * s2y - s12 * s1y) / det;
    if (platformMs >= 0 && k >= 0) {
      candidates.push({ platformMs, fileMsPerMB: k, covariance: { platform: s22 / det, platformFile: -s12 / det, file: s11 / det }, sse: sse(platformMs, k) });
    }
  }
  // The unconstrained solution, where feasible, has the least error; otherwise the best boundary one.
  return candidates.reduce((best, c) => (c.sse < best.sse * (1 - 1e-12) ? c : best));
}

function p50Points(points: readonly CellPoint[]) {
  return points.map((p) => ({ local: p.localP50, fileMB: p.fileMB, aws: p.awsP50 }));
}

/** Each group (by the key) predicted from the model fitted on the other groups' points. */
export function leaveGroupOut(points: readonly CellPoint[], key: (p: CellPoint) => string): LeaveOneOutResult[] {
  const groups = [...new Set(points.map(key))];
  if (groups.length < 3) throw new ModelFitError(`leaving one out needs at least 3 groups to fit on the rest, got ${groups.length}`);
  const out: LeaveOneOutResult[] = [];
  for (const group of groups) {
    const fit = fitAdditive(p50Points(points.filter((p) => key(p) !== group)));
    for (const p of points.filter((q) => key(q) === group)) {
      const predicted = predictAdditive(fit, p.localP50, p.fileMB);
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

/** Rounds to a fixed number of significant decimals, so that the stored model does not depend on the last bits of floating point. */
function round(x: number, decimals: number): number {
  const f = 10 ** decimals;
  return Math.round(x * f) / f;
}

/** Rounds to 6 significant digits: the covariance's entries span many orders of magnitude. */
function roundSignificant(x: number): number {
  return x === 0 ? 0 : Number(x.toPrecision(6));
}

export function fitCell(points: readonly CellPoint[], packageType: FittedCell['packageType'], architecture: FittedCell['architecture']): FittedCell {
  const loro = leaveGroupOut(points, (p) => p.runtime);
  const lofo = leaveGroupOut(points, (p) => p.family);
  const logResiduals = loro.map((r) => Math.log(r.predictedP50Ms / r.awsP50Ms));
  const rms = Math.sqrt(logResiduals.reduce((a, r) => a + r * r, 0) / logResiduals.length);
  const absErrors = loro.map((r) => Math.abs(r.errorPct));
  const lofoAbs = lofo.map((r) => Math.abs(r.errorPct));
  const p50 = fitAdditive(p50Points(points));
  const k = round(p50.fileMsPerMB, 6);
  const p90 = fitAdditive(points.map((p) => ({ local: p.localP90, fileMB: p.fileMB, aws: p.awsP90 })), k);
  const effective = points.map((p) => effectiveLocalMs(p.localP50, p.fileMB, k));
  return {
    packageType,
    architecture,
    fileMsPerMB: k,
    platformMs: { p50: round(p50.platformMs, 6), p90: round(p90.platformMs, 6) },
    covariance: { platform: roundSignificant(p50.covariance.platform), platformFile: roundSignificant(p50.covariance.platformFile), file: roundSignificant(p50.covariance.file) },
    looLogResidualSd: round(rms, 6),
    n: points.length,
    effectiveRange: { min: round(Math.min(...effective), 3), max: round(Math.max(...effective), 3) },
    fileMBRange: { min: Math.min(...points.map((p) => p.fileMB)), max: Math.max(...points.map((p) => p.fileMB)) },
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
  'per package type and architecture: AWS Init Duration = local Init Duration (burst CPU) + P (the platform\'s own start-up) + k × file MB brought in during init, P and k ≥ 0 by least squares of the relative residuals over the calibration runtimes; the p90 takes the p50\'s k and a P of its own';

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
    schemaVersion: 3,
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
