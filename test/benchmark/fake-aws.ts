import { randomUUID } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A small HTTP server on 127.0.0.1 that speaks just enough of three AWS wire protocols for the
 * benchmark steps to be tested with the real SDK clients:
 * - Lambda (restJson1): GetFunctionConfiguration, UpdateFunctionConfiguration, Invoke;
 * - CloudWatch Logs (awsJson1_1): FilterLogEvents, with pagination and an ingestion delay;
 * - S3 (restXml, path style): PutObject.
 * It models Lambda's cold starts the simple way: a configuration change retires the environment,
 * so the next invocation's REPORT line carries an Init Duration.
 *
 * Checked against moto, an independent implementation (test/moto/handlers.test.ts). Where the two
 * differ, this fake follows AWS's documentation: an update reports LastUpdateStatus InProgress until
 * it is done (moto: Successful at once; Lambda Developer Guide, "Lambda function states"), and the
 * steps' filter patterns select events: `?"REPORT" ?"INIT_REPORT"` any of the terms, and the JSON
 * pattern `{ ($.type = ...) || ($.type = ...) }` by event type (CloudWatch Logs User Guide, "Filter
 * pattern syntax"; "Using filter patterns to match terms in JSON log events"). moto 5.2.5 applies only
 * a single bare or quoted term and lets every event through for any other pattern
 * (moto/logs/utils.py, UnsupportedFilterPattern). They agree on the rest the steps use:
 * FilterLogEvents' window is inclusive at both ends and an unknown log group is
 * ResourceNotFoundException.
 */

export interface FakeFunction {
  name: string;
  variables: Record<string, string>;
  memorySizeMB: number;
  lastUpdateStatus: 'Successful' | 'InProgress' | 'Failed';
  lastUpdateStatusReason?: string;
  /** GetFunctionConfiguration calls that still report InProgress after an update. */
  pollsUntilUpdated: number;
  /** What an update does: number of InProgress polls, or 'fail'. */
  onUpdate: number | 'fail';
  /** Whether the current environment is initialised (false after any configuration change). */
  warm: boolean;
  initMs: number;
  durationMs: number;
  maxMemoryMB: number;
  /** The function's answer; throwing makes a function error. */
  handler: (event: unknown) => unknown;
  /** Simulates an init failure: every invocation fails as Runtime.ExitError. */
  initFails?: boolean;
}

export interface FakeLogEvent {
  timestamp: number;
  message: string;
  /** Epoch ms before which FilterLogEvents does not return the event (CloudWatch's ingestion delay). */
  visibleAt: number;
  logStreamName: string;
}

export interface RecordedRequest {
  method: string;
  path: string;
  target?: string;
  body: string;
  headers: http.IncomingHttpHeaders;
}

export class FakeAws {
  readonly functions = new Map<string, FakeFunction>();
  readonly logGroups = new Map<string, FakeLogEvent[]>();
  readonly objects = new Map<string, { body: Buffer; contentType?: string }>();
  readonly requests: RecordedRequest[] = [];
  /** Invoke answers 429 TooManyRequestsException this many more times. */
  throttleInvokes = 0;
  /** Invoke answers 503 ServiceException this many more times. */
  failInvokesWith503 = 0;
  /** FilterLogEvents page size. */
  logPageSize = 50;
  /** Delay before a new log event becomes visible, ms. */
  ingestionDelayMs = 0;
  /** Emit REPORT records in Lambda's JSON log format instead of text. */
  jsonLogs = false;
  /** Omit the x-amzn-RequestId header on Invoke answers. */
  omitRequestId = false;
  private server?: http.Server;

  addFunction(name: string, options: Partial<FakeFunction> = {}): FakeFunction {
    const fn: FakeFunction = {
      name,
      variables: {},
      memorySizeMB: 128,
      lastUpdateStatus: 'Successful',
      pollsUntilUpdated: 0,
      onUpdate: 0,
      warm: false,
      initMs: 20,
      durationMs: 1,
      maxMemoryMB: 13,
      handler: () => ({ quality: 5.5, category: 'Average' }),
      ...options,
    };
    this.functions.set(name, fn);
    this.logGroups.set(`/aws/lambda/${name}`, this.logGroups.get(`/aws/lambda/${name}`) ?? []);
    return fn;
  }

  addLogEvent(group: string, message: string, timestamp = Date.now(), visibleAt = timestamp, logStreamName = DEFAULT_STREAM): void {
    const events = this.logGroups.get(group) ?? [];
    events.push({ timestamp, message, visibleAt, logStreamName });
    this.logGroups.set(group, events);
  }

  async start(): Promise<string> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        try {
          this.route(req, body, res);
        } catch (err) {
          res.writeHead(500, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ message: String(err) }));
        }
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }

  private route(req: http.IncomingMessage, body: Buffer, res: http.ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const target = req.headers['x-amz-target'] as string | undefined;
    this.requests.push({ method: req.method ?? '', path: url.pathname, target, body: body.toString('utf8'), headers: req.headers });
    const fnMatch = /^\/2015-03-31\/functions\/([^/]+)\/(configuration|invocations)$/.exec(url.pathname);
    if (fnMatch) {
      const fn = this.functions.get(decodeURIComponent(fnMatch[1]));
      if (!fn) {
        return lambdaError(res, 404, 'ResourceNotFoundException', `Function not found: ${fnMatch[1]}`);
      }
      if (fnMatch[2] === 'configuration' && req.method === 'GET') return this.getConfiguration(fn, res);
      if (fnMatch[2] === 'configuration' && req.method === 'PUT') return this.updateConfiguration(fn, body, res);
      if (fnMatch[2] === 'invocations' && req.method === 'POST') return this.invoke(fn, body, res);
    }
    if (req.method === 'POST' && target === 'Logs_20140328.FilterLogEvents') {
      return this.filterLogEvents(JSON.parse(body.toString('utf8')), res);
    }
    if (req.method === 'PUT' && url.pathname.split('/').length >= 3) {
      this.objects.set(decodeURIComponent(url.pathname.slice(1)), { body, contentType: req.headers['content-type'] });
      res.writeHead(200, { etag: '"0"', 'x-amz-request-id': randomUUID() });
      return void res.end();
    }
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ message: `no route for ${req.method} ${url.pathname}` }));
  }

  private configuration(fn: FakeFunction) {
    return {
      FunctionName: fn.name,
      FunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${fn.name}`,
      MemorySize: fn.memorySizeMB,
      State: 'Active',
      LastUpdateStatus: fn.lastUpdateStatus,
      ...(fn.lastUpdateStatusReason ? { LastUpdateStatusReason: fn.lastUpdateStatusReason } : {}),
      Environment: { Variables: { ...fn.variables } },
    };
  }

  private getConfiguration(fn: FakeFunction, res: http.ServerResponse): void {
    if (fn.lastUpdateStatus === 'InProgress') {
      if (fn.pollsUntilUpdated > 0) {
        fn.pollsUntilUpdated--;
      } else {
        fn.lastUpdateStatus = 'Successful';
      }
    }
    json(res, 200, this.configuration(fn));
  }

  private updateConfiguration(fn: FakeFunction, body: Buffer, res: http.ServerResponse): void {
    if (fn.lastUpdateStatus === 'InProgress') {
      return lambdaError(res, 409, 'ResourceConflictException', 'An update is in progress');
    }
    const input = JSON.parse(body.toString('utf8')) as { Environment?: { Variables?: Record<string, string> } };
    if (fn.onUpdate === 'fail') {
      fn.lastUpdateStatus = 'Failed';
      fn.lastUpdateStatusReason = 'Lambda could not apply the configuration';
    } else {
      fn.variables = { ...(input.Environment?.Variables ?? {}) };
      fn.lastUpdateStatus = 'InProgress';
      fn.pollsUntilUpdated = fn.onUpdate;
      fn.warm = false;
    }
    json(res, 200, this.configuration(fn));
  }

  private invoke(fn: FakeFunction, body: Buffer, res: http.ServerResponse): void {
    if (this.throttleInvokes > 0) {
      this.throttleInvokes--;
      res.writeHead(429, { 'content-type': 'application/json', 'x-amzn-errortype': 'TooManyRequestsException', 'x-amzn-requestid': randomUUID() });
      return void res.end(JSON.stringify({ Type: 'User', message: 'Rate Exceeded.', Reason: 'ReservedFunctionConcurrentInvocationLimitExceeded' }));
    }
    if (this.failInvokesWith503 > 0) {
      this.failInvokesWith503--;
      return lambdaError(res, 503, 'ServiceException', 'internal failure');
    }
    const requestId = randomUUID();
    const cold = !fn.warm;
    let answer: unknown;
    let functionError: string | undefined;
    let errorType: string | undefined;
    if (fn.initFails) {
      functionError = 'Unhandled';
      errorType = 'Runtime.ExitError';
      answer = { errorType, errorMessage: 'RequestId: x Error: Runtime exited with error: exit status 1' };
    } else {
      fn.warm = true;
      try {
        answer = fn.handler(JSON.parse(body.toString('utf8')));
      } catch (err) {
        functionError = 'Unhandled';
        answer = { errorType: 'InvalidInput', errorMessage: (err as Error).message, stackTrace: [] };
      }
    }
    const now = Date.now();
    const billed = Math.ceil(fn.durationMs + (cold ? fn.initMs : 0));
    const message = this.jsonLogs
      ? JSON.stringify({
          time: new Date(now).toISOString(),
          type: 'platform.report',
          record: {
            requestId,
            metrics: {
              durationMs: fn.durationMs,
              billedDurationMs: billed,
              memorySizeMB: fn.memorySizeMB,
              maxMemoryUsedMB: fn.maxMemoryMB,
              ...(cold && !fn.initFails ? { initDurationMs: fn.initMs } : {}),
            },
            status: functionError ? 'error' : 'success',
            ...(errorType ? { errorType } : {}),
          },
        })
      : `REPORT RequestId: ${requestId}\tDuration: ${fn.durationMs.toFixed(2)} ms\tBilled Duration: ${billed} ms\tMemory Size: ${fn.memorySizeMB} MB\t` +
        `Max Memory Used: ${fn.maxMemoryMB} MB\t${cold && !fn.initFails ? `Init Duration: ${fn.initMs.toFixed(2)} ms\t` : ''}` +
        `${errorType ? `Status: error\tError Type: ${errorType}\t` : ''}\nXRAY TraceId: 1-5e1b4151-5ac6c58f2d0a3a2f5c4d2b1e\tSegmentId: 6b6a7b2f5e1d3c4a\tSampled: true\t\n`;
    const group = `/aws/lambda/${fn.name}`;
    this.addLogEvent(group, `START RequestId: ${requestId} Version: $LATEST\n`, now, now + this.ingestionDelayMs);
    this.addLogEvent(group, `END RequestId: ${requestId}\n`, now, now + this.ingestionDelayMs);
    this.addLogEvent(group, message, now, now + this.ingestionDelayMs);
    const headers: Record<string, string> = { 'content-type': 'application/json', 'x-amz-executed-version': '$LATEST' };
    if (!this.omitRequestId) headers['x-amzn-requestid'] = requestId;
    if (functionError) headers['x-amz-function-error'] = functionError;
    res.writeHead(200, headers);
    res.end(JSON.stringify(answer));
  }

  private filterLogEvents(input: { logGroupName: string; filterPattern?: string; startTime?: number; endTime?: number; nextToken?: string }, res: http.ServerResponse): void {
    const events = this.logGroups.get(input.logGroupName);
    if (!events) {
      res.writeHead(400, { 'content-type': 'application/x-amz-json-1.1' });
      return void res.end(JSON.stringify({ __type: 'ResourceNotFoundException', message: 'The specified log group does not exist.' }));
    }
    const now = Date.now();
    const term = matcher(input.filterPattern);
    const matching = events.filter(
      (e) => e.visibleAt <= now && (input.startTime === undefined || e.timestamp >= input.startTime) && (input.endTime === undefined || e.timestamp <= input.endTime) && term(e.message),
    );
    const offset = input.nextToken ? Number(input.nextToken.replace('page-', '')) : 0;
    const page = matching.slice(offset, offset + this.logPageSize);
    const next = offset + this.logPageSize < matching.length ? `page-${offset + this.logPageSize}` : undefined;
    json(res, 200, {
      events: page.map((e, i) => ({ logStreamName: e.logStreamName, timestamp: e.timestamp, message: e.message, ingestionTime: e.visibleAt, eventId: String(offset + i) })),
      ...(next ? { nextToken: next } : {}),
      searchedLogStreams: [],
    }, 'application/x-amz-json-1.1');
  }
}

/**
 * The filter patterns the benchmark uses: quoted terms (substring), `?"A" ?"B"` alternatives, and the
 * JSON type selector with `||` alternatives.
 */
function matcher(pattern: string | undefined): (message: string) => boolean {
  if (!pattern) return () => true;
  const quoted = /^"(.*)"$/.exec(pattern);
  if (quoted) return (m) => m.includes(quoted[1]);
  if (/^(\?"[^"]+"\s*)+$/.test(pattern.trim())) {
    const terms = [...pattern.matchAll(/\?"([^"]+)"/g)].map((x) => x[1]);
    return (m) => terms.some((t) => m.includes(t));
  }
  const json = /^\{ (.*) \}$/.exec(pattern);
  const types = json?.[1].split(' || ').map((part) => /^\(?\$\.type = "([^"]*)"\)?$/.exec(part)?.[1]);
  if (types && types.every((t) => t !== undefined)) {
    return (m) => {
      try {
        const type = (JSON.parse(m) as { type?: unknown }).type;
        return typeof type === 'string' && (types as string[]).includes(type);
      } catch {
        return false;
      }
    };
  }
  throw new Error(`fake FilterLogEvents does not understand ${pattern}`);
}

function json(res: http.ServerResponse, status: number, value: unknown, contentType = 'application/json'): void {
  res.writeHead(status, { 'content-type': contentType, 'x-amzn-requestid': randomUUID() });
  res.end(JSON.stringify(value));
}

function lambdaError(res: http.ServerResponse, status: number, type: string, message: string): void {
  res.writeHead(status, { 'content-type': 'application/json', 'x-amzn-errortype': type, 'x-amzn-requestid': randomUUID() });
  res.end(JSON.stringify({ Type: 'User', message }));
}

const DEFAULT_STREAM = '2026/01/01/[$LATEST]abc';

export const TEST_CREDENTIALS = { accessKeyId: 'AKIDTEST', secretAccessKey: 'test-secret' };
