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

/** The vCPUs a Lambda execution environment sees (`nproc` in a sandbox prints 2): the most burst INIT can use. */
export const LAMBDA_ENVIRONMENT_VCPUS = 2;

/**
 * The CPU quota during INIT: Lambda does not hold INIT to the memory-proportional share ("burst CPU"; see
 * the README), so an initialising environment may use the environment's 2 vCPUs, or the machine's CPUs
 * where it has fewer.
 */
export function burstCpuQuotaUs(machineCpus: number, periodUs = CPU_PERIOD_US): number {
  return periodUs * Math.max(1, Math.min(LAMBDA_ENVIRONMENT_VCPUS, Math.floor(machineCpus)));
}

/** Which CPU quota an environment's group holds: the burst one of INIT, or the share of its memory size. */
export type CpuRegime = 'burst-init' | 'invocation';

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
  /** The CPU quota the group holds now. */
  readonly cpuRegime: CpuRegime;
  /** Ends burst INIT: from now on the group is held to the CPU share of its memory size. Idempotent. */
  applyInvocationCpuQuota(): void;
}

export interface EnvironmentGroupOptions {
  /** Start with the burst INIT quota (a first init); false starts under the invocation quota (init retried inside an invocation). */
  burstInit: boolean;
  /** CPUs of the machine; the burst quota is capped by them. */
  machineCpus: number;
}

export interface CgroupBackend {
  /** For LimitsStatus.reason: which interface and which knobs. */
  readonly description: string;
  createEnvironmentGroup(environmentId: string, memorySizeMB: number, options: EnvironmentGroupOptions): EnvironmentCgroup;
  /** Removes the service's parent group(s) and any environment groups left in them. */
  dispose(): Promise<void>;
  /** Removes the freshly probed, still empty parent group(s) at once. */
  discard(): void;
}
