/**
 * What a killed run of the local Lambda service leaves behind, and its removal.
 *
 * A host that dies without cleaning up (SIGKILL, a crash, an OOM kill) leaves its parent cgroups
 * `apr-lambda-<host pid>-<hex>` with an `env-<id>` group per environment, and the runtimes in them keep
 * running. The service's own start sweeps the groups beside its own parent group; a bench run must also
 * find those of runs that ran elsewhere in the hierarchy (another session, another systemd unit, the root of
 * a cgroup2 mount), in every controller: the v1 `memory` and `cpu` hierarchies and the v2 unified one. So
 * this walks every cgroup mount of those kinds, kills every process in a group whose owner is gone, and
 * removes the groups, children first.
 *
 * A group's owner is gone when no process has its pid. A pid reused by an unrelated process keeps the group
 * (it is not ours to judge); the next sweep after that process ends removes it.
 *
 * Runs without limits have no cgroups; their runtimes are found by what every runtime the service starts
 * carries in its environment: the service's fake credentials (runtime-environment.ts) and
 * AWS_LAMBDA_RUNTIME_API, the address of its environment's Runtime API. That API lives in the host process,
 * so a runtime whose Runtime API port on this machine has no listener is an orphan, and is killed with its
 * process group (each runtime leads its own).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isAlive, killPids, listSubdirs, mountinfoEntries, readPids } from './cgroup-files';
import { GROUP_PREFIX } from './cgroup-types';
import { FAKE_CREDENTIALS } from './runtime-environment';

export interface StaleSweepResult {
  /** Cgroup directories removed (environment groups and their parents). */
  removed: string[];
  /** Pids of runtimes (and what they started) that were killed. */
  killed: number[];
  /** Groups that could not be removed, with the reason (still busy after their processes were killed, ...). */
  failed: { dir: string; reason: string }[];
}

export interface StaleSweepOptions {
  /**
   * Cgroup mount points to search; default: every v1 memory/cpu mount and every cgroup2 mount in
   * /proc/self/mountinfo, and then also orphaned runtimes of runs without limits (found through /proc).
   * Given roots restrict the sweep to them (tests).
   */
  roots?: string[];
  /** How long to wait for killed processes to leave a group before giving up on it; 2 s by default. */
  settleMs?: number;
}

const STALE_NAME = new RegExp(`^${GROUP_PREFIX}(\\d+)-[0-9a-f]+$`);
/** Deep enough for systemd slices and container namespaces, shallow enough to stay fast. */
const MAX_DEPTH = 12;

/** The cgroup mount points the service may have used: v1 hierarchies carrying memory or cpu, and cgroup2. */
export function cgroupRoots(mountinfo: string): string[] {
  const roots = new Set<string>();
  for (const f of mountinfoEntries(mountinfo)) {
    const dash = f.indexOf('-');
    if (dash <= 0) continue;
    const type = f[dash + 1];
    const options = (f[dash + 3] ?? '').split(',');
    if (type === 'cgroup2' || (type === 'cgroup' && (options.includes('memory') || options.includes('cpu')))) roots.add(f[4]);
  }
  return [...roots];
}

/** Every `apr-lambda-<pid>-<hex>` directory below `root` whose owner pid is not alive. */
export function findStaleGroups(root: string): string[] {
  const found: string[] = [];
  const walk = (dir: string, depth: number) => {
    for (const name of listSubdirs(dir)) {
      const child = path.join(dir, name);
      const m = STALE_NAME.exec(name);
      if (m) {
        if (!isAlive(Number(m[1]))) found.push(child);
        // The service's groups hold only environment groups: nothing of interest deeper.
        continue;
      }
      if (depth < MAX_DEPTH) walk(child, depth + 1);
    }
  };
  walk(root, 0);
  return found;
}

/** Local TCP ports in LISTEN state, from /proc/net/tcp and tcp6 (this network namespace). */
export function listeningPorts(tables: string[]): Set<number> {
  const ports = new Set<number>();
  for (const table of tables) {
    for (const line of table.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      // local_address is HEXIP:HEXPORT, st 0A is LISTEN.
      if (f.length > 3 && f[3] === '0A') ports.add(parseInt(f[1].split(':')[1], 16));
    }
  }
  return ports;
}

