// The request/response contract of the wine-quality function (docs/CONTRACT.md) as pure functions, in
// JavaScript: the same rules and messages as baselines/pytorch-wine/wine_rules.py and lambda-apr/src.
//
// Events arrive decoded: the Node.js runtime client (aws-lambda-ric) parses each event with JSON.parse before
// the handler runs, and offers no hook to receive its bytes. JSON.parse is stricter than the contract in
// nothing and looser in three ways, each of which leaves a mark the handler can still see, so the handler
// checks the decoded event for them and answers as the contract does (`request body is not valid JSON: ...`):
//   - a number beyond float64 range (1e400, a 400-digit integer) becomes Infinity, which no JSON value can be
//     (the contract lets it through as the value of a top-level feature field, whose float32 check names it);
//   - a \u escape of an unpaired UTF-16 surrogate becomes a lone surrogate in a string;
//   - nesting has no limit (the contract's parser, serde_json, refuses a 128th level).
// Two cases leave no mark, so such events are answered where the contract refuses them: bytes that are not
// UTF-8 inside a string of a direct event (replaced with U+FFFD before JSON.parse sees them), and an
// out-of-range number that a later duplicate key replaced. Proxy bodies are parsed here, from their text,
// with all of the contract's checks but the second.

export const FEATURE_NAMES = [
  'fixed_acidity', 'volatile_acidity', 'citric_acid', 'residual_sugar', 'chlorides',
  'free_sulfur_dioxide', 'total_sulfur_dioxide', 'density', 'pH', 'sulphates', 'alcohol',
];
const PH_INDEX = FEATURE_NAMES.indexOf('pH');
export const MAX_REQUEST_BYTES = 6_291_456;
// serde_json, which parses requests on the Rust side, refuses a 128th level of nested arrays/objects.
const MAX_NESTING_DEPTH = 127;
const JSON_PREFIX = 'request body is not valid JSON: ';

/** A request the contract rejects; the runtime client reports `name` as errorType. */
export class InvalidInput extends Error {
  constructor(message) {
    super(message);
    this.name = 'InvalidInput';
    // aws-lambda-ric posts the stack's lines as the error's `trace`; the contract's error carries none
    // (and the stack would show the host's paths to the caller).
    this.stack = undefined;
  }
}

export function kindOf(value) {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  switch (typeof value) {
    case 'boolean': return 'boolean';
    case 'number': return 'number';
    case 'string': return 'string';
    default: return 'object';
  }
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

const FEATURE_FIELDS = new Set([...FEATURE_NAMES, 'ph']);

/** What JSON.parse let through that the contract's JSON does not allow; undefined when nothing. */
function notJsonDetail(value) {
  const stack = [[value, 1, false]];
  while (stack.length > 0) {
    const [item, depth, featureField] = stack.pop();
    if (typeof item === 'number') {
      // docs/CONTRACT.md: beyond float64 as a feature field's value, the field's float32 check answers.
      if (!Number.isFinite(item) && !featureField) return 'number out of range';
    } else if (typeof item === 'string') {
      if (LONE_SURROGATE.test(item)) return 'unpaired UTF-16 surrogate in a \\u escape';
    } else if (item !== null && typeof item === 'object') {
      if (depth > MAX_NESTING_DEPTH) return `nesting deeper than ${MAX_NESTING_DEPTH} levels`;
      for (const [key, child] of Object.entries(item)) {
        if (LONE_SURROGATE.test(key)) return 'unpaired UTF-16 surrogate in a \\u escape';
        stack.push([child, depth + 1, depth === 1 && !Array.isArray(item) && FEATURE_FIELDS.has(key)]);
      }
    }
  }
  return undefined;
}

/** Checks a value JSON.parse produced (the runtime client's, or ours) against the contract's JSON. */
function checkDecoded(value) {
  const detail = notJsonDetail(value);
  if (detail !== undefined) throw new InvalidInput(JSON_PREFIX + detail);
  return value;
}

// ignoreBOM: a byte-order mark stays in the text, where JSON.parse refuses it, as the contract's parser does.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Size check, then strict JSON, of a proxy body's bytes. */
function parseJsonBytes(bytes) {
  if (bytes.length > MAX_REQUEST_BYTES) throw new InvalidInput(`request body is larger than ${MAX_REQUEST_BYTES} bytes`);
  let text;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw new InvalidInput(`${JSON_PREFIX}invalid UTF-8`);
  }
  let value;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new InvalidInput(JSON_PREFIX + error.message);
  }
  return checkDecoded(value);
}

function expectObject(value) {
  if (kindOf(value) !== 'object') throw new InvalidInput(`request must be a JSON object, got ${kindOf(value)}`);
  return value;
}

// Standard alphabet, length a multiple of 4, '=' only as the last one or two characters (as Python's
// base64.b64decode(validate=True) and the Rust side accept). Set bits after the last byte are ignored.
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function proxyBody(event) {
  const body = event.body;
  if (typeof body !== 'string') throw new InvalidInput(`field 'body' must be a string, got ${kindOf(body)}`);
  let bytes;
  if (event.isBase64Encoded === true) {
    if (!BASE64.test(body)) throw new InvalidInput('request body is not valid base64');
    bytes = Buffer.from(body, 'base64');
    try {
      utf8.decode(bytes);
    } catch {
      throw new InvalidInput('request body is not valid UTF-8');
    }
  } else {
    bytes = Buffer.from(body, 'utf8');
  }
  return expectObject(parseJsonBytes(bytes));
}

