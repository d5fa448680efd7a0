import { aggregate, invocationRows } from '../../lib/benchmark/aggregate';
import { resolveConfig } from '../../lib/benchmark/config';
import { describeLostInit, lostInitReason } from '../../lib/benchmark/lost-init';
import { renderMarkdown } from '../../lib/benchmark/render-markdown';
import type { InitReportRecord, JoinedInvocation, RawBenchmarkRun } from '../../lib/benchmark/types';
import { CONSOLE_COLUMNS, renderConsoleSummary } from '../../lib/local-bench/console-summary';
import { APR_SPEC, TORCH_SPEC } from './synthetic-run';

/**
 * The case that was reported wrongly before: PyTorch inits under load run into the 10 s init limit,
 * Lambda writes `INIT_REPORT ... Phase: init Status: timeout`, retries the init inside the invocation,
 * and the REPORT has no Init Duration. Such cold starts must be counted and shown, the Errors section
 * must not say every invocation succeeded, and a p50 from 1 sample of 10 must come with a warning.
 */

const TIMEOUT: InitReportRecord = { initDurationMs: 10000, phase: 'init', status: 'timeout' };
const RETRY_TIMEOUT: InitReportRecord = { initDurationMs: 30000, phase: 'invoke', status: 'timeout' };

let counter = 0;
function cold(kind: 'ok' | 'lost' | 'lost-and-failed', key: string): JoinedInvocation {
  const requestId = `${key}-${++counter}`;
  const base = { requestId, phase: 'cold' as const, startedAt: 1_700_000_000_000 + counter, attempts: 1, retryDelayMs: 0, statusCode: 200 };
  const memorySizeMB = key === 'apr' ? 128 : 512;
  if (kind === 'ok') {
    const init = key === 'apr' ? 2 + counter / 100 : 1500 + counter;
    return { ...base, roundTripMs: init + 10, report: { requestId, durationMs: 1, billedDurationMs: Math.ceil(init + 1), memorySizeMB, maxMemoryUsedMB: 200, initDurationMs: init } };
  }
  if (kind === 'lost') {
    // The retried init (about 1.6 s) is inside Duration; the client waited for both inits.
    return { ...base, roundTripMs: 11_700 + counter, report: { requestId, durationMs: 1_650, billedDurationMs: 1_650, memorySizeMB, maxMemoryUsedMB: 230, initReports: [TIMEOUT] } };
  }
  return {
    ...base, roundTripMs: 40_100 + counter, functionError: 'Unhandled', errorType: 'Sandbox.Timedout', errorMessage: 'RequestId: x Error: Task timed out after 30.00 seconds',
    report: { requestId, durationMs: 30_000, billedDurationMs: 30_000, memorySizeMB, maxMemoryUsedMB: 230, status: 'timeout', initReports: [TIMEOUT, RETRY_TIMEOUT] },
  };
}

function warm(key: string): JoinedInvocation {
  const requestId = `${key}-${++counter}`;
  return {
    requestId, phase: 'warm', startedAt: 1_700_000_000_000 + counter, roundTripMs: 2, attempts: 1, retryDelayMs: 0, statusCode: 200,
    report: { requestId, durationMs: 1 + (counter % 3) / 10, billedDurationMs: 2, memorySizeMB: key === 'apr' ? 128 : 512, maxMemoryUsedMB: 14 },
  };
}

function run(torchCold: ('ok' | 'lost' | 'lost-and-failed')[]): RawBenchmarkRun {
  counter = 0;
  return {
    startedAt: '2026-01-01T00:00:00.000Z',
    finishedAt: '2026-01-01T00:10:00.000Z',
    config: resolveConfig({ coldStarts: 10, warmInvocations: 5, bootstrap: { iterations: 500 } }),
    aborted: false,
    targets: [
      { spec: APR_SPEC, invocations: [...Array.from({ length: 10 }, () => cold('ok', 'apr')), ...Array.from({ length: 5 }, () => warm('apr'))], runErrors: [], startedAt: 1, finishedAt: 2 },
      { spec: TORCH_SPEC, invocations: [...torchCold.map((k) => cold(k, 'pytorch')), ...Array.from({ length: 5 }, () => warm('pytorch'))], runErrors: [], startedAt: 3, finishedAt: 4 },
    ],
  };
}

