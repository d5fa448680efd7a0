/** The service's pure parts: REPORT arithmetic and format, filter patterns, the log store, name parsing, output lines. */
import * as path from 'node:path';
import { parseFilterPattern, matchesFilterPattern } from '../../lib/local-lambda/filter-pattern';
import { parseFunctionReference, tailLogResult } from '../../lib/local-lambda/lambda-api';
import { LogsError, LogStore } from '../../lib/local-lambda/log-store';
import { billedDurationMs, bytesToReportedMB, describeExit, formatInitReportLine, formatReportLine } from '../../lib/local-lambda/report';
import { logStreamName, runtimeEnvironment } from '../../lib/local-lambda/runtime-environment';
import { validateEnvironment } from '../../lib/local-lambda/function-definition';
import { MAX_LOG_MESSAGE_BYTES, OutputLineSplitter, utf8CutPoint } from '../../lib/local-lambda/output-lines';
import { safeDecode } from '../../lib/local-lambda/environment';
import { fixtureFunction } from './helpers';

describe('REPORT arithmetic and format', () => {
  test('billed duration: ceil of init + duration from unrounded values, at least 1 ms', () => {
    expect(billedDurationMs(0.99, 22.58)).toBe(24);
    expect(billedDurationMs(0.86)).toBe(1);
    expect(billedDurationMs(0.0001)).toBe(1);
    expect(billedDurationMs(2.0000000000000004)).toBe(2);
    expect(billedDurationMs(2.001)).toBe(3);
    expect(billedDurationMs(1000, 3935.59)).toBe(4936);
  });

  test('memory is reported in whole MiB, rounded up', () => {
    expect(bytesToReportedMB(13 * 1024 * 1024)).toBe(13);
    expect(bytesToReportedMB(13 * 1024 * 1024 + 1)).toBe(14);
  });

  test("the REPORT line matches CloudWatch's text format", () => {
    expect(
      formatReportLine({ requestId: 'r1', durationMs: 0.99, billedDurationMs: 24, memorySizeMB: 128, maxMemoryUsedMB: 13, initDurationMs: 22.58, status: 'success' }),
    ).toBe('REPORT RequestId: r1\tDuration: 0.99 ms\tBilled Duration: 24 ms\tMemory Size: 128 MB\tMax Memory Used: 13 MB\tInit Duration: 22.58 ms\t');
    expect(formatReportLine({ requestId: 'r2', durationMs: 3000, billedDurationMs: 3000, memorySizeMB: 1024, maxMemoryUsedMB: 64, status: 'timeout' })).toBe(
      'REPORT RequestId: r2\tDuration: 3000.00 ms\tBilled Duration: 3000 ms\tMemory Size: 1024 MB\tMax Memory Used: 64 MB\tStatus: timeout',
    );
    expect(formatReportLine({ requestId: 'r3', durationMs: 5, billedDurationMs: 6, memorySizeMB: 128, maxMemoryUsedMB: 30, status: 'error', errorType: 'Runtime.ExitError' })).toBe(
      'REPORT RequestId: r3\tDuration: 5.00 ms\tBilled Duration: 6 ms\tMemory Size: 128 MB\tMax Memory Used: 30 MB\tStatus: error\tError Type: Runtime.ExitError',
    );
    expect(formatInitReportLine({ initDurationMs: 154.03, status: 'error', errorType: 'Runtime.ExitError' })).toBe('INIT_REPORT Init Duration: 154.03 ms\tPhase: init\tStatus: error\tError Type: Runtime.ExitError');
    expect(formatInitReportLine({ initDurationMs: 10000, status: 'timeout' })).toBe('INIT_REPORT Init Duration: 10000.00 ms\tPhase: init\tStatus: timeout');
  });

  test("exits read as in Lambda's messages", () => {
    expect(describeExit(1, null)).toBe('exit status 1');
    expect(describeExit(null, 'SIGKILL')).toBe('signal: killed');
    expect(describeExit(null, 'SIGSEGV')).toBe('signal: segmentation fault');
  });
});

describe('filter patterns', () => {
  const match = (pattern: string, message: string) => matchesFilterPattern(parseFilterPattern(pattern), message);
  test('terms, quoted phrases, ?alternatives and -exclusions', () => {
    expect(match('', 'anything')).toBe(true);
    expect(match('REPORT', 'REPORT RequestId: a')).toBe(true);
    expect(match('"REPORT"', 'START RequestId: a')).toBe(false);
    expect(match('"RequestId: a-b"', 'END RequestId: a-b')).toBe(true);
    expect(match('report', 'REPORT RequestId: a')).toBe(false);
    expect(match('REPORT Init', 'REPORT Duration')).toBe(false);
    expect(match('?START ?END', 'END RequestId: a')).toBe(true);
    expect(match('?START ?END', 'REPORT RequestId: a')).toBe(false);
    expect(match('line -stderr', 'stderr line')).toBe(false);
    expect(match('"say \\"hi\\""', 'they say "hi"')).toBe(true);
  });
  test('unsupported pattern kinds are refused, not matched wrongly', () => {
    expect(() => parseFilterPattern('{ $.type = "platform.report" }')).toThrow(/JSON filter patterns/);
    expect(() => parseFilterPattern('[ip, user]')).toThrow(/space-delimited/);
    expect(() => parseFilterPattern('%REPORT%')).toThrow(/regular-expression/);
    expect(() => parseFilterPattern('"open')).toThrow(/unterminated/);
  });
});

