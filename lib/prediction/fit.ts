/**
 * Fits the AWS Init Duration model on the calibration table, validates it by leaving calibration
 * runtimes (and whole families) out, and sizes its intervals from those out-of-sample errors.
 *
 * The form, per package type and architecture (a "cell"):
 *
 *     effective local ms = local Init Duration + kRuntime × runtime file MB + kPackage × package file MB
 *     ln(AWS Init Duration) = intercept + slope × ln(effective local ms)
 *
 * The file MB are what INIT brought in from files (lib/local-lambda/init-footprint.ts); the package file
 * MB are those of mappings under the function's own package (what Lambda puts in /var/task), the runtime
 * file MB the rest (interpreter, node, the JVM, bash and curl, shared libraries, and every byte read).
 * Three forms are fitted: 'one-k' (kRuntime = kPackage, every page alike), 'split-k' (the hypothesis that a
 * managed runtime's files are shared by the functions on a Lambda worker while the pages of a function's
 * package are fetched for it alone) and 'zip-k' (one k for the pages, plus kZip × the MB of the zip Lambda
 * receives: AWS downloads a function's code from an internal S3 bucket while it prepares a new environment
 * (Lambda Operator Guide, "Lambda execution environments"), whatever INIT then touches; whether that time
 * shows in Init Duration AWS does not say, and the weight is lambda-perf's figures speaking (Bun: 345 ms as a
 * 34 MB zip, 158 ms as an image). An image is loaded lazily instead, so the zip term is read in the zip
 * cells only). The cell keeps the form
 * whose leave-one-family-out errors are smaller (their root mean square in log scale), and records every
 * form (formsTried): a form is kept only where leaving families out supports it.
 *
 * Why two kinds of input: local init time alone cannot tell a Node.js hello world from a Python one (both
 * about 35 ms here), while AWS shows 141 ms against 85 ms (lambda-perf, zip x86_64): Node.js touches 40 MB
 * of file pages to start, Python 9 MB. Why logarithms: the runtimes span two orders of magnitude and what
 * goes wrong is proportional (a faster or slower CPU); slope < 1 says the platform adds a part that does
 * not grow with local work. The p90 line uses the p50's k with the local p90.
 *
 * k is found by a grid (0 to K_MAX ms/MB, ties to the smaller k), the line by least squares for each k:
 * bounded, cheap, and the same table always gives the same model to the byte. 'split-k' searches a coarse
 * grid (1 ms/MB) and then a fine one (K_STEP) around its best point.
 *
 * Validation and intervals (conformal.ts):
 * - leave-one-version-out (LORO): each calibration runtime predicted by the model (form, k and line)
 *   fitted on the others; its |log errors| give the interval of a calibration hello world measured again;
 * - leave-one-family-out (LOFO): every runtime of a family left out together; its |log errors| give the
 *   interval of everything else (a ladder rung, a target file, an OS-only runtime other than Rust's hello
 *   world): the model has not seen those.
 * - familyOutCoverage checks the family-out interval the honest way: each family is left out of the fit
 *   AND of the errors that size its interval (the other families' own family-out errors), and the count of
 *   AWS figures inside is reported.
 */
import { absLogErrors, cellLevel, checkFamilyOutCoverage, conformalQuantile, familyErrors, familyOutQuantile } from './conformal';
import { leastSquares, median, ModelFitError, round } from './numbers';
import { fitMemoryModel } from './memory';
import type { CalibrationPoint, CalibrationRow, FittedCell, FittedModel, FormTried, InitForm, LeaveOneOutResult, LineParameters } from './types';
export { absLogErrors, familyErrors, familyOutQuantile };
import { ARCHITECTURES, PACKAGE_TYPES } from './types';

/** The grid k is searched on, ms per MB. */
export const K_MAX = 50;
export const K_STEP = 0.05;
/** The coarse step of the two-dimensional search ('split-k'). */
export const K_COARSE_STEP = 1;

export { leastSquares, ModelFitError, round };

/** A point of one cell: local and AWS figures of one calibration runtime. */
export interface CellPoint {
  runtime: string;
  family: string;
  localP50: number;
  localP90: number;
  /** File MB the calibration function's INIT brought in locally (p50), all of it. */
  fileMB: number;
  /** Of it, the MB under the function's own package. */
  packageMB: number;
  /** The deployment package Lambda receives, MB (a zip's bytes; 0 in the Image cells, where the form does not read it). */
  zipMB: number;
  awsP50: number;
  awsP90: number;
}

/** A fitted curve: how the file MB weigh, and the line through the logarithms. */
export interface Curve {
  form: InitForm;
  kRuntime: number;
  kPackage: number;
  kZip: number;
  line: LineParameters;
}

