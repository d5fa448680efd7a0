/**
 * `npm run bench -- --target-file FILE`: a function of any local runtime joins the run. Here two real
 * runtimes (the test runtime, run by node) come in through target files and go through a short bench:
 * the synthesized state machine, the local Lambda service, the result files. One of them initialises
 * for longer than the service's init limit, so every cold start of it is retried inside the invocation
 * and loses its Init Duration, which the results must count, show and warn about (INIT_REPORT
 * accounting end to end).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { CommanderError } from 'commander';
import type { BenchmarkResults } from '../../lib/benchmark/types';
import { buildBenchCommand, parseBenchOptions } from '../../lib/local-bench/options';
import { runLocalBench } from '../../lib/local-bench/run-local-bench';
import { readTargetFile } from '../../lib/targets/target-file';

const ROOT = path.resolve(__dirname, '..', '..');
const RUNTIME = path.join(ROOT, 'test', 'fixtures', 'runtimes', 'test-runtime.cjs');

const work = mkdtempSync(path.join(tmpdir(), 'target-file-bench-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function targetFile(name: string, body: Record<string, unknown>): string {
  const file = path.join(work, `${name}.json`);
  writeFileSync(file, JSON.stringify(body, null, 2));
  return file;
}

const base = {
  runtime: 'nodejs20.x-fixture',
  packageType: 'Zip',
  handler: 'index.handler',
  memorySizeMB: 256,
  timeoutSeconds: 30,
  command: process.execPath,
  args: [RUNTIME],
  cwd: path.dirname(RUNTIME),
};
// The service's init limit in this test; the slow function's init sleeps twice as long.
const INIT_LIMIT_MS = 1500;
const FAST = targetFile('fast', { ...base, functionName: 'fixture_fast', payload: { action: 'echo', from: 'target file' }, packageBytes: 4096 });
const SLOW = targetFile('slow', { ...base, functionName: 'fixture-slow-init', environment: { FIXTURE_INIT_DELAY_MS: String(2 * INIT_LIMIT_MS) } });

describe('target files through npm run bench', () => {
  const outDir = path.join(work, 'results');
  let results: BenchmarkResults;
  let status: string;

  beforeAll(async () => {
    const outcome = await runLocalBench({
      projectRoot: ROOT,
      targets: [],
      targetFiles: [readTargetFile(FAST), readTargetFile(SLOW)],
      calibration: 'committed',
      coldStarts: 2,
      warmInvocations: 3,
      outDir,
      limits: 'off',
      parity: 'red',
      service: { initTimeoutMs: INIT_LIMIT_MS },
    });
    status = outcome.status;
    results = outcome.results!;
  }, 240_000);

  test('the function is measured like a built-in target, sent its own payload, and keyed by its name', () => {
    expect(status).toBe('SUCCEEDED');
    expect(Object.keys(results.targets)).toEqual(['fixture-fast', 'fixture-slow-init']);
    const fast = results.targets['fixture-fast'];
    expect(fast).toMatchObject({ functionName: 'fixture_fast', runtime: 'nodejs20.x-fixture', memorySizeMB: 256, packageBytes: 4096, errors: 0 });
    expect(fast.cold.n).toBe(2);
    expect(fast.warm.n).toBe(3);
    expect(fast.cold.initMs!.min).toBeGreaterThan(0);
    expect(fast.response).toMatchObject({ echo: { action: 'echo', from: 'target file' } });
    expect(fast.payload).toEqual({ action: 'echo', from: 'target file' });
    expect(results.targets['fixture-slow-init'].payload).toEqual({});
    expect(fast.sampleShortfalls).toEqual([]);
    // Parity compares the two functions of docs/CONTRACT.md; target files are outside it.
    expect(results.parity).toBeNull();
    expect(results.ratios).toBeNull();
  });

  test('and predicted like one: a runtime the model has not seen gets its interval and nearest calibration runtimes', () => {
    const p = results.targets['fixture-fast'].predictedAws!;
    expect(p).toBeDefined();
    expect(p.from).toMatchObject({ packageType: 'Zip', runtime: 'nodejs20.x-fixture', n: 2 });
    expect(p.runtimeCalibrated).toBe(false);
    expect(p.nearestCalibrationRuntimes.length).toBeGreaterThan(0);
    for (const arch of ['x86_64', 'arm64'] as const) {
      expect(p[arch]!.interval.low).toBeLessThanOrEqual(p[arch]!.p50Ms);
      expect(p[arch]!.interval.high).toBeGreaterThanOrEqual(p[arch]!.p50Ms);
    }
    const md = readFileSync(path.join(outDir, 'report.md'), 'utf8');
    expect(md).toContain('- fixture-fast: the model has not seen its runtime (nodejs20.x-fixture); the calibration runtimes standing nearest');
    expect(md).toContain('fixture-fast, fixture-slow-init were sent their own (from a target file)');
  });

  test('cold starts whose init ran into the limit: retried inside the invocation, counted, shown and warned about', () => {
    const slow = results.targets['fixture-slow-init'];
    expect(slow.errors).toBe(0);
    expect(slow.cold.n).toBe(0);
    expect(slow.cold.lostInitDuration.count).toBe(2);
    expect(slow.cold.lostInitDuration.reasons).toEqual([expect.objectContaining({ reason: 'init timeout', count: 2, succeeded: 2 })]);
    for (const c of slow.cold.lostInitDuration.invocations) {
      expect(c.initReports[0]).toMatchObject({ phase: 'init', status: 'timeout' });
      // Cut at the limit (its clock and the limit's timer start a moment apart).
      expect(c.initReports[0].initDurationMs).toBeGreaterThan(INIT_LIMIT_MS * 0.9);
      // The client waited for the timed-out init and for the retried one, which sleeps 2 limits.
      expect(c.roundTripMs).toBeGreaterThan(INIT_LIMIT_MS * 0.9 + 2 * INIT_LIMIT_MS);
    }
    expect(slow.sampleShortfalls).toEqual([expect.objectContaining({ phase: 'cold', n: 0, asked: 2, why: '2 answered but lost their Init Duration (init timeout)' })]);
    expect(slow.predictedAws).toMatchObject({ unavailable: 'no cold start with an Init Duration was measured' });
    const md = readFileSync(path.join(outDir, 'report.md'), 'utf8');
    expect(md).toContain('## Cold starts without an Init Duration');
    expect(md).toContain('Every invocation answered and every REPORT record was found, but 2 cold start(s) lost their Init Duration');
    expect(md).toContain('> - fixture-slow-init: cold starts (Init Duration p50 none) from n = 0 of 2 asked');
    expect(md).not.toContain('no new environment');
    const csv = readFileSync(path.join(outDir, 'invocations.csv'), 'utf8').trim().split('\n');
    expect(csv.filter((row) => row.startsWith('fixture-slow-init,cold,'))).toHaveLength(2);
  });
});

describe('--target-file on the command line', () => {
  const parse = (...args: string[]) => parseBenchOptions(['node', 'bench', ...args], buildBenchCommand().exitOverride().configureOutput({ writeErr: () => undefined }));
  const errorOf = (...args: string[]): string => {
    try {
      parse(...args);
    } catch (error) {
      expect(error).toBeInstanceOf(CommanderError);
      return (error as Error).message;
    }
    throw new Error('expected the options to be refused');
  };

  test('repeatable and comma lists; --targets none leaves only the target files', () => {
    const both = parse('--target-file', FAST, '--target-file', SLOW, '--targets', 'none');
    expect(both.targets).toEqual([]);
    expect(both.targetFiles.map((t) => t.definition.functionName)).toEqual(['fixture_fast', 'fixture-slow-init']);
    expect(parse('--target-file', `${FAST},${SLOW}`).targetFiles).toHaveLength(2);
    expect(parse().targetFiles).toEqual([]);
  });

  test('a bad file is refused before anything runs, naming the file and the field', () => {
    const bad = targetFile('bad-memory', { ...base, functionName: 'bad', memorySizeMB: 64 });
    expect(errorOf('--target-file', bad)).toMatch(/bad-memory\.json: "memorySizeMB" must be an integer from 128 to 10240/);
    expect(errorOf('--target-file', targetFile('no-handler', { ...base, functionName: 'x', handler: undefined }))).toMatch(/"handler" is required/);
    expect(errorOf('--target-file', path.join(work, 'missing.json'))).toMatch(/missing\.json: cannot be read: ENOENT/);
    const taken = targetFile('taken', { ...base, functionName: 'apr' });
    expect(errorOf('--target-file', taken)).toMatch(/"functionName" "apr" is taken by a built-in target/);
    expect(errorOf('--target-file', `${FAST},${FAST}`)).toMatch(/"functionName" "fixture_fast" is taken by .*fast\.json/);
    const noCommand = targetFile('no-command', { ...base, functionName: 'nocmd', command: './not-there' });
    expect(errorOf('--target-file', noCommand)).toMatch(/"command" .*not-there does not exist/);
    expect(errorOf('--targets', 'none')).toMatch(/--targets none needs at least one --target-file/);
  });
});
