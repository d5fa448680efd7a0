/**
 * A hostile runtime and hostile API clients against the local Lambda service: every case is followed by an
 * invocation of a well-behaved function, which must still be served. The service answers what it can with
 * a 4xx, reports a runtime that dies as Lambda reports it (Runtime.ExitError), and keeps what a runtime
 * writes out of Duration and out of its own memory.
 */
import * as net from 'node:net';
import * as path from 'node:path';
import { FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { LocalLambdaService } from '../../lib/local-lambda';
import { MAX_LOG_MESSAGE_BYTES } from '../../lib/local-lambda/output-lines';
import { clients, FIXTURES, fixtureFunction, invoke, ms } from './helpers';

// Generous on a loaded machine: no case waits for a timer unless an answer fails to come.
jest.setTimeout(30000);

let service: LocalLambdaService;
let lambda: ReturnType<typeof clients>['lambda'];
let logs: ReturnType<typeof clients>['logs'];

beforeAll(async () => {
  // A small log store, so that a flood of output is bounded by the store, not by the test machine's memory.
  service = await LocalLambdaService.start({ limits: 'auto', logStore: { maxBytesPerGroup: 4 * 1024 * 1024 } });
  service.register(fixtureFunction('works'));
  service.register(fixtureFunction('hostile', { args: [path.join(FIXTURES, 'hostile-runtime.cjs')], timeoutSeconds: 60 }));
  ({ lambda, logs } = clients(service.endpoint));
});

afterAll(async () => {
  lambda.destroy();
  logs.destroy();
  await service.stop();
});

async function stillServes(): Promise<void> {
  const r = await invoke(lambda, 'works', { action: 'echo', check: true });
  expect(r.out.FunctionError).toBeUndefined();
  expect(r.json.echo).toEqual({ action: 'echo', check: true });
}

/** Raw bytes to the service's own endpoint; the status line of the answer, or null when none came. */
function rawToService(bytes: string, { end = true } = {}): Promise<{ status: number | null; text: string }> {
  const { hostname, port } = new URL(service.endpoint);
  return new Promise((resolve) => {
    const socket = net.connect(Number(port), hostname);
    let text = '';
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      socket.destroy();
      const m = /^HTTP\/1\.1 (\d{3})/.exec(text);
      resolve({ status: m ? Number(m[1]) : null, text });
    };
    socket.on('data', (d) => {
      text += d.toString();
      if (/\r\n\r\n/.test(text) && /Content-Length: (\d+)/i.test(text)) {
        const length = Number(/Content-Length: (\d+)/i.exec(text)![1]);
        if (Buffer.byteLength(text.slice(text.indexOf('\r\n\r\n') + 4)) >= length) finish();
      }
    });
    socket.on('close', finish);
    socket.on('error', finish);
    socket.on('connect', () => {
      socket.write(bytes);
      if (end) socket.end();
      setTimeout(finish, 5000);
    });
  });
}

describe('a runtime that misbehaves on the Runtime API', () => {
  test.each([
    ['a request id with a broken percent-encoding (%E0%A4%A)', 'bad-escape', 400],
    ['an invalid chunked body', 'bad-chunked', 400],
    ['a body shorter than declared, then close', 'short-body', 400],
  ])('%s: the runtime gets a 4xx or a dropped connection, then answers properly', async (_name, attack, status) => {
    const r = await invoke(lambda, 'hostile', { attack });
    expect(r.out.FunctionError).toBeUndefined();
    expect(r.json).toMatchObject({ attack, status });
    await stillServes();
  });

  test('a runtime that exits while posting its response: the invocation fails as Runtime.ExitError', async () => {
    const r = await invoke(lambda, 'hostile', { attack: 'exit-mid-post' });
    expect(r.out.FunctionError).toBe('Unhandled');
    expect(r.json).toEqual({ errorType: 'Runtime.ExitError', errorMessage: `RequestId: ${r.report.RequestId} Error: Runtime exited with error: exit status 9` });
    expect(r.report.Status).toBe('error');
    expect(r.report['Error Type']).toBe('Runtime.ExitError');
    await stillServes();
    // The next invocation of the same function gets a fresh environment.
    const again = await invoke(lambda, 'hostile', {});
    expect(again.out.FunctionError).toBeUndefined();
    expect(again.report['Init Duration']).toBeDefined();
  });

  test('100 MB of output without a newline: cut into CloudWatch-sized events, not buffered whole, not in the service\'s way', async () => {
    const rssBefore = process.memoryUsage().rss;
    const r = await invoke(lambda, 'hostile', { attack: 'flood', megabytes: 100 });
    const rssGrowth = process.memoryUsage().rss - rssBefore;
    expect(r.out.FunctionError).toBeUndefined();
    expect(r.json.attack).toBe('flood');
    // Before, the service re-split one growing 100 MB string per chunk: 1 GB of memory and 90 s of Duration.
    // Now it holds one event's worth at a time; the log store keeps at most 4 MB of this group here.
    expect(rssGrowth).toBeLessThan(300 * 1024 * 1024);
    expect(ms(r.report.Duration)).toBeLessThan(60000);
    const out = await logs.send(new FilterLogEventsCommand({ logGroupName: '/aws/lambda/hostile', limit: 10000 }));
    const floods = (out.events ?? []).filter((e) => e.message?.startsWith('xxxx'));
    expect(floods.length).toBeGreaterThan(0);
    for (const e of floods) expect(Buffer.byteLength(e.message!)).toBeLessThanOrEqual(MAX_LOG_MESSAGE_BYTES + 1);
    // Full events are exactly CloudWatch's message size (plus the newline each Lambda message ends with).
    expect(Buffer.byteLength(floods[0].message!)).toBe(MAX_LOG_MESSAGE_BYTES + 1);
    await stillServes();
  }, 120000);
});

