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
    expect(calls[0]).toMatchObject({ logGroupName: GROUP, filterPattern: '"REPORT"' });
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

  test('the JSON log format is searched with its own filter pattern', async () => {
    const msg = JSON.stringify({ type: 'platform.report', record: { requestId: 'j1', metrics: { durationMs: 1.5, billedDurationMs: 2, memorySizeMB: 128, maxMemoryUsedMB: 12 }, status: 'success' } });
    fake.addLogEvent(GROUP, msg);
    fake.addLogEvent(GROUP, JSON.stringify({ type: 'platform.start', record: { requestId: 'j1' } }));
    const out = await collectReports(clients.logs, GROUP, ['j1'], { ...window(), filterPattern: reportFilterPattern('JSON') });
    expect(out.reports.j1).toMatchObject({ durationMs: 1.5, status: 'success' });
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
    expect(out).toEqual({ reports: {}, missing: [], malformed: [], duplicates: 0, pages: 0 });
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
