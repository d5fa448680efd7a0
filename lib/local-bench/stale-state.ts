/**
 * What a killed run (SIGKILL, power loss) left behind, removed at the start of the next run before
 * anything else: staging directories `.NAME.partial-<pid>` whose run is gone, and, through the local
 * Lambda service's own sweep, its cgroups and runtime processes.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { STAGING_NAME } from './output-location';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes `.NAME.partial-<pid>` directories in `dir` whose pid is not a live process; returns their paths. */
export async function sweepStagingDirectories(dir: string, isAlive: (pid: number) => boolean = alive): Promise<string[]> {
  let entries;
  try {
    entries = await fs.readdir(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const entry of entries) {
    const match = STAGING_NAME.exec(entry.name);
    if (!match || !entry.isDirectory()) continue;
    const pid = Number(match[1]);
    if (pid === process.pid || isAlive(pid)) continue;
    const p = path.join(dir, entry.name);
    await fs.rm(p, { recursive: true, force: true });
    removed.push(p);
  }
  return removed;
}

export interface SweptState {
  stagingDirs: string[];
  /** What the service's sweep reports (cgroups, runtimes), one phrase each. */
  service: string[];
}

/** The service's sweep, when it exports one: loaded lazily so that validation stays cheap. */
async function sweepServiceState(): Promise<string[]> {
  const service = (await import('../local-lambda')) as unknown as { sweepStaleLocalLambdaState?: () => unknown };
  if (typeof service.sweepStaleLocalLambdaState !== 'function') return [];
  const result = await service.sweepStaleLocalLambdaState();
  return describeSweep(result);
}

/** Turns whatever the service's sweep returns (a count, a list, an object of lists or counts) into phrases. */
export function describeSweep(result: unknown): string[] {
  if (result === undefined || result === null) return [];
  const known = result as { removed?: unknown; killed?: unknown; failed?: unknown };
  if (Array.isArray(known.removed) && Array.isArray(known.killed)) {
    const failed = Array.isArray(known.failed) ? (known.failed as { dir: string; reason: string }[]) : [];
    return [
      ...(known.killed.length ? [`${known.killed.length} runtime process${known.killed.length === 1 ? '' : 'es'}`] : []),
      ...(known.removed.length ? [`${known.removed.length} cgroup${known.removed.length === 1 ? '' : 's'}`] : []),
      ...failed.map((f) => `(could not remove ${f.dir}: ${f.reason})`),
    ];
  }
  if (typeof result === 'number') return result > 0 ? [`${result} stale item(s)`] : [];
  if (Array.isArray(result)) return result.length > 0 ? [`${result.length} stale item(s)`] : [];
  if (typeof result === 'object') {
    return Object.entries(result as Record<string, unknown>).flatMap(([k, v]) => {
      const n = typeof v === 'number' ? v : Array.isArray(v) ? v.length : 0;
      return n > 0 ? [`${n} ${k}`] : [];
    });
  }
  return [];
}

/**
 * Sweeps staging directories beside `outDirs` and, unless `service` is false, the service's stale state
 * (loading the service costs a second or more on a loaded machine; the bench checks --out in between).
 */
export async function sweepStaleRunState(outDirs: readonly string[], service = true): Promise<SweptState> {
  const parents = [...new Set(outDirs.map((d) => path.dirname(path.resolve(d))))];
  const stagingDirs = (await Promise.all(parents.map((p) => sweepStagingDirectories(p)))).flat();
  return { stagingDirs, service: service ? await sweepServiceState() : [] };
}

export async function sweepStaleServiceState(): Promise<SweptState> {
  return { stagingDirs: [], service: await sweepServiceState() };
}

export function describeSweptState(swept: SweptState): string | undefined {
  const parts = [...(swept.stagingDirs.length ? [`${swept.stagingDirs.length} staging director${swept.stagingDirs.length === 1 ? 'y' : 'ies'}`] : []), ...swept.service];
  return parts.length ? `removed what an earlier, killed run left: ${parts.join(', ')}` : undefined;
}
