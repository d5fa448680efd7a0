/**
 * A short `npm run bench` on every CI run: the real functions as real processes on the local Lambda
 * service, the synthesized state machine, parity, and the result files checked for content.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { BenchmarkResults } from '../../lib/benchmark/types';
import { autoColdStartConcurrency } from '../../lib/local-bench/cold-start-concurrency';
import { checkOutDir, runLocalBench } from '../../lib/local-bench/run-local-bench';

const ROOT = path.resolve(__dirname, '..', '..');
const STATS_KEYS = ['min', 'p50', 'p90', 'p99', 'max', 'mean', 'stdev', 'n'];

describe('npm run bench, short', () => {
  const work = mkdtempSync(path.join(tmpdir(), 'local-bench-'));
  const outDir = path.join(work, 'results');
  let results: BenchmarkResults;
  let status: string;

  beforeAll(async () => {
    const outcome = await runLocalBench({
      projectRoot: ROOT, targets: ['apr', 'pytorch'], coldStarts: 2, warmInvocations: 5, outDir, limits: 'auto', parity: 'red',
      // The init limit is Lambda's 10 s in a real run; a loaded CI machine can take longer than that to import
      // torch under the 512 MB CPU share, which this test does not control. It checks the run, not that limit.
      service: { initTimeoutMs: 600_000 },
    });
    status = outcome.status;
    results = outcome.results!;
  }, 300_000);

  afterAll(() => rmSync(work, { recursive: true, force: true }));

  test('the run succeeds and leaves exactly the result files, nothing half-written beside them', () => {
    expect(status).toBe('SUCCEEDED');
    expect(readdirSync(outDir).sort()).toEqual(
      ['cold-init-distribution.svg', 'cold-start.svg', 'invocations.csv', 'raw', 'report.md', 'results.json', 'warm-duration-distribution.svg'],
    );
    expect(readdirSync(work)).toEqual(['results']);
  });

  test('results.json has the schema, real samples for both functions and a parity block', () => {
    expect(results).toMatchObject({ schemaVersion: 1, backend: 'local', config: { coldStarts: 2, warmInvocations: 5 } });
    expect(typeof results.environment.limitsApplied).toBe('boolean');
    expect(results.environment.aprBuildTarget).toMatch(/^x86_64-unknown-linux-(gnu|musl)$/);
    expect(results.environment.torch).toMatch(/^\d+\.\d+/);
    for (const [key, runtime, memory] of [['apr', 'provided.al2023', 128], ['pytorch', 'container-image', 512]] as const) {
      const t = results.targets[key];
      expect(t).toMatchObject({ runtime, memorySizeMB: memory, errors: 0 });
      expect(t.packageBytes).toBeGreaterThan(0);
      expect(t.cold.n).toBe(2);
      expect(t.warm.n).toBe(5);
      expect(Object.keys(t.cold.initMs!).sort()).toEqual([...STATS_KEYS].sort());
      expect(t.cold.initMs!.min).toBeGreaterThan(0);
      expect(t.warm.durationMs!.p50).toBeGreaterThan(0);
      expect(t.response).toMatchObject({ category: 'Average', top_factors: expect.any(Array), runtime: key });
    }
    // The .apr function always has one cold start per update; the PyTorch function's rounds follow the limits.
    expect(results.targets.apr.coldStartConcurrency).toBe(1);
    expect(results.targets.pytorch.coldStartConcurrency).toBe(
      autoColdStartConcurrency({ limitsApplied: results.environment.limitsApplied as boolean, cpus: os.availableParallelism(), memorySizeMB: 512 }).concurrency,
    );
    // Python and torch start far slower than a static binary: a ratio below 10 would mean a broken measurement.
    expect(results.ratios!.coldStartInitP50.value!).toBeGreaterThan(10);
    expect(results.ratios!.coldStartInitP50.ci95).toHaveLength(2);
    expect(results.parity).toMatchObject({ identicalLabels: true });
    expect(results.parity!.cases).toBeGreaterThanOrEqual(1000);
    expect(results.parity!.maxAbsQualityDiff!).toBeLessThanOrEqual(1e-4);
  });

  test('invocations.csv has one row per invocation, joined to its REPORT record', () => {
    const [header, ...rows] = readFileSync(path.join(outDir, 'invocations.csv'), 'utf8').trim().split('\n');
    expect(header.split(',')).toEqual(expect.arrayContaining(['target', 'phase', 'requestId', 'initMs', 'durationMs', 'maxMemoryMB', 'status']));
    expect(rows).toHaveLength(2 * (2 + 5));
    const status = header.split(',').indexOf('status');
    expect(rows.every((row) => row.split(',')[status] === 'ok')).toBe(true);
  });

  test('report.md states the numbers, the comparison with published figures, the method and the environment', () => {
    const md = readFileSync(path.join(outDir, 'report.md'), 'utf8');
    for (const heading of ['## Summary', '## Compared with published AWS figures', '## Methodology', '## Environment']) expect(md).toContain(heading);
    const p50 = results.targets.apr.cold.initMs!.p50.toLocaleString('en-US', { maximumFractionDigits: 2 }).replace(/[.,]/g, '\\$&');
    expect(md).toMatch(new RegExp(`\\| cold start: Init Duration, p50[^|]* \\| \\*\\*${p50} ms\\*\\*`));
    expect(md).toMatch(/Parity \(parity test over \d+ payloads/);
    for (const svg of ['cold-start.svg', 'cold-init-distribution.svg', 'warm-duration-distribution.svg']) {
      expect(md).toContain(`](${svg})`);
      expect(readFileSync(path.join(outDir, svg), 'utf8')).toMatch(/<svg[^>]+viewBox="[^"]+"[\s\S]*<\/svg>\s*$/);
    }
  });
});

describe('the results directory', () => {
  test('a directory that already holds files is refused, so no run overwrites another', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'local-bench-out-'));
    try {
      expect(() => checkOutDir(dir)).not.toThrow();
      writeFileSync(path.join(dir, 'results.json'), '{}');
      expect(() => checkOutDir(dir)).toThrow(/already holds files/);
      expect(() => checkOutDir(path.join(dir, 'new', 'nested'))).not.toThrow();
      expect(existsSync(path.join(dir, 'new'))).toBe(false);
      mkdirSync(path.join(dir, 'empty'));
      expect(() => checkOutDir(path.join(dir, 'empty'))).not.toThrow();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
