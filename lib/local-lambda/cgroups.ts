/**
 * Resource limits for execution environments, the way Lambda sizes a sandbox: memory limited to the
 * function's memory size, and CPU time in proportion to memory (one full vCPU at 1,769 MB) as a CFS quota.
 * Two backends: cgroup v1 (separate memory and cpu hierarchies; preferred where both controllers are
 * there) and cgroup v2 (the unified hierarchy). Which one was used, or why none could be, is reported.
 */
import * as fs from 'node:fs';
import { CgroupV1Backend } from './cgroups-v1';
import { CgroupV2Backend } from './cgroups-v2';
import { CPU_PERIOD_US, type CgroupBackend, type EnvironmentCgroup, type EnvironmentGroupOptions, type LimitsMode, type LimitsStatus } from './cgroup-types';

export { burstCpuQuotaUs, CPU_PERIOD_US, cpuQuotaUs, LAMBDA_ENVIRONMENT_VCPUS, MB_PER_VCPU } from './cgroup-types';
export type { CpuRegime, EnvironmentCgroup, EnvironmentGroupOptions, LimitsMode, LimitsStatus } from './cgroup-types';

/** Where this process's cgroups are: /proc/self/cgroup and /proc/self/mountinfo (tests pass their own). */
export interface CgroupSources {
  membership: string;
  mountinfo: string;
  /** Overrides the cgroup2 mount point found in mountinfo. */
  v2MountRoot?: string;
}

function procSources(): CgroupSources {
  return { membership: fs.readFileSync('/proc/self/cgroup', 'utf8'), mountinfo: fs.readFileSync('/proc/self/mountinfo', 'utf8') };
}

/**
 * Which interface drives limits here, from /proc/self/cgroup: v1 where v1 hierarchies carry both the memory
 * and the cpu controller (also on hybrid systems, whose v2 hierarchy then holds no controllers), else v2
 * where the process is in a v2 group, else none.
 */
export function cgroupVersionOf(membership: string): 1 | 2 | null {
  const lines = membership.split('\n').map((l) => l.split(':')).filter((p) => p.length >= 3);
  const v1 = lines.filter((p) => p[0] !== '0').flatMap((p) => p[1].split(','));
  if (v1.includes('memory') && v1.includes('cpu')) return 1;
  return lines.some((p) => p[0] === '0' && p[1] === '') ? 2 : null;
}

export class CgroupLimits {
  private constructor(private readonly backend: CgroupBackend) {}

  /**
   * Decides whether limits can be applied here. 'off' never applies them; 'auto' applies them where
   * possible and says why not otherwise; 'on' throws if they cannot be applied.
   */
  static setUp(mode: LimitsMode, sources?: CgroupSources): { limits: CgroupLimits | null; status: LimitsStatus } {
    if (mode === 'off') return { limits: null, status: { applied: false, reason: 'limits were turned off (limits: off)' } };
    const probe = CgroupLimits.probe(sources);
    if ('reason' in probe) {
      if (mode === 'on') throw new Error(`resource limits were required (limits: on) but cannot be applied: ${probe.reason}`);
      return { limits: null, status: { applied: false, reason: probe.reason } };
    }
    return {
      limits: new CgroupLimits(probe),
      status: { applied: true, reason: probe.description, cpuPeriodUs: CPU_PERIOD_US },
    };
  }

  /** Whether limits could be applied here, without keeping anything: for callers that decide up front. */
  static check(sources?: CgroupSources): LimitsStatus {
    const probe = CgroupLimits.probe(sources);
    if ('reason' in probe) return { applied: false, reason: probe.reason };
    probe.discard();
    return { applied: true, reason: probe.description, cpuPeriodUs: CPU_PERIOD_US };
  }

  private static probe(sources?: CgroupSources): CgroupBackend | { reason: string } {
    if (!sources && process.platform !== 'linux') return { reason: `cgroups exist only on Linux (this is ${process.platform})` };
    let s: CgroupSources;
    try {
      s = sources ?? procSources();
    } catch (e) {
      return { reason: `cannot read this process's cgroups: ${(e as Error).message}` };
    }
    const version = cgroupVersionOf(s.membership);
    if (version === 1) return CgroupV1Backend.probe(s.membership, s.mountinfo);
    if (version === 2) return CgroupV2Backend.probe(s.membership, s.mountinfo, s.v2MountRoot);
    return { reason: 'no cgroup v1 memory and cpu controllers and no cgroup v2 group in /proc/self/cgroup' };
  }

  createEnvironmentGroup(environmentId: string, memorySizeMB: number, options: EnvironmentGroupOptions): EnvironmentCgroup {
    return this.backend.createEnvironmentGroup(environmentId, memorySizeMB, options);
  }

  /** Removes the service's parent groups (environment groups must already be gone). */
  async dispose(): Promise<void> {
    await this.backend.dispose();
  }
}
