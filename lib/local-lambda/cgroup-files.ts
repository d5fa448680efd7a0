/** Small file operations on cgroup directories, shared by the cgroup v1 and v2 backends. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { GROUP_PREFIX } from './cgroup-types';

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The pids listed in a group's cgroup.procs (empty when the group or the file is gone). */
export function readPids(dir: string): number[] {
  try {
    return fs.readFileSync(path.join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

export function listSubdirs(dir: string): string[] {
  try {
    return fs.readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);
  } catch {
    return [];
  }
}

export function readNumber(file: string): number | undefined {
  try {
    const n = Number(fs.readFileSync(file, 'utf8').trim());
    return Number.isFinite(n) ? n : undefined;
  } catch {
    return undefined;
  }
}

/** The value of `key N` in a flat-keyed file (memory.events, memory.oom_control); 0 when absent. */
export function readKeyedNumber(file: string, key: string): number {
  try {
    const m = new RegExp(`^${key} (\\d+)$`, 'm').exec(fs.readFileSync(file, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

export function writeIfPresent(file: string, value: string): void {
  if (!fs.existsSync(file)) return;
  try {
    fs.writeFileSync(file, value);
  } catch {
    // the knob exists but is disabled (swap accounting off): the memory limit alone still applies
  }
}

export function removeDirQuietly(dir: string): void {
  try {
    fs.rmdirSync(dir);
  } catch {
    // absent or still busy
  }
}

/**
 * Removes a group once it is empty. A killed process leaves its group asynchronously, and on a loaded machine
 * that can take a while; a process forked while its siblings were being killed would keep the group busy, so
 * every member still listed is killed again before each retry. Gives up after `timeoutMs`.
 */
export async function removeGroupDir(dir: string, timeoutMs = 5000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      fs.rmdirSync(dir);
      return;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return;
      if (code !== 'EBUSY') throw e;
      if (Date.now() > until) break;
      killPids(readPids(dir));
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  throw new Error(`cgroup ${dir} is still busy ${timeoutMs} ms after its processes were killed (members: ${readPids(dir).join(', ') || 'none listed'})`);
}

/** SIGKILLs each pid that is still there. */
export function killPids(pids: readonly number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/** SIGKILLs every process of a group (one that left the process group with setsid is still in the cgroup). */
export function killGroupMembers(dir: string): void {
  killPids(readPids(dir));
}

/** Lines of /proc/self/mountinfo split into fields. */
export function mountinfoEntries(text: string): string[][] {
  return text.split('\n').filter(Boolean).map((l) => l.split(' '));
}

/** Our group path made relative to a mount whose root (mountinfo field 4) may itself be a subgroup. */
export function groupDirUnderMount(mount: string[], groupPath: string): string {
  const root = mount[3];
  const relative = root !== '/' && groupPath.startsWith(root) ? groupPath.slice(root.length) : groupPath;
  return path.join(mount[4], relative);
}

/**
 * Groups left by a host process that died without cleaning up (SIGKILL): their processes are killed and
 * the groups removed, so a crashed run does not leave runtimes or cgroups behind for the next one.
 */
export function sweepStaleGroups(parentDirs: string[]): void {
  for (const parent of parentDirs) {
    for (const name of listSubdirs(parent)) {
      const m = new RegExp(`^${GROUP_PREFIX}(\\d+)-[0-9a-f]+$`).exec(name);
      if (!m || isAlive(Number(m[1]))) continue;
      const dir = path.join(parent, name);
      for (const env of listSubdirs(dir)) {
        const envDir = path.join(dir, env);
        killGroupMembers(envDir);
        removeDirQuietly(envDir);
      }
      removeDirQuietly(dir);
    }
  }
}
