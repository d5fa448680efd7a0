/**
 * Parity of any target with the `.apr` function (the cold-start ladder's rungs, the PyTorch function): the same events to both through the Lambda Invoke API,
 * and the same answers back under docs/CONTRACT.md (quality within 1e-4; category, confidence and top
 * factors identical; the same errorType and message on bad input, a JSON parser's detail excepted), each
 * side also answering as the contract says it must. Built from lib/parity's pieces; runParity
 * compares the `.apr` function with the PyTorch function alone, in the older shape of results.json.
 */
import { observe, sameMessage, violatesExpectation, QUALITY_TOLERANCE, type Observation } from './compare';
import type { ParityPayload } from './payloads';
import { invokeRaw, type LambdaSender } from './run-parity';

export interface RungCase {
  name: string;
  apr: Observation;
  rung: Observation;
  qualityDiff?: number;
  /** Why the pair is not in parity, or not what the contract asks for; undefined when it is. */
  mismatch?: string;
}

export interface RungParitySummary {
  payloads: number;
  answeredByBoth: number;
  rejectedByBoth: number;
  /** Largest |quality(apr) − quality(rung)| over payloads both answered; null when none was. */
  maxAbsQualityDiff: number | null;
  mismatches: number;
  mismatchExamples: { payload: string; problem: string }[];
}

function describe(o: Observation): string {
  switch (o.kind) {
    case 'answer': return `${o.proxy ? 'proxy ' : ''}answer ${o.quality} ${o.category} ${o.confidence} [${o.topFactors.join(', ')}]`;
    case 'error': return `${o.proxy ? 'HTTP 400 ' : ''}${o.errorType}: ${o.errorMessage}`;
    case 'api-error': return `Invoke failed: ${o.name}: ${o.message}`;
    case 'malformed': return `malformed (${o.detail}): ${o.raw}`;
  }
}

/** Compares one pair. `rungRuntime` is the `runtime` field the rung's answers must carry. */
export function compareWithApr(name: string, apr: Observation, rung: Observation, payload: ParityPayload, rungRuntime: string): RungCase {
  const problems: string[] = [];
  const aprViolation = violatesExpectation(apr, payload.expect, 'apr');
  const rungViolation = violatesExpectation(rung, payload.expect, rungRuntime);
  if (aprViolation) problems.push(`apr: ${aprViolation}`);
  if (rungViolation) problems.push(`${rungRuntime}: ${rungViolation}`);
  const result: RungCase = { name, apr, rung };
  if (apr.kind === 'answer' && rung.kind === 'answer') {
    result.qualityDiff = Math.abs(apr.quality - rung.quality);
    if (!(result.qualityDiff <= QUALITY_TOLERANCE)) problems.push(`quality differs by ${result.qualityDiff} (> ${QUALITY_TOLERANCE})`);
    const same = apr.category === rung.category && apr.confidence === rung.confidence && apr.topFactors.join('\n') === rung.topFactors.join('\n');
    if (!same) problems.push(`labels differ: apr ${describe(apr)}; ${rungRuntime} ${describe(rung)}`);
  } else if (apr.kind === 'error' && rung.kind === 'error') {
    if (apr.proxy !== rung.proxy || apr.errorType !== rung.errorType || !sameMessage(apr.errorMessage, rung.errorMessage)) {
      problems.push(`errors differ: apr ${describe(apr)}; ${rungRuntime} ${describe(rung)}`);
    }
  } else if (apr.kind !== rung.kind) {
    problems.push(`outcomes differ: apr ${describe(apr)}; ${rungRuntime} ${describe(rung)}`);
  }
  if (problems.length > 0) result.mismatch = problems.join('; ');
  return result;
}

/**
 * Sends every payload to the `.apr` function and to the rung, payloads one after another (each function
 * keeps one warm environment), and compares each pair.
 */
export async function runRungParity(
  lambda: LambdaSender,
  aprFunctionName: string,
  rungFunctionName: string,
  rungRuntime: string,
  payloads: readonly ParityPayload[],
): Promise<{ summary: RungParitySummary; cases: RungCase[] }> {
  // The ladder's loop with one rung.
  const runs = await runLadderParity(lambda, aprFunctionName, [{ key: rungFunctionName, functionName: rungFunctionName, runtime: rungRuntime }], payloads);
  return runs.get(rungFunctionName)!;
}

export function summarizeRung(cases: readonly RungCase[], examples = 20): RungParitySummary {
  let maxDiff: number | null = null;
  let rejectedByBoth = 0;
  let answeredByBoth = 0;
  for (const c of cases) {
    if (c.qualityDiff !== undefined) {
      answeredByBoth += 1;
      maxDiff = Math.max(maxDiff ?? 0, c.qualityDiff);
    }
    if (c.apr.kind === 'error' && c.rung.kind === 'error') rejectedByBoth += 1;
  }
  const mismatched = cases.filter((c) => c.mismatch !== undefined);
  return {
    payloads: cases.length,
    answeredByBoth,
    rejectedByBoth,
    maxAbsQualityDiff: maxDiff,
    mismatches: mismatched.length,
    mismatchExamples: mismatched.slice(0, examples).map((c) => ({ payload: c.name, problem: c.mismatch as string })),
  };
}

