import { coldBilledMs, costBlock, costPerMillion, durationCost, LAMBDA_PRICES, warmBilledMs } from '../../lib/benchmark/cost';

describe('cost per million invocations', () => {
  test('billed durations: INIT included and rounded up on cold starts; warm at least 1 ms', () => {
    expect(coldBilledMs(22.58, 0.99)).toBe(24); // 23.57 -> 24
    expect(coldBilledMs(3935.59, 1.58)).toBe(3938); // 3937.17 -> 3938
    expect(coldBilledMs(20, 1)).toBe(21); // exact stays
    expect(warmBilledMs(0.86)).toBe(1);
    expect(warmBilledMs(0)).toBe(1);
    expect(warmBilledMs(1.58)).toBe(2);
  });

  test('duration charge: ms / 1000 × GB × price', () => {
    expect(durationCost(1000, 1024, 'x86_64')).toBeCloseTo(0.0000166667, 15);
    expect(durationCost(1000, 1024, 'arm64')).toBeCloseTo(0.0000133334, 15);
    expect(durationCost(24, 128, 'x86_64')).toBeCloseTo(0.024 * 0.125 * 0.0000166667, 18);
  });

  test('the reference benchmark\'s .apr numbers at 1 % cold starts', () => {
    // cold: 24 ms at 128 MB = 0.003 GB-s; warm: 1 ms = 0.000125 GB-s
    const expected = 1e6 * (0.01 * 0.003 * 0.0000166667 + 0.99 * 0.000125 * 0.0000166667) + 0.2;
    expect(expected).toBeCloseTo(0.2025625051, 9);
    expect(costPerMillion(24, 1, 0.01, 128, 'x86_64')).toBeCloseTo(expected, 12);
  });

  test('all cold / all warm need only one measurement', () => {
    // PyTorch: 3938 ms at 512 MB every time: 1e6 × 3.938 × 0.5 × 0.0000166667 + 0.2
    expect(costPerMillion(3938, null, 1, 512, 'x86_64')).toBeCloseTo(32.81673230 + 0.2, 6);
    expect(costPerMillion(null, 2, 0, 512, 'x86_64')).toBeCloseTo(1e6 * 0.002 * 0.5 * 0.0000166667 + 0.2, 12);
    expect(costPerMillion(null, 2, 0.5, 512, 'x86_64')).toBeNull();
    expect(costPerMillion(3938, null, 0.5, 512, 'x86_64')).toBeNull();
    expect(() => costPerMillion(1, 1, 1.5, 128, 'x86_64')).toThrow(/share/);
  });

  test('costBlock from measured p50s, per target, with the formula', () => {
    const block = costBlock(
      {
        apr: { architecture: 'x86_64', memorySizeMB: 128, initP50Ms: 22.58, coldDurationP50Ms: 0.99, warmDurationP50Ms: 0.86 },
        pytorch: { architecture: 'arm64', memorySizeMB: 512, initP50Ms: 3935.59, coldDurationP50Ms: 1.58, warmDurationP50Ms: 1.58 },
        broken: { architecture: 'x86_64', memorySizeMB: 128, initP50Ms: null, coldDurationP50Ms: null, warmDurationP50Ms: null },
      },
      0.01,
    );
    expect(block.region).toBe('us-east-1');
    expect(block.coldStartShare).toBe(0.01);
    expect(block.formula).toMatch(/ceil\(Init p50 \+ cold Duration p50\)/);
    expect(block.targets.apr).toMatchObject({ coldBilledMs: 24, warmBilledMs: 1, pricePerGbSecond: LAMBDA_PRICES.perGbSecond.x86_64 });
    expect(block.targets.apr.perMillion).toBeCloseTo(0.2025625051, 9);
    expect(block.targets.pytorch).toMatchObject({ coldBilledMs: 3938, warmBilledMs: 2, pricePerGbSecond: 0.0000133334 });
    expect(block.targets.pytorch.perMillionAllCold).toBeCloseTo(1e6 * 3.938 * 0.5 * 0.0000133334 + 0.2, 9);
    expect(block.targets.broken).toMatchObject({ coldBilledMs: null, warmBilledMs: null, perMillion: null, perMillionAllWarm: null, perMillionAllCold: null });
  });
});
