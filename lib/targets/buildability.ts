/**
 * Whether a target can be built on this machine for an architecture: its artefact is there, or the
 * tools its build command needs are. When not, the reason and the command that would build it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isBuilt, type TargetArchitecture, type TargetDefinition, type ToolNeed } from './registry';

export type Buildability =
  | { buildable: true; command: string; artefact: string; ready: boolean }
  | { buildable: false; reason: string; command: string };

/** How the machine is looked at; tests replace it. */
export interface MachineProbe {
  fileExists(file: string): boolean;
  commandOnPath(command: string): boolean;
}

export const systemProbe: MachineProbe = {
  fileExists: (file) => fs.existsSync(file),
  commandOnPath(command) {
    for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
      if (!dir) continue;
      try {
        fs.accessSync(path.join(dir, command), fs.constants.X_OK);
        return true;
      } catch {
        // not in this directory
      }
    }
    return false;
  },
};

export function buildability(target: TargetDefinition, architecture: TargetArchitecture, projectRoot: string, probe: MachineProbe = systemProbe): Buildability {
  const entry = target.builds[architecture];
  if (!isBuilt(entry)) return { buildable: false, reason: `${target.key} (${architecture}): ${entry.notBuilt}`, command: entry.command };
  const artefact = path.resolve(projectRoot, entry.artefact);
  if (probe.fileExists(artefact)) return { buildable: true, command: entry.command, artefact, ready: true };
  const missing = entry.needs.find((need) => !toolPresent(need, projectRoot, probe));
  if (missing) {
    return {
      buildable: false,
      reason: `${target.key} (${architecture}): ${entry.artefact} is not built and its build needs ${describeNeed(missing)}, which this machine lacks`,
      command: entry.command,
    };
  }
  return { buildable: true, command: entry.command, artefact, ready: false };
}

function toolPresent(need: ToolNeed, projectRoot: string, probe: MachineProbe): boolean {
  return 'command' in need ? probe.commandOnPath(need.command) : probe.fileExists(path.resolve(projectRoot, need.file));
}

function describeNeed(need: ToolNeed): string {
  return 'command' in need ? `\`${need.command}\` on PATH` : need.file;
}