describe('log store', () => {
  test('FilterLogEvents pages with nextToken without losing or repeating events', () => {
    const store = new LogStore();
    for (let i = 0; i < 25; i++) store.append('/aws/lambda/f', i % 2 ? 's1' : 's2', `REPORT ${i}\n`, 1000 + i);
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = store.filterLogEvents({ logGroupName: '/aws/lambda/f', filterPattern: 'REPORT', limit: 10, nextToken: token });
      seen.push(...page.events.map((e) => e.message));
      token = page.nextToken;
      pages++;
    } while (token);
    expect(pages).toBe(3);
    expect(seen).toEqual(Array.from({ length: 25 }, (_, i) => `REPORT ${i}\n`));
    expect(store.filterLogEvents({ logGroupName: '/aws/lambda/f', startTime: 1010, endTime: 1012 }).events.map((e) => e.timestamp)).toEqual([1010, 1011, 1012]);
    expect(store.filterLogEvents({ logGroupName: '/aws/lambda/f', logStreamNames: ['s1'] }).events).toHaveLength(12);
    expect(() => store.filterLogEvents({ logGroupName: '/aws/lambda/f', nextToken: 'garbage' })).toThrow(LogsError);
    expect(() => store.filterLogEvents({ logGroupName: '/aws/lambda/none' })).toThrow('The specified log group does not exist.');
    expect(() => store.filterLogEvents({ logGroupName: '/aws/lambda/f', limit: 0 })).toThrow(/limit must be an integer/);
  });

  test('memory is bounded: the oldest events go first, and long messages are cut at 256 KB', () => {
    const store = new LogStore({ maxBytesPerGroup: 1000 });
    for (let i = 0; i < 100; i++) store.append('g', 's', `${String(i).padStart(9, '0')}\n`);
    expect(store.totalBytes()).toBeLessThanOrEqual(1000);
    const events = store.filterLogEvents({ logGroupName: 'g' }).events;
    expect(events[events.length - 1].message).toBe('000000099\n');
    expect(events[0].message).toBe('000000000\n'.replace('000000000', String(100 - events.length).padStart(9, '0')));
    const big = new LogStore();
    big.append('g', 's', 'x'.repeat(300 * 1024));
    expect(big.totalBytes()).toBe(256 * 1024);
  });
});

describe('names and environment', () => {
  test('function names, partial ARNs and ARNs with qualifiers', () => {
    expect(parseFunctionReference('apr')).toEqual({ name: 'apr' });
    expect(parseFunctionReference('apr:$LATEST')).toEqual({ name: 'apr', qualifier: '$LATEST' });
    expect(parseFunctionReference('arn:aws:lambda:eu-west-1:123456789012:function:apr:7')).toEqual({ name: 'apr', qualifier: '7', region: 'eu-west-1', accountId: '123456789012' });
    expect(parseFunctionReference('123456789012:function:apr')).toEqual({ name: 'apr', accountId: '123456789012' });
    expect(parseFunctionReference('apr', '$LATEST')).toEqual({ name: 'apr', qualifier: '$LATEST' });
    expect(() => parseFunctionReference('not a name')).toThrow(/functionName/);
  });

  test('Tail returns the last 4 KB of the log', () => {
    const log = 'a'.repeat(5000) + 'END';
    const tail = Buffer.from(tailLogResult(log), 'base64').toString();
    expect(tail.length).toBe(4096);
    expect(tail.endsWith('END')).toBe(true);
  });

  test("Lambda's variables win over the function's; reserved names are refused", () => {
    const env = runtimeEnvironment({
      definition: fixtureFunction('f', { environment: { PATH: '/custom', MY_VAR: '1' } }),
      region: 'eu-west-1',
      runtimeApi: '127.0.0.1:9001',
      logGroupName: '/aws/lambda/f',
      logStreamName: 'stream',
    });
    expect(env).toMatchObject({ PATH: '/custom', MY_VAR: '1', AWS_REGION: 'eu-west-1', AWS_LAMBDA_RUNTIME_API: '127.0.0.1:9001', TZ: ':UTC' });
    expect(() => validateEnvironment({ AWS_LAMBDA_RUNTIME_API: 'x' })).toThrow(/Reserved keys used in this request: AWS_LAMBDA_RUNTIME_API/);
    expect(() => validateEnvironment({ '1BAD': 'x' })).toThrow(/not valid/);
    expect(logStreamName('0123456789abcdef0123456789abcdef', new Date('2026-11-27T01:02:03Z'))).toBe('2026/11/27/[$LATEST]0123456789abcdef0123456789abcdef');
  });

  test("LD_LIBRARY_PATH is Lambda's, with this environment's task root and runtime folder for /var/task and /var/runtime, and a function may set its own", () => {
    const input = { region: 'eu-west-1', runtimeApi: '127.0.0.1:9001', logGroupName: '/aws/lambda/f', logStreamName: 'stream' };
    const definition = fixtureFunction('f');
    const env = runtimeEnvironment({ ...input, definition });
    const runtimeDir = path.dirname(path.resolve(definition.cwd, definition.command));
    // The AWS base images' value, /var/lang/lib:/lib64:/usr/lib64:/var/runtime:/var/runtime/lib:/var/task:/var/task/lib:/opt/lib
    expect(env.LD_LIBRARY_PATH.split(':')).toEqual(['/var/lang/lib', '/lib64', '/usr/lib64', runtimeDir, `${runtimeDir}/lib`, definition.cwd, `${definition.cwd}/lib`, '/opt/lib']);
    expect(runtimeEnvironment({ ...input, definition: fixtureFunction('g', { environment: { LD_LIBRARY_PATH: '/mine' } }) }).LD_LIBRARY_PATH).toBe('/mine');
  });
});

