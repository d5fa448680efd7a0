import { BenchmarkConfigError, DEFAULT_CONFIG, resolveConfig, validateTargets } from '../../lib/benchmark/config';
import { REFERENCE_PAYLOAD } from '../../lib/benchmark/reference-payload';
import type { TargetSpec } from '../../lib/benchmark/types';

describe('resolveConfig', () => {
  test('defaults: 30 cold starts, 100 warm invocations, the reference payload', () => {
    const c = resolveConfig();
    expect(c.coldStarts).toBe(30);
    expect(c.warmInvocations).toBe(100);
    expect(c.payload).toEqual({
      fixed_acidity: 7.0, volatile_acidity: 0.3, citric_acid: 0.3, residual_sugar: 2.0, chlorides: 0.05,
      free_sulfur_dioxide: 30.0, total_sulfur_dioxide: 100.0, density: 0.995, pH: 3.3, sulphates: 0.6, alcohol: 10.5,
    });
    expect(JSON.stringify(REFERENCE_PAYLOAD)).toBe(
      '{"fixed_acidity":7,"volatile_acidity":0.3,"citric_acid":0.3,"residual_sugar":2,"chlorides":0.05,"free_sulfur_dioxide":30,"total_sulfur_dioxide":100,"density":0.995,"pH":3.3,"sulphates":0.6,"alcohol":10.5}',
    );
    expect(c.ratio).toEqual({ numerator: 'pytorch', denominator: 'apr' });
    expect(c.bootstrap).toEqual({ iterations: 10_000, confidence: 0.95, seed: DEFAULT_CONFIG.bootstrap.seed });
  });

  test('partial input merges with the defaults; the payload is copied', () => {
    const payload = { fixed_acidity: 1 };
    const c = resolveConfig({ coldStarts: 5, payload, bootstrap: { seed: 7 } });
    payload.fixed_acidity = 2;
    expect(c.payload).toEqual({ fixed_acidity: 1 });
    expect(c.bootstrap).toEqual({ iterations: 10_000, confidence: 0.95, seed: 7 });
    expect(c.warmInvocations).toBe(100);
    expect(resolveConfig({ warmInvocations: 0 }).warmInvocations).toBe(0);
  });

  test.each([
    [{ coldStarts: 0 }, 'benchmark config: coldStarts must be an integer >= 1, got 0'],
    [{ coldStarts: 2.5 }, 'benchmark config: coldStarts must be an integer >= 1, got 2.5'],
    [{ warmInvocations: -1 }, 'benchmark config: warmInvocations must be an integer >= 0, got -1'],
    [{ costColdStartShare: 1.5 }, 'benchmark config: costColdStartShare must be a number in [0, 1], got 1.5'],
    [{ bootstrap: { confidence: 1 } }, 'benchmark config: bootstrap.confidence must be below 1'],
    [{ bootstrap: { iterations: 10 } }, 'benchmark config: bootstrap.iterations must be an integer >= 100, got 10'],
    [{ payload: [] as never }, 'benchmark config: payload must be a JSON object'],
    [{ ratio: { numerator: '' } }, 'benchmark config: ratio.numerator must be a non-empty string, got ""'],
  ])('rejects %j', (input, message) => {
    expect(() => resolveConfig(input)).toThrow(BenchmarkConfigError);
    expect(() => resolveConfig(input)).toThrow(message);
  });
});

describe('validateTargets', () => {
  const good: TargetSpec = {
    key: 'apr', functionName: 'f', logGroupName: '/aws/lambda/f', runtimeLabel: 'provided.al2023',
    memorySizeMB: 128, architecture: 'x86_64', packageBytes: 10, packageLabel: 'zip',
  };

  test('accepts well-formed targets', () => {
    expect(() => validateTargets([good, { ...good, key: 'pytorch', architecture: 'arm64', logFormat: 'JSON' }])).not.toThrow();
  });

  test.each([
    [[], /at least one/],
    [[good, good], /targets\[1\] \(apr\)\.key appears twice/],
    [[{ ...good, key: 'a b' }], /targets\[0\] \(a b\)\.key must be letters/],
    [[{ ...good, memorySizeMB: 64 }], /memorySizeMB must be an integer >= 128/],
    [[{ ...good, memorySizeMB: 20_000 }], /memorySizeMB must be at most 10240/],
    [[{ ...good, architecture: 'arm' as never }], /architecture must be "x86_64" or "arm64", got "arm"/],
    [[{ ...good, functionName: '' }], /functionName must be a non-empty string/],
    [[{ ...good, packageBytes: -1 }], /packageBytes must be an integer >= 0/],
    [[{ ...good, logFormat: 'xml' as never }], /logFormat must be "Text" or "JSON"/],
    [[{ ...good, coldStartConcurrency: 0 }], /coldStartConcurrency must be an integer >= 1, got 0/],
    [[{ ...good, coldStartConcurrency: 2.5 }], /coldStartConcurrency must be an integer >= 1, got 2.5/],
    [[{ ...good, coldStartConcurrency: 11 }], /coldStartConcurrency must be at most 10, got 11/],
  ])('rejects %#', (targets, message) => {
    expect(() => validateTargets(targets as TargetSpec[])).toThrow(message);
  });
});
