/**
 * cgroup v2 backend (the unified hierarchy of current distributions): an environment is one group with
 * memory.max = memory size, memory.swap.max = 0 (Lambda has no swap), memory.oom.group = 1 (an OOM ends the
 * whole environment, as it ends a Lambda sandbox) and cpu.max = "<quota> <period>" in proportion to memory.
 *
 * cgroup v2 lets a group hand controllers to its children only when the group holds no processes itself
 * (the root excepted). So the parent group is created where `cpu` and `memory` can be enabled for it:
 * below this process's own group when that group already delegates them (a container's namespace root,
 * a systemd unit with Delegate=yes), otherwise at the root of the cgroup2 mount (needs root). The parent
 * holds no processes; each environment's group below it does.
 * Layout: <parent>/apr-lambda-<host pid>-<random>/<environment id>.
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

const NEEDED = ['cpu', 'memory'];

class V2EnvironmentCgroup implements EnvironmentCgroup {
  constructor(
    readonly dir: string,
    private readonly invocationCpuMax: string,
    public cpuRegime: CpuRegime,
  ) {}

  applyInvocationCpuQuota(): void {
    if (this.cpuRegime === 'invocation') return;
    fs.writeFileSync(path.join(this.dir, 'cpu.max'), this.invocationCpuMax);
    this.cpuRegime = 'invocation';
  }

  get procsFiles(): string[] {
    return [path.join(this.dir, 'cgroup.procs')];
  }

  /** memory.peak exists from Linux 5.19 on; older kernels have no peak counter for a v2 group. */
  peakBytes(): number | undefined {
    return readNumber(path.join(this.dir, 'memory.peak'));
  }

  oomKills(): number {
    return readKeyedNumber(path.join(this.dir, 'memory.events'), 'oom_kill');
  }

  pids(): number[] {
    return readPids(this.dir);
  }

  async remove(): Promise<void> {
    await removeGroupDir(this.dir);
  }
}

function words(file: string): string[] {
  try {
    return fs.readFileSync(file, 'utf8').trim().split(/\s+/).filter(Boolean);
  } catch {
    return [];
  }
}

/** Makes `cpu` and `memory` available to the children of `dir`, or says why not. */
function delegateControllers(dir: string): string | null {
  const enabled = words(path.join(dir, 'cgroup.subtree_control'));
  const missing = NEEDED.filter((c) => !enabled.includes(c));
  if (missing.length === 0) return null;
  const available = words(path.join(dir, 'cgroup.controllers'));
  const absent = missing.filter((c) => !available.includes(c));
  if (absent.length > 0) return `${dir} does not have the ${absent.join(' and ')} controller${absent.length > 1 ? 's' : ''}`;
  try {
    fs.writeFileSync(path.join(dir, 'cgroup.subtree_control'), missing.map((c) => `+${c}`).join(' '));
    return null;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'EBUSY' ? 'it holds processes itself' : (e as Error).message;
    return `cannot enable ${missing.join(' and ')} for the children of ${dir}: ${why}`;
  }
}

/** This process's v2 group and the cgroup2 mount it lives in, from /proc/self/cgroup and /proc/self/mountinfo. */
export function locateV2Group(membership: string, mountinfo: string, mountRoot?: string): { root: string; own: string } | { reason: string } {
  const line = membership.split('\n').find((l) => l.startsWith('0::'));
  if (line === undefined) return { reason: 'this process is in no cgroup v2 group (/proc/self/cgroup has no "0::" line)' };
  const groupPath = line.slice(3);
  if (mountRoot !== undefined) return { root: mountRoot, own: path.join(mountRoot, groupPath) };
  const mount = mountinfoEntries(mountinfo).find((f) => {
    const dash = f.indexOf('-');
    return dash > 0 && f[dash + 1] === 'cgroup2';
  });
  if (!mount) return { reason: 'no cgroup2 file system is mounted' };
  return { root: mount[4], own: groupDirUnderMount(mount, groupPath) };
}

