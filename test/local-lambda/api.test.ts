/**
 * The Lambda and CloudWatch Logs wire protocols, through the real SDK clients with only `endpoint` set:
 * error classes, configuration updates that force cold starts, FilterLogEvents filtering and pagination.
 */
import * as http from 'node:http';
import { FilterLogEventsCommand, GetLogEventsCommand, DescribeLogStreamsCommand, ResourceNotFoundException as LogsResourceNotFound } from '@aws-sdk/client-cloudwatch-logs';
import {
  GetFunctionCommand,
  GetFunctionConfigurationCommand,
  InvalidRequestContentException,
  InvokeCommand,
  LambdaServiceException,
  ResourceConflictException,
  ResourceNotFoundException,
  TooManyRequestsException,
  UpdateFunctionConfigurationCommand,
  waitUntilFunctionActiveV2,
  waitUntilFunctionUpdated,
  waitUntilFunctionUpdatedV2,
} from '@aws-sdk/client-lambda';
import { LocalLambdaService } from '../../lib/local-lambda';
import { clients, fixtureFunction, invoke } from './helpers';

let service: LocalLambdaService;
let lambda: ReturnType<typeof clients>['lambda'];
let logs: ReturnType<typeof clients>['logs'];

beforeAll(async () => {
  // InProgress lasts at least 300 ms here so that the conflict case is deterministic.
  service = await LocalLambdaService.start({ limits: 'auto', updateMinInProgressMs: 300, maxConcurrency: 2 });
  service.register(fixtureFunction('api-fn', { description: 'the fixture', codeSizeBytes: 1234 }));
  service.register(fixtureFunction('logs-fn'));
  service.register(fixtureFunction('busy-fn'));
  service.register(fixtureFunction('image-fn', { packageType: 'Image', runtime: 'container-image' }));
  ({ lambda, logs } = clients(service.endpoint));
});

afterAll(async () => {
  lambda.destroy();
  logs.destroy();
  await service.stop();
});

