import { createBenchmarkClients, type BenchmarkClients } from '../../lib/benchmark/clients';
import {
  collectReports,
  collectReportsUntilComplete,
  MissingReportsError,
  reportFilterPattern,
} from '../../lib/benchmark/collect-reports';
import { FakeAws, TEST_CREDENTIALS } from './fake-aws';

const GROUP = '/aws/lambda/wine';

function reportLine(id: string, durationMs: number, initMs?: number): string {
  return `REPORT RequestId: ${id}\tDuration: ${durationMs.toFixed(2)} ms\tBilled Duration: ${Math.ceil(durationMs + (initMs ?? 0))} ms\tMemory Size: 128 MB\tMax Memory Used: 13 MB\t${initMs !== undefined ? `Init Duration: ${initMs.toFixed(2)} ms\t` : ''}`;
}

describe('collecting REPORT records over the CloudWatch Logs wire protocol', () => {
  let fake: FakeAws;
  let clients: BenchmarkClients;
  const window = () => ({ startTime: Date.now() - 60_000, endTime: Date.now() + 60_000 });

  beforeEach(async () => {
    fake = new FakeAws();
    const endpoint = await fake.start();
    clients = createBenchmarkClients({ region: 'us-east-1', endpoint, credentials: TEST_CREDENTIALS });
    fake.logGroups.set(GROUP, []);
  });
  afterEach(async () => {
    clients.logs.destroy();
    await fake.stop();
  });

  test('follows nextToken through every page and keeps only the requested ids', async () => {
    fake.logPageSize = 3;
    const ids = Array.from({ length: 10 }, (_, i) => `req-${i}`);
    ids.forEach((id, i) => {
      fake.addLogEvent(GROUP, `START RequestId: ${id} Version: $LATEST`);
      fake.addLogEvent(GROUP, reportLine(id, i + 0.5, i === 0 ? 22.58 : undefined));
    });
    fake.addLogEvent(GROUP, reportLine('someone-else', 1));
    const out = await collectReports(clients.logs, GROUP, ids, window());
    expect(out.missing).toEqual([]);
    expect(Object.keys(out.reports).sort()).toEqual([...ids].sort());
    expect(out.reports['req-0']).toMatchObject({ durationMs: 0.5, initDurationMs: 22.58 });
    expect(out.reports['req-9']).toMatchObject({ durationMs: 9.5 });
    expect(out.reports['someone-else']).toBeUndefined();
    // 11 REPORT events at 3 per page: 4 calls, each carrying the previous page's token.
    expect(out.pages).toBe(4);
    const calls = fake.requests.filter((r) => r.target === 'Logs_20140328.FilterLogEvents').map((r) => JSON.parse(r.body));
    expect(calls.map((c) => c.nextToken)).toEqual([undefined, 'page-3', 'page-6', 'page-9']);
    expect(calls[0]).toMatchObject({ logGroupName: GROUP, filterPattern: '?"REPORT" ?"INIT_REPORT"' });
    expect(typeof calls[0].startTime).toBe('number');
  });

  test('one pass names the ids still missing, and counts malformed REPORT records', async () => {
    fake.addLogEvent(GROUP, reportLine('a', 1));
    fake.addLogEvent(GROUP, 'REPORT RequestId: b\tDuration: 1.00 ms\t');
    const out = await collectReports(clients.logs, GROUP, ['a', 'b', 'c'], window());
    expect(Object.keys(out.reports)).toEqual(['a']);
    expect(out.missing).toEqual(['b', 'c']);
    expect(out.malformed).toHaveLength(1);
    expect(out.malformed[0].problem).toMatch(/Billed Duration/);
  });

  test('a duplicate REPORT record keeps the first and is counted', async () => {
    fake.addLogEvent(GROUP, reportLine('a', 1));
    fake.addLogEvent(GROUP, reportLine('a', 2));
    const out = await collectReports(clients.logs, GROUP, ['a'], window());
    expect(out.reports.a.durationMs).toBe(1);
    expect(out.duplicates).toBe(1);
  });

  test('INIT_REPORT lines join the next REPORT of their log stream, not of another stream', async () => {
    const t0 = Date.now() - 10_000;
    const [s1, s2, s3] = ['2026/01/01/[$LATEST]env1', '2026/01/01/[$LATEST]env2', '2026/01/01/[$LATEST]env3'];
    // env1: init timed out (Phase: init), the retried init succeeded inside invocation a.
    fake.addLogEvent(GROUP, 'INIT_REPORT Init Duration: 10000.00 ms\tPhase: init\tStatus: timeout', t0, t0, s1);
    // env2, interleaved in time: a normal cold start b, then a warm c.
    fake.addLogEvent(GROUP, reportLine('b', 1, 22.58), t0 + 1, t0 + 1, s2);
    fake.addLogEvent(GROUP, `START RequestId: a Version: $LATEST`, t0 + 2, t0 + 2, s1);
    fake.addLogEvent(GROUP, reportLine('a', 1500), t0 + 3, t0 + 3, s1);
    fake.addLogEvent(GROUP, reportLine('c', 1), t0 + 4, t0 + 4, s2);
    // env3: init failed twice (init, then the retry inside invocation d).
    fake.addLogEvent(GROUP, 'INIT_REPORT Init Duration: 150.79 ms\tPhase: init\tStatus: error\tError Type: Runtime.ExitError', t0 + 5, t0 + 5, s3);
    fake.addLogEvent(GROUP, 'INIT_REPORT Init Duration: 148.00 ms\tPhase: invoke\tStatus: error\tError Type: Runtime.ExitError', t0 + 6, t0 + 6, s3);
    fake.addLogEvent(GROUP, `REPORT RequestId: d\tDuration: 150.00 ms\tBilled Duration: 150 ms\tMemory Size: 128 MB\tMax Memory Used: 13 MB\tStatus: error\tError Type: Runtime.ExitError`, t0 + 6, t0 + 6, s3);
    // An environment whose INIT_REPORT no REPORT followed.
    fake.addLogEvent(GROUP, 'INIT_REPORT Init Duration: 10000.00 ms\tPhase: init\tStatus: timeout', t0 + 7, t0 + 7, '2026/01/01/[$LATEST]env4');
    const out = await collectReports(clients.logs, GROUP, ['a', 'b', 'c', 'd'], window());
    expect(out.reports.a.initReports).toEqual([{ initDurationMs: 10000, phase: 'init', status: 'timeout' }]);
    expect(out.reports.a.initDurationMs).toBeUndefined();
    expect(out.reports.b.initReports).toBeUndefined();
    expect(out.reports.c.initReports).toBeUndefined();
    expect(out.reports.d.initReports).toEqual([
      { initDurationMs: 150.79, phase: 'init', status: 'error', errorType: 'Runtime.ExitError' },
      { initDurationMs: 148, phase: 'invoke', status: 'error', errorType: 'Runtime.ExitError' },
    ]);
    expect(out.unmatchedInitReports).toBe(1);
  });

  test('the JSON log format is searched with its own filter pattern', async () => {
    const msg = JSON.stringify({ type: 'platform.report', record: { requestId: 'j1', metrics: { durationMs: 1.5, billedDurationMs: 2, memorySizeMB: 128, maxMemoryUsedMB: 12 }, status: 'success' } });
    const t0 = Date.now() - 1000;
    fake.addLogEvent(GROUP, msg, t0);
    fake.addLogEvent(GROUP, JSON.stringify({ type: 'platform.start', record: { requestId: 'j1' } }), t0);
    fake.addLogEvent(GROUP, JSON.stringify({ type: 'platform.initReport', record: { initializationType: 'on-demand', phase: 'init', status: 'timeout', metrics: { durationMs: 10000 } } }), t0 + 1);
    fake.addLogEvent(GROUP, JSON.stringify({ type: 'platform.report', record: { requestId: 'j2', metrics: { durationMs: 900, billedDurationMs: 900, memorySizeMB: 512, maxMemoryUsedMB: 200 }, status: 'success' } }), t0 + 2);
    const out = await collectReports(clients.logs, GROUP, ['j1', 'j2'], { ...window(), filterPattern: reportFilterPattern('JSON') });
    expect(out.reports.j1).toMatchObject({ durationMs: 1.5, status: 'success' });
    expect(out.reports.j2.initReports).toEqual([{ initDurationMs: 10000, phase: 'init', status: 'timeout' }]);
  });

  test('waits out the ingestion delay until every record is there', async () => {
    const now = Date.now();
    fake.addLogEvent(GROUP, reportLine('early', 1), now, now);
    fake.addLogEvent(GROUP, reportLine('late', 2), now, now + 400);
    const polls: [number, number][] = [];
    const out = await collectReportsUntilComplete(clients.logs, GROUP, ['early', 'late'], {
      ...window(),
      deadlineMs: 5_000,
      pollIntervalMs: 100,
      onPoll: (found, missing) => polls.push([found, missing]),
    });
    expect(out.missing).toEqual([]);
    expect(out.reports.late.durationMs).toBe(2);
    expect(polls[0]).toEqual([1, 1]);
    expect(polls[polls.length - 1]).toEqual([2, 0]);
    expect(polls.length).toBeGreaterThanOrEqual(3);
  });

  test('records still missing at the deadline give a clear error carrying what was found', async () => {
    fake.addLogEvent(GROUP, reportLine('a', 1));
    const t0 = Date.now();
    const err = await collectReportsUntilComplete(clients.logs, GROUP, ['a', 'b', 'c'], { ...window(), deadlineMs: 500, pollIntervalMs: 100 }).catch((e) => e);
    const waited = Date.now() - t0;
    expect(err).toBeInstanceOf(MissingReportsError);
    expect(err.message).toMatch(/^2 of 3 REPORT records missing in \/aws\/lambda\/wine after \d+\.\d s \(e\.g\. b, c\)$/);
    expect(err.partial.reports.a.durationMs).toBe(1);
    expect(err.partial.missing).toEqual(['b', 'c']);
    expect(waited).toBeGreaterThanOrEqual(500);
    expect(waited).toBeLessThan(3_000);
    // Later passes only ask about what is still missing, but every pass reads the log group.
    expect(fake.requests.filter((r) => r.target === 'Logs_20140328.FilterLogEvents').length).toBeGreaterThanOrEqual(4);
  });

  test('an unknown log group is a service error, thrown', async () => {
    await expect(collectReports(clients.logs, '/aws/lambda/none', ['a'], window())).rejects.toThrow(/log group does not exist/);
  });

  test('no ids: no call at all', async () => {
    const out = await collectReports(clients.logs, GROUP, [], window());
    expect(out).toEqual({ reports: {}, missing: [], malformed: [], duplicates: 0, pages: 0, unmatchedInitReports: 0 });
    expect(fake.requests).toHaveLength(0);
  });

  test('an abort while waiting stops the wait', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 150);
    const err = await collectReportsUntilComplete(clients.logs, GROUP, ['never'], {
      ...window(), deadlineMs: 10_000, pollIntervalMs: 5_000, abortSignal: controller.signal,
    }).catch((e) => e);
    expect(err.name).toBe('AbortError');
  });
});
