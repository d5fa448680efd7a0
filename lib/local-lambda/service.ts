/**
 * The local Lambda service: one HTTP endpoint on 127.0.0.1 that speaks both the Lambda API and the
 * CloudWatch Logs API, so the same SDK clients that talk to AWS talk to it with only `endpoint` changed.
 * Requests are told apart by the `X-Amz-Target` header, which only the Logs protocol sends.
 */
import * as http from 'node:http';
import * as os from 'node:os';
import type { AddressInfo, Socket } from 'node:net';
import { CgroupLimits, type LimitsMode, type LimitsStatus } from './cgroups';
import { DefinitionError, type LocalFunctionDefinition, validateDefinition } from './function-definition';
import { handleLambdaRequest, type LambdaApiContext } from './lambda-api';
import { type ConfigurationUpdate, type InvocationRecord, LocalFunction } from './local-function';
import { type LogStoreLimits, LogStore } from './log-store';
import type { InitFootprint } from './init-footprint';
import { handleLogsRequest } from './logs-api';

export interface LocalLambdaOptions {
  /** Interface to listen on; 127.0.0.1 unless told otherwise. */
  host?: string;
  /** 0 (the default) picks a free port. */
  port?: number;
  /** cgroup limits: 'auto' (default) applies them where possible, 'on' requires them, 'off' never applies them. */
  limits?: LimitsMode;
  /** Region in ARNs and AWS_REGION; us-east-1 by default. */
  region?: string;
  /** Init phase limit; Lambda's is 10 s (the default). */
  initTimeoutMs?: number;
  /** Environments per function before invocations are throttled (429); 10 by default. */
  maxConcurrency?: number;
  /** Shortest time UpdateFunctionConfiguration reports InProgress; 0 by default. */
  updateMinInProgressMs?: number;
  /** Bounds of the in-memory log store. */
  logStore?: Partial<LogStoreLimits>;
}

export const ACCOUNT_ID = '123456789012';

export class LocalLambdaService {
  readonly endpoint: string;
  readonly limits: LimitsStatus;
  private readonly functions = new Map<string, LocalFunction>();
  private readonly logs: LogStore;
  private readonly sockets = new Set<Socket>();
  private stopping: Promise<void> | null = null;
  private readonly lambdaContext: LambdaApiContext;

  private constructor(
    private readonly server: http.Server,
    private readonly cgroups: CgroupLimits | null,
    limits: LimitsStatus,
    private readonly options: Required<Omit<LocalLambdaOptions, 'port' | 'limits' | 'logStore'>>,
    logStore: Partial<LogStoreLimits>,
  ) {
    const { port } = server.address() as AddressInfo;
    this.endpoint = `http://${options.host}:${port}`;
    this.limits = limits;
    this.logs = new LogStore(logStore);
    this.lambdaContext = {
      lookup: (name) => this.functions.get(name),
      list: () => [...this.functions.values()],
      region: options.region,
      accountId: ACCOUNT_ID,
    };
  }