describe('Lambda API', () => {
  test('an unknown function is a 404 ResourceNotFoundException in Lambda\'s error shape', async () => {
    const err = await lambda.send(new InvokeCommand({ FunctionName: 'no-such-function', Payload: Buffer.from('{}') })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ResourceNotFoundException);
    const e = err as ResourceNotFoundException;
    expect(e.$metadata.httpStatusCode).toBe(404);
    expect(e.Type).toBe('User');
    expect(e.message).toBe('Function not found: arn:aws:lambda:us-east-1:123456789012:function:no-such-function');
    await expect(lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'no-such-function' }))).rejects.toBeInstanceOf(ResourceNotFoundException);
    await expect(lambda.send(new InvokeCommand({ FunctionName: 'api-fn', Qualifier: '7' }))).rejects.toBeInstanceOf(ResourceNotFoundException);
  });

  test('a function is found by name, ARN and partial ARN', async () => {
    for (const name of ['api-fn', 'arn:aws:lambda:us-east-1:123456789012:function:api-fn', '123456789012:function:api-fn', 'api-fn:$LATEST']) {
      const r = await invoke(lambda, name, { n: name });
      expect(r.json.echo).toEqual({ n: name });
    }
  });

  // Lambda answers an ARN of another region with a 404 ResourceNotFoundException, "Functions from 'us-east-1'
  // are not reachable in this region ('us-west-1')", as its users report it (alexcasalboni/aws-lambda-power-tuning
  // issue 18, Fraudmarc/fraudmarc-ce issue 21). The service holds one account's functions: another account's is
  // not found here, named by its own ARN.
  test('an ARN of another region or account does not reach a function of this one', async () => {
    for (const command of [
      new InvokeCommand({ FunctionName: 'arn:aws:lambda:eu-west-1:123456789012:function:api-fn', Payload: Buffer.from('{}') }),
      new GetFunctionConfigurationCommand({ FunctionName: 'arn:aws:lambda:eu-west-1:123456789012:function:api-fn' }),
    ]) {
      const err = await (lambda.send(command as InvokeCommand) as Promise<unknown>).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ResourceNotFoundException);
      expect((err as ResourceNotFoundException).$metadata.httpStatusCode).toBe(404);
      expect((err as Error).message).toBe("Functions from 'eu-west-1' are not reachable in this region ('us-east-1')");
    }
    for (const name of ['arn:aws:lambda:us-east-1:210987654321:function:api-fn', '210987654321:function:api-fn']) {
      const err = await lambda.send(new InvokeCommand({ FunctionName: name, Payload: Buffer.from('{}') })).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ResourceNotFoundException);
      expect((err as Error).message).toBe('Function not found: arn:aws:lambda:us-east-1:210987654321:function:api-fn');
    }
  });

  // Lambda's front end answers an Invoke body over 6 MB with 413 RequestEntityTooLargeException, "Request must
  // be smaller than 6291456 bytes for the InvokeFunction operation" (as clients report it, e.g.
  // awslabs/aws-athena-query-federation#793). The code is not in the SDK's model: the SDK raises its generic
  // LambdaServiceException named after the code, with the status and the message.
  test('an Invoke payload over 6 MB is refused as Lambda refuses it: 413 RequestEntityTooLargeException', async () => {
    const payload = Buffer.from(JSON.stringify('x'.repeat(6 * 1024 * 1024)));
    const err = await lambda.send(new InvokeCommand({ FunctionName: 'api-fn', Payload: payload })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LambdaServiceException);
    expect((err as LambdaServiceException).name).toBe('RequestEntityTooLargeException');
    expect((err as LambdaServiceException).$metadata.httpStatusCode).toBe(413);
    expect((err as Error).message).toBe('Request must be smaller than 6291456 bytes for the InvokeFunction operation');
    // Exactly 6 MB is still accepted.
    const atLimit = Buffer.from(JSON.stringify('x'.repeat(6 * 1024 * 1024 - 2)));
    expect(atLimit.length).toBe(6291456);
    const ok = await lambda.send(new InvokeCommand({ FunctionName: 'api-fn', Payload: atLimit }));
    expect(ok.StatusCode).toBe(200);
  });

  test('an Event payload over 1 MB gets the Event wording of the same error', async () => {
    const payload = Buffer.from(JSON.stringify('x'.repeat(1024 * 1024)));
    const err = await lambda.send(new InvokeCommand({ FunctionName: 'api-fn', InvocationType: 'Event', Payload: payload })).catch((e: unknown) => e);
    expect((err as LambdaServiceException).name).toBe('RequestEntityTooLargeException');
    expect((err as LambdaServiceException).$metadata.httpStatusCode).toBe(413);
    expect((err as Error).message).toBe(`${payload.length} byte payload is too large for the Event invocation type (limit 1048576 bytes)`);
  });

  test('a payload that is not JSON is refused with InvalidRequestContentException', async () => {
    const err = await lambda.send(new InvokeCommand({ FunctionName: 'api-fn', Payload: Buffer.from('{not json') })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidRequestContentException);
    expect((err as Error).message).toMatch(/^Could not parse request body into json: /);
  });

  test('an empty payload reaches the runtime as {}', async () => {
    const out = await lambda.send(new InvokeCommand({ FunctionName: 'api-fn' }));
    expect(JSON.parse(Buffer.from(out.Payload!).toString()).echo).toEqual({});
  });

  test('DryRun answers 204 and Event answers 202 and runs the invocation in the background', async () => {
    const dry = await lambda.send(new InvokeCommand({ FunctionName: 'api-fn', InvocationType: 'DryRun' }));
    expect(dry.StatusCode).toBe(204);
    const startTime = Date.now();
    const ev = await lambda.send(new InvokeCommand({ FunctionName: 'api-fn', InvocationType: 'Event', Payload: Buffer.from(JSON.stringify({ action: 'log', lines: ['from an Event invocation'] })) }));
    expect(ev.StatusCode).toBe(202);
    for (let i = 0; i < 100; i++) {
      const page = await logs.send(new FilterLogEventsCommand({ logGroupName: '/aws/lambda/api-fn', startTime, filterPattern: '"from an Event invocation"' }));
      if ((page.events ?? []).length > 0) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('the Event invocation never logged');
  });

  test('GetFunctionConfiguration and GetFunction describe the function as Lambda does', async () => {
    const c = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'api-fn' }));
    expect(c).toMatchObject({
      FunctionName: 'api-fn',
      FunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:api-fn',
      Runtime: 'provided.al2023',
      Handler: 'test-runtime.handler',
      MemorySize: 1769,
      Timeout: 5,
      Description: 'the fixture',
      CodeSize: 1234,
      PackageType: 'Zip',
      State: 'Active',
      LastUpdateStatus: 'Successful',
      Version: '$LATEST',
      Architectures: ['x86_64'],
    });
    expect(c.LastModified).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+0000$/);
    const f = await lambda.send(new GetFunctionCommand({ FunctionName: 'api-fn' }));
    expect(f.Configuration?.FunctionName).toBe('api-fn');
    const image = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'image-fn' }));
    expect(image.PackageType).toBe('Image');
    expect(image.Runtime).toBeUndefined();
    await waitUntilFunctionActiveV2({ client: lambda, maxWaitTime: 5, minDelay: 1 }, { FunctionName: 'api-fn' });
  });

  test('UpdateFunctionConfiguration retires environments: the next invocation is a cold start with the new settings', async () => {
    const before = await invoke(lambda, 'api-fn', { action: 'env' });
    const warm = await invoke(lambda, 'api-fn', { action: 'env' });
    expect(warm.report['Init Duration']).toBeUndefined();

    const updated = await lambda.send(
      new UpdateFunctionConfigurationCommand({ FunctionName: 'api-fn', Environment: { Variables: { MARKER: 'one' } }, MemorySize: 2048, Description: 'updated' }),
    );
    expect(updated.LastUpdateStatus).toBe('InProgress');
    expect(updated.RevisionId).not.toBe(warm.out.$metadata.requestId);
    // A second update while the first is in progress conflicts, as on Lambda.
    const conflict = await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'api-fn', Description: 'again' })).catch((e: unknown) => e);
    expect(conflict).toBeInstanceOf(ResourceConflictException);
    expect((conflict as ResourceConflictException).$metadata.httpStatusCode).toBe(409);

    const waited = await waitUntilFunctionUpdated({ client: lambda, maxWaitTime: 10, minDelay: 0.1, maxDelay: 0.2 }, { FunctionName: 'api-fn' });
    expect(waited.state).toBe('SUCCESS');
    await waitUntilFunctionUpdatedV2({ client: lambda, maxWaitTime: 10, minDelay: 1 }, { FunctionName: 'api-fn' });
    const config = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'api-fn' }));
    expect(config).toMatchObject({ LastUpdateStatus: 'Successful', MemorySize: 2048, Description: 'updated', Environment: { Variables: { MARKER: 'one' } } });

    const after = await invoke(lambda, 'api-fn', { action: 'env' });
    expect(after.report['Init Duration']).toBeDefined();
    expect(after.report['Memory Size']).toBe('2048 MB');
    expect(after.json.env.MARKER).toBe('one');
    expect(after.json.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE).toBe('2048');
    expect(after.json.env.AWS_LAMBDA_RUNTIME_API).not.toBe(before.json.env.AWS_LAMBDA_RUNTIME_API);
  });

  test('bad configuration values are refused with the SDK\'s exception classes', async () => {
    await expect(lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'api-fn', MemorySize: 64 }))).rejects.toMatchObject({ name: 'InvalidParameterValueException' });
    await expect(lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'api-fn', Environment: { Variables: { AWS_REGION: 'x' } } }))).rejects.toMatchObject({
      name: 'InvalidParameterValueException',
      message: expect.stringContaining('Reserved keys used in this request: AWS_REGION'),
    });
  });

  test('concurrent invocations get their own environments, up to the concurrency limit', async () => {
    const [a, b] = await Promise.all([invoke(lambda, 'busy-fn', { action: 'sleep', ms: 300 }), invoke(lambda, 'busy-fn', { action: 'sleep', ms: 300 })]);
    expect(a.report['Init Duration']).toBeDefined();
    expect(b.report['Init Duration']).toBeDefined();
    expect(a.out.$metadata.requestId).not.toBe(b.out.$metadata.requestId);
    const slow = [1, 2].map(() => invoke(lambda, 'busy-fn', { action: 'sleep', ms: 500 }));
    await new Promise((r) => setTimeout(r, 100));
    const throttled = await lambda.send(new InvokeCommand({ FunctionName: 'busy-fn', Payload: Buffer.from('{}') })).catch((e: unknown) => e);
    expect(throttled).toBeInstanceOf(TooManyRequestsException);
    expect((throttled as TooManyRequestsException).Reason).toBe('ReservedFunctionConcurrentInvocationLimitExceeded');
    await Promise.all(slow);
  });

  test('an unknown operation gets a clear error', async () => {
    const { status, body, headers } = await rawRequest('GET', '/2018-10-31/layers');
    expect(status).toBe(400);
    expect(headers['x-amzn-errortype']).toBe('UnknownOperationException');
    expect(JSON.parse(body).message).toMatch(/does not implement GET \/2018-10-31\/layers/);
    const logsUnknown = await rawRequest('POST', '/', '{}', { 'X-Amz-Target': 'Logs_20140328.PutLogEvents', 'Content-Type': 'application/x-amz-json-1.1' });
    expect(logsUnknown.status).toBe(400);
    expect(JSON.parse(logsUnknown.body).__type).toBe('UnknownOperationException');
  });
});

