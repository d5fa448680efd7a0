/**
 * Which functions a deployment holds: every chosen target, on every chosen architecture it can be built
 * for here, at every chosen memory size that fits it. Each becomes one Lambda function with its own
 * result key; what cannot be deployed is listed with the reason (and the command that would build it).
 */
import { buildability, systemProbe, type MachineProbe } from './buildability';
import { TARGETS, type TargetArchitecture, type TargetDefinition, type TargetKey } from './registry';

export interface PlannedFunction {
  /** The result key: the target's key, suffixed with what differs from its own architecture and memory. */
  key: string;
  target: TargetDefinition;
  architecture: TargetArchitecture;
  memorySizeMB: number;
  /** The build command and artefact (absolute) of this architecture. */
  command: string;
  artefact: string;
}

export interface SkippedFunction {
  key: string;
  target: TargetKey;
  architecture: TargetArchitecture;
  memorySizeMB?: number;
  reason: string;
  /** What would build it, where building is what is missing. */
  command?: string;
}

export interface DeploymentPlan {
  functions: PlannedFunction[];
  skipped: SkippedFunction[];
}

export interface PlanOptions {
  /** Chosen target keys, in registry order or the user's; undefined: every target. */
  targets?: readonly TargetKey[];
  /** Undefined: each target at its own memory size. */
  memorySizes?: readonly number[];
  architectures: readonly TargetArchitecture[];
  projectRoot: string;
  probe?: MachineProbe;
}

/** A target named explicitly cannot be built here for x86_64: the user asked for something impossible. */
export class UnbuildableTargetError extends Error {
  constructor(
    readonly target: TargetKey,
    readonly reason: string,
    readonly command: string,
  ) {
    super(`${reason}; build it with \`${command}\``);
    this.name = 'UnbuildableTargetError';
  }
}

/**
 * x86_64 at the target's own memory keeps the bare key ('apr', 'pytorch'): the summary's reference
 * comparison and the deployment's outputs name those two.
 */
export function functionKey(target: TargetDefinition, architecture: TargetArchitecture, memorySizeMB: number): string {
  return [target.key, ...(architecture === 'x86_64' ? [] : [architecture]), ...(memorySizeMB === target.memorySizeMB ? [] : [String(memorySizeMB)])].join('-');
}

export function planDeployment(options: PlanOptions): DeploymentPlan {
  const probe = options.probe ?? systemProbe;
  const chosen = options.targets ? options.targets.map((key) => TARGETS.find((t) => t.key === key)!) : TARGETS;
  const functions: PlannedFunction[] = [];
  const skipped: SkippedFunction[] = [];
  for (const target of chosen) {
    const sizes = options.memorySizes ?? [target.memorySizeMB];
    for (const architecture of options.architectures) {
      const built = buildability(target, architecture, options.projectRoot, probe);
      if (!built.buildable) {
        // Only x86_64 is every target's home: asking for a target by name that cannot be built there is an error.
        if (options.targets && architecture === 'x86_64') throw new UnbuildableTargetError(target.key, built.reason, built.command);
        skipped.push({ key: functionKey(target, architecture, target.memorySizeMB), target: target.key, architecture, reason: built.reason, command: built.command });
        continue;
      }
      for (const memorySizeMB of sizes) {
        const key = functionKey(target, architecture, memorySizeMB);
        if (target.minimumMemoryMB !== undefined && memorySizeMB < target.minimumMemoryMB) {
          skipped.push({
            key,
            target: target.key,
            architecture,
            memorySizeMB,
            reason: `${key}: ${memorySizeMB} MB is below the ${target.minimumMemoryMB} MB ${target.key} needs (${target.minimumMemorySource})`,
          });
          continue;
        }
        functions.push({ key, target, architecture, memorySizeMB, command: built.command, artefact: built.artefact });
      }
    }
  }
  return { functions, skipped };
}
