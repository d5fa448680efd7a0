/**
 * The Lambda control and invoke API on the wire (restJson1, paths under /2015-03-31), as the AWS SDK's
 * LambdaClient speaks it: Invoke, GetFunctionConfiguration, UpdateFunctionConfiguration, GetFunction,
 * ListFunctions. Handlers parse the request, check it against Lambda's service model first
 * (request-constraints.ts), call the function's methods and write the answer.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import { LambdaApiError } from './aws-errors';
import { readBody, safeDecode } from './http-body';
import { checkEnum, checkString, FUNCTION_NAME, INVOCATION_TYPES, LOG_TYPES, NAMESPACED_FUNCTION_NAME, parseFunctionReference, QUALIFIER, throwIfInvalid, type StringConstraint } from './request-constraints';
import type { InvocationAnswer, LocalFunction } from './local-function';

/** Largest synchronous invocation payload Lambda accepts. */
export const MAX_SYNC_PAYLOAD_BYTES = 6 * 1024 * 1024;
/** Largest asynchronous (Event) payload: 1 MB since AWS raised it from 256 KB in 2025. */
export const MAX_ASYNC_PAYLOAD_BYTES = 1024 * 1024;
/** Bytes of log that `LogType: Tail` returns. */
export const TAIL_BYTES = 4096;
/** Beyond this the body is not even drained: the connection is dropped. */
const MAX_READ_BYTES = 64 * 1024 * 1024;

export interface LambdaApiContext {
  lookup(name: string): LocalFunction | undefined;
  list(): LocalFunction[];
  region: string;
  accountId: string;
}

export { parseFunctionReference, type FunctionReference } from './request-constraints';

/** The base64 of the last `TAIL_BYTES` bytes of an invocation's log. */
export function tailLogResult(log: string): string {
  const bytes = Buffer.from(log, 'utf8');
  return bytes.subarray(Math.max(0, bytes.length - TAIL_BYTES)).toString('base64');
}

export function sendJson(res: ServerResponse, status: number, body: unknown, requestId: string, extraHeaders: Record<string, string> = {}): void {
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
    'x-amzn-RequestId': requestId,
    ...extraHeaders,
  });
  res.end(text);
}

export function sendLambdaError(res: ServerResponse, error: LambdaApiError, requestId: string): void {
  sendJson(res, error.status, error.body(), requestId, { 'x-amzn-ErrorType': error.code });
}

export async function handleLambdaRequest(req: IncomingMessage, res: ServerResponse, ctx: LambdaApiContext): Promise<void> {
  const requestId = randomUUID();
  try {
    await route(req, res, ctx, requestId);
  } catch (e) {
    if (!res.headersSent) {
      const error = e instanceof LambdaApiError ? e : new LambdaApiError('ServiceException', `the local Lambda service failed: ${(e as Error).message}`);
      // Drain what the client is still sending so it reads the error instead of a reset.
      if (!req.complete) req.resume();
      sendLambdaError(res, error, requestId);
    } else {
      res.destroy();
    }
  }
}

async function route(req: IncomingMessage, res: ServerResponse, ctx: LambdaApiContext, requestId: string): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const method = req.method ?? 'GET';
  const parts = url.pathname.split('/').filter(Boolean).map((p) => safeDecode(p));
  const bad = parts.indexOf(null);
  if (bad >= 0) {
    req.resume();
    const raw = url.pathname.split('/').filter(Boolean)[bad];
    throw new LambdaApiError('InvalidParameterValueException', `1 validation error detected: Value '${raw}' in the request path is not valid percent-encoding`);
  }
  return routeDecoded(req, res, ctx, requestId, url, method, parts as string[]);
}

async function routeDecoded(req: IncomingMessage, res: ServerResponse, ctx: LambdaApiContext, requestId: string, url: URL, method: string, parts: string[]): Promise<void> {
  if (parts[0] === '2015-03-31' && parts[1] === 'functions') {
    if (parts.length === 2 && method === 'GET') return listFunctions(res, ctx, requestId);
    const qualifier = url.searchParams.get('Qualifier') ?? undefined;
    if (parts.length === 3 && method === 'GET') return getFunction(res, resolve(ctx, parts[2], qualifier), requestId);
    if (parts.length === 4 && parts[3] === 'invocations' && method === 'POST') return invoke(req, res, ctx, parts[2], qualifier, requestId);
    if (parts.length === 4 && parts[3] === 'configuration' && method === 'GET') {
      return sendJson(res, 200, resolve(ctx, parts[2], qualifier).configuration(), requestId);
    }
    if (parts.length === 4 && parts[3] === 'configuration' && method === 'PUT') {
      const fn = resolve(ctx, parts[2], undefined, FUNCTION_NAME);
      const body = await readJsonBody(req);
      return sendJson(res, 200, fn.update(body), requestId);
    }
  }
  req.resume();
  throw new LambdaApiError('UnknownOperationException', `The local Lambda service does not implement ${method} ${url.pathname}; it implements Invoke, GetFunction, GetFunctionConfiguration, UpdateFunctionConfiguration and ListFunctions`);
}

