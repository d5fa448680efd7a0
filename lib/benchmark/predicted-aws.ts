import { cellsWidenedByFloor, predictAwsInit, predictAwsMemory, type CalibrationMachine, type FittedModel, type HoldoutSummary } from '../prediction';
import type {
  Architecture,
  BenchmarkResults,
  EnvironmentManifest,
  PackageType,
  PredictedAwsBlock,
  PredictedInit,
  PredictedRatio,
  PredictionModelPoint,
  PredictionModelSource,
  TargetResults,
  TargetSpec,
} from './types';

/**
 * What AWS is predicted to show for a target measured locally: its local Init Duration (p50, p90,
 * measured with burst CPU), the file MB its INIT brought in (p50, of which its own package's) and its cold
 * Max Memory Used, through the model fitted on the calibration functions (lib/prediction), for x86_64
 * and arm64, each with an interval whose level and validation are stated: leave-one-version-out for a
 * calibration hello world, leave-one-family-out for everything else. Local runs only: a run on AWS
 * reports what AWS measured.
 */

/** A package type from the spec; older specs lack it, and the local image target's runtime says 'container-image'. */
export function packageTypeOf(spec: Pick<TargetSpec, 'packageType' | 'runtimeLabel'>): PackageType {
  return spec.packageType ?? (/image/i.test(spec.runtimeLabel) ? 'Image' : 'Zip');
}

/**
 * Runtime labels compared loosely: case, spaces and the 'provided.'/'prov.' spelling do not matter, and a
 * calibration label that names its language beside the OS-only runtime ('rust (prov.al2023)', lambda-perf's
 * form) matches that runtime ('provided.al2023': a target on the OS-only runtime).
 */
export function sameRuntime(a: string, b: string): boolean {
  const norm = (s: string) => s.toLowerCase().replace(/provided\./g, 'prov.').replace(/[\s()]+/g, '');
  const inParens = (s: string) => {
    const m = /\(([^)]*)\)/.exec(s);
    return m ? norm(m[1]) : null;
  };
  return norm(a) === norm(b) || inParens(a) === norm(b) || inParens(b) === norm(a);
}

function unavailable(t: TargetResults, packageType: PackageType, reason: string): PredictedAwsBlock {
  return {
    from: fromOf(t, packageType),
    runtimeCalibrated: false,
    nearestCalibrationRuntimes: [],
    extrapolated: null,
    x86_64: null,
    arm64: null,
    unavailable: reason,
  };
}

function fromOf(t: TargetResults, packageType: PackageType): PredictedAwsBlock['from'] {
  return {
    localInitP50Ms: t.cold.initMs?.p50 ?? 0,
    localInitP90Ms: t.cold.initMs?.p90 ?? 0,
    localInitFileMB: t.cold.initFileMB?.p50 ?? null,
    localPackageFileMB: t.cold.initPackageFileMB?.p50 ?? null,
    localMaxMemoryMB: t.cold.maxMemoryMB?.p50 ?? null,
    n: t.cold.n,
    packageType,
    runtime: t.runtime,
  };
}

/** What a prediction needs to know of a target beyond its results: its package type, and whether it is a calibration hello world. */
export type PredictionSpec = Pick<TargetSpec, 'packageType' | 'runtimeLabel'> & { calibrationRuntime?: string };

