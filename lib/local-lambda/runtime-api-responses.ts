/**
 * The Runtime API's fixed answers (bodies and status codes as the Lambda runtime interface documents them
 * and as AWS's emulator writes them), kept apart from the server that sends them.
 */
import type { ServerResponse } from 'node:http';

/** Largest response or error body a runtime may post: 6 MB plus 100 bytes of envelope. */
export const MAX_RUNTIME_PAYLOAD_BYTES = 6 * 1024 * 1024 + 100;

export const RUNTIME_API_PREFIX = '/2018-06-01/runtime';

function sendJson(res: ServerResponse, status: number, body: object): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

export function accepted(res: ServerResponse): void {
  sendJson(res, 202, { status: 'OK' });
}

export function invalidRequestId(res: ServerResponse): void {
  sendJson(res, 400, { errorMessage: 'Invalid request ID', errorType: 'InvalidRequestID' });
}

export function invalidStateTransition(res: ServerResponse, detail: string): void {
  sendJson(res, 403, { errorMessage: `State transition failed for runtime: ${detail}`, errorType: 'InvalidStateTransition' });
}

export function payloadTooLarge(res: ServerResponse): void {
  sendJson(res, 413, {
    errorMessage: `Exceeded maximum allowed payload size (${MAX_RUNTIME_PAYLOAD_BYTES} bytes).`,
    errorType: 'RequestEntityTooLarge',
  });
}

export function badRequest(res: ServerResponse, detail: string): void {
  sendJson(res, 400, { errorMessage: detail, errorType: 'InvalidRequest' });
}

export function notFound(res: ServerResponse, path: string): void {
  sendJson(res, 404, { errorMessage: `No Runtime API route for ${path}`, errorType: 'NotFound' });
}

export function methodNotAllowed(res: ServerResponse, method: string, path: string): void {
  sendJson(res, 405, { errorMessage: `${method} is not allowed on ${path}`, errorType: 'MethodNotAllowed' });
}

/**
 * The error type a runtime reports: the Lambda-Runtime-Function-Error-Type header, else the body's
 * errorType, else Lambda's catch-all.
 */
export function errorTypeOf(header: string | string[] | undefined, body: Buffer): string {
  if (typeof header === 'string' && header !== '') return header;
  try {
    const parsed = JSON.parse(body.toString('utf8')) as { errorType?: unknown };
    if (typeof parsed?.errorType === 'string' && parsed.errorType !== '') return parsed.errorType;
  } catch {
    // not JSON: fall through
  }
  return 'Runtime.Unknown';
}
