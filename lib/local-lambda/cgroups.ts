/**
 * Resource limits for execution environments through cgroup v1 (the `memory` and `cpu` controllers), the
 * way Lambda sizes a sandbox: memory.limit_in_bytes = the function's memory size, and a CFS CPU quota in
 * proportion to memory (one full vCPU at 1,769 MB).
 *
 * Groups are created below the cgroup this process already belongs to, never at the hierarchy's root, so
 * that whatever limits and accounting apply to the host process keep applying to its environments.
 * Layout: <own cgroup>/apr-lambda-<host pid>-<random>/<environment id>.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';

export type LimitsMode = 'auto' | 'on' | 'off';

export interface LimitsStatus {
  applied: boolean;
  reason: string;
  cpuPeriodUs?: number;
}

/** Lambda gives one vCPU's worth of CPU time at 1,769 MB and scales linearly. */
export const MB_PER_VCPU = 1769;
export const CPU_PERIOD_US = 100000;
const GROUP_PREFIX = 'apr-lambda-';

export function cpuQuotaUs(memorySizeMB: number, periodUs = CPU_PERIOD_US): number {
  // The kernel refuses quotas below 1 ms.
  return Math.max(1000, Math.round((periodUs * memorySizeMB) / MB_PER_VCPU));
}

export interface ControllerPaths {
  memory: string;
  cpu: string;
}

/** One environment's pair of groups. */
export class EnvironmentCgroup {
  constructor(readonly dirs: ControllerPaths) {}

  /** Files a process writes its pid into to join both groups. */
  get procsFiles(): string[] {
    return [path.join(this.dirs.memory, 'cgroup.procs'), path.join(this.dirs.cpu, 'cgroup.procs')];
  }

  /** Peak memory charged to the group: RSS plus the page cache the group faulted in. */
  peakBytes(): number | undefined {
    return readNumber(path.join(this.dirs.memory, 'memory.max_usage_in_bytes'));
  }

  /** How many processes the kernel's OOM killer ended in this group. */
  oomKills(): number {
    try {
      const text = fs.readFileSync(path.join(this.dirs.memory, 'memory.oom_control'), 'utf8');
      const m = /^oom_kill (\d+)$/m.exec(text);
      return m ? Number(m[1]) : 0;
    } catch {
      return 0;
    }
  }

  /** Pids of every process in the group (the environment's process tree, whatever it forked). */
  pids(): number[] {
    try {
      return fs
        .readFileSync(path.join(this.dirs.memory, 'cgroup.procs'), 'utf8')
        .split('\n')
        .filter((l) => l !== '')
        .map(Number);
    } catch {
      return [];
    }
  }

  /** Removes both groups; they must be empty. Retries briefly because a killed process leaves asynchronously. */
  async remove(): Promise<void> {
    for (const dir of [this.dirs.memory, this.dirs.cpu]) await removeGroupDir(dir);
  }
}

export class CgroupLimits {
  private constructor(readonly base: ControllerPaths) {}

  /**
   * Decides whether limits can be applied here. 'off' never applies them; 'auto' applies them where
   * possible and says why not otherwise; 'on' throws if they cannot be applied.
   */
  static setUp(mode: LimitsMode): { limits: CgroupLimits | null; status: LimitsStatus } {
    if (mode === 'off') return { limits: null, status: { applied: false, reason: 'limits were turned off (limits: off)' } };
    const probe = CgroupLimits.probe();
    if ('reason' in probe) {
      if (mode === 'on') throw new Error(`resource limits were required (limits: on) but cannot be applied: ${probe.reason}`);
      return { limits: null, status: { applied: false, reason: probe.reason } };
    }
    return {
      limits: probe.limits,
      status: {
        applied: true,
        reason: `cgroup v1: memory.limit_in_bytes = memory size, cpu.cfs_quota_us = ${CPU_PERIOD_US} x MB / ${MB_PER_VCPU}`,
        cpuPeriodUs: CPU_PERIOD_US,
      },
    };
  }

  /** Whether limits could be applied here, without keeping anything: for callers that decide up front. */
  static check(): LimitsStatus {
    const probe = CgroupLimits.probe();
    if ('reason' in probe) return { applied: false, reason: probe.reason };
    removeDirQuietly(probe.limits.base.memory);
    removeDirQuietly(probe.limits.base.cpu);
    return { applied: true, reason: 'cgroup v1 memory and cpu controllers are writable', cpuPeriodUs: CPU_PERIOD_US };
  }

  private static probe(): { limits: CgroupLimits } | { reason: string } {
    if (process.platform !== 'linux') return { reason: `cgroups exist only on Linux (this is ${process.platform})` };
    let own: ControllerPaths;
    try {
      own = ownControllerDirs();
    } catch (e) {
      return { reason: (e as Error).message };
    }
    sweepStaleGroups(own);
    const name = `${GROUP_PREFIX}${process.pid}-${randomBytes(4).toString('hex')}`;
    const base = { memory: path.join(own.memory, name), cpu: path.join(own.cpu, name) };
    try {
      fs.mkdirSync(base.memory);
      fs.mkdirSync(base.cpu);
      // Prove the knobs are writable before promising limits.
      fs.writeFileSync(path.join(base.cpu, 'cpu.cfs_period_us'), String(CPU_PERIOD_US));
      fs.writeFileSync(path.join(base.memory, 'memory.limit_in_bytes'), String(64 * 1024 * 1024));
      fs.writeFileSync(path.join(base.memory, 'memory.limit_in_bytes'), '-1');
    } catch (e) {
      removeDirQuietly(base.memory);
      removeDirQuietly(base.cpu);
      return { reason: `cannot create cgroups under ${own.memory} and ${own.cpu}: ${(e as Error).message}` };
    }
    return { limits: new CgroupLimits(base) };
  }

