import { predictAwsInit, type FittedModel } from '../prediction';
import type { Architecture, PackageType, PredictedAwsBlock, PredictedInit, PredictedRatio, TargetResults, TargetSpec } from './types';

/**
 * What AWS is predicted to show for a target measured locally: its local Init Duration (p50, p90,
 * measured with burst CPU) and the file MB its INIT brought in (p50), through the model fitted on the
 * calibration functions (lib/prediction),
 * for x86_64 and arm64, with the model's 95 % interval and its leave-one-runtime-out error. Local
 * runs only: a run on AWS reports what AWS measured.
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
    n: t.cold.n,
    packageType,
    runtime: t.runtime,
  };
}

export function predictTargetAws(t: TargetResults, spec: Pick<TargetSpec, 'packageType' | 'runtimeLabel'>, model: FittedModel): PredictedAwsBlock {
  const packageType = packageTypeOf(spec);
  const init = t.cold.initMs;
  if (!init || init.n === 0) return unavailable(t, packageType, 'no cold start with an Init Duration was measured');
  const fileMB = t.cold.initFileMB;
  if (!fileMB || fileMB.n === 0) return unavailable(t, packageType, "the file bytes its cold starts' INIT brought in were not measured (the model's second input)");
  let predictions;
  try {
    predictions = predictAwsInit(
      { localInitP50Ms: init.p50, localInitP90Ms: init.p90, localInitFileMB: fileMB.p50, packageType, packageBytes: t.packageBytes, runtimeLabel: t.runtime },
      model,
    );
  } catch (error) {
    return unavailable(t, packageType, (error as Error).message);
  }
  const byArch = (arch: Architecture): PredictedInit | null => {
    const p = predictions.find((x) => x.architecture === arch);
    return p ? { effectiveLocalMs: p.effectiveLocalMs, p50Ms: p.p50Ms, p90Ms: p.p90Ms, interval95: { ...p.interval95 }, validation: { ...p.validation } } : null;
  };
  // A line fitted on hello worlds says least about functions far outside them: say so.
  const outside = predictions.find((p) => p.extrapolated !== null);
  return {
    from: fromOf(t, packageType),
    runtimeCalibrated: model.calibrationPoints.some((p) => sameRuntime(p.runtime, t.runtime)),
    nearestCalibrationRuntimes: predictions[0]?.nearestCalibrationRuntimes ?? [],
    extrapolated: outside
      ? { architecture: outside.architecture, direction: outside.extrapolated!, effectiveLocalMs: outside.effectiveLocalMs, rangeMs: { ...outside.effectiveRange } }
      : null,
    x86_64: byArch('x86_64'),
    arm64: byArch('arm64'),
  };
}

/**
 * numerator / denominator of two predicted p50s. Its interval is the widest the two 95 % intervals
 * allow, [low_num / high_den, high_num / low_den]: the model's errors for two runtimes may be
 * correlated or not, and this bound holds either way.
 */
export function predictedRatio(num: PredictedAwsBlock | undefined, den: PredictedAwsBlock | undefined, architecture: Architecture): PredictedRatio | null {
  const a = num?.[architecture];
  const b = den?.[architecture];
  if (!a || !b || b.p50Ms <= 0 || b.interval95.low <= 0) return null;
  return { architecture, value: a.p50Ms / b.p50Ms, interval: [a.interval95.low / b.interval95.high, a.interval95.high / b.interval95.low] };
}

export function modelSummary(model: FittedModel): { form: string; table: string; calibrationRuntimes: string[] } {
  return { form: model.form, table: model.table.path, calibrationRuntimes: model.calibrationPoints.map((p) => p.runtime) };
}
