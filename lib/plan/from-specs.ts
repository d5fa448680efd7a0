/** The plan of a run from the target specs Prepare settles (AWS) or the local run builds. */
import type { BenchmarkConfig, TargetSpec } from '../benchmark/types';
import { targetKeyOf, type PlanFunction, type ProfileName } from './figures';
import { planRun, type RunPlan } from './run-plan';

export function planFunctionOfSpec(spec: TargetSpec): PlanFunction {
  const targetKey = targetKeyOf(spec.ladderTarget ?? spec.key);
  return {
    key: spec.key,
    ...(targetKey ? { targetKey } : {}),
    packageType: spec.packageType ?? (spec.runtimeLabel === 'container-image' ? 'Image' : 'Zip'),
    architecture: spec.architecture,
    memorySizeMB: spec.memorySizeMB,
    coldStartConcurrency: spec.coldStartConcurrency ?? 1,
  };
}

export function planRunOfSpecs(
  profile: ProfileName,
  config: Pick<BenchmarkConfig, 'coldStarts' | 'warmInvocations'>,
  specs: readonly TargetSpec[],
  calibration?: { functions: number; holdouts?: number; coldStarts: number },
): RunPlan {
  return planRun({ profile, functions: specs.map(planFunctionOfSpec), coldStarts: config.coldStarts, warmInvocations: config.warmInvocations, ...(calibration ? { calibration } : {}) });
}