export function predictTargetAws(t: TargetResults, spec: PredictionSpec, model: FittedModel): PredictedAwsBlock {
  const packageType = packageTypeOf(spec);
  const init = t.cold.initMs;
  if (!init || init.n === 0) return unavailable(t, packageType, 'no cold start with an Init Duration was measured');
  const fileMB = t.cold.initFileMB;
  if (!fileMB || fileMB.n === 0) return unavailable(t, packageType, "the file bytes its cold starts' INIT brought in were not measured (the model's second input)");
  const packageMB = t.cold.initPackageFileMB?.p50;
  const memoryMB = t.cold.maxMemoryMB?.p50;
  const input = {
    localInitP50Ms: init.p50,
    localInitP90Ms: init.p90,
    localInitFileMB: fileMB.p50,
    ...(packageMB !== undefined ? { localPackageFileMB: Math.min(packageMB, fileMB.p50) } : {}),
    ...(memoryMB !== undefined && memoryMB > 0 ? { localMaxMemoryMB: memoryMB } : {}),
    packageType,
    packageBytes: t.packageBytes,
    runtimeLabel: t.runtime,
    ...(spec.calibrationRuntime ? { calibrationRuntime: spec.calibrationRuntime } : {}),
  };
  let predictions;
  let memory;
  try {
    predictions = predictAwsInit(input, model);
    memory = predictAwsMemory(input, model);
  } catch (error) {
    return unavailable(t, packageType, (error as Error).message);
  }
  const byArch = (arch: Architecture): PredictedInit | null => {
    const p = predictions.find((x) => x.architecture === arch);
    return p ? { effectiveLocalMs: p.effectiveLocalMs, p50Ms: p.p50Ms, p90Ms: p.p90Ms, interval: { ...p.interval }, validation: { ...p.validation } } : null;
  };
  // A line fitted on hello worlds says least about functions far outside them: say so.
  const outside = predictions.find((p) => p.extrapolated !== null);
  const kind = predictions[0].validation.kind;
  const calibrated = spec.calibrationRuntime ? model.calibrationPoints.find((p) => p.runtime === spec.calibrationRuntime) : undefined;
  return {
    from: fromOf(t, packageType),
    runtimeCalibrated: model.calibrationPoints.some((p) => sameRuntime(p.runtime, t.runtime)),
    validationKind: kind,
    validationWhy:
      kind === 'leave-one-version-out'
        ? `a hello world of ${spec.calibrationRuntime}, whose family the model was fitted on: judged by leaving one version out`
        : spec.calibrationRuntime
          ? `a hello world of ${spec.calibrationRuntime}, whose family the model has not seen: judged by leaving whole families out`
          : 'a function the model has not seen (its own package, its own code): judged by leaving whole families out',
    ...(calibrated ? { lambdaPerf: lambdaPerfFigure(model, calibrated.runtime, packageType) } : {}),
    maxMemory: { x86_64: memory.find((m) => m.architecture === 'x86_64') ?? null, arm64: memory.find((m) => m.architecture === 'arm64') ?? null },
    nearestCalibrationRuntimes: predictions[0]?.nearestCalibrationRuntimes ?? [],
    extrapolated: outside
      ? { architecture: outside.architecture, direction: outside.extrapolated!, effectiveLocalMs: outside.effectiveLocalMs, rangeMs: { ...outside.effectiveRange } }
      : null,
    x86_64: byArch('x86_64'),
    arm64: byArch('arm64'),
  };
}

/** lambda-perf's own AWS p50 for a calibration runtime, from the model's leave-one-out results (which carry the AWS figure of each point). */
function lambdaPerfFigure(model: FittedModel, runtime: string, packageType: PackageType): NonNullable<PredictedAwsBlock['lambdaPerf']> {
  const aws = (arch: Architecture) => model.cells.find((c) => c.packageType === packageType && c.architecture === arch)?.leaveOneOut.find((r) => r.runtime === runtime)?.awsP50Ms ?? null;
  const point = model.calibrationPoints.find((p) => p.runtime === runtime);
  return { runtime, x86_64InitP50Ms: aws('x86_64'), arm64InitP50Ms: aws('arm64'), source: point?.source ?? 'lambda-perf' };
}

/**
 * numerator / denominator of two predicted p50s. Its interval is the widest the two intervals allow,
 * [low_num / high_den, high_num / low_den]: the model's errors for two runtimes may be correlated or
 * not, and this bound holds either way (at least at the lower of the two levels).
 */
export function predictedRatio(num: PredictedAwsBlock | undefined, den: PredictedAwsBlock | undefined, architecture: Architecture): PredictedRatio | null {
  const a = num?.[architecture];
  const b = den?.[architecture];
  if (!a || !b || b.p50Ms <= 0 || b.interval.low <= 0) return null;
  return { architecture, value: a.p50Ms / b.p50Ms, interval: [a.interval.low / b.interval.high, a.interval.high / b.interval.low] };
}

