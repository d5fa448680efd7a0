import { autoColdStartConcurrency, chooseColdStartConcurrency, parseColdStartConcurrency } from '../../lib/local-bench/cold-start-concurrency';

describe('how many environments a local forced cold start initialises at once', () => {
  test('auto: as many burst inits (2 CPUs each, fewer on smaller machines) as fit in all CPUs but one, at most three', () => {
    // Two CPUs: one spare, an init may use two: one cold start per update (measured: rounds of 2 and 3 read
    // 1.76x and 2.69x of single cold starts there, see cold-start-concurrency.ts).
    expect(autoColdStartConcurrency({ limitsApplied: true, cpus: 2, memorySizeMB: 512 }).concurrency).toBe(1);
    expect(autoColdStartConcurrency({ limitsApplied: true, cpus: 4, memorySizeMB: 512 }).concurrency).toBe(1);
    expect(autoColdStartConcurrency({ limitsApplied: true, cpus: 5, memorySizeMB: 512 }).concurrency).toBe(2);
    expect(autoColdStartConcurrency({ limitsApplied: true, cpus: 1, memorySizeMB: 512 }).concurrency).toBe(1);
    // The memory size no longer matters: INIT is not held to its share.
    expect(autoColdStartConcurrency({ limitsApplied: true, cpus: 5, memorySizeMB: 128 }).concurrency).toBe(2);
    expect(autoColdStartConcurrency({ limitsApplied: true, cpus: 64, memorySizeMB: 512 })).toEqual({
      concurrency: 3,
      reason: 'INIT runs with burst CPU (up to 2 CPUs each): 31 bursts fit in 63 of 64 CPUs (one kept for the service and the client), at most 3',
    });
  });

  test('auto without CPU limits: one, since environments would compete for the CPUs', () => {
    const decision = autoColdStartConcurrency({ limitsApplied: false, cpus: 16, memorySizeMB: 512 });
    expect(decision).toEqual({ concurrency: 1, reason: expect.stringContaining('no CPU limits') });
  });

  test('the reason says what fitted where', () => {
    expect(autoColdStartConcurrency({ limitsApplied: true, cpus: 2, memorySizeMB: 512 }).reason).toBe(
      'INIT runs with burst CPU (up to 2 CPUs each): 0 bursts fit in 1 of 2 CPUs (one kept for the service and the client)',
    );
  });

  test('a number is taken as given, within 1 to 10', () => {
    const context = { limitsApplied: false, cpus: 2, memorySizeMB: 512 };
    expect(chooseColdStartConcurrency(4, context).concurrency).toBe(4);
    expect(() => chooseColdStartConcurrency(0, context)).toThrow('"auto" or a whole number from 1 to 10, got 0');
    expect(() => chooseColdStartConcurrency(11, context)).toThrow('got 11');
  });

  test('a command-line value is parsed once, for npm run bench and the comparison script alike', () => {
    expect(parseColdStartConcurrency('auto')).toBe('auto');
    expect(parseColdStartConcurrency('3')).toBe(3);
    expect(() => parseColdStartConcurrency('11')).toThrow('--cold-start-concurrency must be "auto" or a whole number from 1 to 10, got "11"');
    expect(() => parseColdStartConcurrency('two', '--concurrency')).toThrow('--concurrency must be "auto" or a whole number from 1 to 10, got "two"');
    expect(() => parseColdStartConcurrency('1.5')).toThrow('got "1.5"');
    // Only plain decimal digits: "0x3" is not 3.
    expect(() => parseColdStartConcurrency('0x3')).toThrow('got "0x3"');
    expect(() => parseColdStartConcurrency(' 3')).toThrow('got " 3"');
  });
});