describe('hostile requests to the Lambda and Logs APIs', () => {
  test('a function name with a broken percent-encoding: 400 InvalidParameterValueException, not 500', async () => {
    const r = await rawToService('POST /2015-03-31/functions/%E0%A4%A/invocations HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}');
    expect(r.status).toBe(400);
    expect(r.text).toMatch(/x-amzn-ErrorType: InvalidParameterValueException/i);
    await stillServes();
  });

  test('an invalid chunked Invoke body: 400', async () => {
    const r = await rawToService('POST /2015-03-31/functions/works/invocations HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\n{}\r\n0\r\n\r\n');
    expect(r.status).toBe(400);
    await stillServes();
  });

  test('an Invoke body shorter than declared, then close: the service carries on', async () => {
    const r = await rawToService('POST /2015-03-31/functions/works/invocations HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{"a":1');
    expect(r.status === null || (r.status >= 400 && r.status < 500)).toBe(true);
    await stillServes();
  });

  test.each([
    ['a list where an object belongs', '[1,2]'],
    ['a number where a list of stream names belongs', '{"logGroupName":"/aws/lambda/works","logStreamNames":5}'],
    ['a number as the group name', '{"logGroupName":5}'],
    ['not JSON', '{"logGroupName":'],
  ])('FilterLogEvents with %s: a 4xx', async (_name, body) => {
    const r = await rawToService(
      `POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: Logs_20140328.FilterLogEvents\r\nContent-Type: application/x-amz-json-1.1\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
    expect(r.status).toBeGreaterThanOrEqual(400);
    expect(r.status).toBeLessThan(500);
    await stillServes();
  });

  test('a Logs request with an invalid chunked body: 400', async () => {
    const r = await rawToService('POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: Logs_20140328.FilterLogEvents\r\nTransfer-Encoding: chunked\r\n\r\nQQ\r\n{}\r\n0\r\n\r\n');
    expect(r.status).toBe(400);
    await stillServes();
  });

  test('every field of every operation given values of the wrong kind: always a 4xx, never a 5xx', async () => {
    const own = await LocalLambdaService.start({ limits: 'off' });
    try {
      own.register(fixtureFunction('f'));
      const values = [null, 5, -1, 'x', '', [], [1], {}, { a: 1 }, true, '%E0', 'a'.repeat(300)];
      const serverErrors: string[] = [];
      const send = async (method: string, url: string, body?: string, headers: Record<string, string> = {}) => {
        const r = await fetch(own.endpoint + url, { method, body, headers });
        const text = await r.text();
        if (r.status >= 500) serverErrors.push(`${r.status} ${method} ${url} ${body ?? ''} -> ${text}`);
      };
      for (const key of ['MemorySize', 'Timeout', 'Description', 'Environment', 'Handler', 'RevisionId']) {
        for (const v of values) await send('PUT', '/2015-03-31/functions/f/configuration', JSON.stringify({ [key]: v }));
      }
      const logsKeys = ['logGroupName', 'logGroupIdentifier', 'logStreamNames', 'logStreamNamePrefix', 'startTime', 'endTime', 'filterPattern', 'nextToken', 'limit', 'logStreamName', 'orderBy', 'descending', 'startFromHead'];
      for (const op of ['FilterLogEvents', 'GetLogEvents', 'DescribeLogStreams']) {
        for (const key of logsKeys) {
          for (const v of values) {
            await send('POST', '/', JSON.stringify({ logGroupName: '/aws/lambda/f', logStreamName: 'x', [key]: v }), {
              'X-Amz-Target': `Logs_20140328.${op}`,
              'Content-Type': 'application/x-amz-json-1.1',
            });
          }
        }
      }
      for (const url of ['/2015-03-31/functions/f/invocations?Qualifier=%E0', '/2015-03-31/functions/%/invocations', '/2015-03-31/functions/f:1:2/invocations']) await send('POST', url, '{}');
      for (const h of [{ 'X-Amz-Invocation-Type': 'Bogus' }, { 'X-Amz-Client-Context': '%%%' }] as Record<string, string>[]) await send('POST', '/2015-03-31/functions/f/invocations', '{}', h);
      expect(serverErrors).toEqual([]);
    } finally {
      await own.stop();
    }
    await stillServes();
  }, 60000);
});
