import { JSON_PREFIX, type Expectation } from './payloads';

/**
 * What one function answered to one event, reduced to what parity compares, and the comparison itself.
 * Pure: runParity feeds it the Invoke results.
 */

export const QUALITY_TOLERANCE = 1e-4;

/** An Invoke result as the Lambda API returns it. */
export type InvokeOutcome =
  | { functionError?: string; payload: string }
  /** The Invoke call itself failed (the function never saw the event). */
  | { apiError: string; message: string };

export type Observation =
  | { kind: 'answer'; proxy: boolean; quality: number; category: string; confidence: number; topFactors: string[]; runtime: string }
  | { kind: 'error'; proxy: boolean; errorType: string; errorMessage: string }
  | { kind: 'api-error'; name: string; message: string }
  /** Something the contract does not allow (not JSON, fields missing or of the wrong type). */
  | { kind: 'malformed'; detail: string; raw: string };

type JsonObject = Record<string, unknown>;

const isObject = (v: unknown): v is JsonObject => v !== null && typeof v === 'object' && !Array.isArray(v);

function parse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function clip(text: string): string {
  return text.length > 300 ? `${text.slice(0, 300)}...` : text;
}

function readAnswer(value: unknown, proxy: boolean, raw: string): Observation {
  if (!isObject(value)) return { kind: 'malformed', detail: 'answer is not a JSON object', raw: clip(raw) };
  const { quality, category, confidence, top_factors: topFactors, runtime } = value;
  if (typeof quality !== 'number' || typeof category !== 'string' || typeof confidence !== 'number' ||
      !Array.isArray(topFactors) || topFactors.length !== 3 || !topFactors.every((f) => typeof f === 'string') ||
      typeof runtime !== 'string' || typeof value.inference_us !== 'number' || typeof value.model_load_us !== 'number') {
    return { kind: 'malformed', detail: 'answer lacks a contract field or has one of the wrong type', raw: clip(raw) };
  }
  return { kind: 'answer', proxy, quality, category, confidence, topFactors: topFactors as string[], runtime };
}

function readError(value: unknown, proxy: boolean, raw: string): Observation {
  if (!isObject(value) || typeof value.errorType !== 'string' || typeof value.errorMessage !== 'string') {
    return { kind: 'malformed', detail: 'error without errorType and errorMessage strings', raw: clip(raw) };
  }
  return { kind: 'error', proxy, errorType: value.errorType, errorMessage: value.errorMessage };
}

export function observe(outcome: InvokeOutcome): Observation {
  if ('apiError' in outcome) return { kind: 'api-error', name: outcome.apiError, message: outcome.message };
  const value = parse(outcome.payload);
  if (outcome.functionError !== undefined) return readError(value, false, outcome.payload);
  if (isObject(value) && 'statusCode' in value) {
    const { statusCode, headers, body } = value;
    if (!isObject(headers) || headers['content-type'] !== 'application/json' || typeof body !== 'string') {
      return { kind: 'malformed', detail: 'proxy answer without JSON content-type header and string body', raw: clip(outcome.payload) };
    }
    const inner = parse(body);
    if (statusCode === 200) return readAnswer(inner, true, body);
    if (statusCode === 400) return readError(inner, true, body);
    return { kind: 'malformed', detail: `proxy answer with status ${String(statusCode)}`, raw: clip(outcome.payload) };
  }
  return readAnswer(value, false, outcome.payload);
}

/** Same message, where two JSON parsers may word the detail after the common prefix differently. */
export function sameMessage(a: string, b: string): boolean {
  return a === b || (a.startsWith(JSON_PREFIX) && b.startsWith(JSON_PREFIX));
}

function describe(o: Observation): string {
  switch (o.kind) {
    case 'answer': return `${o.proxy ? 'proxy ' : ''}answer quality ${o.quality} ${o.category} confidence ${o.confidence} [${o.topFactors.join(', ')}]`;
    case 'error': return `${o.proxy ? 'HTTP 400 ' : ''}${o.errorType}: ${o.errorMessage}`;
    case 'api-error': return `Invoke failed: ${o.name}: ${o.message}`;
    case 'malformed': return `malformed (${o.detail}): ${o.raw}`;
  }
}

