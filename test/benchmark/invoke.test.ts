import { createBenchmarkClients, type BenchmarkClients } from '../../lib/benchmark/clients';
import { invokeOnce, InvokeProtocolError } from '../../lib/benchmark/invoke';
import { REFERENCE_PAYLOAD } from '../../lib/benchmark/reference-payload';
import { FakeAws, TEST_CREDENTIALS } from './fake-aws';

describe('invokeOnce over the Lambda wire protocol', () => {
  const fake = new FakeAws();
  let clients: BenchmarkClients;
  let endpoint: string;

  beforeAll(async () => {
    endpoint = await fake.start();
    clients = createBenchmarkClients({ region: 'us-east-1', endpoint, credentials: TEST_CREDENTIALS });
  });
  afterAll(async () => {
    clients.lambda.destroy();
    await fake.stop();
  });
  beforeEach(() => {
    fake.throttleInvokes = 0;
    fake.failInvokesWith503 = 0;
    fake.omitRequestId = false;
    fake.addFunction('wine', { handler: (event) => ({ quality: 5.25, echo: event }) });
  });

  test('records the request id, status, timing and the parsed answer', async () => {
    const before = Date.now();
    const rec = await invokeOnce(clients.lambda, 'wine', REFERENCE_PAYLOAD, 'warm');
    expect(rec.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(rec.phase).toBe('warm');
    expect(rec.statusCode).toBe(200);
    expect(rec.attempts).toBe(1);
    expect(rec.retryDelayMs).toBe(0);
    expect(rec.startedAt).toBeGreaterThanOrEqual(before);
    expect(rec.roundTripMs).toBeGreaterThan(0);
    expect(rec.functionError).toBeUndefined();
    expect(rec.response).toEqual({ quality: 5.25, echo: REFERENCE_PAYLOAD });
    // The event went over the wire as JSON, with the pH spelling intact.
    const sent = fake.requests.filter((r) => r.path.endsWith('/invocations')).pop();
    expect(JSON.parse(sent!.body)).toEqual(REFERENCE_PAYLOAD);
    expect(sent!.headers['x-amz-invocation-type']).toBe('RequestResponse');
  });

  test('a throttled Invoke (429 TooManyRequestsException) is retried; back-off is not in the round trip', async () => {
    fake.throttleInvokes = 2;
    const t0 = Date.now();
    const rec = await invokeOnce(clients.lambda, 'wine', REFERENCE_PAYLOAD, 'cold');
    const wall = Date.now() - t0;
    expect(rec.apiError).toBeUndefined();
    expect(rec.statusCode).toBe(200);
    expect(rec.attempts).toBe(3);
    expect(fake.throttleInvokes).toBe(0);
    expect(rec.response).toMatchObject({ quality: 5.25 });
    // The waits between attempts are recorded apart from the round trip of the answering attempt.
    expect(rec.roundTripMs).toBeLessThanOrEqual(wall);
    expect(rec.roundTripMs + rec.retryDelayMs).toBeLessThanOrEqual(wall + 1);
  });

  test('a 5xx answer is retried', async () => {
    fake.failInvokesWith503 = 1;
    const rec = await invokeOnce(clients.lambda, 'wine', REFERENCE_PAYLOAD, 'warm');
    expect(rec.attempts).toBe(2);
    expect(rec.statusCode).toBe(200);
  });

  test('throttling beyond the last attempt is recorded as an API error, not thrown', async () => {
    const limited = createBenchmarkClients({ region: 'us-east-1', endpoint, credentials: TEST_CREDENTIALS, maxAttempts: 2 });
    fake.throttleInvokes = 5;
    try {
      const rec = await invokeOnce(limited.lambda, 'wine', REFERENCE_PAYLOAD, 'warm');
      expect(rec.apiError).toBe(true);
      expect(rec.statusCode).toBe(429);
      expect(rec.errorType).toBe('TooManyRequestsException');
      expect(rec.attempts).toBe(2);
      expect(rec.response).toBeUndefined();
      expect(fake.throttleInvokes).toBe(3);
    } finally {
      limited.lambda.destroy();
    }
  });

  test('a function error keeps errorType and errorMessage from the payload', async () => {
    fake.addFunction('bad', {
      handler: () => {
        throw new Error("missing field 'alcohol'");
      },
    });
    const rec = await invokeOnce(clients.lambda, 'bad', {}, 'warm');
    expect(rec.statusCode).toBe(200);
    expect(rec.functionError).toBe('Unhandled');
    expect(rec.errorType).toBe('InvalidInput');
    expect(rec.errorMessage).toBe("missing field 'alcohol'");
    expect(rec.response).toBeUndefined();
  });

  test('an unknown function is an API error with the service\'s exception name', async () => {
    const rec = await invokeOnce(clients.lambda, 'nope', {}, 'cold');
    expect(rec).toMatchObject({ apiError: true, statusCode: 404, errorType: 'ResourceNotFoundException', attempts: 1 });
  });

  test('an answer without a request id cannot be joined to its REPORT line: clear error', async () => {
    fake.omitRequestId = true;
    await expect(invokeOnce(clients.lambda, 'wine', {}, 'warm')).rejects.toThrow(InvokeProtocolError);
    await expect(invokeOnce(clients.lambda, 'wine', {}, 'warm')).rejects.toThrow(/no x-amzn-RequestId/);
  });

  test('a dead endpoint stops the run (thrown), it is not a measurement', async () => {
    const dead = createBenchmarkClients({ region: 'us-east-1', endpoint: 'http://127.0.0.1:1', credentials: TEST_CREDENTIALS, maxAttempts: 1 });
    try {
      await expect(invokeOnce(dead.lambda, 'wine', {}, 'warm')).rejects.toThrow();
    } finally {
      dead.lambda.destroy();
    }
  });
});
