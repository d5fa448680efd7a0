/**
 * What `npm run bench` refuses before it runs anything, and the pieces of its shutdown and output
 * handling that need no process tree: option values, the payload against docs/CONTRACT.md, the output
 * location, staging directories of dead runs, and the signal bookkeeping.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { buildBenchCommand, decimalInteger, parseBenchOptions } from '../../lib/local-bench/options';
import {
  commitOutput, discardOutput, mountPointOf, OutputLocationError, prepareOutputLocation, stagingPathFor,
} from '../../lib/local-bench/output-location';
import { checkPayloadText, LAMBDA_SYNC_PAYLOAD_MAX_BYTES } from '../../lib/local-bench/payload-check';
import { Shutdown } from '../../lib/local-bench/shutdown';
import { describeSweep, sweepStagingDirectories } from '../../lib/local-bench/stale-state';
import { REFERENCE_PAYLOAD } from '../../lib/benchmark/reference-payload';

const work = mkdtempSync(path.join(tmpdir(), 'bench-options-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function parse(...args: string[]) {
  const command = buildBenchCommand().exitOverride().configureOutput({ writeErr: () => undefined, writeOut: () => undefined });
  return parseBenchOptions(['node', 'bench', ...args], command);
}

describe('options', () => {
  test.each(['0x10', '1e1', '+5', '5.0', '-1', '0', '501', '', '١٢'])('--cold-starts %j is refused', (value) => {
    expect(() => parse('--cold-starts', value)).toThrow(/--cold-starts must be a whole number from 1 to 500 in decimal digits/);
  });

  test('plain decimal digits are taken as written', () => {
    expect(decimalInteger('--warm', 1, 5000)('0100')).toBe(100);
    expect(parse('--cold-starts', '16', '--warm', '7', '--targets', 'apr', '--no-setup')).toMatchObject({ coldStarts: 16, warm: 7, targets: ['apr'], setup: false });
    expect(parse()).toMatchObject({ coldStarts: 30, warm: 100, setup: true, limits: 'auto', parity: 'red' });
  });

  test('unknown targets, limits and parity sets are refused by name', () => {
    expect(() => parse('--targets', 'apr,tensorflow')).toThrow(/unknown target tensorflow/);
    expect(() => parse('--limits', 'maybe')).toThrow(/Allowed choices are auto, on, off/);
    expect(() => parse('--out', '')).toThrow(/--out must name a directory/);
  });

  test('a payload file is checked against the contract when the option is read, naming the field', () => {
    const file = path.join(work, 'payload.json');
    writeFileSync(file, JSON.stringify({ ...REFERENCE_PAYLOAD, alcohol: 'x' }));
    expect(() => parse('--payload', file)).toThrow(/--payload .*payload\.json does not meet docs\/CONTRACT\.md: field 'alcohol' must be a number, got string/);
    expect(() => parse('--payload', path.join(work, 'absent.json'))).toThrow(/cannot read .*absent\.json: ENOENT/);
  });
});

describe('the payload against docs/CONTRACT.md', () => {
  const reference = JSON.stringify(REFERENCE_PAYLOAD);
  test('the reference payload passes and is sent as parsed', () => {
    expect(checkPayloadText(reference, 'p.json').event).toEqual(REFERENCE_PAYLOAD);
  });

  test.each([
    [reference.replace('"alcohol":10.5', '"alcohol":1e400'), "field 'alcohol' must be a finite number within float32 range"],
    [reference.replace('"alcohol":10.5', '"alcohol":1e39'), "field 'alcohol' must be a finite number within float32 range"],
    [reference.replace('"alcohol":10.5', '"alcohol":"x"'), "field 'alcohol' must be a number, got string"],
    [reference.replace('"alcohol":10.5,', '').replace(',"alcohol":10.5', ''), "missing field 'alcohol'"],
    [reference.replace('"pH":3.3', '"pH":3.3,"ph":3.3'), "fields 'pH' and 'ph' are both present; send one"],
    ['[1]', 'request must be a JSON object, got array'],
    ['{"body": 5}', "field 'body' must be a string, got number"],
    ['{"body": "!!", "isBase64Encoded": true}', 'request body is not valid base64'],
    [JSON.stringify({ body: JSON.stringify({ ...REFERENCE_PAYLOAD, density: null }) }), "field 'density' must be a number, got null"],
  ])('%s is refused: %s', (text, message) => {
    expect(() => checkPayloadText(text, 'p.json')).toThrow(`--payload p.json does not meet docs/CONTRACT.md: ${message}`);
  });

  test("a payload over Lambda's 6 MB synchronous limit is refused with both limits named", () => {
    const big = JSON.stringify({ ...REFERENCE_PAYLOAD, pad: 'x'.repeat(7 * 1024 * 1024) });
    expect(() => checkPayloadText(big, 'big.json')).toThrow(new RegExp(`is ${Buffer.byteLength(big)} bytes: Lambda refuses a synchronous invocation payload over 6 MB \\(${LAMBDA_SYNC_PAYLOAD_MAX_BYTES} bytes\\)`));
  });

  test('text that is not JSON is refused as the functions would', () => {
    expect(() => checkPayloadText('{"a":', 'p.json')).toThrow(/--payload p\.json: request body is not valid JSON: /);
  });
});

describe('the output location', () => {
  test('procfs and sysfs are refused before anything is created', async () => {
    await expect(prepareOutputLocation('/proc/nope/res')).rejects.toThrow(/is on procfs \(\/proc\)/);
    await expect(prepareOutputLocation('/sys/nope/res')).rejects.toThrow(/is on sysfs/);
  });

  test('a directory with files, or a file, is refused', async () => {
    const full = path.join(work, 'full');
    mkdirSync(full);
    writeFileSync(path.join(full, 'x'), '');
    await expect(prepareOutputLocation(full)).rejects.toThrow(OutputLocationError);
    await expect(prepareOutputLocation(path.join(full, 'x'))).rejects.toThrow(/exists and is not a directory/);
  });

  test('a new location: staging beside it; discarded, it leaves nothing, not even the parents it made', async () => {
    const out = path.join(work, 'a', 'b', 'res');
    const plan = await prepareOutputLocation(out, 4242);
    expect(plan.staging).toBe(stagingPathFor(path.resolve(out), 4242));
    expect(readdirSync(plan.staging)).toEqual([]);
    await discardOutput(plan);
    expect(existsSync(path.join(work, 'a'))).toBe(false);
  });

  test('committed, the results directory becomes --out and the staging is gone', async () => {
    const out = path.join(work, 'committed', 'res');
    const plan = await prepareOutputLocation(out);
    const results = path.join(plan.staging, 'runs', 'r1');
    mkdirSync(path.join(results, 'raw'), { recursive: true });
    writeFileSync(path.join(results, 'results.json'), '{}');
    await commitOutput(results, plan);
    expect(readdirSync(out).sort()).toEqual(['raw', 'results.json']);
    expect(readdirSync(path.dirname(out))).toEqual(['res']);
  });

  test('the mount point of a path is the longest mount that holds it', () => {
    expect(mountPointOf('/mnt/data/x/y', ['/', '/mnt', '/mnt/data', '/mnt/dat'])).toBe('/mnt/data');
    expect(mountPointOf('/srv', ['/', '/mnt'])).toBe('/');
  });
});

describe('stale state', () => {
  test('staging directories of dead runs are removed, those of live runs and other names kept', async () => {
    const dir = path.join(work, 'sweep');
    for (const name of ['.res.partial-111', '.res.partial-222', 'res', '.other']) mkdirSync(path.join(dir, name), { recursive: true });
    const removed = await sweepStagingDirectories(dir, (pid) => pid === 222);
    expect(removed).toEqual([path.join(dir, '.res.partial-111')]);
    expect(readdirSync(dir).sort()).toEqual(['.other', '.res.partial-222', 'res']);
  });

  test("the service's sweep result becomes one phrase per kind", () => {
    expect(describeSweep({ removed: ['a', 'b'], killed: [7], failed: [] })).toEqual(['1 runtime process', '2 cgroups']);
    expect(describeSweep({ removed: [], killed: [], failed: [] })).toEqual([]);
  });
});

describe('signals', () => {
  function shutdown() {
    let now = 0;
    const exits: number[] = [];
    const forced: string[] = [];
    // A heartbeat far in the future: the tests say when the event loop turned (loopTurned), as the real one would.
    const s = new Shutdown({ notify: () => undefined, exit: (code) => exits.push(code), now: () => now, heartbeatMs: 3_600_000 });
    s.onForce(() => forced.push('killed'));
    return { s, exits, forced, advance: (ms: number) => (now += ms) };
  }

  test('the first signal aborts with its name; the exit code says which', () => {
    const { s, exits } = shutdown();
    expect(s.exitCode(0)).toBe(0);
    s.receive('SIGTERM');
    expect(s.signal.aborted).toBe(true);
    expect(s.signal.reason).toBe('SIGTERM');
    expect(s.exitCode(0)).toBe(143);
    expect(exits).toEqual([]);
  });

  test("a second signal forces: the hooks run and the process exits with the first signal's code", () => {
    const { s, exits, forced, advance } = shutdown();
    s.receive('SIGINT');
    for (let i = 0; i < 100; i++) {
      advance(20);
      s.loopTurned();
    }
    s.receive('SIGINT');
    expect(forced).toEqual(['killed']);
    expect(exits).toEqual([130]);
  });

  test("npm's copy handled late, because the event loop was busy since the first signal, is still the same keystroke", () => {
    const { s, exits, advance } = shutdown();
    s.receive('SIGINT');
    advance(5);
    s.loopTurned();
    // 0.9 s of synchronous work; then the timers run (a beat) before the queued copy is read.
    advance(900);
    s.loopTurned();
    s.receive('SIGINT');
    expect(exits).toEqual([]);
    // Once the loop has turned freely again, a repeat is a second keystroke.
    advance(20);
    s.loopTurned();
    s.receive('SIGINT');
    expect(exits).toEqual([130]);
  });

  test("Ctrl-C's copy forwarded by npm (the same signal within 500 ms) is not a second signal", () => {
    const { s, exits, advance } = shutdown();
    s.receive('SIGINT');
    advance(3);
    s.receive('SIGINT');
    expect(exits).toEqual([]);
    s.receive('SIGTERM');
    expect(exits).toEqual([130]);
  });
});
