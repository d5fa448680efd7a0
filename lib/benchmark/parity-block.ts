/**
 * results.json's parity block from a parity run's summary: the results' shape is the benchmark's, the
 * summary the parity check's, and the benchmark sits above the parity check (it renders its blocks).
 */
import type { ParitySummary } from '../parity/compare';
import type { Parity } from './types';

/** The parity block of results.json, from a parity run's summary. */
export function toBenchmarkParity(summary: ParitySummary, source = `parity test over ${summary.payloads} payloads`): Parity {
  return {
    maxAbsQualityDiff: summary.maxAbsQualityDiff,
    identicalLabels: summary.identicalLabels,
    source,
    cases: summary.payloads,
    payloads: summary.payloads,
    mismatches: summary.mismatches,
    answeredByBoth: summary.answeredByBoth,
    rejectedByBoth: summary.rejectedByBoth,
    qualityTolerance: summary.qualityTolerance,
    mismatchExamples: summary.mismatchExamples.map((m) => ({ payload: m.payload, problem: m.problem })),
  };
}