/** The model's input for one point: local ms + kRuntime × runtime MB + kPackage × package MB + kZip × zip MB. */
export function effectiveLocalMs(localMs: number, fileMB: number, packageMB: number, kRuntime: number, kPackage: number, zipMB = 0, kZip = 0): number {
  const own = Math.min(Math.max(packageMB, 0), fileMB);
  return localMs + kRuntime * (fileMB - own) + kPackage * own + kZip * Math.max(zipMB, 0);
}

/** Least squares of ln(AWS) on ln(effective local ms) for given k; also the sum of squared residuals. */
export function fitLogLine(points: readonly CellPoint[], quantile: 'p50' | 'p90', kRuntime: number, kPackage: number, kZip = 0): { line: LineParameters; sse: number } {
  const xs = points.map((p) => Math.log(effectiveLocalMs(quantile === 'p50' ? p.localP50 : p.localP90, p.fileMB, p.packageMB, kRuntime, kPackage, p.zipMB, kZip)));
  const ys = points.map((p) => Math.log(quantile === 'p50' ? p.awsP50 : p.awsP90));
  const line = leastSquares(xs, ys);
  let sse = 0;
  for (let i = 0; i < xs.length; i++) sse += (line.intercept + line.slope * xs[i] - ys[i]) ** 2;
  return { line, sse };
}

/**
 * The least squared log error over a grid: kRuntimes × (kSeconds, the second weight searched: kPackage in
 * 'split-k', kZip in 'zip-k'; null in 'one-k', where kPackage = kRuntime and kZip = 0).
 */
function gridSearch(points: readonly CellPoint[], form: InitForm, kRuntimes: readonly number[], kSeconds: readonly number[] | null) {
  let best: { kRuntime: number; kPackage: number; kZip: number; line: LineParameters; sse: number } | undefined;
  for (const kRuntime of kRuntimes) {
    for (const second of kSeconds ?? [kRuntime]) {
      const kPackage = form === 'split-k' ? second : kRuntime;
      const kZip = form === 'zip-k' ? second : 0;
      const { line, sse } = fitLogLine(points, 'p50', kRuntime, kPackage, kZip);
      // A relative margin keeps the choice from turning on the last bits of floating point.
      if (!best || sse < best.sse * (1 - 1e-12)) best = { kRuntime, kPackage, kZip, line, sse };
    }
  }
  return best!;
}

function steps(from: number, to: number, step: number): number[] {
  const out: number[] = [];
  const n = Math.round((to - from) / step);
  for (let i = 0; i <= n; i++) out.push(round(from + i * step, 6));
  return out;
}

/** The curve of least squared log error of the p50 on the grid, in the given form. */
export function fitCurve(points: readonly CellPoint[], form: InitForm): Curve {
  if (form === 'one-k') {
    const b = gridSearch(points, form, steps(0, K_MAX, K_STEP), null);
    return { form, kRuntime: b.kRuntime, kPackage: b.kRuntime, kZip: 0, line: b.line };
  }
  const second = (b: { kPackage: number; kZip: number }) => (form === 'split-k' ? b.kPackage : b.kZip);
  const coarse = gridSearch(points, form, steps(0, K_MAX, K_COARSE_STEP), steps(0, K_MAX, K_COARSE_STEP));
  const around = (k: number) => steps(Math.max(0, k - K_COARSE_STEP), Math.min(K_MAX, k + K_COARSE_STEP), K_STEP);
  const fine = gridSearch(points, form, around(coarse.kRuntime), around(second(coarse)));
  return { form, kRuntime: fine.kRuntime, kPackage: fine.kPackage, kZip: fine.kZip, line: fine.line };
}

export function predictP50(curve: Curve, p: Pick<CellPoint, 'localP50' | 'fileMB' | 'packageMB' | 'zipMB'>): number {
  return Math.exp(curve.line.intercept + curve.line.slope * Math.log(effectiveLocalMs(p.localP50, p.fileMB, p.packageMB, curve.kRuntime, curve.kPackage, p.zipMB, curve.kZip)));
}

function result(p: CellPoint, predicted: number): LeaveOneOutResult {
  return { runtime: p.runtime, family: p.family, awsP50Ms: p.awsP50, predictedP50Ms: round(predicted, 2), errorPct: round(((predicted - p.awsP50) / p.awsP50) * 100, 1) };
}

/** Each group (by the key) predicted from the curve of the given form fitted on the other groups' points. */
export function leaveGroupOut(points: readonly CellPoint[], key: (p: CellPoint) => string, form: InitForm = 'one-k'): LeaveOneOutResult[] {
  const groups = [...new Set(points.map(key))];
  if (groups.length < 3) throw new ModelFitError(`leaving one out needs at least 3 groups to fit a line on the rest, got ${groups.length}`);
  const out: LeaveOneOutResult[] = [];
  for (const group of groups) {
    const curve = fitCurve(points.filter((p) => key(p) !== group), form);
    for (const p of points.filter((q) => key(q) === group)) out.push(result(p, predictP50(curve, p)));
  }
  return out.sort((a, b) => a.runtime.localeCompare(b.runtime));
}