  static async start(options: LocalLambdaOptions = {}): Promise<LocalLambdaService> {
    const resolved = {
      host: options.host ?? '127.0.0.1',
      region: options.region ?? 'us-east-1',
      initTimeoutMs: options.initTimeoutMs ?? 10000,
      maxConcurrency: options.maxConcurrency ?? 10,
      updateMinInProgressMs: options.updateMinInProgressMs ?? 0,
    };
    if (!Number.isInteger(resolved.maxConcurrency) || resolved.maxConcurrency < 1) throw new Error(`maxConcurrency must be a positive integer, got ${resolved.maxConcurrency}`);
    if (!(resolved.initTimeoutMs > 0)) throw new Error(`initTimeoutMs must be positive, got ${resolved.initTimeoutMs}`);
    const { limits, status } = CgroupLimits.setUp(options.limits ?? 'auto');
    let service: LocalLambdaService | undefined;
    const server = http.createServer((req, res) => {
      if (!service) {
        res.writeHead(503).end();
        return;
      }
      service.handle(req, res);
    });
    // Invocations may run for up to 900 s; idle keep-alive connections from SDK clients stay open.
    server.requestTimeout = 0;
    server.keepAliveTimeout = 65000;
    server.headersTimeout = 66000;
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(options.port ?? 0, resolved.host, () => resolve());
      });
    } catch (e) {
      await limits?.dispose();
      throw new Error(`the local Lambda service cannot listen on ${resolved.host}:${options.port ?? 0}: ${(e as Error).message}`);
    }
    service = new LocalLambdaService(server, limits, status, resolved, options.logStore ?? {});
    server.on('connection', (s: Socket) => {
      s.setNoDelay(true);
      service!.sockets.add(s);
      s.once('close', () => service!.sockets.delete(s));
    });
    return service;
  }

  register(definition: LocalFunctionDefinition): void {
    if (this.stopping) throw new Error('the local Lambda service is stopped');
    let valid: LocalFunctionDefinition;
    try {
      valid = validateDefinition(definition);
    } catch (e) {
      if (e instanceof DefinitionError) throw new Error(`cannot register function: ${e.message}`);
      throw e;
    }
    if (this.functions.has(valid.functionName)) throw new Error(`a function named ${valid.functionName} is already registered`);
    this.functions.set(
      valid.functionName,
      new LocalFunction(valid, {
        identity: { region: this.options.region, accountId: ACCOUNT_ID },
        host: this.options.host,
        logs: this.logs,
        limits: this.cgroups,
        initTimeoutMs: this.options.initTimeoutMs,
        maxConcurrency: this.options.maxConcurrency,
        updateMinInProgressMs: this.options.updateMinInProgressMs,
        machineCpus: os.availableParallelism(),
      }),
    );
  }

  /**
   * Invokes a function without HTTP (RequestResponse), returning everything the service measured,
   * including what the REPORT line does not carry. For tools; benchmark clients use the Lambda API.
   */
  invoke(functionName: string, event: unknown = {}): Promise<InvocationRecord> {
    return this.lookup(functionName).invoke(Buffer.from(JSON.stringify(event)));
  }

  /** UpdateFunctionConfiguration without HTTP: same validation, and the next invocation is a cold start. */
  updateFunctionConfiguration(functionName: string, update: ConfigurationUpdate): Record<string, unknown> {
    return this.lookup(functionName).update(update);
  }

  /**
   * Refuses the function's next `count` invocations with 429 TooManyRequestsException, as Lambda does at a
   * concurrency limit, whatever environments exist (0 lifts what is left). For tests of a client's
   * throttling path: deterministic, unlike holding the function's only environment busy for a while.
   */
  throttleNextInvocations(functionName: string, count: number): void {
    this.lookup(functionName).throttleNextInvocations(count);
  }

  private lookup(functionName: string): LocalFunction {
    const fn = this.functions.get(functionName);
    if (!fn) throw new Error(`no function named ${functionName} is registered`);
    return fn;
  }

  /**
   * What each cold start's INIT brought in from files (init-footprint.ts), by request id: the AWS model's
   * second input. Read in-process by the local benchmark and `npm run calibrate`; Lambda has no such API.
   */
  initFootprints(functionName: string): ReadonlyMap<string, InitFootprint> {
    return this.lookup(functionName).initFootprints();
  }

  /** Pids of every live environment process, for tests that check nothing is left behind. */
  environmentPids(): number[] {
    return [...this.functions.values()].flatMap((f) => f.environmentPids());
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    // A client that breaks off its request (a reset, a malformed chunked body) must not become an unhandled
    // 'error' event; the handlers that read the body answer it with a 4xx where the connection still stands.
    req.on('error', () => undefined);
    res.on('error', () => undefined);
    const target = req.headers['x-amz-target'];
    const done = typeof target === 'string' ? handleLogsRequest(req, res, this.logs, target) : handleLambdaRequest(req, res, this.lambdaContext);
    done.catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
      else res.destroy();
    });
  }

  /**
   * Stops the service: from the first call on, no environment is launched and no init retried; every
   * environment process (those still initialising too) is killed and waited for, the HTTP server closed,
   * and every cgroup the service made removed. Resolves when all of that is done. Idempotent.
   */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
      const functionsStopped = Promise.all([...this.functions.values()].map((f) => f.stop()));
      for (const s of this.sockets) s.destroy();
      await functionsStopped;
      await closed;
      await this.cgroups?.dispose();
    })();
    return this.stopping;
  }
}
