import { toBenchmarkParity } from '../../lib/benchmark/parity-block';
import { comparePair, observe, runLadderParity, summarize, sameMessage, type Expectation, type ParityCase } from '../../lib/parity';

const answerBody = (quality: number, runtime: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  quality, category: 'Average', confidence: 1, top_factors: ['volatile_acidity', 'total_sulfur_dioxide', 'chlorides'],
  runtime, inference_us: 12.5, model_load_us: 80, ...extra,
});
const direct = (body: unknown): { payload: string } => ({ payload: JSON.stringify(body) });
const proxied = (status: number, body: unknown): { payload: string } => ({
  payload: JSON.stringify({ statusCode: status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
});
const failed = (type: string, message: string): { functionError: string; payload: string } => ({
  functionError: 'Unhandled', payload: JSON.stringify({ errorMessage: message, errorType: type, stackTrace: [] }),
});
const ANSWER: Expectation = { kind: 'answer', proxy: false };

describe('observe', () => {
  test('reads direct, proxy and error answers', () => {
    expect(observe(direct(answerBody(5.8, 'apr')))).toMatchObject({ kind: 'answer', proxy: false, quality: 5.8, runtime: 'apr' });
    expect(observe(proxied(200, answerBody(5.8, 'apr')))).toMatchObject({ kind: 'answer', proxy: true });
    expect(observe(proxied(400, { errorType: 'InvalidInput', errorMessage: 'm' }))).toEqual({ kind: 'error', proxy: true, errorType: 'InvalidInput', errorMessage: 'm' });
    expect(observe(failed('InvalidInput', 'm'))).toEqual({ kind: 'error', proxy: false, errorType: 'InvalidInput', errorMessage: 'm' });
    expect(observe({ apiError: 'RequestTooLargeException', message: 'too large' })).toMatchObject({ kind: 'api-error' });
  });

  test('flags what the contract does not allow', () => {
    expect(observe({ payload: 'not json' })).toMatchObject({ kind: 'malformed' });
    expect(observe(direct({ quality: '5.8' }))).toMatchObject({ kind: 'malformed' });
    expect(observe(direct(answerBody(5.8, 'apr', { top_factors: ['a', 'b'] })))).toMatchObject({ kind: 'malformed' });
    expect(observe(proxied(502, {}))).toMatchObject({ kind: 'malformed' });
    expect(observe({ payload: JSON.stringify({ statusCode: 200, headers: {}, body: '{}' }) })).toMatchObject({ kind: 'malformed' });
  });
});

describe('comparePair', () => {
  test('answers agree within 1e-4 with identical labels', () => {
    const result = comparePair(observe(direct(answerBody(5.7966918, 'apr'))), observe(direct(answerBody(5.796692, 'pytorch'))), ANSWER);
    expect(result.mismatch).toBeUndefined();
    expect(result.qualityDiff).toBeCloseTo(2e-7, 9);
    expect(result.labelsIdentical).toBe(true);
  });

  test('quality beyond the tolerance, or any label difference, is a mismatch', () => {
    expect(comparePair(observe(direct(answerBody(5.8, 'apr'))), observe(direct(answerBody(5.8002, 'pytorch'))), ANSWER).mismatch)
      .toMatch(/quality differs/);
    const other = comparePair(observe(direct(answerBody(5.8, 'apr'))), observe(direct(answerBody(5.8, 'pytorch', { confidence: 10 / 11 }))), ANSWER);
    expect(other.labelsIdentical).toBe(false);
    expect(other.mismatch).toMatch(/labels differ/);
  });

  test('errors agree on type and message; only a JSON parser detail may differ', () => {
    const expect400: Expectation = { kind: 'error', proxy: false, message: 'request body is not valid JSON: ' };
    const a = observe(failed('InvalidInput', 'request body is not valid JSON: number out of range at line 1 column 9'));
    const b = observe(failed('InvalidInput', 'request body is not valid JSON: number out of range: 1e400'));
    expect(comparePair(a, b, expect400).mismatch).toBeUndefined();
    expect(sameMessage("missing field 'pH'", "missing field 'ph'")).toBe(false);
    const missing: Expectation = { kind: 'error', proxy: false, message: "missing field 'pH'" };
    expect(comparePair(observe(failed('InvalidInput', "missing field 'pH'")), observe(failed('InvalidInput', "missing field 'ph'")), missing).mismatch)
      .toMatch(/errors differ/);
    expect(comparePair(observe(failed('InvalidInput', "missing field 'pH'")), observe(failed('Runtime.UnmarshalError', "missing field 'pH'")), missing).mismatch)
      .toMatch(/errorType Runtime.UnmarshalError, expected InvalidInput/);
  });

  test('an answer on one side and an error on the other is a mismatch; so is the wrong runtime or envelope', () => {
    expect(comparePair(observe(direct(answerBody(5.8, 'apr'))), observe(failed('InvalidInput', 'x')), ANSWER).mismatch).toMatch(/outcomes differ/);
    expect(comparePair(observe(direct(answerBody(5.8, 'pytorch'))), observe(direct(answerBody(5.8, 'pytorch'))), ANSWER).mismatch)
      .toMatch(/apr: runtime is "pytorch"/);
    expect(comparePair(observe(proxied(200, answerBody(5.8, 'apr'))), observe(proxied(200, answerBody(5.8, 'pytorch'))), ANSWER).mismatch)
      .toMatch(/expected a direct answer/);
  });

  test('both sides wrong in the same way is still reported', () => {
    const expected: Expectation = { kind: 'error', proxy: false, message: 'request must be a JSON object, got array' };
    const wrong = observe(failed('InvalidInput', 'request must be a JSON object, got list'));
    expect(comparePair(wrong, wrong, expected).mismatch).toMatch(/^apr: message .*; pytorch: message/);
  });
});

describe('summarize', () => {
  test('largest quality difference, labels, counts, and the block results.json carries', () => {
    const make = (name: string, qa: number, qb: number, confidence = 1): ParityCase => {
      const apr = observe(direct(answerBody(qa, 'apr')));
      const pytorch = observe(direct(answerBody(qb, 'pytorch', { confidence })));
      return { name, apr, pytorch, comparison: comparePair(apr, pytorch, ANSWER) };
    };
    const error = observe(failed('InvalidInput', "missing field 'pH'"));
    const cases = [make('a', 5, 5.00001), make('b', 6, 6.00003), make('c', 7, 7, 0.5),
      { name: 'd', apr: error, pytorch: error, comparison: comparePair(error, error, { kind: 'error', proxy: false, message: "missing field 'pH'" }) }];
    const summary = summarize(cases);
    expect(summary.maxAbsQualityDiff).toBeCloseTo(3e-5, 9);
    expect(summary.identicalLabels).toBe(false);
    expect(summary).toMatchObject({ payloads: 4, mismatches: 1, answeredByBoth: 3, rejectedByBoth: 1 });
    expect(summary.mismatchExamples).toEqual([{ payload: 'c', problem: expect.stringMatching(/labels differ/) }]);
    expect(toBenchmarkParity(summary)).toMatchObject({ maxAbsQualityDiff: summary.maxAbsQualityDiff, identicalLabels: false, payloads: 4, mismatches: 1, cases: 4 });
    expect(summarize([]).maxAbsQualityDiff).toBeNull();
  });
});

describe('a ladder parity run that is stopped', () => {
  test('stops at the next payload instead of recording every later payload as a failed answer', async () => {
    const controller = new AbortController();
    let sent = 0;
    // Answers the first payload, then the run is stopped: from then on every request would fail at once,
    // as the bench's stopped SDK client makes it.
    const lambda = {
      send: async () => {
        sent++;
        if (controller.signal.aborted) throw new Error('the run was stopped');
        if (sent === 3) controller.abort('SIGINT');
        return { StatusCode: 200, Payload: new TextEncoder().encode('{"quality":5}') };
      },
    };
    const payloads = Array.from({ length: 1000 }, (_, i) => ({ name: `p${i}`, event: new TextEncoder().encode('{}'), expect: { kind: 'answer' } }));
    await expect(
      runLadderParity(lambda as never, 'apr', [{ key: 'python', functionName: 'python', runtime: 'python' }], payloads as never, controller.signal),
    ).rejects.toBe('SIGINT');
    expect(sent).toBeLessThanOrEqual(4);
  });
});
