/**
 * A stand-in for AWS at the wire level, on 127.0.0.1: the real SDK clients send real HTTP requests
 * to it, and each test answers them as the service would (JSON protocols by X-Amz-Target, REST and
 * query protocols by method and path).
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** X-Amz-Target without the service prefix, e.g. StartExecution; for query protocols the Action. */
  operation: string;
}

export interface FakeResponse {
  /** Close the connection without an answer, as a network failure does. */
  dropConnection?: boolean;
  status?: number;
  headers?: Record<string, string>;
  /** Objects are sent as JSON. */
  body?: string | object;
}

export type Responder = (req: FakeRequest) => FakeResponse | undefined | Promise<FakeResponse | undefined>;

export interface FakeAws {
  endpoint: string;
  requests: FakeRequest[];
  close(): Promise<void>;
}

export async function startFakeAws(respond: Responder): Promise<FakeAws> {
  const requests: FakeRequest[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const body = Buffer.concat(chunks).toString('utf8');
      const target = String(req.headers['x-amz-target'] ?? '');
      const form = req.headers['content-type']?.includes('x-www-form-urlencoded') ? new URLSearchParams(body) : undefined;
      const request: FakeRequest = {
        method: req.method ?? 'GET',
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        body,
        operation: target ? target.split('.').pop()! : form?.get('Action') ?? '',
      };
      requests.push(request);
      let answer: FakeResponse | undefined;
      try {
        answer = await respond(request);
      } catch (err) {
        answer = { status: 500, body: { __type: 'InternalFailure', message: (err as Error).message } };
      }
      if (answer?.dropConnection) {
        req.socket.destroy();
        return;
      }
      answer ??= { status: 404, body: { __type: 'UnknownOperationException', message: `fake AWS: no answer for ${request.method} ${request.path} ${request.operation}` } };
      const isJson = typeof answer.body === 'object';
      const text = isJson ? JSON.stringify(answer.body) : answer.body ?? '';
      res.writeHead(answer.status ?? 200, {
        'content-type': isJson ? 'application/x-amz-json-1.0' : 'text/xml',
        'x-amzn-requestid': `fake-${requests.length}`,
        ...answer.headers,
      });
      res.end(text);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export const TEST_CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };
