import { aggregate } from '../../lib/benchmark/aggregate';
import { formatRatio, mdCell, renderMarkdown } from '../../lib/benchmark/render-markdown';
import { syntheticRun } from './synthetic-run';

describe('report.md', () => {
  const run = syntheticRun();
  const results = aggregate({ run, backend: 'local', environment: { limitsApplied: false, cpu: 'AMD | EPYC', binarySha256: 'ab12' }, awsModel: null });
  const md = renderMarkdown(results, {
    charts: [{ file: 'cold-start.svg', title: 'Cold start comparison' }],
    files: [{ file: 'invocations.csv', description: 'one row per invocation' }],
  });
  const lines = md.split('\n');

  test('the summary table in the reference benchmark\'s shape, with n, p90, p99 and the ratio with its interval', () => {
    const r = results.ratios!;
    expect(lines).toContain('| metric | apr (provided.al2023, 128 MB, x86_64) | pytorch (container-image, 512 MB, x86_64) | pytorch / apr |');
    expect(lines).toContain(
      `| cold start: Init Duration, p50 (measured here) | **22 ms** (p90 23.6, p99 23.96; n=5) | **4,000 ms** (p90 4,080, p99 4,098; n=5) | ${formatRatio(r.coldStartInitP50)} |`,
    );
    expect(formatRatio(r.coldStartInitP50)).toMatch(/^182× \(95 % CI \d+(\.\d+)?–\d+(\.\d+)?\)$/);
    expect(lines).toContain(`| warm Duration, p50 | **0.9 ms** (p90 1, p99 1; n=10) | **1.57 ms** (p90 1.6, p99 1.62; n=10) | ${formatRatio(r.warmDurationP50)} |`);
    expect(lines).toContain(`| Max Memory Used (cold starts), p50 | **13 MB** (p90 13.6, p99 13.96; n=5) | **291 MB** (p90 292.6, p99 292.96; n=5) | ${formatRatio(r.maxMemory)} |`);
    expect(lines).toContain('| package | zip (1.20 MB) | container image (1.50 GB) | 1,250× |');
    expect(lines).toContain('| failed invocations | 2 of 19 | 1 of 16 |  |');
  });

  test('this run beside the published AWS figures, each with its source', () => {
    expect(md).toContain('## Compared with published AWS figures');
    expect(md).toContain('shows how well the local run predicts AWS');
    // apr cold p50 22 ms against lambda-perf's 15.9 ms; pytorch 4,000 ms against the reference's 3,935.59 ms.
    expect(lines.find((l) => l.startsWith('| apr | cold start Init Duration, p50 | 22 ms | 15.9 ms | 1.38× | lambda-perf'))).toBeDefined();
    expect(lines.find((l) => l.startsWith('| pytorch | cold start Init Duration, p50 | 4,000 ms | 3,935.59 ms | 1.02× |'))).toBeDefined();
    expect(lines.find((l) => l.startsWith('| pytorch | Max Memory Used | 291 MB | 289 MB | 1.01× |'))).toBeDefined();
  });

  test('every statistic with its spread', () => {
    expect(lines).toContain('| apr | cold: Init Duration | ms | 5 | 20 | 22 | 23.6 | 23.96 | 24 | 22 | 1.58 |');
    expect(lines).toContain('| pytorch | warm: Duration | ms | 10 | 1.5 | 1.57 | 1.6 | 1.62 | 1.62 | 1.56 | 0.05 |');
    expect(md).toContain('1 cold start(s) have no Init Duration in their REPORT and are not samples of it (1 × no INIT_REPORT;');
    expect(md).not.toContain('no new environment');
  });

  test('errors, parity, cost with its formula, methodology, environment, charts', () => {
    const aprFailed = syntheticRun().targets[0].invocations.find((i) => i.functionError)!;
    expect(lines).toContain(`| apr | function | InvalidInput | missing field 'alcohol' | 1 | 0 / 1 | ${aprFailed.requestId} |`);
    expect(lines).toContain('| pytorch | api | TooManyRequestsException | Rate Exceeded. | 1 | 0 / 1 | api-err-1 |');
    expect(md).toMatch(/Parity \(the two functions' answers to the benchmark payload, 1 case\): largest \|quality difference\| 1\.00e-5; category, confidence and top factors identical\./);
    expect(md).toContain('Formula: cost per 1M invocations = 1,000,000 × [ s × ceil(Init p50 + cold Duration p50)');
    expect(lines).toContain('| apr | 128 MB | x86_64 | 24 | 1 | $0.2026 | $0.2021 | $0.25 |');
    expect(md).toContain('## Methodology');
    expect(md).toContain('`BENCH_COLD_START_MARKER`');
    expect(md).toContain('CPU and memory limits matching the functions\' memory sizes were **not** applied');
    expect(lines).toContain('| cpu | AMD \\| EPYC |');
    expect(lines).toContain('| limitsApplied | false |');
    expect(lines).toContain('![Cold start comparison](cold-start.svg)');
    expect(lines).toContain('- [invocations.csv](invocations.csv): one row per invocation');
  });

  test('an aborted run says so; a run without both targets has no ratio column', () => {
    const single = syntheticRun();
    single.targets = [single.targets[0]];
    single.aborted = true;
    const out = renderMarkdown(aggregate({ run: single, backend: 'aws', environment: { limitsApplied: false } }));
    expect(out).toContain('**This run was stopped before it finished.**');
    expect(out).toContain('| metric | apr (provided.al2023, 128 MB, x86_64) |');
    expect(out).toContain('No ratio: the run does not contain both targets');
    expect(out).toContain('**AWS backend**');
    expect(out).not.toContain('were **not** applied');
  });

  test('table cells cannot break the table or inject HTML', () => {
    expect(mdCell('a|b\nc <script>')).toBe('a\\|b c &lt;script&gt;');
  });
});