/** Which parity payloads a run sends. */
export type PayloadSelection = 'subset' | 'red' | 'all';

/**
 * `all`: every payload lib/parity builds (every red and white wine, edge values, bad inputs). `red`: all
 * but the plain white-wine rows; the white rows sent in another form the contract allows (every 25th,
 * with `ph` spelled in lower case) stay, as they are the set's only rows in that form. `subset`: the
 * same, with only the first `redRows` plain red-wine rows (the jest test's set, which keeps it quick).
 */
export function selectPayloads(payloads: readonly ParityPayload[], selection: PayloadSelection, redRows = 100): ParityPayload[] {
  if (selection === 'all') return [...payloads];
  let redKept = 0;
  return payloads.filter((p) => {
    if (/^white row \d+$/.test(p.name)) return false;
    if (selection === 'red' || !/^red row \d+$/.test(p.name)) return true;
    redKept += 1;
    return redKept <= redRows;
  });
}

/** One rung as runLadderParity compares it. */
export interface RungUnderTest {
  key: string;
  functionName: string;
  /** The `runtime` field its answers carry. */
  runtime: string;
}

/**
 * Every payload to the `.apr` function and to every rung at once, payloads one after another (each function
 * keeps one warm environment, and the `.apr` function answers each payload once for all rungs).
 */
export async function runLadderParity(
  lambda: LambdaSender,
  aprFunctionName: string,
  rungs: readonly RungUnderTest[],
  payloads: readonly ParityPayload[],
  signal?: AbortSignal,
): Promise<Map<string, { summary: RungParitySummary; cases: RungCase[] }>> {
  const cases = new Map<string, RungCase[]>(rungs.map((r) => [r.key, []]));
  for (const payload of payloads) {
    // Once stopped, every request fails at once and would be recorded as a failed answer, payload after
    // payload, in microtasks that leave the event loop no free turn: stop at the next payload instead.
    signal?.throwIfAborted();
    const [apr, ...answers] = await Promise.all([
      invokeRaw(lambda, aprFunctionName, payload.event),
      ...rungs.map((r) => invokeRaw(lambda, r.functionName, payload.event)),
    ]);
    rungs.forEach((r, i) => cases.get(r.key)!.push(compareWithApr(payload.name, observe(apr), observe(answers[i]), payload, r.runtime)));
  }
  return new Map(rungs.map((r) => [r.key, { summary: summarizeRung(cases.get(r.key)!), cases: cases.get(r.key)! }]));
}

/**
 * Differences a target cannot avoid, by payload name, with why: reported as known, never hidden.
 * The node function cannot refuse bytes that are not UTF-8 inside a string of a direct event:
 * aws-lambda-ric decodes the event (replacing them with U+FFFD) and JSON.parses it before the handler
 * runs, and offers no way to see the bytes (baselines/node-wine/README.md, wine-rules.mjs).
 */
export const KNOWN_DIFFERENCES: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  node: {
    'invalid UTF-8 in an ignored string':
      'aws-lambda-ric decodes the event before the handler runs (invalid UTF-8 becomes U+FFFD), so the function cannot see the bytes it should refuse',
  },
};

/** One target's parity as results.json records it (parity.targets[key]). */
export interface TargetParity {
  payloads: number;
  answeredByBoth: number;
  rejectedByBoth: number;
  maxAbsQualityDiff: number | null;
  /** Every mismatch, known ones included. */
  mismatches: number;
  /** Mismatches listed in KNOWN_DIFFERENCES, with the reason; they are reported, not counted as breaking parity. */
  knownDifferences: { payload: string; problem: string; why: string }[];
  /** Mismatches nobody expected: parity is broken when there is one. */
  unexpectedMismatches: { payload: string; problem: string }[];
  /** Labels (category, confidence, top factors) identical on every payload both answered, and no unexpected mismatch. */
  identical: boolean;
}

/** A target's parity from its cases, with the known differences set apart. */
export function targetParity(key: string, cases: readonly RungCase[], examples = 20): TargetParity {
  const s = summarizeRung(cases, examples);
  const known = KNOWN_DIFFERENCES[key] ?? {};
  const mismatched = cases.filter((c) => c.mismatch !== undefined);
  const knownDifferences = mismatched.filter((c) => known[c.name] !== undefined).map((c) => ({ payload: c.name, problem: c.mismatch as string, why: known[c.name] }));
  const unexpected = mismatched.filter((c) => known[c.name] === undefined);
  return {
    payloads: s.payloads,
    answeredByBoth: s.answeredByBoth,
    rejectedByBoth: s.rejectedByBoth,
    maxAbsQualityDiff: s.maxAbsQualityDiff,
    mismatches: s.mismatches,
    knownDifferences,
    unexpectedMismatches: unexpected.slice(0, examples).map((c) => ({ payload: c.name, problem: c.mismatch as string })),
    identical: unexpected.length === 0 && s.answeredByBoth > 0,
  };
}