/** Whether an observation is what the contract asks for; undefined when it is, else why not. */
export function violatesExpectation(o: Observation, expect: Expectation, runtime: string): string | undefined {
  if (o.kind === 'answer' && expect.kind === 'answer') {
    if (o.proxy !== expect.proxy) return `expected a ${expect.proxy ? 'proxy' : 'direct'} answer, got ${describe(o)}`;
    if (o.runtime !== runtime) return `runtime is ${JSON.stringify(o.runtime)}, expected ${JSON.stringify(runtime)}`;
    return undefined;
  }
  if (o.kind === 'error' && expect.kind === 'error') {
    if (o.proxy !== expect.proxy) return `expected ${expect.proxy ? 'an HTTP 400 answer' : 'an invocation error'}, got ${describe(o)}`;
    if (o.errorType !== 'InvalidInput') return `errorType ${o.errorType}, expected InvalidInput`;
    const ok = expect.message === JSON_PREFIX ? o.errorMessage.startsWith(JSON_PREFIX) : o.errorMessage === expect.message;
    return ok ? undefined : `message ${JSON.stringify(o.errorMessage)}, expected ${JSON.stringify(expect.message)}${expect.message === JSON_PREFIX ? '...' : ''}`;
  }
  return `expected ${expect.kind === 'answer' ? 'an answer' : `error ${JSON.stringify(expect.message)}`}, got ${describe(o)}`;
}

export interface PairComparison {
  /** |quality difference| when both answered. */
  qualityDiff?: number;
  /** Both answered and category, confidence and top factors are identical. */
  labelsIdentical?: boolean;
  /** Why the pair is not in parity (or not what the contract asks for); undefined when it is. */
  mismatch?: string;
}

export function comparePair(apr: Observation, pytorch: Observation, expect: Expectation): PairComparison {
  const problems: string[] = [];
  const aprViolation = violatesExpectation(apr, expect, 'apr');
  const pytorchViolation = violatesExpectation(pytorch, expect, 'pytorch');
  if (aprViolation) problems.push(`apr: ${aprViolation}`);
  if (pytorchViolation) problems.push(`pytorch: ${pytorchViolation}`);
  const result: PairComparison = {};
  if (apr.kind === 'answer' && pytorch.kind === 'answer') {
    result.qualityDiff = Math.abs(apr.quality - pytorch.quality);
    result.labelsIdentical = apr.category === pytorch.category && apr.confidence === pytorch.confidence &&
      apr.topFactors.join('\n') === pytorch.topFactors.join('\n');
    if (!(result.qualityDiff <= QUALITY_TOLERANCE)) problems.push(`quality differs by ${result.qualityDiff} (> ${QUALITY_TOLERANCE})`);
    if (!result.labelsIdentical) problems.push(`labels differ: apr ${describe(apr)}; pytorch ${describe(pytorch)}`);
  } else if (apr.kind === 'error' && pytorch.kind === 'error') {
    if (apr.proxy !== pytorch.proxy || apr.errorType !== pytorch.errorType || !sameMessage(apr.errorMessage, pytorch.errorMessage)) {
      problems.push(`errors differ: apr ${describe(apr)}; pytorch ${describe(pytorch)}`);
    }
  } else if (apr.kind !== pytorch.kind) {
    problems.push(`outcomes differ: apr ${describe(apr)}; pytorch ${describe(pytorch)}`);
  }
  if (problems.length > 0) result.mismatch = problems.join('; ');
  return result;
}

export interface ParityCase {
  name: string;
  apr: Observation;
  pytorch: Observation;
  comparison: PairComparison;
}

/** The parity block of results.json. */
export interface ParitySummary {
  /** Largest |quality(apr) − quality(pytorch)| over payloads both answered; null when none was. */
  maxAbsQualityDiff: number | null;
  /** Category, confidence and top factors identical on every payload both answered. */
  identicalLabels: boolean;
  payloads: number;
  /** Payloads not in parity, or not answered as the contract says, by either function. */
  mismatches: number;
  answeredByBoth: number;
  rejectedByBoth: number;
  qualityTolerance: number;
  /** The first mismatches, for the report. */
  mismatchExamples: { payload: string; problem: string }[];
}

export function summarize(cases: readonly ParityCase[], examples = 20): ParitySummary {
  let maxDiff: number | null = null;
  let identicalLabels = true;
  let answeredByBoth = 0;
  let rejectedByBoth = 0;
  const mismatched = cases.filter((c) => c.comparison.mismatch !== undefined);
  for (const c of cases) {
    if (c.comparison.qualityDiff !== undefined) {
      answeredByBoth += 1;
      maxDiff = Math.max(maxDiff ?? 0, c.comparison.qualityDiff);
      if (!c.comparison.labelsIdentical) identicalLabels = false;
    }
    if (c.apr.kind === 'error' && c.pytorch.kind === 'error') rejectedByBoth += 1;
  }
  return {
    maxAbsQualityDiff: maxDiff,
    identicalLabels,
    payloads: cases.length,
    mismatches: mismatched.length,
    answeredByBoth,
    rejectedByBoth,
    qualityTolerance: QUALITY_TOLERANCE,
    mismatchExamples: mismatched.slice(0, examples).map((c) => ({ payload: c.name, problem: c.comparison.mismatch as string })),
  };
}
