import { parseInitReportLine, parseReportLine, ReportLineError, reportFailed } from '../../lib/benchmark/report-line';

const ID = '6f7f0961-ab8c-4e0c-9a1c-2f0a5d0f2c11';

describe('parseReportLine: text format', () => {
  test('a cold start line with Init Duration and the trailing TAB', () => {
    const line = `REPORT RequestId: ${ID}\tDuration: 0.99 ms\tBilled Duration: 24 ms\tMemory Size: 128 MB\tMax Memory Used: 13 MB\tInit Duration: 22.58 ms\t`;
    expect(parseReportLine(line)).toEqual({
      requestId: ID,
      durationMs: 0.99,
      billedDurationMs: 24,
      memorySizeMB: 128,
      maxMemoryUsedMB: 13,
      initDurationMs: 22.58,
    });
  });

  test('a warm line has no Init Duration; the trailing TAB and newline are optional', () => {
    expect(parseReportLine(`REPORT RequestId: ${ID}\tDuration: 1.58 ms\tBilled Duration: 2 ms\tMemory Size: 512 MB\tMax Memory Used: 289 MB\n`)).toEqual({
      requestId: ID, durationMs: 1.58, billedDurationMs: 2, memorySizeMB: 512, maxMemoryUsedMB: 289,
    });
    expect(parseReportLine(`REPORT RequestId: ${ID}\tDuration: 1.58 ms\tBilled Duration: 2 ms\tMemory Size: 512 MB\tMax Memory Used: 289 MB`)?.initDurationMs).toBeUndefined();
  });

  test('an XRAY TraceId line following in the same event is ignored', () => {
    const message =
      `REPORT RequestId: ${ID}\tDuration: 2.00 ms\tBilled Duration: 3 ms\tMemory Size: 128 MB\tMax Memory Used: 14 MB\t\n` +
      'XRAY TraceId: 1-5e1b4151-5ac6c58f2d0a3a2f5c4d2b1e\tSegmentId: 6b6a7b2f5e1d3c4a\tSampled: true\t\n';
    expect(parseReportLine(message)).toEqual({ requestId: ID, durationMs: 2, billedDurationMs: 3, memorySizeMB: 128, maxMemoryUsedMB: 14 });
  });

  test('Status and Error Type of a failed invocation', () => {
    const line = `REPORT RequestId: ${ID}\tDuration: 5.12 ms\tBilled Duration: 31 ms\tMemory Size: 128 MB\tMax Memory Used: 9 MB\tInit Duration: 25.01 ms\tStatus: error\tError Type: Runtime.ExitError\t`;
    const r = parseReportLine(line)!;
    expect(r.status).toBe('error');
    expect(r.errorType).toBe('Runtime.ExitError');
    expect(r.initDurationMs).toBe(25.01);
    expect(reportFailed(r)).toBe(true);
  });

  test('a timeout', () => {
    const r = parseReportLine(`REPORT RequestId: ${ID}\tDuration: 3000.00 ms\tBilled Duration: 3000 ms\tMemory Size: 128 MB\tMax Memory Used: 20 MB\tStatus: timeout\t`)!;
    expect(r.status).toBe('timeout');
    expect(r.durationMs).toBe(3000);
  });

  test('SnapStart Restore Duration and Billed Restore Duration', () => {
    const r = parseReportLine(
      `REPORT RequestId: ${ID}\tDuration: 10.50 ms\tBilled Duration: 11 ms\tMemory Size: 1024 MB\tMax Memory Used: 120 MB\tRestore Duration: 210.33 ms\tBilled Restore Duration: 120 ms\t`,
    )!;
    expect(r.restoreDurationMs).toBe(210.33);
    expect(r.billedRestoreDurationMs).toBe(120);
    expect(reportFailed(r)).toBe(false);
  });

  test('unknown extra fields are ignored', () => {
    const r = parseReportLine(`REPORT RequestId: ${ID}\tDuration: 1.00 ms\tBilled Duration: 1 ms\tMemory Size: 128 MB\tMax Memory Used: 13 MB\tFuture Field: 7 units\t`);
    expect(r).toEqual({ requestId: ID, durationMs: 1, billedDurationMs: 1, memorySizeMB: 128, maxMemoryUsedMB: 13 });
  });

  test('lines that are not REPORT records give undefined', () => {
    expect(parseReportLine(`START RequestId: ${ID} Version: $LATEST`)).toBeUndefined();
    expect(parseReportLine(`END RequestId: ${ID}`)).toBeUndefined();
    expect(parseReportLine('REPORTING the quality: 5.2')).toBeUndefined();
    expect(parseReportLine('INIT_START Runtime Version: provided:al2023.v50')).toBeUndefined();
    expect(parseReportLine('')).toBeUndefined();
    expect(parseReportLine('{not json but braces')).toBeUndefined();
  });

  const malformed: [string, string, RegExp][] = [
    ['missing Max Memory Used', `REPORT RequestId: ${ID}\tDuration: 0.99 ms\tBilled Duration: 24 ms\tMemory Size: 128 MB\t`, /required field "Max Memory Used" is missing/],
    ['wrong unit', `REPORT RequestId: ${ID}\tDuration: 0.99 s\tBilled Duration: 24 ms\tMemory Size: 128 MB\tMax Memory Used: 13 MB\t`, /"Duration" must be a number followed by " ms"/],
    ['MB where ms belongs', `REPORT RequestId: ${ID}\tDuration: 0.99 MB\tBilled Duration: 24 ms\tMemory Size: 128 MB\tMax Memory Used: 13 MB\t`, /"Duration" must be in ms/],
    ['not a number', `REPORT RequestId: ${ID}\tDuration: fast ms\tBilled Duration: 24 ms\tMemory Size: 128 MB\tMax Memory Used: 13 MB\t`, /"Duration" must be a number/],
    ['negative', `REPORT RequestId: ${ID}\tDuration: -1 ms\tBilled Duration: 24 ms\tMemory Size: 128 MB\tMax Memory Used: 13 MB\t`, /"Duration" must be a number/],
    ['a field twice', `REPORT RequestId: ${ID}\tDuration: 1 ms\tDuration: 2 ms\tBilled Duration: 24 ms\tMemory Size: 128 MB\tMax Memory Used: 13 MB\t`, /"Duration" appears twice/],
    ['spaces instead of TABs', `REPORT RequestId: ${ID} Duration: 0.99 ms Billed Duration: 24 ms Memory Size: 128 MB Max Memory Used: 13 MB`, /not TAB-separated/],
    ['no request id', 'REPORT RequestId: \tDuration: 0.99 ms\tBilled Duration: 24 ms\tMemory Size: 128 MB\tMax Memory Used: 13 MB\t', /request id is empty/],
    ['a field without a value', `REPORT RequestId: ${ID}\tDuration\tBilled Duration: 24 ms\tMemory Size: 128 MB\tMax Memory Used: 13 MB\t`, /is not "Name: value"/],
  ];
  test.each(malformed)('rejects a malformed line: %s', (_name, line, problem) => {
    expect(() => parseReportLine(line)).toThrow(ReportLineError);
    expect(() => parseReportLine(line)).toThrow(problem);
  });
});

