/** What the cgroup backends (v1, v2) share: the sizing rule and the shape of an environment's group. */

export type LimitsMode = 'auto' | 'on' | 'off';

export interface LimitsStatus {
  applied: boolean;
  reason: string;
  cpuPeriodUs?: number;
}

/** Lambda gives one vCPU's worth of CPU time at 1,769 MB and scales linearly. */
export const MB_PER_VCPU = 1769;
export const CPU_PERIOD_US = 100000;
/** Name prefix of the service's parent group: apr-lambda-<host pid>-<random>. */
export const GROUP_PREFIX = 'apr-lambda-';

export function cpuQuotaUs(memorySizeMB: number, periodUs = CPU_PERIOD_US): number {
  // The kernel refuses quotas below 1 ms.
  return Math.max(1000, Math.round((periodUs * memorySizeMB) / MB_PER_VCPU));
}

/** One execution environment's cgroup(s), limited to its memory size and CPU share. */
export interface EnvironmentCgroup {
  /** Files a process writes its pid into to join the environment's group(s). */
  readonly procsFiles: string[];
  /** Peak memory charged to the group (RSS plus page cache it faulted in); undefined where the kernel has no such counter. */
  peakBytes(): number | undefined;
  /** How many processes the kernel's OOM killer ended in the group. */
  oomKills(): number;
  /** Pids of every process in the group (the environment's process tree, whatever it forked). */
  pids(): number[];
  /** Removes the group(s); they must be empty. */
  remove(): Promise<void>;
}

export interface CgroupBackend {
  /** For LimitsStatus.reason: which interface and which knobs. */
  readonly description: string;
  createEnvironmentGroup(environmentId: string, memorySizeMB: number): EnvironmentCgroup;
  /** Removes the service's parent group(s) and any environment groups left in them. */
  dispose(): Promise<void>;
  /** Removes the freshly probed, still empty parent group(s) at once. */
  discard(): void;
}