const byFamily = (p: CellPoint) => p.family;
const byRuntime = (p: CellPoint) => p.runtime;

/**
 * The family-out interval checked without looking at the family it is checked on (conformal.ts,
 * checkFamilyOutCoverage): each fold fits the curve of this form without the family, and sizes its
 * interval from the other families' own family-out errors.
 */
export function familyOutCoverage(points: readonly CellPoint[], form: InitForm): FittedCell['familyOutCoverage'] {
  const { verdicts, ...coverage } = checkFamilyOutCoverage(points, (p) => p.awsP50, (rest, level) => {
    const curve = fitCurve(rest, form);
    return { predict: (p) => predictP50(curve, p), halfWidth: familyOutQuantile(leaveGroupOut(rest, byFamily, form), level) };
  });
  const byRuntime = verdicts
    .map((v) => ({
      runtime: v.point.runtime,
      inside: v.inside,
      errorPct: round((v.predicted / v.point.awsP50 - 1) * 100, 1),
      halfWidthPct: v.halfWidth === null ? null : round((Math.exp(v.halfWidth) - 1) * 100, 1),
    }))
    .sort((a, b) => a.runtime.localeCompare(b.runtime));
  return { ...coverage, byRuntime };
}

function roundLine(l: LineParameters): LineParameters {
  return { intercept: round(l.intercept, 6), slope: round(l.slope, 6) };
}

function rms(values: readonly number[]): number {
  return Math.sqrt(values.reduce((a, v) => a + v * v, 0) / values.length);
}

function tryForm(points: readonly CellPoint[], form: InitForm): { tried: FormTried; loro: LeaveOneOutResult[]; lofo: LeaveOneOutResult[]; curve: Curve } {
  const curve = fitCurve(points, form);
  const loro = leaveGroupOut(points, byRuntime, form);
  const lofo = leaveGroupOut(points, byFamily, form);
  const lofoAbs = lofo.map((r) => Math.abs(r.errorPct));
  return {
    curve,
    loro,
    lofo,
    tried: {
      form,
      kRuntime: curve.kRuntime,
      kPackage: curve.kPackage,
      kZip: curve.kZip,
      looMaxAbsErrorPct: round(Math.max(...loro.map((r) => Math.abs(r.errorPct))), 1),
      lofoMedianAbsErrorPct: round(median(lofoAbs), 1),
      lofoMaxAbsErrorPct: round(Math.max(...lofoAbs), 1),
      lofoLogRms: round(rms(absLogErrors(lofo)), 6),
    },
  };
}

/**
 * The forms fitted on a cell: 'one-k' always; 'split-k' where some calibration function has package pages of
 * its own; 'zip-k' where some has a zip of its own that is not tiny (a zip cell: an image is not a zip).
 */
export function formsFor(points: readonly CellPoint[]): InitForm[] {
  return [
    'one-k' as const,
    ...(points.some((p) => p.packageMB > 0) ? ['split-k' as const] : []),
    ...(points.some((p) => p.zipMB >= 1) ? ['zip-k' as const] : []),
  ];
}

export function fitCell(points: readonly CellPoint[], packageType: FittedCell['packageType'], architecture: FittedCell['architecture']): FittedCell {
  const families = [...new Set(points.map(byFamily))].sort();
  if (families.length < 3) throw new ModelFitError(`${packageType} ${architecture}: the model needs calibration runtimes of at least 3 families, got ${families.join(', ') || 'none'}`);
  const candidates = formsFor(points).map((form) => tryForm(points, form));
  // The form with the smaller family-out error; a tie keeps the simpler one (listed first).
  const chosen = candidates.reduce((best, c) => (c.tried.lofoLogRms < best.tried.lofoLogRms * (1 - 1e-9) ? c : best));
  const { curve, loro, lofo } = chosen;
  const versionLevel = cellLevel(points.length);
  const familyLevel = cellLevel(families.length);
  const effective = points.map((p) => effectiveLocalMs(p.localP50, p.fileMB, p.packageMB, curve.kRuntime, curve.kPackage, p.zipMB, curve.kZip));
  const absErrors = loro.map((r) => Math.abs(r.errorPct));
  const lofoAbs = lofo.map((r) => Math.abs(r.errorPct));
  const rounded = (v: number | null) => (v === null ? null : round(v, 6));
  return {
    packageType,
    architecture,
    form: curve.form,
    kRuntime: curve.kRuntime,
    kPackage: curve.kPackage,
    kZip: curve.kZip,
    p50: roundLine(curve.line),
    p90: roundLine(fitLogLine(points, 'p90', curve.kRuntime, curve.kPackage, curve.kZip).line),
    formsTried: candidates.map((c) => c.tried),
    n: points.length,
    families,
    effectiveRange: { min: round(Math.min(...effective), 3), max: round(Math.max(...effective), 3) },
    localP50Range: { min: Math.min(...points.map((p) => p.localP50)), max: Math.max(...points.map((p) => p.localP50)) },
    versionOutLevel: versionLevel,
    versionOutLogQuantile: rounded(conformalQuantile(absLogErrors(loro), versionLevel)),
    familyOutLevel: familyLevel,
    familyOutLogQuantile: rounded(familyOutQuantile(lofo, familyLevel)),
    leaveOneOut: loro,
    looMedianAbsErrorPct: round(median(absErrors), 1),
    looMaxAbsErrorPct: round(Math.max(...absErrors), 1),
    leaveOneFamilyOut: lofo,
    lofoMedianAbsErrorPct: round(median(lofoAbs), 1),
    lofoMaxAbsErrorPct: round(Math.max(...lofoAbs), 1),
    familyOutCoverage: familyOutCoverage(points, curve.form),
  };
}