const ISSUE_CASE: ('ok' | 'lost' | 'lost-and-failed')[] = ['lost', 'ok', 'lost', 'lost', 'lost-and-failed', 'lost', 'lost', 'lost', 'lost-and-failed', 'lost'];

describe('cold starts that lose their Init Duration', () => {
  const results = aggregate({ run: run(ISSUE_CASE), backend: 'aws', environment: { limitsApplied: true } });
  const torch = results.targets.pytorch;

  test('the reason comes from the INIT_REPORT records of the environment', () => {
    expect(lostInitReason([TIMEOUT])).toBe('init timeout');
    expect(lostInitReason([{ initDurationMs: 150.79, phase: 'init', status: 'error', errorType: 'Runtime.ExitError' }])).toBe('init error (Runtime.ExitError)');
    expect(lostInitReason(undefined)).toBe('no INIT_REPORT');
    expect(describeLostInit('init timeout', [TIMEOUT])).toMatch(/init phase's time limit .*retried inside the invocation, whose Duration includes it/);
    expect(describeLostInit('init timeout', [TIMEOUT, RETRY_TIMEOUT])).toMatch(/retried inside the invocation also ended with status timeout/);
    expect(describeLostInit('no INIT_REPORT', [])).toMatch(/did not say why/);
  });

  test('counted and listed with reason and round trip, failed or not; only the real one is a sample', () => {
    expect(torch.cold.n).toBe(1);
    expect(torch.cold.initMs!.n).toBe(1);
    expect(torch.cold.withoutInitDuration).toBe(7);
    const lost = torch.cold.lostInitDuration;
    expect(lost.count).toBe(9);
    expect(lost.reasons).toEqual([
      { reason: 'init timeout', description: expect.stringMatching(/^init ran into the init phase's time limit/), count: 9, succeeded: 7, roundTripMs: expect.objectContaining({ n: 9 }) },
    ]);
    expect(lost.reasons[0].roundTripMs!.max).toBeGreaterThan(40_000);
    expect(lost.invocations.map((i) => [i.index, i.outcome])).toEqual([
      [0, 'ok'], [2, 'ok'], [3, 'ok'], [4, 'function-error'], [5, 'ok'], [6, 'ok'], [7, 'ok'], [8, 'function-error'], [9, 'ok'],
    ]);
    expect(lost.invocations[0]).toMatchObject({ requestId: 'pytorch-16', reason: 'init timeout', initReports: [TIMEOUT], durationMs: 1_650, roundTripMs: 11_716 });
    expect(lost.invocations[3].initReports).toEqual([TIMEOUT, RETRY_TIMEOUT]);
    expect(results.targets.apr.cold.lostInitDuration).toEqual({ count: 0, reasons: [], invocations: [] });
  });

  test('a statistic from fewer samples than asked for is named, with where the others went', () => {
    expect(torch.sampleShortfalls).toEqual([
      { phase: 'cold', statistics: expect.stringMatching(/^Init Duration/), n: 1, asked: 10, why: '7 answered but lost their Init Duration (init timeout), 2 failed' },
    ]);
    expect(results.targets.apr.sampleShortfalls).toEqual([]);
    const short = aggregate({ run: { ...run(['ok', 'ok']), aborted: true }, backend: 'aws', environment: { limitsApplied: true } });
    expect(short.targets.pytorch.sampleShortfalls[0]).toMatchObject({ n: 2, asked: 10, why: '8 more were never run' });
  });

  test('report.md: shown, warned about, never called "no new environment" or "every invocation succeeded"', () => {
    const md = renderMarkdown(results);
    expect(md).not.toContain('no new environment');
    expect(md).not.toContain('Every invocation succeeded');
    expect(md).toContain('> **Fewer samples than asked for.**');
    expect(md).toMatch(/> - pytorch: cold starts \(Init Duration p50 1,517 ms\) from n = 1 of 10 asked: 7 answered but lost their Init Duration \(init timeout\), 2 failed/);
    expect(md).toContain('## Cold starts without an Init Duration');
    expect(md).toMatch(/\| pytorch \| init timeout \| 9 \| 7 \| 11,72\d(\.\d+)? \(11,716–40,124\) \| init ran into/);
    expect(md).toContain('| pytorch | 4 | `pytorch-20` | init timeout | init timeout 10,000 ms; invoke timeout 30,000 ms | 40,120 | 30,000 | function-error |');
    expect(md).toContain('9 cold start(s) have no Init Duration in their REPORT and are not samples of it (9 × init timeout;');
    expect(md).toMatch(/\| pytorch \| function \| Sandbox\.Timedout \| [^|]+ \| 2 \| 2 \/ 0 \|/);
    expect(md).toContain('Besides these, 9 cold start(s) lost their Init Duration');
  });

  test('report.md when every invocation answered but some cold starts lost their Init Duration', () => {
    const md = renderMarkdown(aggregate({ run: run(['ok', 'lost', 'lost', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok']), backend: 'aws', environment: { limitsApplied: true } }));
    expect(md).not.toContain('Every invocation succeeded');
    expect(md).toContain('Every invocation answered and every REPORT record was found, but 2 cold start(s) lost their Init Duration');
    expect(md).toMatch(/pytorch: cold starts \(Init Duration p50 [\d,.]+ ms\) from n = 8 of 10 asked: 2 answered but lost their Init Duration \(init timeout\)/);
  });

  test('a clean run says so, with no warning', () => {
    const md = renderMarkdown(aggregate({ run: run(Array(10).fill('ok')), backend: 'aws', environment: { limitsApplied: true } }));
    expect(md).toContain('Every invocation succeeded and every REPORT record was found.');
    expect(md).not.toContain('Fewer samples than asked for');
    expect(md).not.toContain('## Cold starts without an Init Duration');
  });

  test('the console warns with n and asked, and names the lost cold starts with their round trip', () => {
    // Warnings wrap at 100 columns, continuing on lines indented by four spaces.
    const raw = renderConsoleSummary(results);
    const text = raw.replace(/\n {4}/g, ' ');
    expect(text).toContain('WARNING pytorch: Init Duration p50 1,517 ms from n = 1 of 10 asked (7 answered but lost their Init Duration (init timeout), 2 failed)');
    expect(text).toMatch(/WARNING pytorch: 9 cold start\(s\) without Init Duration, 7 of them answered: init ran into .*; round trip p50 [\d,.]+ ms \(11,716–40,124\)/);
    expect(raw.split('\n').every((line) => line.length <= CONSOLE_COLUMNS)).toBe(true);
  });

  test('invocations.csv rows keep every cold start, its missing Init Duration and its status', () => {
    const rows = invocationRows(run(ISSUE_CASE)).filter((r) => r.target === 'pytorch' && r.phase === 'cold');
    expect(rows).toHaveLength(10);
    expect(rows.filter((r) => r.initMs === null)).toHaveLength(9);
    expect(rows[4]).toMatchObject({ status: 'function-error', errorType: 'Sandbox.Timedout', initReport: 'init timeout 10000 ms; invoke timeout 30000 ms' });
    expect(rows[0]).toMatchObject({ status: 'ok', initMs: null, initReport: 'init timeout 10000 ms' });
    expect(rows[1]).toMatchObject({ initReport: null });
  });
});
