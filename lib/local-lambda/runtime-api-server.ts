/**
 * One environment's Runtime API (/2018-06-01/runtime) on 127.0.0.1: parses what the runtime sends and
 * hands it to the environment (RuntimeApiHandlers). Nothing a runtime sends can take the service down: a
 * malformed request id, a body cut short, a broken chunked encoding or a runtime dying mid-request get a
 * 4xx or a closed connection.
 */
import * as http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { readBody, safeDecode } from './http-body';
import { badRequest, invalidRequestId, MAX_RUNTIME_PAYLOAD_BYTES, methodNotAllowed, notFound, RUNTIME_API_PREFIX } from './runtime-api-responses';

/** What the environment does with each request the runtime makes. */
export interface RuntimeApiHandlers {
  /** `GET /invocation/next`: the request body has been drained. */
  onNext(res: http.ServerResponse): void;
  /** `POST /init/error`, its body read (at most MAX_RUNTIME_PAYLOAD_BYTES). */
  onInitError(req: http.IncomingMessage, res: http.ServerResponse, body: Buffer): void;
  /** `POST /invocation/{id}/response|error`, the id decoded and the body read. */
  onAnswer(req: http.IncomingMessage, res: http.ServerResponse, kind: 'response' | 'error', requestId: string, body: Buffer, tooLarge: boolean): void;
}

export class RuntimeApiServer {
  private readonly sockets = new Set<Socket>();
  private readonly server: http.Server;
  private listeningOn = '';

  private constructor(private readonly handlers: RuntimeApiHandlers) {
    this.server = http.createServer((req, res) => this.route(req, res));
    // /next is a long poll that must never time out on the server side.
    this.server.requestTimeout = 0;
    this.server.headersTimeout = 0;
    this.server.keepAliveTimeout = 0;
    this.server.on('connection', (s: Socket) => {
      s.setNoDelay(true);
      this.sockets.add(s);
      s.once('close', () => this.sockets.delete(s));
    });
  }

  /** Listens on an ephemeral port of `host`. */
  static async start(host: string, handlers: RuntimeApiHandlers): Promise<RuntimeApiServer> {
    const api = new RuntimeApiServer(handlers);
    await new Promise<void>((resolve, reject) => {
      api.server.once('error', reject);
      api.server.listen(0, host, () => resolve());
    });
    api.listeningOn = `${host}:${(api.server.address() as AddressInfo).port}`;
    return api;
  }

  /** host:port, as AWS_LAMBDA_RUNTIME_API gives it to the runtime. */
  get address(): string {
    return this.listeningOn;
  }

  /** Drops every connection (a parked /next included) and closes the server. */
  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private route(req: http.IncomingMessage, res: http.ServerResponse): void {
    // A request the runtime breaks off (it died, or sent a malformed chunked body) is dropped; whatever the
    // invocation needs to know comes from the process's exit.
    req.on('error', () => res.destroy());
    res.on('error', () => undefined);
    try {
      this.routeRequest(req, res);
    } catch {
      if (!res.headersSent) badRequest(res, 'the request could not be read');
      else res.destroy();
    }
  }

  private routeRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = req.url ?? '';
    const pathname = url.split('?')[0];
    if (!pathname.startsWith(RUNTIME_API_PREFIX + '/')) return notFound(res, pathname);
    const rest = pathname.slice(RUNTIME_API_PREFIX.length);
    if (rest === '/invocation/next') {
      if (req.method !== 'GET') return methodNotAllowed(res, req.method ?? '', pathname);
      req.resume();
      return this.handlers.onNext(res);
    }
    if (rest === '/init/error') {
      if (req.method !== 'POST') return methodNotAllowed(res, req.method ?? '', pathname);
      return void readBody(req, MAX_RUNTIME_PAYLOAD_BYTES).then(
        ({ body }) => this.handlers.onInitError(req, res, body),
        () => res.destroy(),
      );
    }
    const m = /^\/invocation\/([^/]+)\/(response|error)$/.exec(rest);
    if (m) {
      if (req.method !== 'POST') return methodNotAllowed(res, req.method ?? '', pathname);
      const requestId = safeDecode(m[1]);
      if (requestId === null) {
        req.resume();
        return invalidRequestId(res);
      }
      return void readBody(req, MAX_RUNTIME_PAYLOAD_BYTES).then(
        ({ body, tooLarge }) => this.handlers.onAnswer(req, res, m[2] as 'response' | 'error', requestId, body, tooLarge),
        // The body never arrived whole (the runtime died or broke the encoding): no answer was given. If the
        // runtime is gone, its exit ends the invocation as Runtime.ExitError; if not, it may post again.
        () => res.destroy(),
      );
    }
    return notFound(res, pathname);
  }
}
