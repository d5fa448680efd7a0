/**
 * Parity of the two functions, each running as a real process behind the Runtime API of the local Lambda
 * service: the Rust binary (lambda-apr/dist/bootstrap, `npm run build:apr`) and the PyTorch function under
 * awslambdaric (baselines/pytorch-wine, `npm run build:pytorch`). Every payload of lib/parity goes to both
 * through the Lambda Invoke API; see docs/CONTRACT.md for what must agree.
 */
import { join } from 'node:path';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { REFERENCE_PAYLOAD } from '../../lib/benchmark/reference-payload';
import { LocalLambdaService } from '../../lib/local-lambda';
import { loadWineCsv } from '../../lib/model/wine-data';
import { buildParityPayloads, invokeRaw, runParity, QUALITY_TOLERANCE } from '../../lib/parity';
import { localTargets, missingTargetFiles } from '../../lib/targets/local-targets';

const ROOT = join(__dirname, '..', '..');

describe('parity between the .apr function and the PyTorch function', () => {
  let service: LocalLambdaService | undefined;
  let lambda: LambdaClient | undefined;
  const targets = localTargets(ROOT);

  beforeAll(async () => {
    for (const target of [targets.apr, targets.pytorch]) {
      const missing = missingTargetFiles(target, ROOT);
      if (missing) throw new Error(missing);
    }
    // No CPU or memory limits: this compares answers, it does not time anything.
    service = await LocalLambdaService.start({ limits: 'off' });
    service.register(targets.apr);
    service.register(targets.pytorch);
    lambda = new LambdaClient({
      endpoint: service.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      maxAttempts: 1,
    });
  }, 120_000);

  afterAll(async () => {
    lambda?.destroy();
    await service?.stop();
  }, 60_000);

  test('the same answers to every wine, edge value and bad input', async () => {
    const payloads = buildParityPayloads({
      red: loadWineCsv(join(ROOT, 'data', 'wine', 'winequality-red.csv')),
      white: loadWineCsv(join(ROOT, 'data', 'wine', 'winequality-white.csv')),
      referencePayload: REFERENCE_PAYLOAD,
    });
    expect(payloads.length).toBeGreaterThanOrEqual(1000);

    const started = Date.now();
    const { summary } = await runParity(lambda!, targets.apr.functionName, targets.pytorch.functionName, payloads);
    const reference = await invokeRaw(lambda!, targets.pytorch.functionName, new TextEncoder().encode(JSON.stringify(REFERENCE_PAYLOAD)));
    const torchVersion = 'payload' in reference ? (JSON.parse(reference.payload) as { torch_version?: string }).torch_version : undefined;
    console.log(
      `parity: ${summary.payloads} payloads in ${((Date.now() - started) / 1000).toFixed(1)} s ` +
      `(answered by both ${summary.answeredByBoth}, rejected by both ${summary.rejectedByBoth}); ` +
      `largest |quality difference| ${summary.maxAbsQualityDiff} (tolerance ${QUALITY_TOLERANCE}); ` +
      `identical labels ${summary.identicalLabels}; mismatches ${summary.mismatches}; torch ${torchVersion}\n` +
      JSON.stringify(summary.mismatchExamples, null, 2),
    );

    expect(summary.mismatchExamples).toEqual([]);
    expect(summary.mismatches).toBe(0);
    expect(summary.identicalLabels).toBe(true);
    expect(summary.maxAbsQualityDiff).not.toBeNull();
    expect(summary.maxAbsQualityDiff!).toBeLessThanOrEqual(QUALITY_TOLERANCE);
    expect(summary.answeredByBoth).toBeGreaterThan(6497);
    expect(summary.rejectedByBoth).toBeGreaterThan(50);
    expect(torchVersion).toMatch(/^\d+\.\d+/);
  }, 900_000);
});