/** Values as sent (float64) and as float32; the first offending feature, in feature order, is named. */
export function readFeatures(request) {
  if (Object.hasOwn(request, 'pH') && Object.hasOwn(request, 'ph')) throw new InvalidInput("fields 'pH' and 'ph' are both present; send one");
  const asSent = [];
  const narrowed = [];
  FEATURE_NAMES.forEach((name, index) => {
    const sent = index === PH_INDEX && Object.hasOwn(request, 'ph') ? 'ph' : name;
    if (!Object.hasOwn(request, sent)) throw new InvalidInput(`missing field '${name}'`);
    const value = request[sent];
    if (typeof value !== 'number') throw new InvalidInput(`field '${sent}' must be a number, got ${kindOf(value)}`);
    const single = Math.fround(value);
    if (!Number.isFinite(single)) throw new InvalidInput(`field '${sent}' must be a finite number within float32 range`);
    asSent.push(value);
    narrowed.push(single);
  });
  return { asSent, narrowed };
}

export function categoryOf(quality) {
  if (quality < 5) return 'Poor';
  if (quality < 7) return 'Average';
  if (quality < 8) return 'Good';
  return 'Excellent';
}

export function confidenceOf(asSent, mins, maxs) {
  const inside = asSent.filter((x, i) => mins[i] <= x && x <= maxs[i]).length;
  return inside / FEATURE_NAMES.length;
}

export function topFactorsOf(asSent, coefficients, means) {
  const scores = asSent.map((x, i) => Math.abs(coefficients[i] * (x - means[i])));
  // Array.prototype.sort is stable: equal scores keep feature order.
  return FEATURE_NAMES.map((_, i) => i).sort((a, b) => scores[b] - scores[a]).slice(0, 3).map((i) => FEATURE_NAMES[i]);
}

/**
 * The shortest decimal that reads back as this float32 (5.4321, not 5.432099819183350), as Python's
 * `f'{value:.{digits}g}'` and the Rust side write it.
 */
export function shortestFloat32(value) {
  for (let digits = 1; digits <= 9; digits++) {
    const candidate = roundHalfEven(value, digits);
    if (Math.fround(candidate) === value) return candidate;
  }
  return value;
}

/**
 * `value` rounded to `digits` significant decimal digits, a tie going to the even digit. toPrecision rounds a
 * tie up instead (ECMA-262: "pick the larger n"): 413660.125 to 8 digits is 413660.13 there and 413660.12 in
 * Python and Rust. Both read back as the same float32, but the contract compares the numbers.
 */
export function roundHalfEven(value, digits) {
  // Every float64 has a finite decimal expansion; 100 significant digits (toPrecision's most) show whether
  // the digits after the kept ones are exactly 5000...
  const [mantissa, exponent] = value.toPrecision(100).split('e');
  let significant = 0;
  let lastKept = 0;
  let tie = true;
  let truncated = '';
  for (const ch of mantissa) {
    const isDigit = ch >= '0' && ch <= '9';
    if (isDigit && (significant > 0 || ch !== '0')) {
      significant += 1;
      if (significant <= digits) {
        lastKept = Number(ch);
        truncated += ch;
      } else {
        if (ch !== (significant === digits + 1 ? '5' : '0')) tie = false;
        truncated += '0';
      }
    } else {
      truncated += ch;
    }
  }
  if (tie && lastKept % 2 === 0) return Number(exponent === undefined ? truncated : `${truncated}e${exponent}`);
  return Number(value.toPrecision(digits));
}

/**
 * Decides one event (as the runtime client decoded it). `model` is {coefficients, featureMeans,
 * featureMins, featureMaxs, predict(narrowed) -> float32}. Returns {proxy, answer} or {proxy, error}.
 */
export function evaluate(event, model) {
  let proxy = false;
  try {
    let request = expectObject(checkDecoded(event));
    if (Object.hasOwn(request, 'body')) {
      proxy = true;
      request = proxyBody(request);
    }
    const { asSent, narrowed } = readFeatures(request);
    const quality = model.predict(narrowed);
    if (!Number.isFinite(quality)) throw new InvalidInput('inputs produce a non-finite prediction');
    return {
      proxy,
      answer: {
        quality: shortestFloat32(quality),
        category: categoryOf(quality),
        confidence: confidenceOf(asSent, model.featureMins, model.featureMaxs),
        top_factors: topFactorsOf(asSent, model.coefficients, model.featureMeans),
      },
    };
  } catch (error) {
    if (error instanceof InvalidInput) return { proxy, error: error.message };
    throw error;
  }
}

const JSON_HEADERS = { 'content-type': 'application/json' };

/** What the handler returns: the answer with `extra`, a proxy envelope, or (direct, failed) a thrown InvalidInput. */
export function render(outcome, extra) {
  if (outcome.error !== undefined) {
    if (!outcome.proxy) throw new InvalidInput(outcome.error);
    return { statusCode: 400, headers: { ...JSON_HEADERS }, body: JSON.stringify({ errorType: 'InvalidInput', errorMessage: outcome.error }) };
  }
  const answer = { ...outcome.answer, ...extra };
  return outcome.proxy ? { statusCode: 200, headers: { ...JSON_HEADERS }, body: JSON.stringify(answer) } : answer;
}

/** `intercept + sum(c[i] * x[i])` in float32, the products summed in feature order, as lambda-apr computes it. */
export function predictFloat32(coefficients, intercept, x) {
  let total = 0;
  for (let i = 0; i < coefficients.length; i++) total = Math.fround(total + Math.fround(coefficients[i] * x[i]));
  return Math.fround(total + intercept);
}