function resolve(ctx: LambdaApiContext, rawName: string, qualifierParam: string | undefined, constraint: StringConstraint = NAMESPACED_FUNCTION_NAME): LocalFunction {
  const ref = parseFunctionReference(rawName, qualifierParam, constraint);
  // An ARN of another region: what Lambda answers (ResourceNotFoundException, 404), as its users quote it,
  // e.g. github.com/alexcasalboni/aws-lambda-power-tuning issue 18.
  if (ref.region !== undefined && ref.region !== ctx.region) {
    throw new LambdaApiError('ResourceNotFoundException', `Functions from '${ref.region}' are not reachable in this region ('${ctx.region}')`);
  }
  // Another account's function: the service holds one account's functions, so it is not found here, under
  // its own ARN. Lambda would first check the caller's permission on it: a call across accounts needs that
  // function's resource-based policy (developer guide, "access-control-resource-based", cross-account
  // invoke), and without it the answer is a 403 AccessDeniedException "... because no resource-based policy
  // allows the lambda:InvokeFunction action" (as users quote it: awslabs/aws-automated-incident-response-and-
  // forensics issue 13).
  const account = ref.accountId ?? ctx.accountId;
  const fn = account === ctx.accountId ? ctx.lookup(ref.name) : undefined;
  const arn = `arn:aws:lambda:${ctx.region}:${account}:function:${ref.name}`;
  if (!fn) throw new LambdaApiError('ResourceNotFoundException', `Function not found: ${arn}`);
  if (ref.qualifier !== undefined && ref.qualifier !== '$LATEST') {
    throw new LambdaApiError('ResourceNotFoundException', `Function not found: ${arn}:${ref.qualifier}`);
  }
  return fn;
}

/** readBody for API requests: a body that never arrives whole is the client's fault (400), not the service's. */
async function readRequestBody(req: IncomingMessage, limit: number): Promise<{ body: Buffer; tooLarge: boolean; size: number }> {
  try {
    return await readBody(req, limit);
  } catch (e) {
    throw new LambdaApiError('InvalidRequestContentException', `the request body could not be read: ${(e as Error).message}`);
  }
}

async function readJsonBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const { body, tooLarge } = await readRequestBody(req, MAX_SYNC_PAYLOAD_BYTES);
  if (tooLarge) throw new LambdaApiError('RequestTooLargeException', 'Request must be smaller than 6291456 bytes.');
  if (body.length === 0) return {};
  try {
    const parsed = JSON.parse(body.toString('utf8')) as unknown;
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
    return parsed as Record<string, unknown>;
  } catch (e) {
    throw new LambdaApiError('InvalidRequestContentException', `Could not parse request body into json: ${(e as Error).message}`);
  }
}

function listFunctions(res: ServerResponse, ctx: LambdaApiContext, requestId: string): void {
  sendJson(res, 200, { Functions: ctx.list().map((f) => f.configuration()) }, requestId);
}

function getFunction(res: ServerResponse, fn: LocalFunction, requestId: string): void {
  const configuration = fn.configuration();
  const code = configuration.PackageType === 'Image' ? { RepositoryType: 'ECR', ImageUri: `local/${fn.name}:latest` } : { RepositoryType: 'S3', Location: `local://${fn.name}` };
  sendJson(res, 200, { Configuration: configuration, Code: code, Tags: {} }, requestId);
}

