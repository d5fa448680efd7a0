/**
 * The configurations a run measures: every chosen registry target at every memory size asked for that
 * fits it. Each (target, memory) is its own function on the local service and its own entry in
 * results.json, keyed by the target at its own registry size and `<target>-<memory>mb` at any other
 * (keys are lower-case letters, digits and "-", lib/handlers/run-layout.ts), so the two ends keep the
 * keys the summary's ratios compare.
 */
import { targetDefinition, type TargetKey } from '../targets/registry';

export interface Configuration {
  /** The key in results.json and the local function's name. */
  key: string;
  target: TargetKey;
  memorySizeMB: number;
}

export interface SkippedMemorySize {
  target: TargetKey;
  memorySizeMB: number;
  reason: string;
}

export function configurationKey(target: TargetKey, memorySizeMB: number): string {
  return memorySizeMB === targetDefinition(target).memorySizeMB ? target : `${target}-${memorySizeMB}mb`;
}

/** Targets in the order given, each at its sizes in ascending order; a size below a target's measured peak memory is skipped with a note. */
export function planConfigurations(targets: readonly TargetKey[], memorySizes?: readonly number[]): { configurations: Configuration[]; skipped: SkippedMemorySize[] } {
  const configurations: Configuration[] = [];
  const skipped: SkippedMemorySize[] = [];
  for (const target of targets) {
    const definition = targetDefinition(target);
    const sizes = memorySizes ? [...new Set(memorySizes)].sort((a, b) => a - b) : [definition.memorySizeMB];
    for (const memorySizeMB of sizes) {
      const minimum = definition.minimumMemoryMB;
      if (minimum !== undefined && memorySizeMB < minimum) {
        skipped.push({
          target,
          memorySizeMB,
          reason: `below its measured peak memory of ${minimum} MB (${definition.minimumMemorySource ?? 'lib/targets/registry.ts'})`,
        });
        continue;
      }
      configurations.push({ key: configurationKey(target, memorySizeMB), target, memorySizeMB });
    }
  }
  return { configurations, skipped };
}
