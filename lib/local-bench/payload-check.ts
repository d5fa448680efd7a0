/**
 * Checks a --payload against docs/CONTRACT.md before anything runs, with the contract's own messages
 * (so the field is named), instead of discovering it through a whole benchmark of failed invocations.
 */

/** docs/CONTRACT.md: an event or proxy body larger than this is refused. */
export const CONTRACT_MAX_BYTES = 6_291_456;
/**
 * Lambda's limit for a synchronous (RequestResponse) invocation's payload: 6 MB (Invoke API reference,
 * https://docs.aws.amazon.com/lambda/latest/dg/API_Invoke.html), 6,291,456 bytes as the contract counts it.
 */
export const LAMBDA_SYNC_PAYLOAD_MAX_BYTES = 6_291_456;

/** The request fields in feature order (docs/CONTRACT.md, "The model"). */
export const FEATURE_NAMES = [
  'fixed_acidity', 'volatile_acidity', 'citric_acid', 'residual_sugar', 'chlorides', 'free_sulfur_dioxide',
  'total_sulfur_dioxide', 'density', 'pH', 'sulphates', 'alcohol',
] as const;

const FLOAT32_MAX = 3.4028234663852886e38;

function kind(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v === 'object' ? 'object' : typeof v === 'number' ? 'number' : typeof v === 'boolean' ? 'boolean' : 'string';
}

/** float32 conversion rounds to nearest: values up to the rounding boundary still land on FLOAT32_MAX. */
function finiteInFloat32(x: number): boolean {
  return Number.isFinite(x) && Number.isFinite(Math.fround(x)) && Math.abs(Math.fround(x)) <= FLOAT32_MAX;
}

/** The contract's checks of a direct request (an object already parsed), in the contract's order. */
function checkDirect(event: Record<string, unknown>): string | undefined {
  if ('pH' in event && 'ph' in event) return "fields 'pH' and 'ph' are both present; send one";
  for (const name of FEATURE_NAMES) {
    const sent = name === 'pH' && !('pH' in event) && 'ph' in event ? 'ph' : name;
    if (!(sent in event)) return `missing field '${name}'`;
    const value = event[sent];
    if (typeof value !== 'number') return `field '${sent}' must be a number, got ${kind(value)}`;
    if (!finiteInFloat32(value)) return `field '${sent}' must be a finite number within float32 range`;
  }
  return undefined;
}

/** JSON text to a value, or the contract's message. Out-of-range numbers parse to ±Infinity and are left to the field checks. */
function parseJson(text: string): { value: unknown } | { error: string } {
  try {
    return { value: JSON.parse(text) as unknown };
  } catch (error) {
    return { error: `request body is not valid JSON: ${(error as Error).message}` };
  }
}

function checkText(text: string, bytes: number): string | undefined {
  if (bytes > CONTRACT_MAX_BYTES) return `request body is larger than ${CONTRACT_MAX_BYTES} bytes`;
  const parsed = parseJson(text);
  if ('error' in parsed) return parsed.error;
  return checkEvent(parsed.value, false);
}

function checkEvent(event: unknown, mayBeProxy: boolean): string | undefined {
  if (event === null || typeof event !== 'object' || Array.isArray(event)) return `request must be a JSON object, got ${kind(event)}`;
  const object = event as Record<string, unknown>;
  if (mayBeProxy && 'body' in object) {
    if (typeof object.body !== 'string') return `field 'body' must be a string, got ${kind(object.body)}`;
    let text = object.body;
    if (object.isBase64Encoded === true) {
      if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(text)) return 'request body is not valid base64';
      const bytes = Buffer.from(text, 'base64');
      try {
        text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
      } catch {
        return 'request body is not valid UTF-8';
      }
      return checkText(text, bytes.byteLength);
    }
    return checkText(text, Buffer.byteLength(text));
  }
  return checkDirect(object);
}

export interface PayloadCheck {
  /** The event as the benchmark will send it (JSON.stringify of the parsed file). */
  event: Record<string, unknown>;
  bytes: number;
}

/**
 * Parses and checks a payload file's text. Throws with the contract's message, naming the file and,
 * where there is one, the field; the size against the contract and Lambda's synchronous-invoke limit.
 */
export function checkPayloadText(text: string, file: string): PayloadCheck {
  const fileBytes = Buffer.byteLength(text);
  if (fileBytes > LAMBDA_SYNC_PAYLOAD_MAX_BYTES) {
    throw new Error(
      `--payload ${file} is ${fileBytes} bytes: Lambda refuses a synchronous invocation payload over 6 MB ` +
        `(${LAMBDA_SYNC_PAYLOAD_MAX_BYTES} bytes), and both functions refuse a request over ${CONTRACT_MAX_BYTES} bytes (docs/CONTRACT.md)`,
    );
  }
  const parsed = parseJson(text);
  if ('error' in parsed) throw new Error(`--payload ${file}: ${parsed.error}`);
  const problem = checkEvent(parsed.value, true);
  if (problem) throw new Error(`--payload ${file} does not meet docs/CONTRACT.md: ${problem}`);
  const event = parsed.value as Record<string, unknown>;
  // What goes on the wire is the re-serialized object: check its size too (whitespace may have gone, escapes may have grown).
  const bytes = Buffer.byteLength(JSON.stringify(event));
  if (bytes > LAMBDA_SYNC_PAYLOAD_MAX_BYTES) {
    throw new Error(`--payload ${file} serializes to ${bytes} bytes, over Lambda's 6 MB (${LAMBDA_SYNC_PAYLOAD_MAX_BYTES} bytes) synchronous invocation limit`);
  }
  return { event, bytes };
}
