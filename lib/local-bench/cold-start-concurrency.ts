import { MAX_COLD_START_CONCURRENCY } from '../benchmark/config';
import { MB_PER_VCPU } from '../local-lambda/cgroups';

/**
 * How many environments a local forced cold start initialises at once.
 *
 * Only worth it, and only fair, where an init takes seconds and is CPU-bound under its own quota (the
 * PyTorch function: `import torch` under 29 % of a CPU). There a round of C environments takes as long
 * as one, and each environment still gets exactly its own CPU share as long as the shares together fit
 * in the CPUs the service and the benchmark client do not need. Where an init takes milliseconds (the
 * .apr function, about 2 ms), the service's own work for a sibling environment (spawning its wrapper
 * is about 1 ms of synchronous work on the event loop) would land inside the measured init, so those
 * targets keep one cold start per update.
 */

export type ColdStartConcurrencyChoice = 'auto' | number;

/**
 * 'auto' never goes above this. Three rounds bring 30 PyTorch cold starts from about three minutes to
 * about one; more would save little and put more environments side by side, which is exactly what the
 * rounds should disturb least (`npm run bench:cold-start-concurrency` measures the effect).
 */
export const AUTO_MAX_COLD_START_CONCURRENCY = 3;

export interface ConcurrencyContext {
  /** Whether the service applies CPU quotas; without them environments compete for the CPUs. */
  limitsApplied: boolean;
  /** CPUs of this machine (os.availableParallelism()). */
  cpus: number;
  memorySizeMB: number;
}

export interface ConcurrencyDecision {
  concurrency: number;
  reason: string;
}

/** 'auto': as many CPU shares as fit in all CPUs but one (kept for the service and the client), at most 3. */
export function autoColdStartConcurrency(context: ConcurrencyContext): ConcurrencyDecision {
  if (!context.limitsApplied) {
    return { concurrency: 1, reason: 'no CPU quotas: environments initialising together would compete for the CPUs' };
  }
  const share = context.memorySizeMB / MB_PER_VCPU;
  const spare = Math.max(0, context.cpus - 1);
  const fit = Math.floor(spare / share);
  const concurrency = Math.max(1, Math.min(AUTO_MAX_COLD_START_CONCURRENCY, fit));
  const capped = fit > AUTO_MAX_COLD_START_CONCURRENCY ? `, at most ${AUTO_MAX_COLD_START_CONCURRENCY}` : '';
  return {
    concurrency,
    reason: `${fit} CPU quota${fit === 1 ? '' : 's'} of ${(share * 100).toFixed(1)} % fit in ${spare} of ${context.cpus} CPUs (one kept for the service and the client)${capped}`,
  };
}

function checkChoice(choice: unknown, shown: string, name: string): ColdStartConcurrencyChoice {
  if (choice === 'auto') return 'auto';
  if (typeof choice !== 'number' || !Number.isInteger(choice) || choice < 1 || choice > MAX_COLD_START_CONCURRENCY) {
    throw new RangeError(`${name} must be "auto" or a whole number from 1 to ${MAX_COLD_START_CONCURRENCY}, got ${shown}`);
  }
  return choice;
}

/** A command-line value: "auto" or a whole number from 1 to 10; a RangeError naming the option otherwise. */
export function parseColdStartConcurrency(value: string, option = '--cold-start-concurrency'): ColdStartConcurrencyChoice {
  return checkChoice(value === 'auto' ? 'auto' : Number(value), JSON.stringify(value), option);
}

export function chooseColdStartConcurrency(choice: ColdStartConcurrencyChoice, context: ConcurrencyContext): ConcurrencyDecision {
  const checked = checkChoice(choice, JSON.stringify(choice), 'cold-start concurrency');
  if (checked === 'auto') return autoColdStartConcurrency(context);
  return { concurrency: checked, reason: 'chosen with --cold-start-concurrency' };
}