/** The Runtime API port a process of the local service was given, or null when it is not one of ours. */
export function runtimeApiPortOf(environ: string): number | null {
  const vars = environ.split('\0');
  if (!vars.includes(`AWS_ACCESS_KEY_ID=${FAKE_CREDENTIALS.AWS_ACCESS_KEY_ID}`)) return null;
  const api = vars.find((v) => v.startsWith('AWS_LAMBDA_RUNTIME_API='));
  const m = api ? /^AWS_LAMBDA_RUNTIME_API=(?:127\.0\.0\.1|localhost|\[::1\]):(\d+)$/.exec(api) : null;
  return m ? Number(m[1]) : null;
}

/** Runtimes (and their descendants) of local services that are gone: their Runtime API has no listener. */
function findOrphanRuntimes(): number[] {
  let tables: string[];
  try {
    tables = ['/proc/net/tcp', '/proc/net/tcp6'].filter((f) => fs.existsSync(f)).map((f) => fs.readFileSync(f, 'utf8'));
  } catch {
    return [];
  }
  const listening = listeningPorts(tables);
  const orphans: number[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    let environ: string;
    try {
      environ = fs.readFileSync(`/proc/${name}/environ`, 'utf8');
    } catch {
      continue; // gone, or not ours to read
    }
    const port = runtimeApiPortOf(environ);
    if (port !== null && !listening.has(port)) orphans.push(Number(name));
  }
  return orphans;
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** rmdir, retried while the kernel still counts exiting members; the error's reason if it never empties. */
function removeWhenEmpty(dir: string, settleMs: number): string | null {
  const until = Date.now() + settleMs;
  for (;;) {
    try {
      fs.rmdirSync(dir);
      return null;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return null;
      if (code !== 'EBUSY' || Date.now() > until) return (e as Error).message;
      // Members may still be there (a process forked while we killed): kill again, then wait a moment.
      killPids(readPids(dir));
      sleepSync(20);
    }
  }
}

/**
 * Kills the runtimes of local Lambda runs whose host process is gone and removes their cgroups, in every
 * cgroup controller and anywhere in the hierarchy. Synchronous, so that a bench can call it first thing;
 * takes milliseconds when nothing is stale. Safe while other runs are alive: their groups are kept.
 */
export function sweepStaleLocalLambdaState(options: StaleSweepOptions = {}): StaleSweepResult {
  const result: StaleSweepResult = { removed: [], killed: [], failed: [] };
  if (!options.roots && process.platform !== 'linux') return result;
  let roots = options.roots;
  if (!roots) {
    try {
      roots = cgroupRoots(fs.readFileSync('/proc/self/mountinfo', 'utf8'));
    } catch {
      return result;
    }
  }
  const settleMs = options.settleMs ?? 2000;
  if (!options.roots) {
    // Runtimes of runs without limits (no cgroup to find them by): each leads its own process group.
    for (const pid of findOrphanRuntimes()) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // not a group leader (a descendant): killed by itself below
      }
      killPids([pid]);
      result.killed.push(pid);
    }
  }
  const groups = roots.flatMap((r) => findStaleGroups(r));
  // Kill everything first (a runtime is in a memory and a cpu group on v1), then remove.
  for (const group of groups) {
    for (const dir of [...listSubdirs(group).map((e) => path.join(group, e)), group]) {
      const pids = readPids(dir);
      killPids(pids);
      result.killed.push(...pids);
    }
  }
  for (const group of groups) {
    for (const dir of [...listSubdirs(group).map((e) => path.join(group, e)), group]) {
      const failure = removeWhenEmpty(dir, settleMs);
      if (failure) result.failed.push({ dir, reason: failure });
      else result.removed.push(dir);
    }
  }
  result.killed = [...new Set(result.killed)];
  return result;
}
