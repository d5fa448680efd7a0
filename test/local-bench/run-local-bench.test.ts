/**
 * A short `npm run bench` on every CI run: every function of the ladder (lib/targets/registry.ts) as real
 * processes on the local Lambda service, at two memory sizes, the synthesized state machine, parity of
 * every target with the `.apr` function over a subset of the payloads, and the result files checked for
 * content. A target that cannot run here is skipped, as npm run bench does, and the test says which.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { BenchmarkResults } from '../../lib/benchmark/types';
import { autoColdStartConcurrency } from '../../lib/local-bench/cold-start-concurrency';
import { checkOutDir, runLocalBench } from '../../lib/local-bench/run-local-bench';
import { readyTargets } from '../../lib/targets/local-targets';
import { TARGET_KEYS, targetDefinition } from '../../lib/targets/registry';

const ROOT = path.resolve(__dirname, '..', '..');
const STATS_KEYS = ['min', 'p50', 'p90', 'p99', 'max', 'mean', 'stdev', 'n'];

const { ready, skipped } = readyTargets(TARGET_KEYS, ROOT);
for (const s of skipped) process.stderr.write(`skipped in the short bench: ${s.reason} (build it with \`${s.command}\`)\n`);
// Two sizes: each target's own (128 MB for the zips, 512 MB for the image) and the other; PyTorch's peak
// memory (about 231 MB) rules out 128 MB, which the run must skip with a note.
const MEMORY = [128, 512];
const configurations = ready.flatMap((key) => MEMORY.filter((mb) => mb >= (targetDefinition(key).minimumMemoryMB ?? 0)).map((mb) => ({ key, mb })));

describe('npm run bench, short', () => {
  const work = mkdtempSync(path.join(tmpdir(), 'local-bench-'));
  const outDir = path.join(work, 'results');
  let results: BenchmarkResults;
  let status: string;

  beforeAll(async () => {
    const outcome = await runLocalBench({
      projectRoot: ROOT, targets: [...TARGET_KEYS], targetsChosen: false, memorySizes: MEMORY, coldStarts: 2, warmInvocations: 5, outDir, limits: 'auto', parity: 'red',
      // The reference payload in its forms, edge values, every bad input and the first 20 red wines (about 330 payloads).
      paritySubsetRedRows: 20,
      calibration: 'committed',
      // The init limit is Lambda's 10 s in a real run; a loaded CI machine can take longer than that to import
      // torch under the 512 MB CPU share, which this test does not control. It checks the run, not that limit.
      service: { initTimeoutMs: 600_000 },
    });
    status = outcome.status;
    results = outcome.results!;
  }, 600_000);

  afterAll(() => rmSync(work, { recursive: true, force: true }));

  test('the run succeeds and leaves exactly the result files, nothing half-written beside them', () => {
    expect(status).toBe('SUCCEEDED');
    expect(readdirSync(outDir).sort()).toEqual(
      ['cold-init-distribution.svg', 'cold-start.svg', 'invocations.csv', ...(ready.length > 2 ? ['ladder.svg'] : []), 'memory.svg', 'raw', 'report.md', 'results.json', 'warm-duration-distribution.svg'],
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
    expect(results.parity!.cases).toBeGreaterThanOrEqual(300);
    expect(results.parity!.maxAbsQualityDiff!).toBeLessThanOrEqual(1e-4);
  });

  test('each configuration\'s cold starts carry the init file MB and, of it, the function\'s own package\'s (its packagePaths)', () => {
    for (const [key, t] of Object.entries(results.targets)) {
      const target = t.ladderTarget ?? key;
      expect({ key, file: t.cold.initFileMB?.n, own: t.cold.initPackageFileMB?.n }).toEqual({ key, file: t.cold.n, own: t.cold.n });
      // RssFile, which initFileMB includes, also counts the vDSO's page; each figure is rounded to 0.001 MB.
      expect(t.cold.initPackageFileMB!.p50).toBeLessThanOrEqual(t.cold.initFileMB!.p50 + 0.002);
      // The static .apr bootstraps map nothing but themselves: their package is almost all they bring in.
      if (target === 'apr' || target === 'apr-runtime-crate') expect(t.cold.initPackageFileMB!.p50).toBeGreaterThan(0.5);
      // The Python rungs' interpreter and runtime client are the runtime's, not the package's.
      if (target === 'python') expect(t.cold.initPackageFileMB!.p50).toBeLessThan(t.cold.initFileMB!.p50 / 2);
    }
  });

  test('every target that runs here is measured at every memory size that fits it, each its own configuration', () => {
    const expected = configurations.map(({ key, mb }) => (mb === targetDefinition(key).memorySizeMB ? key : `${key}-${mb}mb`));
    expect(Object.keys(results.targets).sort()).toEqual([...expected].sort());
    for (const { key, mb } of configurations) {
      const configKey = mb === targetDefinition(key).memorySizeMB ? key : `${key}-${mb}mb`;
      const t = results.targets[configKey];
      expect({ configKey, memory: t.memorySizeMB, target: t.ladderTarget ?? configKey, errors: t.errors, cold: t.cold.n, warm: t.warm.n })
        .toEqual({ configKey, memory: mb, target: key, errors: 0, cold: 2, warm: 5 });
      expect(t.p50Ci95!.coldInitMs).toHaveLength(2);
    }
    expect(results.environment.memorySizes).toEqual(MEMORY);
    if (ready.includes('pytorch')) {
      expect(results.environment.skippedMemorySizes).toEqual([expect.objectContaining({ target: 'pytorch', memorySizeMB: 128 })]);
    }
    expect(results.environment.skippedTargets ?? []).toEqual(skipped.map((s) => ({ target: s.key, reason: s.reason, command: s.command })));
  });

  test('parity: every target against the .apr function, the node function\'s one known difference named, not hidden', () => {
    const targets = results.parity!.targets as unknown as Record<string, { payloads: number; identical: boolean; maxAbsQualityDiff: number; knownDifferences: { payload: string; why: string }[]; unexpectedMismatches: unknown[] }>;
    expect(Object.keys(targets).sort()).toEqual(ready.filter((k) => k !== 'apr').sort());
    for (const [key, t] of Object.entries(targets)) {
      expect({ key, identical: t.identical, diff: t.maxAbsQualityDiff, unexpected: t.unexpectedMismatches }).toEqual({ key, identical: true, diff: 0, unexpected: [] });
      expect(t.payloads).toBe(results.parity!.cases);
      expect(t.knownDifferences.map((d) => d.payload)).toEqual(key === 'node' ? ['invalid UTF-8 in an ignored string'] : []);
    }
    const md = readFileSync(path.join(outDir, 'report.md'), 'utf8');
    if (ready.includes('node')) expect(md).toMatch(/node, known difference on "invalid UTF-8 in an ignored string": .* Why: aws-lambda-ric decodes the event/);
  });

  test('report.md shows the ladder: the chart, a step table ordered by Init Duration, and the memory chart and table', () => {
    const md = readFileSync(path.join(outDir, 'report.md'), 'utf8');
    expect(md).toContain('## The ladder: what each step adds');
    const section = md.slice(md.indexOf('## The ladder'), md.indexOf('## All statistics'));
    const stepRows = section.split('\n').filter((line) => /^\| [a-z-]+ \| [^|]+, \d+ MB \|/.test(line));
    const own = ready.filter((k) => MEMORY.includes(targetDefinition(k).memorySizeMB));
    expect(stepRows.map((line) => line.split(' | ')[0].slice(2)).sort()).toEqual([...own].sort());
    const initOf = (key: string) => results.targets[key].cold.initMs!.p50;
    const order = stepRows.map((line) => line.split(' | ')[0].slice(2));
    expect(order).toEqual([...order].sort((a, b) => initOf(a) - initOf(b)));
    expect(stepRows[0]).toContain('(base)');
    if (ready.length > 2) expect(md).toContain('](ladder.svg)');
    expect(md).toContain('### Memory sizes');
    expect(md).toContain('](memory.svg)');
    for (const svg of ['ladder.svg', 'memory.svg'].filter((f) => existsSync(path.join(outDir, f)))) {
      expect(readFileSync(path.join(outDir, svg), 'utf8')).toMatch(/<svg[^>]+viewBox="[^"]+"[\s\S]*<\/svg>\s*$/);
    }
  });

  test('invocations.csv has one row per invocation, joined to its REPORT record', () => {
    const [header, ...rows] = readFileSync(path.join(outDir, 'invocations.csv'), 'utf8').trim().split('\n');
    expect(header.split(',')).toEqual(expect.arrayContaining(['target', 'phase', 'requestId', 'initMs', 'durationMs', 'maxMemoryMB', 'status']));
    expect(rows).toHaveLength(configurations.length * (2 + 5));
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
