import { autoColdStartConcurrency, chooseColdStartConcurrency, parseColdStartConcurrency } from '../../lib/local-bench/cold-start-concurrency';

describe('how many environments a local forced cold start initialises at once', () => {
  test('auto: as many CPU quotas as fit in all CPUs but one, at most three', () => {
    // 512 MB is 28.9 % of a CPU: three fit in the one spare CPU of a two-CPU machine.
    expect(autoColdStartConcurrency({ limitsApplied: true, cpus: 2, memorySizeMB: 512 }).concurrency).toBe(3);
    expect(autoColdStartConcurrency({ limitsApplied: true, cpus: 3, memorySizeMB: 1024 }).concurrency).toBe(3);
    expect(autoColdStartConcurrency({ limitsApplied: true, cpus: 2, memorySizeMB: 1024 }).concurrency).toBe(1);
    // A full CPU per environment on two CPUs: one spare, one environment.
    expect(autoColdStartConcurrency({ limitsApplied: true, cpus: 2, memorySizeMB: 1769 }).concurrency).toBe(1);
    // Never more than three (the rounds should disturb the inits as little as they can), never less than one.
    expect(autoColdStartConcurrency({ limitsApplied: true, cpus: 64, memorySizeMB: 512 })).toEqual({
      concurrency: 3,
      reason: '217 CPU quotas of 28.9 % fit in 63 of 64 CPUs (one kept for the service and the client), at most 3',
    });
    expect(autoColdStartConcurrency({ limitsApplied: true, cpus: 1, memorySizeMB: 512 }).concurrency).toBe(1);
  });

  test('auto without CPU quotas: one, since environments would compete for the CPUs', () => {
    const decision = autoColdStartConcurrency({ limitsApplied: false, cpus: 16, memorySizeMB: 512 });
    expect(decision).toEqual({ concurrency: 1, reason: expect.stringContaining('no CPU quotas') });
  });

  test('the reason says what fitted where', () => {
    expect(autoColdStartConcurrency({ limitsApplied: true, cpus: 2, memorySizeMB: 512 }).reason).toBe(
      '3 CPU quotas of 28.9 % fit in 1 of 2 CPUs (one kept for the service and the client)',
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
  });
});
