import { csvField, renderCsv } from '../../lib/benchmark/render-csv';
import type { InvocationRow } from '../../lib/benchmark/types';

describe('invocations.csv (RFC 4180)', () => {
  test('quotes only what needs quoting, doubles quotes, empty for no value', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField('cr\rhere')).toBe('"cr\rhere"');
    expect(csvField(null)).toBe('');
    expect(csvField(22.58)).toBe('22.58');
    expect(csvField(Number.NaN)).toBe('');
  });

  test('header, one row per invocation, CRLF line ends', () => {
    const rows: InvocationRow[] = [
      { target: 'apr', phase: 'cold', index: 0, requestId: 'r-1', startedAt: 1700000000000, roundTripMs: 30.5, initMs: 22.58, durationMs: 0.99, billedMs: 24, maxMemoryMB: 13, status: 'ok', errorType: null, initReport: null },
      { target: 'py,torch', phase: 'warm', index: 3, requestId: 'r-2', startedAt: 1700000000100, roundTripMs: 2, initMs: null, durationMs: null, billedMs: null, maxMemoryMB: null, status: 'function-error', errorType: 'Runtime "Exit"\nError', initReport: 'init timeout 10000 ms; invoke timeout 30000 ms' },
    ];
    expect(renderCsv(rows)).toBe(
      'target,phase,index,requestId,startedAt,roundTripMs,initMs,durationMs,billedMs,maxMemoryMB,status,errorType,initReport\r\n' +
        'apr,cold,0,r-1,1700000000000,30.5,22.58,0.99,24,13,ok,,\r\n' +
        '"py,torch",warm,3,r-2,1700000000100,2,,,,,function-error,"Runtime ""Exit""\nError",init timeout 10000 ms; invoke timeout 30000 ms\r\n',
    );
  });

  test('no rows: just the header', () => {
    expect(renderCsv([]).split('\r\n')).toEqual([
      'target,phase,index,requestId,startedAt,roundTripMs,initMs,durationMs,billedMs,maxMemoryMB,status,errorType,initReport',
      '',
    ]);
  });
});
