import { MAX_COLD_START_CONCURRENCY } from '../benchmark/config';
import { LAMBDA_ENVIRONMENT_VCPUS } from '../local-lambda/cgroups';

/**
 * How many environments a local forced cold start initialises at once.
 *
 * Since the local service runs INIT with burst CPU, as Lambda does (an initialising environment may use
 * the environment's 2 vCPUs; the memory-proportional quota applies from its first GET /next), an init
 * no longer fits in a fraction of a CPU: it wants whole CPUs. Initialising C environments at once is only
 * fair where C bursts fit in the CPUs the service and the client do not need; otherwise the inits
 * compete and each one measures the others.
 *
 * Measured on the development machine (2 CPUs, loaded by other builds; `npm run bench:cold-start-concurrency
 * -- --singles 10 --concurrency 2|3`, the PyTorch function, 2026-11-29, load average 11-13): rounds of 2
 * read 1.755x of single cold starts (95 % CI 1.525-2.465; medians 6,151 against 3,506 ms) and, in a second
 * run, 2.075x (1.658-2.388; 8,413 against 4,055 ms, one of ten inits in rounds hit the 10 s limit); rounds
 * of 3 read 2.687x (2.243-3.056) and 9 of 12 inits in rounds of 3 hit the limit, against none singly. So on
 * two CPUs every cold start has an update of its own; rounds come back only where whole bursts fit beside
 * a CPU kept spare.
 *
 * Where an init takes milliseconds (the .apr function, about 2 ms), the service's own work for a sibling
 * environment (spawning its wrapper is about 1 ms of synchronous work on the event loop) would land inside
 * the measured init, so those targets keep one cold start per update in any case.
 */

export type ColdStartConcurrencyChoice = 'auto' | number;

/** 'auto' never goes above this: more would save little and put more environments side by side. */
export const AUTO_MAX_COLD_START_CONCURRENCY = 3;

export interface ConcurrencyContext {
  /** Whether the service applies CPU limits; without them environments compete for the CPUs. */
  limitsApplied: boolean;
  /** CPUs of this machine (os.availableParallelism()). */
  cpus: number;
  /**
   * The function's memory size. It no longer changes the choice (INIT is not held to the memory share);
   * kept so that callers describe the function the same way as before.
   */
  memorySizeMB?: number;
}

export interface ConcurrencyDecision {
  concurrency: number;
  reason: string;
}

/** 'auto': as many burst inits (min(2, CPUs) each) as fit in all CPUs but one, at least one, at most 3. */
export function autoColdStartConcurrency(context: ConcurrencyContext): ConcurrencyDecision {
  if (!context.limitsApplied) {
    return { concurrency: 1, reason: 'no CPU limits: environments initialising together would compete for the CPUs' };
  }
  const burst = Math.max(1, Math.min(LAMBDA_ENVIRONMENT_VCPUS, context.cpus));
  const spare = Math.max(0, context.cpus - 1);
  const fit = Math.floor(spare / burst);
  const concurrency = Math.max(1, Math.min(AUTO_MAX_COLD_START_CONCURRENCY, fit));
  const capped = fit > AUTO_MAX_COLD_START_CONCURRENCY ? `, at most ${AUTO_MAX_COLD_START_CONCURRENCY}` : '';
  return {
    concurrency,
    reason: `INIT runs with burst CPU (up to ${burst} CPU${burst === 1 ? '' : 's'} each): ${fit} burst${fit === 1 ? '' : 's'} fit in ${spare} of ${context.cpus} CPUs (one kept for the service and the client)${capped}`,
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
  // Plain decimal digits only: Number() would also take "0x3", "3e0" or " 3 ".
  return checkChoice(value === 'auto' ? 'auto' : /^\d+$/.test(value) ? Number(value) : NaN, JSON.stringify(value), option);
}

export function chooseColdStartConcurrency(choice: ColdStartConcurrencyChoice, context: ConcurrencyContext): ConcurrencyDecision {
  const checked = checkChoice(choice, JSON.stringify(choice), 'cold-start concurrency');
  if (checked === 'auto') return autoColdStartConcurrency(context);
  return { concurrency: checked, reason: 'chosen with --cold-start-concurrency' };
}
