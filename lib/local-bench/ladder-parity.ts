/**
 * The parity block of a local run: every chosen target against the `.apr` function over the same
 * payloads (lib/parity/ladder.ts), one payload after another, the `.apr` function answering each once
 * for all. Each target's result is kept under `targets`; a known, unavoidable difference (the node
 * function's, KNOWN_DIFFERENCES) is listed with its reason and does not count as broken parity, every
 * other mismatch does.
 */
import type { JsonValue, Parity } from '../benchmark/types';
import { runLadderParity, targetParity, type LambdaSender, type ParityPayload, type TargetParity } from '../parity';
import { targetDefinition, type TargetKey } from '../targets/registry';

/** `targets` must include 'apr'; the local functions are named by their keys. */
export async function ladderParity(lambda: LambdaSender, targets: readonly TargetKey[], payloads: readonly ParityPayload[], signal?: AbortSignal): Promise<Parity> {
  const others = targets.filter((k) => k !== 'apr');
  const runs = await runLadderParity(lambda, 'apr', others.map((key) => ({ key, functionName: key, runtime: targetDefinition(key).answersAs })), payloads, signal);
  const byTarget: Record<string, TargetParity> = {};
  for (const key of others) byTarget[key] = targetParity(key, runs.get(key)!.cases);
  return parityBlock(byTarget, payloads.length);
}

/** The whole run's parity from each target's: the largest difference, and identical only if every target is. */
export function parityBlock(byTarget: Record<string, TargetParity>, payloads: number): Parity {
  const all = Object.values(byTarget);
  const diffs = all.map((t) => t.maxAbsQualityDiff).filter((d): d is number => d !== null);
  return {
    maxAbsQualityDiff: diffs.length > 0 ? Math.max(...diffs) : null,
    identicalLabels: all.length > 0 ? all.every((t) => t.identical) : null,
    source: `parity test over ${payloads} payloads, every target against the .apr function`,
    cases: payloads,
    payloads,
    mismatches: all.reduce((n, t) => n + t.mismatches - t.knownDifferences.length, 0),
    knownDifferences: all.reduce((n, t) => n + t.knownDifferences.length, 0),
    targets: byTarget as unknown as JsonValue,
  };
}
