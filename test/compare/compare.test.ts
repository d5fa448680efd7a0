import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { main } from '../../bin/compare';
import { REFERENCE_PAYLOAD } from '../../lib/benchmark/reference-payload';
import { mulberry32, quantileSorted } from '../../lib/benchmark/statistics';
import type { BenchmarkResults, PredictedAwsBlock } from '../../lib/benchmark/types';
import { bootstrapChange } from '../../lib/compare/change';
import { METRICS } from '../../lib/compare/metrics';
import { parseThresholds } from '../../lib/compare/gate';
import { predictedAgainstMeasured, predictedAwsFigures } from '../../lib/compare/predicted';
import { CONSOLE_WIDTH, renderConsole } from '../../lib/compare/render-console';
import { renderCompareMarkdown } from '../../lib/compare/render-markdown';
import { buildCompareReport, type CompareReport } from '../../lib/compare/report';
import { DEFAULT_COMPARE_OPTIONS } from '../../lib/compare/compare-runs';
import { parseInvocationsCsv, readRunDirectory, type RunDirectory } from '../../lib/compare/run-dir';
import { renderCsv } from '../../lib/benchmark/render-csv';
import { LocalLambdaService } from '../../lib/local-lambda';
import { parseSvg } from '../benchmark/xml-check';
import { startMoto, type MotoServer } from '../moto/moto';
import { AWS_FIXTURE_LABEL, produceAwsRunOnMoto } from './aws-run-on-moto';

/**
 * `npm run compare` on real runs. beforeAll makes them with the real bench (`npm run bench`, the .apr
 * function and the same function behind test/compare/slow-init.sh, whose INIT sleeps 20 ms more when
 * COMPARE_EXTRA_INIT_MS=20): two runs of the same commit and one with the slowed target. The AWS run is
 * made by the project's AWS path on moto + the local service (aws-run-on-moto.ts). Nothing the tests
 * check is typed in by hand: expected figures come from each run's own results.json (computed by
 * lib/benchmark/aggregate.ts from the same samples) or from a direct computation in the test.
 *
 * Why the same-commit pair says "not established" robustly: for two samples of one distribution each
 * 95 % interval of a difference misses 0 one time in twenty, so a table of 20 lines at 95 % each would
 * give some verdict in most comparisons (26 % measured by resampling two real runs of one commit). So
 * compare judges its verdicts together (each at 1 - 0.05 / k, Bonferroni: 1 % measured at these sizes)
 * and needs 30 samples for a p90 verdict (the bootstrap cannot judge a small sample's tail). Small
 * samples (10 cold starts, 20 warm invocations) also keep the intervals wide (tens of per cent) against
 * what drifts between two runs on a loaded machine (the samples of one run share its minute of load, so
 * its own spread understates that drift), and a verdict needs the whole interval beyond the 5 % noise
 * threshold. The slowed target's +20 ms on a 2-3 ms init lies far outside any such interval.
 */
jest.setTimeout(240_000);

const ROOT = path.resolve(__dirname, '..', '..');
const COLD = 10;
const WARM = 20;

let work: string;
const runs: { same1: string; same2: string; slowed: string; aws: string } = { same1: '', same2: '', slowed: '', aws: '' };

/** The .apr function through the wrapper, as a target file: identical in every run but for the extra init sleep. */
function probeTargetFile(file: string, extraInitMs: number): void {
  writeFileSync(
    file,
    JSON.stringify(
      {
        functionName: 'apr-probe',
        runtime: 'provided.al2023',
        packageType: 'Zip',
        handler: 'bootstrap',
        memorySizeMB: 128,
        command: path.join(__dirname, 'slow-init.sh'),
        args: [path.join(ROOT, 'lambda-apr', 'dist', 'bootstrap')],
        cwd: path.join(ROOT, 'lambda-apr', 'dist'),
        environment: { COMPARE_EXTRA_INIT_MS: String(extraInitMs) },
        payload: REFERENCE_PAYLOAD,
        packagePath: path.join(ROOT, 'lambda-apr', 'dist', 'bootstrap.zip'),
      },
      null,
      2,
    ),
  );
}

function bench(out: string, targetFile: string): void {
  const args = ['run', 'bench', '--', '--targets', 'apr', '--target-file', targetFile, '--cold-starts', String(COLD), '--warm', String(WARM), '--parity', 'off', '--no-setup', '--calibration', 'committed', '--out', out];
  // At a raised priority (nice -10, where this process may: root), so that what else the shared machine
  // runs moves the runs' timings less; the runs stay short (about 10 s each on a quiet machine).
  const raised = spawnSync('nice', ['-n', '-10', 'true']).status === 0;
  const run = spawnSync(raised ? 'nice' : 'npm', raised ? ['-n', '-10', 'npm', ...args] : args, { cwd: ROOT, encoding: 'utf8', timeout: 180_000 });
  if (run.status !== 0) throw new Error(`npm ${args.join(' ')} exited ${run.status}:\n${(run.stderr + run.stdout).slice(-3000)}`);
}

beforeAll(async () => {
  work = mkdtempSync(path.join(os.tmpdir(), 'apr-bench-compare-'));
  probeTargetFile(path.join(work, 'probe.json'), 0);
  probeTargetFile(path.join(work, 'probe-slowed.json'), 20);
  // One after another: runs measured at once would slow each other. The slowed run first: the first run
  // after a pause meets colder caches (files, the service's first spawns), and the same-commit pair
  // should not differ by being first.
  runs.same1 = path.join(work, 'same-1');
  runs.same2 = path.join(work, 'same-2');
  runs.slowed = path.join(work, 'slowed');
  bench(runs.slowed, path.join(work, 'probe-slowed.json'));
  bench(runs.same1, path.join(work, 'probe.json'));
  bench(runs.same2, path.join(work, 'probe.json'));

  // AWS path on moto + local service.
  let moto: MotoServer | undefined;
  let service: LocalLambdaService | undefined;
  try {
    moto = await startMoto();
    service = await LocalLambdaService.start({ limits: 'off' });
    runs.aws = await produceAwsRunOnMoto({ motoEndpoint: moto.endpoint, service, run: 'moto-compare-run', coldStarts: 8, warmInvocations: 10, outParent: path.join(work, 'aws') });
  } finally {
    await service?.stop();
    await moto?.stop();
  }
}, 600_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

async function compare(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(args, { out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err };
}

function readJson<T>(file: string): T {
  return JSON.parse(readFileSync(file, 'utf8')) as T;
}

/** What results.json reports for a target's metric percentile: the figure compare must reproduce from the CSV. */
function reported(results: BenchmarkResults, target: string, metric: string, p: 'p50' | 'p90'): number | undefined {
  const t = results.targets[target];
  const stats = { init: t.cold.initMs, warm: t.warm.durationMs, memory: t.cold.maxMemoryMB, roundtrip: t.cold.roundTripMs }[metric];
  return stats?.[p];
}

describe('two runs', () => {
  test('two local runs of the same commit: "not established" for every metric, the gate passes, the figures are the runs\' own', async () => {
    const out = path.join(work, 'out-same');
    const r = await compare(runs.same1, runs.same2, '--fail-if-slower', '10%', '--out', out);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const report = readJson<CompareReport>(path.join(out, 'compare.json'));
    expect(report.comparison.likeForLike.kind).toBe('local vs local');
    expect(report.comparison.targets.map((t) => t.target)).toEqual(['apr', 'apr-probe']);
    const verdicts = report.comparison.targets.flatMap((t) => t.changes.map((c) => `${t.target} ${c.metric} ${c.percentile}: ${c.verdict}`));
    expect(verdicts).toHaveLength(2 * METRICS.length * 2);
    for (const v of verdicts) expect(v).toMatch(/: not established$/);
    // Judged together: the p50s of both targets' five metrics (10 cold starts and 20 warm invocations are
    // too few for a p90 verdict), each at 1 - 0.05 / 10.
    expect(report.comparison.verdicts.judged).toBe(2 * METRICS.length);
    expect(report.comparison.verdicts.confidence).toBeCloseTo(0.995, 12);
    for (const t of report.comparison.targets) {
      for (const c of t.changes.filter((x) => x.percentile === 'p90')) expect(c.verdictNote).toMatch(/^too few samples for a p90 verdict: \d+ and \d+, 30 needed/);
    }
    const a = readJson<BenchmarkResults>(path.join(runs.same1, 'results.json'));
    const b = readJson<BenchmarkResults>(path.join(runs.same2, 'results.json'));
    for (const t of report.comparison.targets) {
      for (const c of t.changes.filter((x) => x.metric !== 'cost')) {
        expect(c.baseline).toBeCloseTo(reported(a, t.target, c.metric, c.percentile)!, 9);
        expect(c.candidate).toBeCloseTo(reported(b, t.target, c.metric, c.percentile)!, 9);
        // Every interval holds its own point estimate.
        expect(c.differenceCi95![0]).toBeLessThanOrEqual(c.difference! + 1e-9);
        expect(c.differenceCi95![1]).toBeGreaterThanOrEqual(c.difference! - 1e-9);
      }
    }
    expect(report.gate).toMatchObject({ failures: [] });
    expect(r.out).toMatch(/passed/);
    for (const line of r.out.split('\n')) expect(line.length).toBeLessThanOrEqual(CONSOLE_WIDTH);
    expect(readFileSync(path.join(out, 'compare.md'), 'utf8')).toContain('| apr-probe | Init Duration | p50 |');
    const svg = parseSvg(readFileSync(path.join(out, 'compare.svg'), 'utf8'));
    expect(svg.texts.filter((t) => /not established$/.test(t))).toHaveLength(2 * METRICS.length);
  });

  test('the slowed target, and it alone, is "slower"; --fail-if-slower exits 1 naming the target, the metric and the interval', async () => {
    const r = await compare(runs.same1, runs.slowed, '--fail-if-slower', '10%', '--out', path.join(work, 'out-slowed'));
    expect(r.code).toBe(1);
    const report = readJson<CompareReport>(path.join(work, 'out-slowed', 'compare.json'));
    const change = (target: string, metric: string, p: string) => report.comparison.targets.find((t) => t.target === target)!.changes.find((c) => c.metric === metric && c.percentile === p)!;
    const init = change('apr-probe', 'init', 'p50');
    expect(init.verdict).toBe('slower');
    // The wrapper's 20 ms (and a few for the sleep process): the whole interval of the difference lies above 15 ms.
    expect(init.differenceCi95![0]).toBeGreaterThan(15);
    const apr = report.comparison.targets.find((t) => t.target === 'apr')!;
    expect(apr.changes.filter((c) => c.verdict === 'slower' || c.verdict === 'higher')).toEqual([]);
    expect(report.gate!.failures.map((f) => `${f.target} ${f.metric} ${f.percentile}`)).toEqual(['apr-probe init p50']);
    const message = report.gate!.failures[0].message;
    expect(message).toMatch(/^apr-probe: Init Duration p50 is \+[\d,.]+% \(95 % interval \+[\d,.]+% to \+[\d,.]+%\), slower than the 10\.0% threshold/);
    expect(r.out).toContain(`FAIL ${message.slice(0, 40)}`);
    // The same pair with a threshold beyond the interval's low end passes.
    const loose = `${Math.ceil(init.relativeCi95![0] * 100) + 1}%`;
    expect((await compare(runs.same1, runs.slowed, '--fail-if-slower', loose)).code).toBe(0);
  });

  test('the same runs and seed give the same intervals; the difference interval is the bootstrap of the difference itself', () => {
    const a = readRunDirectory(runs.same1);
    const b = readRunDirectory(runs.slowed);
    const init = METRICS.find((m) => m.key === 'init')!;
    const sa = init.samples(a.rows, 'apr-probe', a.results.targets['apr-probe']);
    const sb = init.samples(b.rows, 'apr-probe', b.results.targets['apr-probe']);
    expect([sa.length, sb.length]).toEqual([COLD, COLD]);
    // 10,001 rounds: the 2.5 % and 97.5 % points fall on rounds themselves, no interpolation between two.
    const options = { iterations: 10_001, confidence: 0.95, seed: 7 };
    const change = bootstrapChange(sa, sb, 'p90', options);
    expect(bootstrapChange(sa, sb, 'p90', options)).toEqual(change);
    // Directly: each round draws the candidate, then the baseline, from one mulberry32 stream (bootstrapRatioCi's order).
    const random = mulberry32(7);
    const p90 = (xs: number[]) => quantileSorted(Float64Array.from(xs).sort(), 0.9);
    const rounds: number[] = [];
    for (let r = 0; r < options.iterations; r++) {
      const db = sb.map(() => sb[Math.floor(random() * sb.length)]);
      const da = sa.map(() => sa[Math.floor(random() * sa.length)]);
      rounds.push(p90(db) - p90(da));
    }
    const sorted = Float64Array.from(rounds).sort();
    expect(change.differenceCi95![0]).toBeCloseTo(quantileSorted(sorted, 0.025), 6);
    expect(change.differenceCi95![1]).toBeCloseTo(quantileSorted(sorted, 0.975), 6);
    expect(change.difference).toBeCloseTo(p90(sb) - p90(sa), 9);
  });
});

describe('history', () => {
  test('three runs, given in any order: each target\'s p50 with its interval in time order, charts and tables', async () => {
    const out = path.join(work, 'out-history');
    const r = await compare(runs.same2, runs.slowed, runs.same1, '--out', out);
    expect(r.code).toBe(0);
    const report = readJson<CompareReport>(path.join(out, 'compare.json'));
    const h = report.history!;
    expect(h.runs.map((x) => x.label)).toEqual(['slowed', 'same-1', 'same-2']);
    // The last run against the one before it.
    expect([report.comparison.baseline.label, report.comparison.candidate.label]).toEqual(['same-1', 'same-2']);
    const series = h.series.find((s) => s.target === 'apr-probe' && s.metric === 'init')!;
    const results = [runs.slowed, runs.same1, runs.same2].map((d) => readJson<BenchmarkResults>(path.join(d, 'results.json')));
    series.points.forEach((p, i) => {
      expect(p!.p50).toBeCloseTo(results[i].targets['apr-probe'].cold.initMs!.p50, 9);
      expect(p!.ci95![0]).toBeLessThanOrEqual(p!.p50!);
      expect(p!.ci95![1]).toBeGreaterThanOrEqual(p!.p50!);
    });
    expect(series.points[0]!.ci95![0]).toBeGreaterThan(series.points[1]!.ci95![1]);
    for (const name of ['history-init.svg', 'history-warm.svg']) {
      const svg = parseSvg(readFileSync(path.join(out, name), 'utf8'));
      expect(svg.counts.polyline).toBe(2);
      expect(svg.texts).toEqual(expect.arrayContaining(['apr', 'apr-probe', 'same-1', 'same-2', 'slowed']));
    }
    const md = readFileSync(path.join(out, 'compare.md'), 'utf8');
    expect(md).toContain('## History: 3 runs in time order');
    expect(md).toContain('![Init Duration history](history-init.svg)');
    expect(r.out).toMatch(/^apr-probe: .* -> .* -> .*$/m);
  });
});

describe("the README's CI job", () => {
  /**
   * The job's steps, read from the README's yaml block with a YAML parser (`yaml`, which comes with
   * asl-validator), run in a fresh directory that stands for the checkout (package.json, node_modules
   * and the sources linked from this repository). `run:` steps run as GitHub Actions runs them
   * (`bash --noprofile --norc -eo pipefail`), as written, except the `npm run bench` line, which is
   * replaced by a copy of a run made beforehand into its --out directory; actions/cache/restore is
   * played as a cache hit (a copy of the baseline run into its `path`); checkout, setup-node, cache/save
   * and upload-artifact are not run; `if: github.ref == 'refs/heads/main'` is false (a pull request).
   */
  function ciJob(): { name?: string; run?: string; uses?: string; if?: string; with?: Record<string, string> }[] {
    const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Comparing runs'));
    const block = /```yaml\n([\s\S]*?)```/.exec(section);
    expect(block).not.toBeNull();
    const doc = parseYaml(block![1]) as { jobs: Record<string, { steps: never[] }> };
    return Object.values(doc.jobs)[0].steps;
  }

  async function runJob(baseline: string, current: string): Promise<{ failedStep?: string; code: number; output: string; workspace: string }> {
    const workspace = mkdtempSync(path.join(work, 'ci-'));
    for (const entry of ['package.json', 'node_modules', 'bin', 'lib']) symlinkSync(path.join(ROOT, entry), path.join(workspace, entry));
    let output = '';
    let benchReplaced = 0;
    for (const step of ciJob()) {
      if (step.if && /github\.ref == 'refs\/heads\/main'/.test(step.if)) continue;
      if (step.uses?.startsWith('actions/cache/restore@')) {
        cpSync(baseline, path.join(workspace, step.with!.path), { recursive: true });
        continue;
      }
      if (!step.run) continue;
      let script = step.run;
      const bench = /^\s*npm run bench -- .*--out (\S+).*$/m.exec(script);
      if (bench) {
        cpSync(current, path.join(workspace, bench[1]), { recursive: true });
        script = script.replace(bench[0], `# replaced by the test: ${bench[0].trim()}`);
        benchReplaced++;
      }
      const code = await new Promise<number>((resolve) => {
        const child = spawn('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', script], { cwd: workspace, env: { ...process.env, CI: 'true' } });
        child.stdout.on('data', (c: Buffer) => (output += c.toString()));
        child.stderr.on('data', (c: Buffer) => (output += c.toString()));
        child.on('exit', (c) => resolve(c ?? 1));
      });
      if (code !== 0) return { failedStep: step.name, code, output, workspace };
    }
    expect(benchReplaced).toBe(1);
    return { code: 0, output, workspace };
  }

  test('runs as written: it passes on two runs of the same commit and fails on the slowed target', async () => {
    const pass = await runJob(runs.same1, runs.same2);
    expect([pass.code, pass.failedStep]).toEqual([0, undefined]);
    expect(existsSync(path.join(pass.workspace, 'bench-compare', 'compare.md'))).toBe(true);
    expect(pass.output).toMatch(/gate --fail-if-slower init=10%,warm=20%: passed/);

    const fail = await runJob(runs.same1, runs.slowed);
    expect(fail.code).toBe(1);
    expect(fail.failedStep).toBe('Compare with the baseline and gate');
    expect(fail.output).toMatch(/FAIL apr-probe: Init Duration p50 is \+[\d,.]+% \(95 % interval/);
  });
});

describe('bad input: a clear error, exit 2, nothing written', () => {
  /** A copy of a real run that the test then damages or changes. */
  function copyOf(run: string, name: string): string {
    const dir = path.join(work, name);
    cpSync(run, dir, { recursive: true });
    return dir;
  }

  async function refused(args: string[], message: RegExp): Promise<void> {
    const out = path.join(work, `out-refused-${Math.random().toString(16).slice(2)}`);
    const r = await compare(...args, '--out', out);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
    expect(r.out).toBe('');
    expect(existsSync(out)).toBe(false);
  }

  test('a directory that is not a run, or the folder above one', async () => {
    const empty = path.join(work, 'not-a-run');
    mkdirSync(empty);
    await refused([runs.same1, empty], /not-a-run is not a benchmark run: it has no results\.json/);
    await refused([runs.same1, path.join(work, 'aws')], /aws is not a benchmark run: .*It holds runs below it: .*moto-compare-run/);
    await refused([runs.same1, path.join(work, 'missing')], /missing does not exist/);
  });

  test('invocations.csv is read back as render-csv.ts writes it: quotes, commas and line breaks inside fields, empty values', () => {
    const rows = readRunDirectory(runs.same1).rows.slice(0, 3).map((r) => ({ ...r }));
    rows[0].initReport = 'init error (Runtime.ExitError), then "retried"\r\nin the invocation';
    rows[1].errorType = 'Function.Error,Unhandled';
    rows[2].initMs = null;
    const text = renderCsv(rows);
    expect(parseInvocationsCsv(text, 'x.csv', new Set(rows.map((r) => r.target)))).toEqual(rows);
    // Cut inside the quoted field: named as what it is.
    expect(() => parseInvocationsCsv(text.slice(0, text.indexOf('retried')), 'x.csv', new Set(['apr']))).toThrow(/x\.csv: line 2: a quoted field is never closed/);
  });

  test('runs with no target in common', async () => {
    // The same run with its targets keyed otherwise, in results.json and in every row of invocations.csv.
    const other = copyOf(runs.same2, 'other-keys');
    const results = readJson<BenchmarkResults>(path.join(other, 'results.json'));
    results.targets = Object.fromEntries(Object.entries(results.targets).map(([k, v]) => [`${k}-other`, v]));
    writeFileSync(path.join(other, 'results.json'), JSON.stringify(results));
    const csv = readFileSync(path.join(other, 'invocations.csv'), 'utf8').split('\r\n');
    writeFileSync(path.join(other, 'invocations.csv'), csv.map((l, i) => (i === 0 || l === '' ? l : l.replace(/^([^,]+),/, '$1-other,'))).join('\r\n'));
    await refused([runs.same1, other], /same-1 and other-keys have no target in common: apr, apr-probe against apr-other, apr-probe-other/);
  });

  test('a corrupt invocations.csv: cut short, or a value that is not a number', async () => {
    const cut = copyOf(runs.same2, 'csv-cut');
    const text = readFileSync(path.join(cut, 'invocations.csv'), 'utf8');
    // Cut in the middle of a row: the last row has too few fields.
    const lines = text.split('\r\n');
    const middle = Math.floor(lines.length / 2);
    writeFileSync(path.join(cut, 'invocations.csv'), `${lines.slice(0, middle).join('\r\n')}\r\n${lines[middle].slice(0, 20)}`);
    await refused([runs.same1, cut], new RegExp(`csv-cut/invocations\\.csv: line ${middle + 1}: \\d+ fields where the header has 13`));

    const bad = copyOf(runs.same2, 'csv-bad-number');
    const header = lines[0].split(',');
    const row = lines[1].split(',');
    row[header.indexOf('durationMs')] = 'fast';
    writeFileSync(path.join(bad, 'invocations.csv'), [lines[0], row.join(','), ...lines.slice(2)].join('\r\n'));
    await refused([runs.same1, bad], /csv-bad-number\/invocations\.csv: line 2, column durationMs: "fast" is not a number/);
  });

  test('thresholds such as 10 or ten%', async () => {
    await refused([runs.same1, runs.same2, '--fail-if-slower', '10'], /--fail-if-slower 10: "10" needs a % sign/);
    await refused([runs.same1, runs.same2, '--fail-if-slower', 'ten%'], /--fail-if-slower ten%: "ten%" is not a percentage/);
    await refused([runs.same1, runs.same2, '--fail-if-slower', 'boot=10%'], /"boot" is not a metric \(known: init, warm, memory, roundtrip, cost\)/);
    expect(parseThresholds('init=10%,warm=20%,init.p90=25%').map((t) => [t.metric, t.percentile, t.fraction])).toEqual([
      ['init', 'p50', 0.1],
      ['warm', 'p50', 0.2],
      ['init', 'p90', 0.25],
    ]);
  });

  test('a write that fails half way (a full file system) leaves neither --out nor a staging directory', async () => {
    // A 16 KiB tmpfs holds the chart and compare.md (about 6 KB each) but not compare.json (about 19 KB).
    // Mounting needs root with CAP_SYS_ADMIN (as test/local-bench/full-disk.test.ts); elsewhere this says so and stops.
    const mnt = path.join(work, 'small-fs');
    mkdirSync(mnt);
    const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=16k', 'tmpfs', mnt], { encoding: 'utf8' });
    if (mounted.status !== 0) {
      console.warn(`not run: cannot mount a tmpfs here (${mounted.stderr.trim()})`);
      return;
    }
    try {
      const r = await compare(runs.same1, runs.same2, '--out', path.join(mnt, 'result'));
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/^compare: writing .*small-fs\/\.result\.partial-\d+\/compare\.\w+ failed: .*ENOSPC.*; nothing was written to --out\n$/);
      expect(readdirSync(mnt)).toEqual([]);
    } finally {
      spawnSync('umount', [mnt]);
    }
  });

  test('an --out that already holds files is refused before anything is computed', async () => {
    const out = path.join(work, 'out-full');
    mkdirSync(out);
    writeFileSync(path.join(out, 'keep.txt'), 'mine');
    const r = await compare(runs.same1, runs.same2, '--out', out);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/out-full already holds files/);
    expect(readFileSync(path.join(out, 'keep.txt'), 'utf8')).toBe('mine');
  });
});

