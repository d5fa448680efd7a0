/**
 * The parity check between the `.apr` function and the PyTorch function: the same events to both, the
 * same answers back (quality within 1e-4; category, confidence and top factors identical; the same
 * errorType and message on bad input, a JSON parser's detail excepted), as docs/CONTRACT.md requires.
 */
export { buildParityPayloads, featureRanges, nextFloat64, JSON_PREFIX } from './payloads';
export type { ParityPayload, ParityInputs, Expectation, FeatureRanges } from './payloads';
export { observe, comparePair, summarize, sameMessage, violatesExpectation, QUALITY_TOLERANCE } from './compare';
export type { InvokeOutcome, Observation, PairComparison, ParityCase, ParitySummary } from './compare';
export { runParity, invokeRaw } from './run-parity';
export type { ParityRun, LambdaSender } from './run-parity';
export { compareWithApr, runRungParity, runLadderParity, summarizeRung, selectPayloads, targetParity, KNOWN_DIFFERENCES } from './ladder';
export type { RungCase, RungParitySummary, RungUnderTest, PayloadSelection, TargetParity } from './ladder';