describe('parseReportLine: JSON format (platform.report)', () => {
  const event = (record: unknown) => JSON.stringify({ time: '2026-01-01T00:00:00.000Z', type: 'platform.report', record });

  test('a cold start event', () => {
    const msg = event({
      requestId: ID,
      metrics: { durationMs: 0.99, billedDurationMs: 24, memorySizeMB: 128, maxMemoryUsedMB: 13, initDurationMs: 22.58 },
      tracing: { spanId: 'a', type: 'X-Amzn-Trace-Id', value: 'Root=1-abc' },
      status: 'success',
    });
    const r = parseReportLine(msg)!;
    expect(r).toEqual({ requestId: ID, durationMs: 0.99, billedDurationMs: 24, memorySizeMB: 128, maxMemoryUsedMB: 13, initDurationMs: 22.58, status: 'success' });
    expect(reportFailed(r)).toBe(false);
  });

  test('a failed invocation with errorType, and SnapStart restore fields', () => {
    const r = parseReportLine(
      event({
        requestId: ID,
        metrics: { durationMs: 3, billedDurationMs: 4, memorySizeMB: 128, maxMemoryUsedMB: 9, restoreDurationMs: 200.5, billedRestoreDurationMs: 100 },
        status: 'error',
        errorType: 'Runtime.ExitError',
      }),
    )!;
    expect(r).toMatchObject({ status: 'error', errorType: 'Runtime.ExitError', restoreDurationMs: 200.5, billedRestoreDurationMs: 100 });
    expect(reportFailed(r)).toBe(true);
  });

  test('other JSON log events give undefined', () => {
    expect(parseReportLine(JSON.stringify({ type: 'platform.start', record: { requestId: ID } }))).toBeUndefined();
    expect(parseReportLine(JSON.stringify({ level: 'INFO', message: 'REPORT of the day' }))).toBeUndefined();
  });

  test.each([
    ['no metrics', { requestId: ID }, /"record.metrics" must be an object/],
    ['no request id', { metrics: { durationMs: 1, billedDurationMs: 1, memorySizeMB: 128, maxMemoryUsedMB: 9 } }, /requestId/],
    ['a required metric missing', { requestId: ID, metrics: { durationMs: 1, billedDurationMs: 1, memorySizeMB: 128 } }, /"record.metrics.maxMemoryUsedMB" is missing/],
    ['a metric as a string', { requestId: ID, metrics: { durationMs: '1', billedDurationMs: 1, memorySizeMB: 128, maxMemoryUsedMB: 9 } }, /durationMs" must be a non-negative number/],
    ['a negative metric', { requestId: ID, metrics: { durationMs: -1, billedDurationMs: 1, memorySizeMB: 128, maxMemoryUsedMB: 9 } }, /must be a non-negative number/],
  ])('rejects a malformed event: %s', (_name, record, problem) => {
    expect(() => parseReportLine(event(record))).toThrow(ReportLineError);
    expect(() => parseReportLine(event(record))).toThrow(problem);
  });
});

describe('INIT_REPORT records', () => {
  test('text lines as Lambda writes them: init timeout, init error with its type, the retry inside the invocation', () => {
    expect(parseInitReportLine('INIT_REPORT Init Duration: 10000.00 ms\tPhase: init\tStatus: timeout')).toEqual({ initDurationMs: 10000, phase: 'init', status: 'timeout' });
    expect(parseInitReportLine('INIT_REPORT Init Duration: 150.79 ms\tPhase: init\tStatus: error\tError Type: Runtime.UserCodeSyntaxError\n')).toEqual({
      initDurationMs: 150.79, phase: 'init', status: 'error', errorType: 'Runtime.UserCodeSyntaxError',
    });
    expect(parseInitReportLine('INIT_REPORT Init Duration: 4.87 ms\tPhase: invoke\tStatus: error\tError Type: Runtime.ExitError')).toMatchObject({ phase: 'invoke', initDurationMs: 4.87 });
  });

  test('the JSON platform.initReport event', () => {
    const event = { time: '2026-01-01T00:00:00.000Z', type: 'platform.initReport', record: { initializationType: 'on-demand', phase: 'init', status: 'timeout', metrics: { durationMs: 10000.0 } } };
    expect(parseInitReportLine(JSON.stringify(event))).toEqual({ initDurationMs: 10000, phase: 'init', status: 'timeout' });
    expect(parseInitReportLine(JSON.stringify({ ...event, record: { ...event.record, status: 'error', errorType: 'Runtime.ExitError' } }))).toMatchObject({ errorType: 'Runtime.ExitError' });
  });

  test('anything else is not an INIT_REPORT record; a broken one is an error naming the field', () => {
    expect(parseInitReportLine('REPORT RequestId: a\tDuration: 1.00 ms\tBilled Duration: 1 ms\tMemory Size: 128 MB\tMax Memory Used: 13 MB\t')).toBeUndefined();
    expect(parseInitReportLine('INIT_START Runtime Version: python:3.11.v39')).toBeUndefined();
    expect(parseInitReportLine('{"type":"platform.report","record":{}}')).toBeUndefined();
    expect(parseInitReportLine('INIT_REPORTING is something the function printed')).toBeUndefined();
    expect(() => parseInitReportLine('INIT_REPORT Init Duration: 10000.00 ms\tStatus: timeout')).toThrow(/"Phase" is missing/);
    expect(() => parseInitReportLine('INIT_REPORT Init Duration: ten ms\tPhase: init\tStatus: timeout')).toThrow(ReportLineError);
    expect(() => parseInitReportLine('INIT_REPORT Init Duration: 1.00 ms\tPhase: init\tPhase: invoke\tStatus: error')).toThrow(/appears twice/);
    expect(() => parseInitReportLine('{"type":"platform.initReport","record":{"phase":"init","status":"timeout","metrics":{}}}')).toThrow(/record\.metrics\.durationMs/);
  });
});
