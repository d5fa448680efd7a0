/**
 * cgroup v1 backend: an environment is a pair of groups, one in the `memory` hierarchy
 * (memory.limit_in_bytes = memory size) and one in the `cpu` hierarchy (a CFS quota in proportion to
 * memory). Groups are created below the cgroups this process already belongs to, never at a hierarchy's
 * root, so whatever limits apply to the host process keep applying to its environments.
 * Layout: <own cgroup>/apr-lambda-<host pid>-<random>/<environment id>, in each hierarchy.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  groupDirUnderMount,
  listSubdirs,
  mountinfoEntries,
  readKeyedNumber,
  readNumber,
  readPids,
  removeDirQuietly,
  removeGroupDir,
  sweepStaleGroups,
  writeIfPresent,
} from './cgroup-files';
import {
  burstCpuQuotaUs,
  CPU_PERIOD_US,
  cpuQuotaUs,
  type CgroupBackend,
  type CpuRegime,
  type EnvironmentCgroup,
  type EnvironmentGroupOptions,
  GROUP_PREFIX,
} from './cgroup-types';

export interface ControllerPaths {
  memory: string;
  cpu: string;
}

class V1EnvironmentCgroup implements EnvironmentCgroup {
  constructor(
    readonly dirs: ControllerPaths,
    private readonly invocationQuotaUs: number,
    public cpuRegime: CpuRegime,
  ) {}

  applyInvocationCpuQuota(): void {
    if (this.cpuRegime === 'invocation') return;
    fs.writeFileSync(path.join(this.dirs.cpu, 'cpu.cfs_quota_us'), String(this.invocationQuotaUs));
    this.cpuRegime = 'invocation';
  }

  get procsFiles(): string[] {
    return [path.join(this.dirs.memory, 'cgroup.procs'), path.join(this.dirs.cpu, 'cgroup.procs')];
  }

  peakBytes(): number | undefined {
    return readNumber(path.join(this.dirs.memory, 'memory.max_usage_in_bytes'));
  }

  oomKills(): number {
    return readKeyedNumber(path.join(this.dirs.memory, 'memory.oom_control'), 'oom_kill');
  }

  pids(): number[] {
    return readPids(this.dirs.memory);
  }

  async remove(): Promise<void> {
    for (const dir of [this.dirs.memory, this.dirs.cpu]) await removeGroupDir(dir);
  }
}

export class CgroupV1Backend implements CgroupBackend {
  readonly description = `cgroup v1: memory.limit_in_bytes = memory size, cpu.cfs_quota_us = ${CPU_PERIOD_US} x MB / 1769 from the first GET /next (burst CPU during INIT)`;

  private constructor(readonly base: ControllerPaths) {}

  /** Creates the service's parent groups and proves the knobs writable, or says why it cannot. */
  static probe(membership: string, mountinfo: string): CgroupV1Backend | { reason: string } {
    let own: ControllerPaths;
    try {
      own = { memory: ownDir(membership, mountinfo, 'memory'), cpu: ownDir(membership, mountinfo, 'cpu') };
    } catch (e) {
      return { reason: (e as Error).message };
    }
    sweepStaleGroups([own.memory, own.cpu]);
    const name = `${GROUP_PREFIX}${process.pid}-${randomSuffix()}`;
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
    return new CgroupV1Backend(base);
  }

  createEnvironmentGroup(environmentId: string, memorySizeMB: number, options: EnvironmentGroupOptions): EnvironmentCgroup {
    const dirs = { memory: path.join(this.base.memory, environmentId), cpu: path.join(this.base.cpu, environmentId) };
    fs.mkdirSync(dirs.memory);
    fs.mkdirSync(dirs.cpu);
    return limitV1EnvironmentGroup(dirs, memorySizeMB, options);
  }

  async dispose(): Promise<void> {
    for (const dir of [this.base.memory, this.base.cpu]) {
      for (const child of listSubdirs(dir)) await removeGroupDir(path.join(dir, child));
      await removeGroupDir(dir);
    }
  }

  discard(): void {
    removeDirQuietly(this.base.memory);
    removeDirQuietly(this.base.cpu);
  }
}

/**
 * Writes an environment's limits into its (existing) memory and cpu groups: the memory limit for its whole
 * life, and the burst INIT quota or the memory-proportional one, as `options` says.
 */
export function limitV1EnvironmentGroup(dirs: ControllerPaths, memorySizeMB: number, options: EnvironmentGroupOptions): EnvironmentCgroup {
  const bytes = memorySizeMB * 1024 * 1024;
  fs.writeFileSync(path.join(dirs.memory, 'memory.limit_in_bytes'), String(bytes));
  // Lambda has no swap: where swap accounting exists, hold memory+swap to the same limit.
  writeIfPresent(path.join(dirs.memory, 'memory.memsw.limit_in_bytes'), String(bytes));
  fs.writeFileSync(path.join(dirs.cpu, 'cpu.cfs_period_us'), String(CPU_PERIOD_US));
  const invocationQuota = cpuQuotaUs(memorySizeMB);
  const regime: CpuRegime = options.burstInit ? 'burst-init' : 'invocation';
  fs.writeFileSync(path.join(dirs.cpu, 'cpu.cfs_quota_us'), String(regime === 'burst-init' ? burstCpuQuotaUs(options.machineCpus) : invocationQuota));
  return new V1EnvironmentCgroup(dirs, invocationQuota, regime);
}

function randomSuffix(): string {
  return randomBytes(4).toString('hex');
}

/** Where this process's group of one v1 controller is, from /proc/self/cgroup and /proc/self/mountinfo. */
function ownDir(membership: string, mountinfo: string, controller: string): string {
  const line = membership.split('\n').find((l) => {
    const parts = l.split(':');
    return parts.length >= 3 && parts[1].split(',').includes(controller);
  });
  if (!line) throw new Error(`no cgroup v1 '${controller}' controller in /proc/self/cgroup`);
  const groupPath = line.split(':').slice(2).join(':');
  const mount = mountinfoEntries(mountinfo).find((f) => {
    const dash = f.indexOf('-');
    return dash > 0 && f[dash + 1] === 'cgroup' && (f[dash + 3] ?? '').split(',').includes(controller);
  });
  if (!mount) throw new Error(`the cgroup v1 '${controller}' controller is not mounted`);
  const dir = groupDirUnderMount(mount, groupPath);
  if (!fs.existsSync(dir)) throw new Error(`cgroup directory ${dir} does not exist`);
  return dir;
}