/** The model's calibration points, with their sources and their zip x86_64 errors, for the report. */
export function modelPoints(model: FittedModel): PredictionModelPoint[] {
  const cell = model.cells.find((c) => c.packageType === 'Zip' && c.architecture === 'x86_64');
  return model.calibrationPoints.map((p) => ({
    runtime: p.runtime,
    family: p.family,
    source: p.source,
    localInitP50Ms: p.localInitP50Ms,
    localInitFileMB: p.localInitFileMB,
    localPackageFileMB: p.localPackageFileMB,
    awsInitP50Ms: cell?.leaveOneOut.find((r) => r.runtime === p.runtime)?.awsP50Ms ?? null,
    versionOutErrorPct: cell?.leaveOneOut.find((r) => r.runtime === p.runtime)?.errorPct ?? null,
    familyOutErrorPct: cell?.leaveOneFamilyOut.find((r) => r.runtime === p.runtime)?.errorPct ?? null,
  }));
}

/**
 * A load-average difference of a whole core's worth or more between the calibration and the run. One
 * core kept busy during a calibration on a 2-core machine raised Java's local init from 127 to 193 ms
 * and moved Rust's leave-one-out error from −3.5 % to +41.5 % (lib/calibration/README.md).
 */
export const LOAD_MISMATCH = 1;

/**
 * How this run's machine, load and limits differ from those the model was calibrated at, each said in a
 * sentence: the local figures, and so the predictions, hold only for the calibration's conditions.
 */
export function calibrationMismatches(calibratedOn: CalibrationMachine | undefined, environment: EnvironmentManifest): string[] {
  if (!calibratedOn) return [];
  const out: string[] = [];
  const cpu = typeof environment.cpu === 'string' ? environment.cpu : null;
  const cpus = typeof environment.logicalCpus === 'number' ? environment.logicalCpus : null;
  if (cpu !== null && cpu !== calibratedOn.cpuModel) {
    out.push(
      `the model was calibrated on another CPU (${calibratedOn.cpuModel}) than this run's (${cpu}): local init times differ between machines ` +
        '(Python\'s hello world: 31 ms on one development machine, 55 ms on another), so run `npm run calibrate` on this one',
    );
  } else if (cpus !== null && cpus !== calibratedOn.cpus) {
    out.push(`the model was calibrated with ${calibratedOn.cpus} CPUs and this run has ${cpus}: init with burst CPU uses what it is given, so run \`npm run calibrate\` here`);
  }
  const load = typeof environment.loadAverage1mBefore === 'number' ? environment.loadAverage1mBefore : null;
  if (load !== null && Math.abs(load - calibratedOn.loadAverage1mBefore) >= LOAD_MISMATCH) {
    out.push(
      `this run started at a 1-minute load average of ${load}, the calibration at ${calibratedOn.loadAverage1mBefore}: what else the machine does slows the local inits, ` +
        'multi-threaded ones (Java) most, so measure and calibrate at the same load',
    );
  }
  if (environment.limitsApplied !== calibratedOn.limitsApplied) {
    out.push(`limits were ${environment.limitsApplied ? '' : 'not '}applied in this run and ${calibratedOn.limitsApplied ? '' : 'not '}in the calibration`);
  }
  return out;
}

export function modelSummary(
  model: FittedModel,
  environment: EnvironmentManifest,
  source?: PredictionModelSource,
  holdoutCheck?: (HoldoutSummary & { of: 'in-run' | 'committed' }) | { unavailable: string } | null,
): Exclude<BenchmarkResults['predictionModel'], { unavailable: string } | undefined> {
  const zip = model.cells.find((c) => c.packageType === 'Zip' && c.architecture === 'x86_64');
  return {
    form: model.form,
    table: model.table.path,
    calibrationRuntimes: model.calibrationPoints.map((p) => p.runtime),
    ...(source ? { source: { ...source } } : {}),
    points: modelPoints(model),
    ...(zip ? { intervalLevel: zip.familyOutLevel, familyOutCoverage: { inside: zip.familyOutCoverage.inside, total: zip.familyOutCoverage.total, familiesInside: zip.familyOutCoverage.familiesInside, families: zip.familyOutCoverage.families, level: zip.familyOutCoverage.level } } : {}),
    ...(holdoutCheck ? { holdoutCheck } : {}),
    ...(model.intervalFloor ? { intervalFloor: { from: model.intervalFloor.from.path, widened: cellsWidenedByFloor(model) } } : {}),
    ...(model.calibratedOn ? { calibratedOn: { ...model.calibratedOn }, calibrationMismatches: calibrationMismatches(model.calibratedOn, environment) } : {}),
  };
}
