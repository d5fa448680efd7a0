/**
 * The CloudWatch Logs API on the wire (awsJson1_1: POST /, `X-Amz-Target: Logs_20140328.<Operation>`), as
 * the AWS SDK's CloudWatchLogsClient speaks it. Read operations only: the service writes the logs itself.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import { type LogsErrorCode, logsErrorBody } from './aws-errors';
import { readBody } from './http-body';
import { LogsError, type LogStore } from './log-store';

export const LOGS_TARGET_PREFIX = 'Logs_20140328.';
const CONTENT_TYPE = 'application/x-amz-json-1.1';

type Operation = (store: LogStore, input: Record<string, unknown>) => unknown;

const OPERATIONS: Record<string, Operation> = {
  FilterLogEvents: (store, input) => store.filterLogEvents(input),
  GetLogEvents: (store, input) => store.getLogEvents(input as never),
  DescribeLogStreams: (store, input) => store.describeLogStreams(input),
};

function send(res: ServerResponse, status: number, body: unknown, requestId: string): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': CONTENT_TYPE, 'Content-Length': Buffer.byteLength(text), 'x-amzn-RequestId': requestId });
  res.end(text);
}

function sendError(res: ServerResponse, code: LogsErrorCode, message: string, requestId: string): void {
  send(res, code === 'ServiceUnavailableException' ? 503 : 400, logsErrorBody(code, message), requestId);
}

export async function handleLogsRequest(req: IncomingMessage, res: ServerResponse, store: LogStore, target: string): Promise<void> {
  const requestId = randomUUID();
  let read: { body: Buffer; tooLarge: boolean };
  try {
    read = await readBody(req, 1024 * 1024);
  } catch (e) {
    // The body never arrived whole: a client error, answered if the connection still stands.
    return sendError(res, 'SerializationException', `the request body could not be read: ${(e as Error).message}`, requestId);
  }
  const { body, tooLarge } = read;
  const operationName = target.startsWith(LOGS_TARGET_PREFIX) ? target.slice(LOGS_TARGET_PREFIX.length) : '';
  const operation = OPERATIONS[operationName];
  if (!operation) {
    return sendError(res, 'UnknownOperationException', `The local CloudWatch Logs service does not implement ${target}; it implements ${Object.keys(OPERATIONS).join(', ')}`, requestId);
  }
  if (tooLarge) return sendError(res, 'InvalidParameterException', 'request body is larger than 1 MB', requestId);
  let input: Record<string, unknown>;
  try {
    input = body.length === 0 ? {} : (JSON.parse(body.toString('utf8')) as Record<string, unknown>);
    if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new Error('the request body must be a JSON object');
  } catch (e) {
    return sendError(res, 'SerializationException', `could not parse the request body: ${(e as Error).message}`, requestId);
  }
  try {
    send(res, 200, operation(store, input), requestId);
  } catch (e) {
    if (e instanceof LogsError) return sendError(res, e.code, e.message, requestId);
    // Anything else an operation throws comes from input of an unexpected shape (a number where a list
    // belongs, ...): the caller's error, answered as CloudWatch Logs answers invalid parameters.
    return sendError(res, 'InvalidParameterException', `the request could not be processed: ${(e as Error).message}`, requestId);
  }
}