describe('runtime output into log lines', () => {
  function split(chunks: (string | Buffer)[], maxBytes?: number): { lines: string[]; splitter: OutputLineSplitter } {
    const lines: string[] = [];
    const splitter = new OutputLineSplitter((l) => lines.push(l), maxBytes);
    for (const c of chunks) splitter.push(Buffer.isBuffer(c) ? c : Buffer.from(c));
    return { lines, splitter };
  }

  test('lines end at newlines, across chunk boundaries; empty lines are kept; the unterminated rest waits for flush', () => {
    const { lines, splitter } = split(['a', 'b\nc', '\n\nlast']);
    expect(lines).toEqual(['ab', 'c', '']);
    splitter.flush();
    expect(lines).toEqual(['ab', 'c', '', 'last']);
    splitter.flush();
    expect(lines).toHaveLength(4);
  });

  test('an event holds at most 256 KB less CloudWatch\'s 26 bytes; a longer line continues in the next event', () => {
    expect(MAX_LOG_MESSAGE_BYTES).toBe(262118);
    const { lines, splitter } = split([Buffer.alloc(MAX_LOG_MESSAGE_BYTES * 2 + 5, 'y'), Buffer.from('\n')]);
    expect(lines.map((l) => l.length)).toEqual([MAX_LOG_MESSAGE_BYTES, MAX_LOG_MESSAGE_BYTES, 5]);
    expect(splitter.buffered).toBe(0);
    // A line of exactly the size is one event.
    expect(split([Buffer.alloc(MAX_LOG_MESSAGE_BYTES, 'z'), Buffer.from('\n')]).lines.map((l) => l.length)).toEqual([MAX_LOG_MESSAGE_BYTES]);
  });

  test('what is held never exceeds one event, however much comes without a newline', () => {
    const lines: string[] = [];
    const splitter = new OutputLineSplitter((l) => lines.push(l), 1000);
    let most = 0;
    for (let i = 0; i < 500; i++) {
      splitter.push(Buffer.alloc(777, 'q'));
      most = Math.max(most, splitter.buffered);
    }
    expect(most).toBeLessThanOrEqual(1000);
    expect(lines.every((l) => l.length === 1000)).toBe(true);
    expect(lines.length).toBe(Math.floor((500 * 777) / 1000));
  });

  test('a cut never splits a UTF-8 character', () => {
    // 'é' is 2 bytes, '€' 3: with 5 bytes an event, "aé€" (6 bytes) is cut before the euro sign.
    const { lines, splitter } = split(['aé€b\n'], 5);
    expect(lines).toEqual(['aé', '€b']);
    expect(splitter.buffered).toBe(0);
    const euro = Buffer.from('€€');
    expect(utf8CutPoint(euro, 4)).toBe(3);
    expect(utf8CutPoint(euro, 2)).toBe(0);
    expect(utf8CutPoint(euro, 10)).toBe(6);
  });

  test('a malformed percent-encoding decodes to null instead of throwing', () => {
    expect(safeDecode('%E0%A4%A')).toBeNull();
    expect(safeDecode('abc%20d')).toBe('abc d');
  });
});