/** The files an environment's v2 group is limited with during invocations (cpu.max is the burst quota during a first INIT); the optional ones exist only with swap accounting and newer kernels. */
export function v2EnvironmentSettings(memorySizeMB: number): { required: Record<string, string>; whereSupported: Record<string, string> } {
  return {
    required: {
      'memory.max': String(memorySizeMB * 1024 * 1024),
      'cpu.max': `${cpuQuotaUs(memorySizeMB)} ${CPU_PERIOD_US}`,
    },
    // Lambda has no swap; an OOM ends the whole sandbox, not one process of it.
    whereSupported: { 'memory.swap.max': '0', 'memory.oom.group': '1' },
  };
}

/**
 * Writes an environment's limits into its (existing) v2 group: memory for its whole life; cpu.max the burst
 * INIT quota or the memory-proportional one, as `options` says.
 */
export function limitV2EnvironmentGroup(dir: string, memorySizeMB: number, options: EnvironmentGroupOptions): EnvironmentCgroup {
  const settings = v2EnvironmentSettings(memorySizeMB);
  const regime: CpuRegime = options.burstInit ? 'burst-init' : 'invocation';
  const cpuMax = regime === 'burst-init' ? `${burstCpuQuotaUs(options.machineCpus)} ${CPU_PERIOD_US}` : settings.required['cpu.max'];
  for (const [file, value] of Object.entries({ ...settings.required, 'cpu.max': cpuMax })) fs.writeFileSync(path.join(dir, file), value);
  for (const [file, value] of Object.entries(settings.whereSupported)) writeIfPresent(path.join(dir, file), value);
  return new V2EnvironmentCgroup(dir, settings.required['cpu.max'], regime);
}

export class CgroupV2Backend implements CgroupBackend {
  readonly description = `cgroup v2: memory.max = memory size, memory.swap.max = 0, cpu.max = (${CPU_PERIOD_US} x MB / 1769) ${CPU_PERIOD_US} from the first GET /next (burst CPU during INIT)`;

  private constructor(readonly base: string) {}

  /**
   * Creates the service's parent group where cpu and memory can be delegated to it and proves the knobs
   * writable, or says why it cannot. `mountRoot` overrides the cgroup2 mount found in mountinfo (tests).
   */
  static probe(membership: string, mountinfo: string, mountRoot?: string): CgroupV2Backend | { reason: string } {
    const located = locateV2Group(membership, mountinfo, mountRoot);
    if ('reason' in located) return located;
    const { root, own } = located;
    const candidates = own === root ? [root] : [own, root];
    const refusals: string[] = [];
    for (const parent of candidates) {
      const refused = delegateControllers(parent);
      if (refused) {
        refusals.push(refused);
        continue;
      }
      sweepStaleGroups([parent]);
      const base = path.join(parent, `${GROUP_PREFIX}${process.pid}-${randomBytes(4).toString('hex')}`);
      try {
        fs.mkdirSync(base);
        const notDelegated = delegateControllers(base);
        if (notDelegated) throw new Error(notDelegated);
        // Prove the knobs are writable before promising limits.
        fs.writeFileSync(path.join(base, 'memory.max'), String(64 * 1024 * 1024));
        fs.writeFileSync(path.join(base, 'memory.max'), 'max');
        fs.writeFileSync(path.join(base, 'cpu.max'), `max ${CPU_PERIOD_US}`);
        return new CgroupV2Backend(base);
      } catch (e) {
        removeDirQuietly(base);
        refusals.push(`cannot create a limited group under ${parent}: ${(e as Error).message}`);
      }
    }
    return { reason: `cgroup v2: ${refusals.join('; ')} (run as root, or from a group with cpu and memory delegated)` };
  }

  createEnvironmentGroup(environmentId: string, memorySizeMB: number, options: EnvironmentGroupOptions): EnvironmentCgroup {
    const dir = path.join(this.base, environmentId);
    fs.mkdirSync(dir);
    return limitV2EnvironmentGroup(dir, memorySizeMB, options);
  }

  async dispose(): Promise<void> {
    for (const child of listSubdirs(this.base)) await removeGroupDir(path.join(this.base, child));
    await removeGroupDir(this.base);
  }

  discard(): void {
    removeDirQuietly(this.base);
  }
}