describe(`an AWS run (${AWS_FIXTURE_LABEL})`, () => {
  test('the AWS path writes a run compare reads; local against AWS is compared and labelled so', async () => {
    const aws = readRunDirectory(runs.aws);
    expect(aws.results.backend).toBe('aws');
    expect(aws.results.environment.measuredFrom).toContain(AWS_FIXTURE_LABEL);
    const out = path.join(work, 'out-aws');
    const r = await compare(runs.same1, runs.aws, '--out', out);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const report = readJson<CompareReport>(path.join(out, 'compare.json'));
    expect(report.comparison.likeForLike.kind).toBe('local vs AWS');
    expect(report.comparison.likeForLike.notes.join('\n')).toMatch(/local vs AWS: a local run beside an AWS run/);
    expect(report.comparison.targets.map((t) => t.target)).toEqual(['apr']);
    expect(report.comparison.onlyInBaseline).toEqual(['apr-probe']);
    const init = report.comparison.targets[0].changes.find((c) => c.metric === 'init' && c.percentile === 'p50')!;
    expect(init.n).toEqual({ baseline: COLD, candidate: 8 });
    expect(init.candidate).toBeCloseTo(aws.results.targets.apr.cold.initMs!.p50, 9);
    expect(r.out.split('\n')[0]).toMatch(/^local vs AWS: same-1 \(.*\) -> moto-compare-run/);

    // Predicted against measured, from the local run's own predictedAws block; where the local run has
    // none (its model is missing or stale), the output says so with the run's own reason.
    const block = report.predictedAgainstMeasured!;
    const local = readJson<BenchmarkResults>(path.join(runs.same1, 'results.json'));
    const predictions = predictedAwsFigures(local.targets.apr);
    if (predictions.length === 0) {
      const reason = local.targets.apr.predictedAws?.unavailable ?? (local.predictionModel as { unavailable: string }).unavailable;
      expect(block.unmatched).toEqual([`apr: the local run has no prediction (${reason})`]);
      expect(readFileSync(path.join(out, 'compare.md'), 'utf8')).toContain(`not compared: apr: the local run has no prediction`);
    } else {
      expect(block.rows.map((x) => [x.target, x.architecture])).toEqual([['apr', 'x86_64']]);
      expect(block.rows[0].measured.p50Ms).toBeCloseTo(aws.results.targets.apr.cold.initMs!.p50, 9);
    }
  });

  test('predicted against measured, per architecture: error and inside-interval, from a predictedAws block of the type results.json declares', () => {
    const local = readRunDirectory(runs.same1);
    const aws = readRunDirectory(runs.aws);
    const measured = aws.results.targets.apr.cold.initMs!;
    // A prediction 10 % above what the AWS run measured on x86_64, and one for arm64, which it did not
    // measure: the block in the shape lib/benchmark/types.ts gives it (an interval with its level, the
    // predicted Max Memory Used beside), not type-checked here because that shape is being reworked.
    const at = (p50Ms: number) => ({
      effectiveLocalMs: 3,
      p50Ms,
      p90Ms: p50Ms * 1.2,
      interval: { low: p50Ms * 0.8, high: p50Ms * 1.5, level: 0.9 },
      validation: { kind: 'leave-one-family-out', medianAbsErrorPct: 2, maxAbsErrorPct: 4, runtimes: 8, families: 4 },
    });
    const predictedAws = {
      from: { localInitP50Ms: 1, localInitP90Ms: 2, localInitFileMB: 1.5, n: COLD, packageType: 'Zip', runtime: 'provided.al2023' },
      runtimeCalibrated: true,
      nearestCalibrationRuntimes: ['rust (prov.al2023)'],
      extrapolated: null,
      x86_64: at(measured.p50 * 1.1),
      arm64: at(measured.p50 * 0.5),
      maxMemory: { x86_64: { architecture: 'x86_64', maxMemoryUsedMB: 15, interval: { low: 12, high: 18, level: 0.9 } }, arm64: null },
    } as unknown as PredictedAwsBlock;
    const withPrediction: RunDirectory = { ...local, results: { ...local.results, targets: { ...local.results.targets, apr: { ...local.results.targets.apr, predictedAws } } } };
    expect(predictedAwsFigures(withPrediction.results.targets.apr).map((f) => [f.architecture, f.interval.level, f.maxMemoryMB])).toEqual([
      ['x86_64', 0.9, 15],
      ['arm64', 0.9, undefined],
    ]);
    const block = predictedAgainstMeasured(withPrediction, aws);
    expect(block.rows).toHaveLength(1);
    const row = block.rows[0];
    expect(row).toMatchObject({ target: 'apr', architecture: 'x86_64', awsTarget: 'apr', insideInterval: true });
    expect(row.errorP50).toBeCloseTo(0.1, 9);
    expect(row.errorP90).toBeCloseTo((measured.p50 * 1.1 * 1.2 - measured.p90) / measured.p90, 9);
    expect(row.measured.p50Ci95![0]).toBeLessThanOrEqual(measured.p50);
    expect(block.unmatched).toEqual(['apr (arm64): the AWS run measured no arm64 configuration of it']);

    // And as compare prints and writes it.
    const report = buildCompareReport([withPrediction, aws], { ...DEFAULT_COMPARE_OPTIONS, iterations: 1000 });
    const md = renderCompareMarkdown(report);
    expect(md).toMatch(/\| apr \| x86_64 \| [\d.]+ ms \([\d.]+ ms to [\d.]+ ms, 90 %\) \| .* \| \+10\.0% \| .* \| yes \| 15\.0 MB \/ [\d.]+ MB \|/);
    const printed = renderConsole(report);
    expect(printed).toMatch(/^apr +x86_64 .* +\+10\.0% +yes$/m);
    for (const line of printed.split('\n')) expect(line.length).toBeLessThanOrEqual(CONSOLE_WIDTH);
  });
});