export const MODEL_FORM =
  'per package type and architecture: ln(AWS Init Duration) = intercept + slope × ln(local Init Duration, burst CPU + kRuntime × runtime file MB + kPackage × package file MB + kZip × zip MB), ' +
  'the weights by grid search ("one-k": one k for every file page; "split-k": the function\'s own package apart; "zip-k": one k for every file page and kZip for the zip Lambda receives, in the zip cells only; ' +
  'the form with the smaller leave-one-family-out error is kept) and the line by least squares; ' +
  'the p90 line uses the p50\'s k; intervals are split-conformal quantiles of leave-one-version-out errors (calibration hello worlds) or of leave-one-family-out errors, one per family (everything else); ' +
  'AWS Max Memory Used = intercept + slope × local Max Memory Used, validated the same way';

/** The points of one cell, in a fixed order. */
export function cellPoints(rows: readonly CalibrationRow[], packageType: FittedCell['packageType'], architecture: FittedCell['architecture']): CellPoint[] {
  const points = rows
    .filter((r) => r.packageType === packageType && r.architecture === architecture)
    .map((r) => ({
      runtime: r.runtime,
      family: r.family,
      localP50: r.localInitP50Ms,
      localP90: r.localInitP90Ms,
      fileMB: r.localInitFileMB,
      packageMB: r.localPackageFileMB,
      // An image's layers are loaded lazily, block by block (Brooker et al.): its size is not what a zip's is.
      zipMB: packageType === 'Zip' ? r.packageZipMB : 0,
      awsP50: r.awsInitP50Ms,
      awsP90: r.awsInitP90Ms,
    }))
    .sort((a, b) => a.runtime.localeCompare(b.runtime));
  if (new Set(points.map((p) => p.runtime)).size !== points.length) throw new ModelFitError(`the table has a runtime twice in ${packageType} ${architecture}`);
  return points;
}

/** Fits every (package type, architecture) cell the table has. Same rows → the same model, to the byte. */
export function fitModel(rows: readonly CalibrationRow[], table: FittedModel['table']): FittedModel {
  if (rows.length === 0) throw new ModelFitError('the calibration table has no rows');
  const cells: FittedCell[] = [];
  for (const packageType of PACKAGE_TYPES) {
    for (const architecture of ARCHITECTURES) {
      const points = cellPoints(rows, packageType, architecture);
      if (points.length > 0) cells.push(fitCell(points, packageType, architecture));
    }
  }
  const seen = new Map<string, CalibrationPoint>();
  for (const r of rows) {
    if (!seen.has(r.runtime)) {
      seen.set(r.runtime, {
        runtime: r.runtime,
        family: r.family,
        source: r.source,
        localInitP50Ms: r.localInitP50Ms,
        localInitP90Ms: r.localInitP90Ms,
        localInitFileMB: r.localInitFileMB,
        localPackageFileMB: r.localPackageFileMB,
        localMaxMemoryMB: r.localMaxMemoryMB,
        packageZipMB: r.packageZipMB,
      });
    }
  }
  return {
    schemaVersion: 3,
    form: MODEL_FORM,
    table,
    sources: [...new Set(rows.map((r) => r.source))].sort(),
    calibrationPoints: [...seen.values()].sort((a, b) => a.runtime.localeCompare(b.runtime)),
    cells,
    memoryCells: fitMemoryModel(rows),
  };
}

/** The stored form: two-space JSON with a final newline. */
export function renderFittedModel(model: FittedModel): string {
  return `${JSON.stringify(model, null, 2)}\n`;
}
