/**
 * The ladder's functions (test/ladder/ladder-targets.ts), each a real process behind the local Lambda
 * service's Runtime API, answer as the `.apr` function does (docs/CONTRACT.md) over the parity payloads:
 * the reference payload in its forms, edge values, every bad input, and the first 100 red wines. Error
 * answers are compared too (errorType and errorMessage, a JSON parser's detail excepted).
 * `npx ts-node --transpile-only test/ladder/ladder-cli.ts parity --payloads all` runs every payload.
 * A rung that is not built here is skipped, naming the command that builds it (`bash scripts/setup-ladder.sh`).
 */
import { join } from 'node:path';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { REFERENCE_PAYLOAD } from '../../lib/benchmark/reference-payload';
import { LocalLambdaService } from '../../lib/local-lambda';
import { loadWineCsv } from '../../lib/model/wine-data';
import { buildParityPayloads, invokeRaw, sameMessage } from '../../lib/parity';
import { localTargets, missingTargetFiles } from '../../lib/targets/local-targets';
import { LADDER_KEYS, ladderRungs, missingRungFiles, type LadderKey } from './ladder-targets';
import { runLadderParity, selectPayloads, type RungCase, type RungParitySummary } from './ladder-parity';

const ROOT = join(__dirname, '..', '..');
const apr = localTargets(ROOT).apr;
const aprMissing = missingTargetFiles(apr, ROOT);
const rungs = ladderRungs(ROOT);
const missing = new Map(LADDER_KEYS.map((key) => [key, aprMissing ?? missingRungFiles(rungs[key])]));
const ready = LADDER_KEYS.filter((key) => missing.get(key) === undefined);
for (const key of LADDER_KEYS) {
  if (missing.get(key)) process.stderr.write(`skipped: ladder rung ${missing.get(key)}\n`);
}

/**
 * The one payload the node function cannot refuse as the contract says: bytes that are not UTF-8 inside a
 * string of a direct event. aws-lambda-ric decodes the event (replacing them with U+FFFD) and JSON.parses it
 * before the handler runs, and offers no way to see the bytes (baselines/node-wine/wine-rules.mjs).
 */
const KNOWN_DIFFERENCES: Partial<Record<LadderKey, string[]>> = {
  node: ['invalid UTF-8 in an ignored string'],
};

let service: LocalLambdaService;
let lambda: LambdaClient;
let results: Map<string, { summary: RungParitySummary; cases: RungCase[] }>;

beforeAll(async () => {
  if (ready.length === 0) return;
  // No CPU or memory limits: this compares answers, it times nothing.
  service = await LocalLambdaService.start({ limits: 'off' });
  service.register(apr);
  for (const key of ready) service.register(rungs[key].definition);
  lambda = new LambdaClient({ endpoint: service.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts: 1 });
  const payloads = selectPayloads(buildParityPayloads({
    red: loadWineCsv(join(ROOT, 'data', 'wine', 'winequality-red.csv')),
    white: loadWineCsv(join(ROOT, 'data', 'wine', 'winequality-white.csv')),
    referencePayload: REFERENCE_PAYLOAD,
  }), 'subset', 100);
  results = await runLadderParity(lambda, apr.functionName, ready.map((key) => ({ key, functionName: rungs[key].definition.functionName, runtime: rungs[key].answersAs })), payloads);
}, 120_000);

afterAll(async () => {
  lambda?.destroy();
  await service?.stop();
}, 30_000);

/**
 * The whole error document a direct refusal posts. docs/CONTRACT.md gives `{errorMessage, errorType,
 * stackTrace: []}`; the Python functions post exactly that, the crate and aws-lambda-ric post their own shapes
 * with the same errorType and errorMessage (their READMEs say so), and none carries a stack or host path.
 */
const ERROR_DOCUMENT_KEYS: Record<LadderKey, string[]> = {
  'apr-runtime-crate': ['errorMessage', 'errorType'],
  python: ['errorMessage', 'errorType', 'stackTrace'],
  numpy: ['errorMessage', 'errorType', 'stackTrace'],
  onnx: ['errorMessage', 'errorType', 'stackTrace'],
  node: ['errorMessage', 'errorType', 'trace'],
};

describe.each(LADDER_KEYS.map((key) => [key]))('ladder rung %s', (key) => {
  const run = missing.get(key) === undefined ? test : test.skip;

  run('answers every parity payload as the .apr function does', () => {
    const { summary, cases } = results.get(key)!;
    const known = KNOWN_DIFFERENCES[key] ?? [];
    const unexpected = summary.mismatchExamples.filter((m) => !known.includes(m.payload));
    expect(unexpected).toEqual([]);
    expect(summary.mismatches).toBe(cases.filter((c) => known.includes(c.name) && c.mismatch !== undefined).length);
    expect(summary.payloads).toBeGreaterThan(350);
    expect(summary.answeredByBoth).toBeGreaterThanOrEqual(300);
    expect(summary.rejectedByBoth).toBeGreaterThanOrEqual(80);
    expect(summary.maxAbsQualityDiff).toBe(0);
  });

  run('refuses bad input with the .apr function\'s errorType and message, direct and proxy', () => {
    const { cases } = results.get(key)!;
    const byName = new Map(cases.map((c) => [c.name, c]));
    const errors = ['missing pH', 'chlorides is string', 'both pH and ph', 'density 1e39', 'a feature beyond float64 (1e400)',
      'an unpaired surrogate escape in an ignored field', 'nesting 128 levels deep', 'proxy body: missing pH', 'base64 proxy body: not UTF-8'];
    for (const name of errors) {
      const { apr: expected, rung: got } = byName.get(name)!;
      if (expected.kind !== 'error' || got.kind !== 'error') throw new Error(`${name}: apr ${expected.kind}, rung ${got.kind}: both must refuse it`);
      // After `request body is not valid JSON: ` each language's parser words its own detail.
      expect({ name, proxy: got.proxy, errorType: got.errorType, sameMessage: sameMessage(got.errorMessage, expected.errorMessage) })
        .toEqual({ name, proxy: expected.proxy, errorType: 'InvalidInput', sameMessage: true });
    }
    expect(byName.get('missing pH')!.rung).toEqual({ kind: 'error', proxy: false, errorType: 'InvalidInput', errorMessage: "missing field 'pH'" });
  });

  run('posts a refusal\'s error document without a stack trace', async () => {
    const event = new TextEncoder().encode(JSON.stringify({ ...REFERENCE_PAYLOAD, alcohol: 'strong' }));
    const outcome = await invokeRaw(lambda, rungs[key].definition.functionName, event);
    if (!('payload' in outcome)) throw new Error(`Invoke failed: ${outcome.apiError}: ${outcome.message}`);
    expect(outcome.functionError).toBe('Unhandled');
    const document = JSON.parse(outcome.payload) as Record<string, unknown>;
    expect(Object.keys(document).sort()).toEqual(ERROR_DOCUMENT_KEYS[key]);
    expect(document).toMatchObject({ errorType: 'InvalidInput', errorMessage: "field 'alcohol' must be a number, got string" });
    for (const trace of [document.stackTrace, document.trace]) if (trace !== undefined) expect(trace).toEqual([]);
  });
});
