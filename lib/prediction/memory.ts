/**
 * AWS Max Memory Used from the local one. On AWS, Max Memory Used counts the execution environment's own
 * processes beside the function's (lambda-perf's hello worlds at 128 MB zip x86_64: Rust 15.2 MB, Python
 * 3.11 34.0, Node.js 22 74.1, Java 17 85.3, where the same hello worlds use 3, 14, 48 and 48 MB here), so
 * the local figure is not what a user will read in CloudWatch.
 *
 * Form, per cell: AWS = intercept + slope × local (MB), ordinary least squares over the calibration
 * functions: the intercept is what the environment adds whatever the function does, the slope what a
 * local MB becomes there. A straight line, not logarithms: memory adds up (a runtime's resident pages
 * plus the platform's), and the large targets (PyTorch: 231 MB here) lie far above every calibration
 * function, where a power law would bend a sum into a product.
 *
 * Validation and intervals as for Init Duration (fit.ts, conformal.ts): leave one version out, leave one
 * family out, conformal quantiles of the |log errors|, and the family-out coverage checked with each family
 * left out of the quantile too.
 */
import { absLogErrors, cellLevel, checkFamilyOutCoverage, conformalQuantile, familyOutQuantile } from './conformal';
import { leastSquares, median, round } from './numbers';
import type { CalibrationRow, FittedMemoryCell, LeaveOneOutResult, LineParameters } from './types';
import { ARCHITECTURES, PACKAGE_TYPES } from './types';

interface MemoryPoint {
  runtime: string;
  family: string;
  local: number;
  aws: number;
}

function ols(points: readonly MemoryPoint[]): LineParameters {
  return leastSquares(points.map((p) => p.local), points.map((p) => p.aws));
}

export function applyMemoryLine(line: LineParameters, localMB: number): number {
  // A line fitted on a few points can cross zero below them; nothing uses less than its local figure.
  return Math.max(localMB, line.intercept + line.slope * localMB);
}

function leaveOut(points: readonly MemoryPoint[], key: (p: MemoryPoint) => string): LeaveOneOutResult[] {
  const out: LeaveOneOutResult[] = [];
  for (const group of [...new Set(points.map(key))]) {
    const line = ols(points.filter((p) => key(p) !== group));
    for (const p of points.filter((q) => key(q) === group)) {
      const predicted = applyMemoryLine(line, p.local);
      out.push({ runtime: p.runtime, family: p.family, awsP50Ms: p.aws, predictedP50Ms: round(predicted, 2), errorPct: round((predicted / p.aws - 1) * 100, 1) });
    }
  }
  return out.sort((a, b) => a.runtime.localeCompare(b.runtime));
}

export function fitMemoryCell(points: readonly MemoryPoint[], packageType: FittedMemoryCell['packageType'], architecture: FittedMemoryCell['architecture']): FittedMemoryCell | null {
  const families = [...new Set(points.map((p) => p.family))].sort();
  if (families.length < 3) return null;
  const versionLevel = cellLevel(points.length);
  const familyLevel = cellLevel(families.length);
  const loro = leaveOut(points, (p) => p.runtime);
  const lofo = leaveOut(points, (p) => p.family);
  const { verdicts: _verdicts, ...coverage } = checkFamilyOutCoverage(points, (p) => p.aws, (rest, level) => {
    const line = ols(rest);
    return { predict: (p) => applyMemoryLine(line, p.local), halfWidth: familyOutQuantile(leaveOut(rest, (p) => p.family), level) };
  });
  const rounded = (v: number | null) => (v === null ? null : round(v, 6));
  const line = ols(points);
  const lofoAbs = lofo.map((r) => Math.abs(r.errorPct));
  return {
    packageType,
    architecture,
    line: { intercept: round(line.intercept, 6), slope: round(line.slope, 6) },
    n: points.length,
    localRange: { min: Math.min(...points.map((p) => p.local)), max: Math.max(...points.map((p) => p.local)) },
    versionOutLevel: versionLevel,
    versionOutLogQuantile: rounded(conformalQuantile(absLogErrors(loro), versionLevel)),
    familyOutLevel: familyLevel,
    familyOutLogQuantile: rounded(familyOutQuantile(lofo, familyLevel)),
    leaveOneOut: loro,
    leaveOneFamilyOut: lofo,
    looMaxAbsErrorPct: round(Math.max(...loro.map((r) => Math.abs(r.errorPct))), 1),
    lofoMedianAbsErrorPct: round(median(lofoAbs), 1),
    lofoMaxAbsErrorPct: round(Math.max(...lofoAbs), 1),
    familyOutCoverage: coverage,
  };
}

/** Every cell with AWS Max Memory Used figures for at least three families. */
export function fitMemoryModel(rows: readonly CalibrationRow[]): FittedMemoryCell[] {
  const cells: FittedMemoryCell[] = [];
  for (const packageType of PACKAGE_TYPES) {
    for (const architecture of ARCHITECTURES) {
      const points = rows
        .filter((r) => r.packageType === packageType && r.architecture === architecture && r.awsMaxMemoryMB !== null && r.localMaxMemoryMB > 0)
        .map((r) => ({ runtime: r.runtime, family: r.family, local: r.localMaxMemoryMB, aws: r.awsMaxMemoryMB! }))
        .sort((a, b) => a.runtime.localeCompare(b.runtime));
      const cell = fitMemoryCell(points, packageType, architecture);
      if (cell) cells.push(cell);
    }
  }
  return cells;
}
