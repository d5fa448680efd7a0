/**
 * Request plumbing shared by the service's HTTP servers (the Lambda and Logs APIs, each environment's
 * Runtime API): a body read whole up to a limit without ever hanging, and a path segment decoded without
 * throwing.
 */
import type * as http from 'node:http';

/** decodeURIComponent that answers null for a malformed escape (`%E0%A4%A`) instead of throwing. */
export function safeDecode(text: string): string | null {
  try {
    return decodeURIComponent(text);
  } catch {
    return null;
  }
}

/**
 * Reads a request body, keeping at most `limit` bytes; the rest is drained so the connection stays usable.
 * Rejects when the body never arrives whole (the client died, or broke the chunked encoding), so that a
 * caller can answer or drop the request; it never hangs on a connection that closed mid-body.
 */
export function readBody(req: http.IncomingMessage, limit: number): Promise<{ body: Buffer; tooLarge: boolean; size: number }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
    });
    req.once('end', () => {
      settled = true;
      resolve({ body: size <= limit ? (chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)) : Buffer.alloc(0), tooLarge: size > limit, size });
    });
    req.once('error', (e) => {
      if (settled) return;
      settled = true;
      reject(e);
    });
    req.once('close', () => {
      if (settled || req.complete) return;
      settled = true;
      reject(new Error('the request body ended before it was complete'));
    });
  });
}