  createEnvironmentGroup(environmentId: string, memorySizeMB: number): EnvironmentCgroup {
    const dirs = { memory: path.join(this.base.memory, environmentId), cpu: path.join(this.base.cpu, environmentId) };
    fs.mkdirSync(dirs.memory);
    fs.mkdirSync(dirs.cpu);
    const bytes = memorySizeMB * 1024 * 1024;
    fs.writeFileSync(path.join(dirs.memory, 'memory.limit_in_bytes'), String(bytes));
    // Lambda has no swap: where swap accounting exists, hold memory+swap to the same limit.
    writeIfPresent(path.join(dirs.memory, 'memory.memsw.limit_in_bytes'), String(bytes));
    fs.writeFileSync(path.join(dirs.cpu, 'cpu.cfs_period_us'), String(CPU_PERIOD_US));
    fs.writeFileSync(path.join(dirs.cpu, 'cpu.cfs_quota_us'), String(cpuQuotaUs(memorySizeMB)));
    return new EnvironmentCgroup(dirs);
  }

  /** Removes the service's parent groups (environment groups must already be gone). */
  async dispose(): Promise<void> {
    for (const dir of [this.base.memory, this.base.cpu]) {
      for (const child of listSubdirs(dir)) await removeGroupDir(path.join(dir, child));
      await removeGroupDir(dir);
    }
  }
}

/** Where this process's own memory and cpu cgroups are, from /proc/self/cgroup and /proc/self/mountinfo. */
function ownControllerDirs(): ControllerPaths {
  const membership = fs.readFileSync('/proc/self/cgroup', 'utf8');
  const mountinfo = fs.readFileSync('/proc/self/mountinfo', 'utf8');
  const find = (controller: string): string => {
    const line = membership.split('\n').find((l) => {
      const parts = l.split(':');
      return parts.length >= 3 && parts[1].split(',').includes(controller);
    });
    if (!line) {
      const v2 = membership.split('\n').some((l) => l.startsWith('0::'));
      throw new Error(
        v2
          ? `no cgroup v1 '${controller}' controller (this machine uses cgroup v2, which the local service does not drive)`
          : `no cgroup v1 '${controller}' controller in /proc/self/cgroup`,
      );
    }
    const groupPath = line.split(':').slice(2).join(':');
    const mount = mountinfo
      .split('\n')
      .map((l) => l.split(' '))
      .find((f) => {
        const dash = f.indexOf('-');
        return dash > 0 && f[dash + 1] === 'cgroup' && (f[dash + 3] ?? '').split(',').includes(controller);
      });
    if (!mount) throw new Error(`the cgroup v1 '${controller}' controller is not mounted`);
    // mountinfo field 4 is the root of the mount within the hierarchy; strip it from our group path.
    const root = mount[3];
    const relative = root !== '/' && groupPath.startsWith(root) ? groupPath.slice(root.length) : groupPath;
    const dir = path.join(mount[4], relative);
    if (!fs.existsSync(dir)) throw new Error(`cgroup directory ${dir} does not exist`);
    return dir;
  };
  return { memory: find('memory'), cpu: find('cpu') };
}

/**
 * Groups left by a host process that died without cleaning up (SIGKILL): their processes are killed and the
 * groups removed, so a crashed run does not leave runtimes or cgroups behind for the next one.
 */
function sweepStaleGroups(own: ControllerPaths): void {
  for (const controllerDir of [own.memory, own.cpu]) {
    for (const name of listSubdirs(controllerDir)) {
      const m = new RegExp(`^${GROUP_PREFIX}(\\d+)-[0-9a-f]+$`).exec(name);
      if (!m || isAlive(Number(m[1]))) continue;
      const dir = path.join(controllerDir, name);
      for (const env of listSubdirs(dir)) {
        const envDir = path.join(dir, env);
        for (const pid of readPids(envDir)) {
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            // already gone
          }
        }
        removeDirQuietly(envDir);
      }
      removeDirQuietly(dir);
    }
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readPids(dir: string): number[] {
  try {
    return fs.readFileSync(path.join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

function listSubdirs(dir: string): string[] {
  try {
    return fs.readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);
  } catch {
    return [];
  }
}

function readNumber(file: string): number | undefined {
  try {
    const n = Number(fs.readFileSync(file, 'utf8').trim());
    return Number.isFinite(n) ? n : undefined;
  } catch {
    return undefined;
  }
}

function writeIfPresent(file: string, value: string): void {
  if (!fs.existsSync(file)) return;
  try {
    fs.writeFileSync(file, value);
  } catch {
    // memsw accounting may be compiled in but disabled; the memory limit alone still applies.
  }
}

function removeDirQuietly(dir: string): void {
  try {
    fs.rmdirSync(dir);
  } catch {
    // absent or still busy
  }
}

async function removeGroupDir(dir: string): Promise<void> {
  for (let attempt = 0; attempt < 50; attempt++) {
    try {
      fs.rmdirSync(dir);
      return;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return;
      if (code !== 'EBUSY') throw e;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  throw new Error(`cgroup ${dir} is still busy after its processes were killed`);
}