async function invoke(req: IncomingMessage, res: ServerResponse, ctx: LambdaApiContext, rawName: string, qualifier: string | undefined, requestId: string): Promise<void> {
  // Every member is checked against the model first, all violations in one answer, as Lambda does.
  const invocationHeader = headerValue(req, 'x-amz-invocation-type');
  const logType = headerValue(req, 'x-amz-log-type');
  throwIfInvalid([
    ...checkString(rawName, NAMESPACED_FUNCTION_NAME),
    ...(qualifier !== undefined ? checkString(qualifier, QUALIFIER) : []),
    ...checkEnum(invocationHeader, 'invocationType', INVOCATION_TYPES),
    ...checkEnum(logType, 'logType', LOG_TYPES),
  ]);
  const { body, size, tooLarge } = await readLimited(req);
  const fn = resolve(ctx, rawName, qualifier);
  const invocationType = invocationHeader ?? 'RequestResponse';
  const limit = invocationType === 'Event' ? MAX_ASYNC_PAYLOAD_BYTES : MAX_SYNC_PAYLOAD_BYTES;
  if (tooLarge || size > limit) throw payloadTooLarge(invocationType === 'Event' ? 'Event' : 'RequestResponse', size);
  // Lambda hands a runtime `{}` when Invoke carries no payload, and refuses a payload that is not JSON.
  const payload = size === 0 ? Buffer.from('{}') : body;
  if (size > 0) {
    try {
      JSON.parse(payload.toString('utf8'));
    } catch (e) {
      throw new LambdaApiError('InvalidRequestContentException', `Could not parse request body into json: Could not parse payload into json: ${(e as Error).message}`);
    }
  }
  const clientContext = decodeClientContext(headerValue(req, 'x-amz-client-context'));
  if (invocationType === 'DryRun') {
    res.writeHead(204, { 'x-amzn-RequestId': requestId, 'Content-Length': 0 });
    res.end();
    return;
  }
  if (invocationType === 'Event') {
    // Runs in the background; its logs land in the log group like any invocation's.
    fn.invoke(payload, { clientContext }).catch(() => undefined);
    res.writeHead(202, { 'x-amzn-RequestId': requestId, 'Content-Length': 0 });
    res.end();
    return;
  }
  if (logType === 'Tail') {
    // The log tail ends with the REPORT line: the answer waits for it.
    const record = await fn.invoke(payload, { clientContext });
    writeInvocationResponse(res, record, tailLogResult(record.log));
  } else {
    // Without Tail the caller gets the answer as soon as the function gives it; END and REPORT follow.
    await fn.invoke(payload, { clientContext, onAnswer: (answer) => writeInvocationResponse(res, answer) });
  }
}

function writeInvocationResponse(res: ServerResponse, answer: InvocationAnswer, logResult?: string): void {
  const headers: Record<string, string | number> = {
    'Content-Type': 'application/json',
    'Content-Length': answer.payload.length,
    'x-amzn-RequestId': answer.requestId,
    'X-Amz-Executed-Version': '$LATEST',
  };
  if (answer.functionError) headers['X-Amz-Function-Error'] = answer.functionError;
  if (logResult !== undefined) headers['X-Amz-Log-Result'] = logResult;
  res.writeHead(200, headers);
  res.end(answer.payload);
}

async function readLimited(req: IncomingMessage): Promise<{ body: Buffer; size: number; tooLarge: boolean }> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > MAX_READ_BYTES) throw payloadTooLarge('RequestResponse', declared);
  return readRequestBody(req, MAX_SYNC_PAYLOAD_BYTES);
}

/**
 * Lambda's answer to an Invoke payload over its limit: 413 RequestEntityTooLargeException, worded as Lambda
 * words it (seen in clients' error reports: "Request must be smaller than 6291456 bytes for the
 * InvokeFunction operation", Status Code: 413; for Event, "<n> byte payload is too large for the Event
 * invocation type (limit <limit> bytes)").
 */
function payloadTooLarge(invocationType: 'Event' | 'RequestResponse', size: number): LambdaApiError {
  if (invocationType === 'Event') {
    return new LambdaApiError('RequestEntityTooLargeException', `${size} byte payload is too large for the Event invocation type (limit ${MAX_ASYNC_PAYLOAD_BYTES} bytes)`);
  }
  return new LambdaApiError('RequestEntityTooLargeException', `Request must be smaller than ${MAX_SYNC_PAYLOAD_BYTES} bytes for the InvokeFunction operation`);
}

function headerValue(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function decodeClientContext(header: string | undefined): string | undefined {
  if (header === undefined || header === '') return undefined;
  const text = Buffer.from(header, 'base64').toString('utf8');
  try {
    JSON.parse(text);
  } catch {
    throw new LambdaApiError('InvalidParameterValueException', 'Client context must be a valid Base64-encoded JSON object.');
  }
  return text;
}
