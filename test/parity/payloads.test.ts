import { join } from 'node:path';
import { inspectApr } from '../../lib/model/apr-pack';
import { FEATURE_NAMES, loadWineCsv } from '../../lib/model/wine-data';
import { REFERENCE_PAYLOAD } from '../../lib/benchmark/reference-payload';
import { buildParityPayloads, featureRanges, nextFloat64, JSON_PREFIX } from '../../lib/parity';

const ROOT = join(__dirname, '..', '..');
const red = loadWineCsv(join(ROOT, 'data', 'wine', 'winequality-red.csv'));
const white = loadWineCsv(join(ROOT, 'data', 'wine', 'winequality-white.csv'));
const payloads = buildParityPayloads({ red, white, referencePayload: REFERENCE_PAYLOAD });
const decode = (bytes: Uint8Array): string => Buffer.from(bytes).toString('utf8');

describe('parity payloads', () => {
  test('well over 1,000 payloads, every red and white row among them, names unique', () => {
    expect(payloads.length).toBeGreaterThan(1000);
    expect(new Set(payloads.map((p) => p.name)).size).toBe(payloads.length);
    const rows = payloads.filter((p) => /^(red|white) row \d+$/.test(p.name));
    expect(rows).toHaveLength(red.features.length + white.features.length);
    expect(JSON.parse(decode(rows[0].event))).toEqual(Object.fromEntries(FEATURE_NAMES.map((n, i) => [n, red.features[0][i]])));
  });

  test('the training ranges are the ones stored in wine.apr', () => {
    const stored = inspectApr(join(ROOT, 'lambda-apr', 'model', 'wine.apr')).metadata.custom.wine_quality;
    const ranges = featureRanges(red);
    expect(ranges.mins).toEqual(stored.feature_mins);
    expect(ranges.maxs).toEqual(stored.feature_maxs);
    ranges.means.forEach((mean, i) => expect(mean).toBeCloseTo(stored.feature_means[i], 12));
  });

  test('covers the edges the contract names', () => {
    const names = payloads.map((p) => p.name);
    for (const needle of ['zeros', 'training minimums', 'training maximums', 'ph spelling', 'proxy body', 'base64 proxy body', 'far above']) {
      expect(names.some((n) => n.includes(needle))).toBe(true);
    }
    expect(decode(payloads[0].event)).toBe(
      '{"fixed_acidity":7.0,"volatile_acidity":0.3,"citric_acid":0.3,"residual_sugar":2.0,"chlorides":0.05,' +
      '"free_sulfur_dioxide":30.0,"total_sulfur_dioxide":100.0,"density":0.995,"pH":3.3,"sulphates":0.6,"alcohol":10.5}');
  });

  test('every contract message is expected somewhere (the size limit excepted: Invoke refuses such events itself)', () => {
    const messages = new Set(payloads.flatMap((p) => (p.expect.kind === 'error' ? [p.expect.message] : [])));
    const templates = [
      JSON_PREFIX, 'request must be a JSON object, got ', "field 'body' must be a string, got ", 'request body is not valid base64',
      'request body is not valid UTF-8', "fields 'pH' and 'ph' are both present; send one", "missing field '", "' must be a number, got ",
      "' must be a finite number within float32 range", 'inputs produce a non-finite prediction',
    ];
    for (const template of templates) expect([...messages].some((m) => m.includes(template))).toBe(true);
    for (const kind of ['null', 'boolean', 'number', 'string', 'array', 'object']) {
      expect(messages.has(`field 'body' must be a string, got ${kind}`) || messages.has(`request must be a JSON object, got ${kind}`)).toBe(true);
    }
    expect(payloads.some((p) => p.expect.kind === 'error' && p.expect.proxy)).toBe(true);
  });

  test('events the local Lambda API accepts as JSON, except the ones meant to reach the function unparsed', () => {
    // Invoke refuses a payload JSON.parse rejects; those cases would test the service, not the functions.
    for (const p of payloads) {
      if (p.event.length === 0) continue;
      expect(() => JSON.parse(decode(p.event))).not.toThrow();
    }
  });

  test('nextFloat64 steps by one unit in the last place', () => {
    expect(nextFloat64(1, 1)).toBe(1 + Number.EPSILON);
    expect(nextFloat64(1, -1)).toBe(1 - Number.EPSILON / 2);
    expect(nextFloat64(-2, 1)).toBe(-2 + Number.EPSILON);
    expect(nextFloat64(0, 1)).toBe(Number.MIN_VALUE);
    expect(nextFloat64(0.99007, -1)).toBeLessThan(0.99007);
  });
});
