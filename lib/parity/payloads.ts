import { FEATURE_NAMES, type WineData } from '../model/wine-data';

/**
 * The events the parity check sends to both functions, with what docs/CONTRACT.md says each must get.
 * Pure: the data sets and the reference payload come in as arguments.
 *
 * Events are bytes, not objects, because some cases are not what JSON.stringify can write: the contract's
 * own payload text (`7.0`), numbers beyond float64, unpaired surrogate escapes, invalid UTF-8.
 */

const JSON_PREFIX = 'request body is not valid JSON: ';
const FLOAT32_MAX = 3.4028234663852886e38;

export type Expectation =
  | { kind: 'answer'; proxy: boolean }
  /** `message` is exact, except that a JSON parser's detail after `request body is not valid JSON: ` may differ. */
  | { kind: 'error'; proxy: boolean; message: string };

export interface ParityPayload {
  name: string;
  event: Uint8Array;
  expect: Expectation;
}

export interface ParityInputs {
  red: WineData;
  white: WineData;
  /** The documented test payload (lib/benchmark/reference-payload.ts). */
  referencePayload: Readonly<Record<string, unknown>>;
}

/** Training statistics, recomputed from the training data (the red wines) exactly as training did. */
export interface FeatureRanges {
  mins: number[];
  maxs: number[];
  means: number[];
}

export function featureRanges(training: WineData): FeatureRanges {
  const columns = FEATURE_NAMES.map((_, i) => training.features.map((row) => row[i]));
  return {
    mins: columns.map((c) => Math.min(...c)),
    maxs: columns.map((c) => Math.max(...c)),
    means: columns.map((c) => c.reduce((sum, v) => sum + v, 0) / c.length),
  };
}

type Features = Record<string, unknown>;

const encoder = new TextEncoder();
const text = (s: string): Uint8Array => encoder.encode(s);
const json = (value: unknown): Uint8Array => text(JSON.stringify(value));

function row(values: readonly number[]): Features {
  return Object.fromEntries(FEATURE_NAMES.map((name, i) => [name, values[i]]));
}

function withPhSpelledLower(features: Features): Features {
  const out: Features = {};
  for (const [key, value] of Object.entries(features)) out[key === 'pH' ? 'ph' : key] = value;
  return out;
}

function without(features: Features, name: string): Features {
  const out = { ...features };
  delete out[name];
  return out;
}

function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64');
}

/** Adjacent float64 values (for just-outside-the-range inputs). */
export function nextFloat64(value: number, direction: 1 | -1): number {
  if (value === 0) return direction * Number.MIN_VALUE;
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, value);
  const bits = view.getBigUint64(0);
  view.setBigUint64(0, (value > 0) === (direction > 0) ? bits + 1n : bits - 1n);
  return view.getFloat64(0);
}

const answer = (proxy = false): Expectation => ({ kind: 'answer', proxy });
const error = (message: string, proxy = false): Expectation => ({ kind: 'error', proxy, message });

function proxyEvent(body: string, extra: Record<string, unknown> = {}): Uint8Array {
  return json({ ...extra, body });
}

