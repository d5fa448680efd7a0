import type { Architecture, CostBlock, CostTarget } from './types';

/**
 * Lambda on-demand list prices, us-east-1, without the free tier. Duration is billed per 1 ms,
 * in GB-seconds (memory in GB = MB / 1024).
 */
export const LAMBDA_PRICES = Object.freeze({
  region: 'us-east-1',
  perGbSecond: Object.freeze({ x86_64: 0.0000166667, arm64: 0.0000133334 } as Record<Architecture, number>),
  perMillionRequests: 0.2,
});

export const COST_FORMULA =
  'cost per 1M invocations = 1,000,000 × [ s × ceil(Init p50 + cold Duration p50) + (1 − s) × max(1, ceil(warm Duration p50)) ] ms ' +
  '/ 1000 × (memory MB / 1024) × price per GB-second + $0.20; s = share of invocations that are cold starts. ' +
  'INIT is billed (custom runtimes and container images always were; all on-demand functions since 1 Aug 2025).';

/** Billed ms of a cold start: INIT and the first invocation together, rounded up to the next ms. */
export function coldBilledMs(initMs: number, durationMs: number): number {
  return Math.ceil(initMs + durationMs);
}

/** Billed ms of a warm invocation: rounded up to the next ms, at least 1 ms. */
export function warmBilledMs(durationMs: number): number {
  return Math.max(1, Math.ceil(durationMs));
}

/** USD for `billedMs` at `memorySizeMB` on `architecture`, duration charge only. */
export function durationCost(billedMs: number, memorySizeMB: number, architecture: Architecture): number {
  const price = LAMBDA_PRICES.perGbSecond[architecture];
  if (price === undefined) {
    throw new Error(`no Lambda price for architecture ${JSON.stringify(architecture)}`);
  }
  return (billedMs / 1000) * (memorySizeMB / 1024) * price;
}

export interface CostInputs {
  architecture: Architecture;
  memorySizeMB: number;
  /** Measured p50s; null when the target produced no such sample. */
  initP50Ms: number | null;
  coldDurationP50Ms: number | null;
  warmDurationP50Ms: number | null;
}

/** USD per 1M invocations when a share `coldShare` of them are cold starts. */
export function costPerMillion(
  coldBilled: number | null,
  warmBilled: number | null,
  coldShare: number,
  memorySizeMB: number,
  architecture: Architecture,
): number | null {
  if (!(coldShare >= 0 && coldShare <= 1)) {
    throw new Error(`cold-start share must be in [0, 1], got ${coldShare}`);
  }
  // A share of exactly 0 or 1 needs only one of the two measurements.
  if ((coldShare > 0 && coldBilled === null) || (coldShare < 1 && warmBilled === null)) {
    return null;
  }
  const coldPart = coldShare > 0 ? coldShare * durationCost(coldBilled as number, memorySizeMB, architecture) : 0;
  const warmPart = coldShare < 1 ? (1 - coldShare) * durationCost(warmBilled as number, memorySizeMB, architecture) : 0;
  return 1_000_000 * (coldPart + warmPart) + LAMBDA_PRICES.perMillionRequests;
}

export function costForTarget(inputs: CostInputs, coldShare: number): CostTarget {
  const cold =
    inputs.initP50Ms !== null && inputs.coldDurationP50Ms !== null
      ? coldBilledMs(inputs.initP50Ms, inputs.coldDurationP50Ms)
      : null;
  const warm = inputs.warmDurationP50Ms !== null ? warmBilledMs(inputs.warmDurationP50Ms) : null;
  const at = (share: number) => costPerMillion(cold, warm, share, inputs.memorySizeMB, inputs.architecture);
  return {
    architecture: inputs.architecture,
    memorySizeMB: inputs.memorySizeMB,
    pricePerGbSecond: LAMBDA_PRICES.perGbSecond[inputs.architecture],
    coldBilledMs: cold,
    warmBilledMs: warm,
    perMillion: at(coldShare),
    perMillionAllWarm: at(0),
    perMillionAllCold: at(1),
  };
}

export function costBlock(targets: { [key: string]: CostInputs }, coldShare: number): CostBlock {
  const out: CostBlock = {
    region: LAMBDA_PRICES.region,
    coldStartShare: coldShare,
    pricePerMillionRequests: LAMBDA_PRICES.perMillionRequests,
    formula: COST_FORMULA,
    targets: {},
  };
  for (const [key, inputs] of Object.entries(targets)) {
    out.targets[key] = costForTarget(inputs, coldShare);
  }
  return out;
}