/**
 * What Lambda refuses before it looks anything up (lib/local-lambda/request-constraints.ts names the
 * sources: botocore's service model for the limits, patterns and enums; clients' reports of AWS's answers
 * for the code and the wording). ValidationException is not in the SDK's model: the SDK raises its generic
 * LambdaServiceException named after the x-amzn-ErrorType header, with the body's message.
 */
describe('Lambda API request validation', () => {
  async function refused(send: Promise<unknown>): Promise<LambdaServiceException> {
    const err = await send.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LambdaServiceException);
    return err as LambdaServiceException;
  }

  test('a 5,000-character function name is 400 ValidationException naming the limit, not a 404 echoing the name', async () => {
    const name = 'f'.repeat(5000);
    // Sent one at a time: a rejected promise left waiting would be reported as unhandled.
    for (const send of [
      () => lambda.send(new InvokeCommand({ FunctionName: name, Payload: Buffer.from('{}') })),
      () => lambda.send(new GetFunctionCommand({ FunctionName: name })),
      () => lambda.send(new GetFunctionConfigurationCommand({ FunctionName: name })),
    ]) {
      const e = await refused(send());
      expect(e.name).toBe('ValidationException');
      expect(e.$metadata.httpStatusCode).toBe(400);
      expect(e.$fault).toBe('client');
      expect(e.message).toBe(`1 validation error detected: Value '${'f'.repeat(64)}...(5000 characters)' at 'functionName' failed to satisfy constraint: Member must have length less than or equal to 256`);
    }
    // UpdateFunctionConfiguration's FunctionName is the shorter shape: 140 characters, no ".".
    const update = await refused(lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'u'.repeat(141), Description: 'x' })));
    expect(update.name).toBe('ValidationException');
    expect(update.message).toMatch(/at 'functionName' failed to satisfy constraint: Member must have length less than or equal to 140$/);
    const dotted = await refused(lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'api.fn', Description: 'x' })));
    expect(dotted.name).toBe('ValidationException');
    expect(dotted.message).toContain("Value 'api.fn' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:lambda:)?");
  });

  test('a name, partial ARN or ARN that fits the model but names no function is 404, even past a name\'s 64 characters', async () => {
    for (const name of ['api.fn', 'n'.repeat(65), 'arn:aws:lambda:us-east-1:123456789012:function:' + 'n'.repeat(200)]) {
      const e = await refused(lambda.send(new InvokeCommand({ FunctionName: name, Payload: Buffer.from('{}') })));
      expect(e).toBeInstanceOf(ResourceNotFoundException);
      expect(e.$metadata.httpStatusCode).toBe(404);
    }
  });

  test('a name outside the pattern is 400 ValidationException quoting the model\'s pattern', async () => {
    const e = await refused(lambda.send(new InvokeCommand({ FunctionName: 'not a name', Payload: Buffer.from('{}') })));
    expect(e.name).toBe('ValidationException');
    expect(e.message).toBe(
      "1 validation error detected: Value 'not a name' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: " +
        '(arn:(aws[a-zA-Z-]*)?:lambda:)?((eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_\\.]+)(:(\\$LATEST(\\.PUBLISHED)?|[a-zA-Z0-9-_]+))?',
    );
  });

  test('X-Amz-Log-Type allows None or Tail only; every violation of a request is listed in one answer', async () => {
    const none = await lambda.send(new InvokeCommand({ FunctionName: 'api-fn', Payload: Buffer.from('{}'), LogType: 'None' }));
    expect(none.StatusCode).toBe(200);
    expect(none.LogResult).toBeUndefined();
    const bogus = await refused(lambda.send(new InvokeCommand({ FunctionName: 'api-fn', Payload: Buffer.from('{}'), LogType: 'Bogus' as 'Tail' })));
    expect(bogus.name).toBe('ValidationException');
    expect(bogus.$metadata.httpStatusCode).toBe(400);
    expect(bogus.message).toBe("1 validation error detected: Value 'Bogus' at 'logType' failed to satisfy constraint: Member must satisfy enum value set: [None, Tail]");
    const both = await refused(lambda.send(new InvokeCommand({ FunctionName: 'api-fn', InvocationType: 'Later' as 'Event', LogType: 'tail' as 'Tail', Qualifier: 'q'.repeat(129) })));
    expect(both.message).toBe(
      '3 validation errors detected: ' +
        `Value '${'q'.repeat(129)}' at 'qualifier' failed to satisfy constraint: Member must have length less than or equal to 128; ` +
        "Value 'Later' at 'invocationType' failed to satisfy constraint: Member must satisfy enum value set: [Event, RequestResponse, DryRun]; " +
        "Value 'tail' at 'logType' failed to satisfy constraint: Member must satisfy enum value set: [None, Tail]",
    );
  });

  test('on the wire: 400, x-amzn-ErrorType ValidationException, a body with the message and no Type', async () => {
    const r = await rawRequest('POST', '/2015-03-31/functions/api-fn/invocations', '{}', { 'X-Amz-Log-Type': 'Bogus' });
    expect(r.status).toBe(400);
    expect(r.headers['x-amzn-errortype']).toBe('ValidationException');
    expect(JSON.parse(r.body)).toEqual({ message: "1 validation error detected: Value 'Bogus' at 'logType' failed to satisfy constraint: Member must satisfy enum value set: [None, Tail]" });
  });
});