/** Every case; names are unique and say what the case is. */
export function buildParityPayloads(inputs: ParityInputs): ParityPayload[] {
  const out: ParityPayload[] = [];
  const add = (name: string, event: Uint8Array, expect: Expectation): void => {
    out.push({ name, event, expect });
  };
  const reference = { ...inputs.referencePayload } as Features;
  const ranges = featureRanges(inputs.red);

  // --- answers -------------------------------------------------------------------------------------
  add('reference: the contract\'s text', text(
    '{"fixed_acidity":7.0,"volatile_acidity":0.3,"citric_acid":0.3,"residual_sugar":2.0,"chlorides":0.05,' +
    '"free_sulfur_dioxide":30.0,"total_sulfur_dioxide":100.0,"density":0.995,"pH":3.3,"sulphates":0.6,"alcohol":10.5}'),
  answer());
  add('reference', json(reference), answer());
  add('reference, ph spelling', json(withPhSpelledLower(reference)), answer());
  add('reference, extra fields ignored', text(
    JSON.stringify(reference).slice(0, -1) +
    ',"quality":3,"color":"red","nested":{"a":[1,null,true]},"big":1.7e308,"tiny":1e-400,' +
    '"emoji":"\\ud83d\\ude00","deep":' + '['.repeat(126) + ']'.repeat(126) + '}'), answer());
  add('reference, proxy body', proxyEvent(JSON.stringify(reference)), answer(true));
  add('reference, proxy body, isBase64Encoded false', proxyEvent(JSON.stringify(reference), { isBase64Encoded: false }), answer(true));
  add('reference, proxy body, isBase64Encoded "true" (a string: not base64)', proxyEvent(JSON.stringify(reference), { isBase64Encoded: 'true' }), answer(true));
  add('reference, base64 proxy body', proxyEvent(base64(json(reference)), { isBase64Encoded: true }), answer(true));
  add('reference, base64 proxy body, ph spelling', proxyEvent(base64(json(withPhSpelledLower(reference))), { isBase64Encoded: true }), answer(true));
  add('reference, Function URL event', json({
    version: '2.0', routeKey: '$default', rawPath: '/', rawQueryString: '',
    headers: { 'content-type': 'application/json', host: 'example.lambda-url.us-east-1.on.aws' },
    requestContext: { http: { method: 'POST', path: '/', protocol: 'HTTP/1.1', sourceIp: '192.0.2.1' }, stage: '$default' },
    body: base64(json(reference)), isBase64Encoded: true,
  }), answer(true));

  inputs.red.features.forEach((values, i) => add(`red row ${i + 2}`, json(row(values)), answer()));
  inputs.white.features.forEach((values, i) => add(`white row ${i + 2}`, json(row(values)), answer()));
  // Every 25th row once more in another form the contract allows.
  inputs.white.features.forEach((values, i) => {
    if (i % 25 === 0) add(`white row ${i + 2}, ph spelling`, json(withPhSpelledLower(row(values))), answer());
  });
  inputs.red.features.forEach((values, i) => {
    if (i % 25 === 0) add(`red row ${i + 2}, proxy body`, proxyEvent(JSON.stringify(row(values))), answer(true));
    if (i % 25 === 12) add(`red row ${i + 2}, base64 proxy body`, proxyEvent(base64(json(row(values))), { isBase64Encoded: true }), answer(true));
  });

  add('zeros', json(row(FEATURE_NAMES.map(() => 0))), answer());
  add('negative zeros', text(JSON.stringify(row(FEATURE_NAMES.map(() => 0))).replace(/:0/g, ':-0')), answer());
  add('training minimums', json(row(ranges.mins)), answer());
  add('training maximums', json(row(ranges.maxs)), answer());
  add('training means (every impact 0: top factors tie in feature order)', json(row(ranges.means)), answer());
  FEATURE_NAMES.forEach((name, i) => {
    const at = (value: number): Features => ({ ...row(ranges.means), [name]: value });
    add(`${name} at its training minimum`, json(at(ranges.mins[i])), answer());
    add(`${name} at its training maximum`, json(at(ranges.maxs[i])), answer());
    add(`${name} just below its training minimum`, json(at(nextFloat64(ranges.mins[i], -1))), answer());
    add(`${name} just above its training maximum`, json(at(nextFloat64(ranges.maxs[i], 1))), answer());
    add(`${name} far above its range (1000 x maximum)`, json(at(ranges.maxs[i] * 1000)), answer());
    add(`${name} far below its range (-1e6)`, json(at(-1e6)), answer());
  });
  add('every feature 1e30', json(row(FEATURE_NAMES.map(() => 1e30))), answer());
  add('every feature -1e30', json(row(FEATURE_NAMES.map(() => -1e30))), answer());
  add('alcohol at the largest float32', json({ ...reference, alcohol: FLOAT32_MAX }), answer());
  add('alcohol just above the largest float32, rounding to it', json({ ...reference, alcohol: 3.4028235e38 }), answer());
  add('smallest float32 subnormal', json(row(FEATURE_NAMES.map(() => 1e-45))), answer());
  add('float64 subnormals (zero in float32)', json(row(FEATURE_NAMES.map(() => 1e-320))), answer());
  add('integers', json(row(FEATURE_NAMES.map((_, i) => Math.round(ranges.means[i])))), answer());
  add('integer beyond 2^64', text(JSON.stringify(reference).replace('"total_sulfur_dioxide":100', '"total_sulfur_dioxide":18446744073709551617')), answer());
  add('exponent notation', text(JSON.stringify(reference).replace('"density":0.995', '"density":9.95E-1')), answer());
  add('whitespace around everything', text(' \n\t' + JSON.stringify(reference, null, 2).replace(/\n/g, '\r\n') + '\n '), answer());

  // --- errors: the event ----------------------------------------------------------------------------
  add('empty payload (Lambda hands the function {})', new Uint8Array(0), error("missing field 'fixed_acidity'"));
  for (const [event, kind] of [['[]', 'array'], ['"wine"', 'string'], ['7', 'number'], ['null', 'null'], ['true', 'boolean']]) {
    add(`event is ${kind}`, text(event), error(`request must be a JSON object, got ${kind}`));
  }
  const ref = JSON.stringify(reference).slice(0, -1);
  add('a feature beyond float64 (1e400)', text(JSON.stringify(reference).replace('"alcohol":10.5', '"alcohol":1e400')), error("field 'alcohol' must be a finite number within float32 range"));
  add('an ignored field beyond float64 (-1e400)', text(ref + ',"x":-1e400}'), error(JSON_PREFIX));
  add('an ignored 400-digit integer', text(ref + ',"x":1' + '0'.repeat(400) + '}'), error(JSON_PREFIX));
  add('an unpaired surrogate escape in an ignored field', text(ref + ',"x":"\\ud800"}'), error(JSON_PREFIX));
  add('an unpaired low surrogate escape in a key', text(ref + ',"\\udc00":1}'), error(JSON_PREFIX));
  add('nesting 128 levels deep', text(ref + ',"x":' + '['.repeat(127) + ']'.repeat(127) + '}'), error(JSON_PREFIX));
  add('invalid UTF-8 in an ignored string', Buffer.concat([Buffer.from(ref + ',"x":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]), error(JSON_PREFIX));
  add('both pH and ph', json({ ...reference, ph: 3.3 }), error("fields 'pH' and 'ph' are both present; send one"));
  add('both pH and ph, nothing else', json({ pH: 3, ph: 3 }), error("fields 'pH' and 'ph' are both present; send one"));
  for (const name of FEATURE_NAMES) {
    add(`missing ${name}`, json(without(reference, name)), error(`missing field '${name}'`));
  }
  for (const [value, kind] of [[null, 'null'], [true, 'boolean'], ['0.05', 'string'], [[0.05], 'array'], [{ v: 0.05 }, 'object']] as const) {
    add(`chlorides is ${kind}`, json({ ...reference, chlorides: value }), error(`field 'chlorides' must be a number, got ${kind}`));
  }
  add('ph is a string (named as sent)', json(withPhSpelledLower({ ...reference, pH: '3.3' })), error("field 'ph' must be a number, got string"));
  add('density 1e39', json({ ...reference, density: 1e39 }), error("field 'density' must be a finite number within float32 range"));
  add('density -1e39', json({ ...reference, density: -1e39 }), error("field 'density' must be a finite number within float32 range"));
  add('sulphates 3.5e38', json({ ...reference, sulphates: 3.5e38 }), error("field 'sulphates' must be a finite number within float32 range"));
  add('ph 1e39 (named as sent)', json(withPhSpelledLower({ ...reference, pH: 1e39 })), error("field 'ph' must be a finite number within float32 range"));
  add('first offending feature is named (string before a later missing field)',
    json(without({ ...reference, fixed_acidity: 'x' }, 'free_sulfur_dioxide')), error("field 'fixed_acidity' must be a number, got string"));
  add('first offending feature is named (missing before a later string)',
    json({ ...without(reference, 'volatile_acidity'), citric_acid: 'x' }), error("missing field 'volatile_acidity'"));
  add('every feature 3e38: the prediction overflows', json(row(FEATURE_NAMES.map(() => 3e38))), error('inputs produce a non-finite prediction'));
  add('density at minus the largest float32: the prediction overflows', json({ ...reference, density: -FLOAT32_MAX }), error('inputs produce a non-finite prediction'));

  // --- errors: proxy events (HTTP 400) --------------------------------------------------------------
  for (const [value, kind] of [[null, 'null'], [3, 'number'], [true, 'boolean'], [[reference], 'array'], [reference, 'object']] as const) {
    add(`proxy body is ${kind}`, json({ body: value }), error(`field 'body' must be a string, got ${kind}`, true));
  }
  for (const [label, body] of [
    ['not base64', 'not base64!'], ['unpadded ("e30" for "{}")', 'e30'],
    ['a single "="', '='], ['padding in the middle', 'QQ==QQ=='], ['"=" then data', 'QQ=A'], ['three "="', 'Q==='],
    ['a trailing newline', base64(json(reference)) + '\n'], ['URL-safe alphabet', '-_-_'],
  ] as const) {
    add(`base64 proxy body: ${label}`, proxyEvent(body, { isBase64Encoded: true }), error('request body is not valid base64', true));
  }
  add('base64 proxy body: not UTF-8', proxyEvent(base64(Buffer.from([0x7b, 0xff, 0x7d])), { isBase64Encoded: true }), error('request body is not valid UTF-8', true));
  add('base64 proxy body: non-canonical ending ("QR==" is "A")', proxyEvent('QR==', { isBase64Encoded: true }), error(JSON_PREFIX, true));
  add('base64 proxy body: empty', proxyEvent('', { isBase64Encoded: true }), error(JSON_PREFIX, true));
  for (const [label, body] of [
    ['empty', ''], ['NaN', '{"fixed_acidity":NaN}'], ['Infinity', '{"alcohol":Infinity}'], ['-Infinity', '{"alcohol":-Infinity}'],
    ['nested 1e400', '{"x":[1e400]}'], ['trailing comma', '{"a":1,}'],
    ['single quotes', "{'a':1}"], ['trailing data', JSON.stringify(reference) + ' x'], ['unpaired surrogate', '{"x":"\\udfff"}'],
    ['128 levels deep', '['.repeat(128) + ']'.repeat(128)], ['a byte-order mark', '\ufeff' + JSON.stringify(reference)],
  ] as const) {
    add(`proxy body not JSON: ${label}`, proxyEvent(body), error(JSON_PREFIX, true));
    add(`base64 proxy body not JSON: ${label}`, proxyEvent(base64(text(body)), { isBase64Encoded: true }), error(JSON_PREFIX, true));
  }
  for (const [body, kind] of [['[1]', 'array'], ['"wine"', 'string'], ['3', 'number'], ['null', 'null'], ['false', 'boolean']] as const) {
    add(`proxy body is JSON ${kind}`, proxyEvent(body), error(`request must be a JSON object, got ${kind}`, true));
  }
  add('proxy body: both pH and ph', proxyEvent(JSON.stringify({ ...reference, ph: 3.3 })), error("fields 'pH' and 'ph' are both present; send one", true));
  add('proxy body: missing pH', proxyEvent(JSON.stringify(without(reference, 'pH'))), error("missing field 'pH'", true));
  add('proxy body: alcohol is a string', proxyEvent(JSON.stringify({ ...reference, alcohol: '10.5' })), error("field 'alcohol' must be a number, got string", true));
  add('proxy body: alcohol 1e39', proxyEvent(JSON.stringify({ ...reference, alcohol: 1e39 })), error("field 'alcohol' must be a finite number within float32 range", true));
  add('proxy body: prediction overflows', proxyEvent(JSON.stringify(row(FEATURE_NAMES.map(() => 3e38)))), error('inputs produce a non-finite prediction', true));
  add('proxy body that is itself a proxy event', proxyEvent(JSON.stringify({ body: JSON.stringify(reference) })), error("missing field 'fixed_acidity'", true));

  const names = new Set(out.map((p) => p.name));
  if (names.size !== out.length) throw new Error('parity payload names must be unique');
  return out;
}

export { JSON_PREFIX };