describe('CloudWatch Logs API', () => {
  test('FilterLogEvents finds REPORT lines, pages with nextToken, and finds one request by its quoted id', async () => {
    const startTime = Date.now() - 1;
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await invoke(lambda, 'logs-fn', { action: 'log', lines: [`line ${i}`] })).report.RequestId);
    const endTime = Date.now() + 1;

    const seen: string[] = [];
    let nextToken: string | undefined;
    let pages = 0;
    do {
      const page = await logs.send(new FilterLogEventsCommand({ logGroupName: '/aws/lambda/logs-fn', filterPattern: '"REPORT"', startTime, endTime, limit: 2, nextToken }));
      pages++;
      for (const e of page.events ?? []) {
        expect(e.message).toMatch(/^REPORT RequestId: /);
        expect(e.message!.endsWith('\n')).toBe(true);
        expect(e.logStreamName).toMatch(/^\d{4}\/\d{2}\/\d{2}\/\[\$LATEST\][0-9a-f]{32}$/);
        expect(e.eventId).toMatch(/^\d+$/);
        expect(e.ingestionTime).toBeGreaterThanOrEqual(e.timestamp!);
        seen.push(/RequestId: (\S+)/.exec(e.message!)![1]);
      }
      nextToken = page.nextToken;
    } while (nextToken);
    expect(pages).toBe(3);
    expect(seen).toEqual(ids);

    const one = await logs.send(new FilterLogEventsCommand({ logGroupName: '/aws/lambda/logs-fn', filterPattern: `"${ids[2]}"` }));
    expect(one.events!.map((e) => e.message!.split(' ')[0])).toEqual(['START', 'END', 'REPORT']);

    const plain = await logs.send(new FilterLogEventsCommand({ logGroupName: '/aws/lambda/logs-fn', filterPattern: 'line -stderr', startTime, endTime }));
    expect(plain.events!.map((e) => e.message)).toEqual(['line 0\n', 'line 1\n', 'line 2\n', 'line 3\n', 'line 4\n']);

    const stream = one.events![0].logStreamName!;
    const byStream = await logs.send(new FilterLogEventsCommand({ logGroupName: '/aws/lambda/logs-fn', logStreamNames: [stream], filterPattern: '?START ?END' }));
    expect(byStream.events!.length).toBe(10);
    const outside = await logs.send(new FilterLogEventsCommand({ logGroupName: '/aws/lambda/logs-fn', filterPattern: 'REPORT', endTime: startTime - 1 }));
    expect(outside.events).toEqual([]);
  });

  test('GetLogEvents and DescribeLogStreams read a stream', async () => {
    const r = await invoke(lambda, 'logs-fn', {});
    const streams = await logs.send(new DescribeLogStreamsCommand({ logGroupName: '/aws/lambda/logs-fn' }));
    expect(streams.logStreams!.length).toBeGreaterThan(0);
    const stream = streams.logStreams!.find((s) => s.logStreamName !== undefined)!.logStreamName!;
    const events = await logs.send(new GetLogEventsCommand({ logGroupName: '/aws/lambda/logs-fn', logStreamName: stream, startFromHead: true }));
    expect(events.events!.some((e) => e.message === r.reportLine + '\n')).toBe(true);
  });

  test('an unknown log group is ResourceNotFoundException; an unsupported pattern is refused clearly', async () => {
    const err = await logs.send(new FilterLogEventsCommand({ logGroupName: '/aws/lambda/nothing' })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LogsResourceNotFound);
    expect((err as Error).message).toBe('The specified log group does not exist.');
    await expect(logs.send(new FilterLogEventsCommand({ logGroupName: '/aws/lambda/logs-fn', filterPattern: '{ $.type = "platform.report" }' }))).rejects.toMatchObject({
      name: 'InvalidParameterException',
      message: expect.stringContaining('JSON filter patterns'),
    });
  });
});

function rawRequest(method: string, path: string, body?: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }> {
  const url = new URL(service.endpoint);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: url.hostname, port: url.port, method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString(), headers: res.headers }));
    });
    req.on('error', reject);
    req.end(body);
  });
}
