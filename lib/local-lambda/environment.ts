/**
 * One execution environment's lifecycle: a real runtime process (sandbox.ts) with its own Runtime API
 * endpoint on 127.0.0.1 (runtime-api-server.ts), taken from start through INIT, each invocation, and its
 * end. This file holds the states and the clocks; the process and the HTTP server are the other two.
 *
 * Init Duration runs from the go byte the sandbox wrapper waits for (the sandbox exists, the runtime has not
 * been exec'd yet) to the runtime's first `GET /next`; preparing the sandbox is not part of it.
 *
 * Duration runs from handing an event out on `/next` to receiving the runtime's `/response` or `/error`
 * body. The function timeout is enforced by killing the environment's process group.
 *
 * CPU: a first INIT runs with burst CPU (the group's quota is the environment's 2 vCPUs); the runtime's first
 * `GET /next` switches the group to the memory-proportional quota before any event is handed out. See README.
 *
 * A runtime that fails ends the invocation the way Lambda ends it (Runtime.ExitError once the process is
 * gone).
 */
import type * as http from 'node:http';
import { performance } from 'node:perf_hooks';
import { killPids } from './cgroup-files';
import type { EnvironmentCgroup } from './cgroups';
import { OutputLineSplitter } from './output-lines';
import { sampleInitFootprint, type InitFootprint } from './init-footprint';
import { ProcessTreeMemory } from './process-memory';
import { describeExit, exitErrorMessage, platformErrorPayload, timeoutMessage } from './report';
import { accepted, errorTypeOf, invalidRequestId, invalidStateTransition, MAX_RUNTIME_PAYLOAD_BYTES, payloadTooLarge } from './runtime-api-responses';
import { RuntimeApiServer } from './runtime-api-server';
import { checkEntrypoint, SandboxProcess } from './sandbox';

// Public before the split into sandbox, Runtime API server and lifecycle; other modules and tests import them from here.
export { readBody, safeDecode } from './http-body';

export interface EnvironmentSpec {
  environmentId: string;
  command: string;
  args: string[];
  cwd: string;
  /** Real paths of the function's own package (init-footprint.ts packageRoots); absent: not measured. */
  packageRoots?: readonly string[];
  /** The runtime process's complete environment, given its Runtime API address (known once the API listens). */
  buildEnv(runtimeApi: string): Record<string, string>;
  functionArn: string;
  memorySizeMB: number;
  host: string;
  cgroup: EnvironmentCgroup | null;
  /** performance.now() when the service began preparing this environment (creating its cgroups); default: launch. */
  preparationStartedAt?: number;
  /** A line the runtime wrote to stdout or stderr. */
  onOutput(line: string, timestamp: number): void;
}

export type InitResult =
  | {
      ok: true;
      initDurationMs: number;
      /**
       * Preparing the environment until the init clock started: creating its cgroups, starting its Runtime
       * API, spawning the sandbox wrapper (synchronous fork and exec) until it had joined the cgroups and
       * was waiting. Not part of init; part of the cold client round trip, like Lambda's sandbox creation.
       */
      sandboxPrepMs: number;
      /** File bytes the environment's processes brought in during INIT (init-footprint.ts); absent if /proc could not be read. */
      footprint?: InitFootprint;
    }
  | {
      ok: false;
      initDurationMs: number;
      status: 'error' | 'timeout';
      errorType: string;
      /** The body the runtime posted to /init/error, which Invoke returns as the error payload. */
      runtimePayload?: Buffer;
      /** For failures the runtime did not report itself: Lambda's wording, e.g. `Runtime exited with error: exit status 1`. */
      platformMessage?: string;
      /** The service ended the environment during init because it is stopping: not retried, not reported. */
      stopped?: boolean;
    };

export interface InvocationRequest {
  requestId: string;
  payload: Buffer;
  /** Time left for the invocation when the event is handed out. */
  timeoutMs: number;
  /** The configured timeout, for Lambda's "Task timed out after N.00 seconds". */
  timeoutSeconds: number;
  traceId: string;
  clientContext?: string;
  /** Called just before the event is handed out, e.g. to write the START line. */
  onDispatch?: () => void;
}

export type InvocationOutcome =
  | { kind: 'response'; payload: Buffer; durationMs: number }
  | { kind: 'function-error'; payload: Buffer; errorType: string; durationMs: number }
  | {
      kind: 'failure';
      status: 'error' | 'timeout';
      errorType: string;
      payload: Buffer;
      platformLine: string;
      durationMs: number;
    };

/** The environment died before it could take the event; the caller may place the invocation elsewhere. */
export class EnvironmentGoneError extends Error {}

type State = 'starting' | 'initializing' | 'ready' | 'invoking' | 'finishing' | 'dead';

interface ActiveInvocation {
  request: InvocationRequest;
  startedAt: number;
  timer: NodeJS.Timeout;
  settle(outcome: InvocationOutcome): void;
}

interface QueuedInvocation {
  request: InvocationRequest;
  resolve(outcome: InvocationOutcome): void;
  reject(error: Error): void;
}

export class ExecutionEnvironment {
  readonly id: string;
  private state: State = 'starting';
  private sandbox: SandboxProcess | null = null;
  private server: RuntimeApiServer | null = null;
  private initStartedAt = 0;
  private sandboxPrepMs = 0;
  private initSettle: ((r: InitResult) => void) | null = null;
  private initTimer: NodeJS.Timeout | null = null;
  private parkedNext: http.ServerResponse | null = null;
  private active: ActiveInvocation | null = null;
  private queued: QueuedInvocation | null = null;
  private lastPeakBytes: number | undefined;
  private memory: ProcessTreeMemory | null = null;
  private killedByService = false;
  private reserved = false;
  private pendingAck: (() => void) | null = null;
  private readonly deathListeners: (() => void)[] = [];
  private readonly splitters: { stdout: OutputLineSplitter; stderr: OutputLineSplitter };

  private constructor(private readonly spec: EnvironmentSpec) {
    this.id = spec.environmentId;
    const emit = (line: string) => spec.onOutput(line, Date.now());
    this.splitters = { stdout: new OutputLineSplitter(emit), stderr: new OutputLineSplitter(emit) };
  }

  /**
   * Starts an environment and runs its init phase. Resolves when init has succeeded or failed; a failed
   * environment is already being torn down.
   */
  static async launch(
    spec: EnvironmentSpec,
    initTimeoutMs: number,
    onCreated?: (environment: ExecutionEnvironment) => void,
  ): Promise<{ environment: ExecutionEnvironment; init: InitResult }> {
    const environment = new ExecutionEnvironment(spec);
    // The owner learns of the environment before init, so that stopping the service can end it mid-init.
    onCreated?.(environment);
    const init = await environment.runInit(initTimeoutMs);
    if (!init.ok) await environment.destroy();
    return { environment, init };
  }

  get pid(): number | undefined {
    return this.sandbox?.pid;
  }

  get alive(): boolean {
    return this.state !== 'dead';
  }

  /** Parked on `/next` with nothing to do. */
  get ready(): boolean {
    return this.state === 'ready' && this.queued === null && !this.reserved;
  }

  /** Answered its last event and will ask for the next one; may take one queued invocation. */
  get finishing(): boolean {
    return this.state === 'finishing' && this.queued === null && !this.reserved;
  }

  /** Claimed by an invocation that is about to call invoke(); no other invocation may take it. */
  reserve(): void {
    this.reserved = true;
  }

  unreserve(): void {
    this.reserved = false;
  }

  get isReserved(): boolean {
    return this.reserved;
  }

  onDeath(listener: () => void): void {
    if (this.state === 'dead') listener();
    else this.deathListeners.push(listener);
  }

  private async runInit(initTimeoutMs: number): Promise<InitResult> {
    const spec = this.spec;
    const precheck = checkEntrypoint(spec.command, spec.cwd);
    if (precheck) {
      this.state = 'dead';
      return { ok: false, initDurationMs: 0, status: 'error', errorType: precheck.errorType, platformMessage: precheck.message };
    }
    const preparationStartedAt = spec.preparationStartedAt ?? performance.now();
    const runtimeApi = await this.startRuntimeApi();
    if (this.killedByService) {
      // Stopped while the Runtime API was starting: close it; no process was started.
      await this.destroy();
      return this.stoppedDuringInit();
    }
    // Raw bytes, split at newlines without copying: a runtime writing 100 MB without a newline costs the
    // service one scan of each chunk and at most one cut line in memory (output-lines.ts).
    const sandbox = SandboxProcess.spawn({
      command: spec.command,
      args: spec.args,
      cwd: spec.cwd,
      env: spec.buildEnv(runtimeApi.address),
      procsFiles: spec.cgroup?.procsFiles ?? [],
      onStdout: (chunk) => this.splitters.stdout.push(chunk),
      onStderr: (chunk) => this.splitters.stderr.push(chunk),
      onExit: (code, signal) => this.onExit(code, signal),
    });
    this.sandbox = sandbox;
    const sandboxReady = await sandbox.untilReady();
    this.sandboxPrepMs = performance.now() - preparationStartedAt;
    if (this.killedByService) {
      await this.destroy();
      return this.stoppedDuringInit();
    }
    if (!sandboxReady.ok) {
      await this.destroy();
      throw new Error(`execution environment sandbox could not be prepared: ${sandboxReady.reason}`);
    }
    return new Promise<InitResult>((resolve) => {
      this.initSettle = (r) => {
        this.initSettle = null;
        if (this.initTimer) clearTimeout(this.initTimer);
        resolve(r);
      };
      this.state = 'initializing';
      this.initTimer = setTimeout(() => this.failInit({ status: 'timeout', errorType: 'Sandbox.Timedout' }), initTimeoutMs);
      // The init clock starts with the go byte: the sandbox exists, the runtime has not been exec'd yet.
      this.initStartedAt = performance.now();
      sandbox.go();
    });
  }

  /** The service ended the environment before its init finished (the service is stopping). */
  private stoppedDuringInit(): InitResult {
    this.markDead();
    return { ok: false, initDurationMs: 0, status: 'error', errorType: 'Runtime.ExitError', platformMessage: 'Runtime exited with error: signal: killed', stopped: true };
  }

  private failInit(f: { status: 'error' | 'timeout'; errorType: string; runtimePayload?: Buffer; platformMessage?: string }): void {
    if (!this.initSettle) return;
    const initDurationMs = performance.now() - this.initStartedAt;
    this.samplePeakBytes();
    this.initSettle({ ok: false, initDurationMs, ...f });
  }

  /** Hands the invocation to the runtime now (parked on /next) or when it next asks (finishing). */
  invoke(request: InvocationRequest): Promise<InvocationOutcome> {
    return new Promise((resolve, reject) => {
      if (this.state === 'ready' && this.parkedNext && !this.queued) {
        this.dispatch(this.parkedNext, { request, resolve, reject });
        this.parkedNext = null;
      } else if ((this.state === 'finishing' || this.state === 'ready') && !this.queued) {
        this.queued = { request, resolve, reject };
      } else {
        reject(new EnvironmentGoneError(`environment ${this.id} cannot take an invocation in state ${this.state}`));
      }
    });
  }

  /** Peak resident memory of the process tree since start; the last reading once the process is gone. */
  samplePeakBytes(): number | undefined {
    const pid = this.sandbox?.pid;
    if (pid !== undefined && this.state !== 'dead') {
      this.memory ??= new ProcessTreeMemory(pid, this.spec.cgroup?.procsFiles[0]);
      const peak = this.memory.peakBytes();
      if (peak !== undefined) this.lastPeakBytes = Math.max(peak, this.lastPeakBytes ?? 0);
    }
    return this.lastPeakBytes;
  }

  /** What the processes brought in from files so far (read at the end of INIT, after the init clock stopped). */
  private sampleInitFootprint(): InitFootprint | undefined {
    const pid = this.sandbox?.pid;
    if (pid === undefined) return undefined;
    this.memory ??= new ProcessTreeMemory(pid, this.spec.cgroup?.procsFiles[0]);
    return sampleInitFootprint(this.memory.pids(), this.spec.packageRoots);
  }

  /** Peak memory charged to the environment's cgroup (includes page cache it faulted in); undefined without limits. */
  cgroupPeakBytes(): number | undefined {
    return this.spec.cgroup?.peakBytes();
  }

  /** Ends the process group and the Runtime API server; waits until the process is gone. Idempotent. */
  async destroy(): Promise<void> {
    this.killedByService = true;
    // An init still running ends now (the service is stopping or the environment is retired).
    if (this.initSettle) {
      this.samplePeakBytes();
      this.initSettle({ ok: false, initDurationMs: performance.now() - this.initStartedAt, status: 'error', errorType: 'Runtime.ExitError', platformMessage: 'Runtime exited with error: signal: killed', stopped: true });
    }
    // An invocation still running (the service is stopping) ends the way it does: its runtime is killed.
    if (this.active) {
      const { request, startedAt } = this.active;
      const message = exitErrorMessage(request.requestId, null, 'SIGKILL');
      this.active.settle({
        kind: 'failure',
        status: 'error',
        errorType: 'Runtime.ExitError',
        payload: platformErrorPayload('Runtime.ExitError', message),
        platformLine: `${message}\nRuntime.ExitError`,
        durationMs: performance.now() - startedAt,
      });
    }
    if (this.queued) {
      this.queued.reject(new EnvironmentGoneError(`environment ${this.id} was retired before taking the invocation`));
      this.queued = null;
    }
    this.markDead();
    const sandbox = this.sandbox;
    sandbox?.killGroup();
    if (this.server) {
      const server = this.server;
      this.server = null;
      await server.close();
    }
    this.killCgroupMembers();
    if (sandbox) {
      await sandbox.exited;
      // Children the runtime forked and that outlived it belong to the same group: kill again after exit.
      sandbox.killGroup();
      sandbox.untrack();
    }
    this.killCgroupMembers();
  }

  /** A process that left the group (setsid) is still in the environment's cgroup. */
  private killCgroupMembers(): void {
    killPids(this.spec.cgroup?.pids() ?? []);
  }

  /** Flushes an incomplete last output line, so that it lands before END in the log. */
  flushOutput(): void {
    this.splitters.stdout.flush();
    this.splitters.stderr.flush();
  }

  private markDead(): void {
    if (this.state === 'dead') return;
    this.state = 'dead';
    this.memory?.close();
    if (this.initTimer) clearTimeout(this.initTimer);
    for (const l of this.deathListeners.splice(0)) l();
  }

  private onExit(code: number | null, signal: NodeJS.Signals | null): void {
    const wasKilledByService = this.killedByService;
    const oom = (this.spec.cgroup?.oomKills() ?? 0) > 0;
    this.samplePeakBytesAfterExit(oom);
    this.sandbox?.killGroup();
    if (!wasKilledByService) {
      const errorType = oom ? 'Runtime.OutOfMemory' : 'Runtime.ExitError';
      if (this.initSettle) {
        this.failInit({ status: 'error', errorType, platformMessage: `Runtime exited with error: ${describeExit(code, signal)}` });
      } else if (this.active) {
        const { request } = this.active;
        const message = exitErrorMessage(request.requestId, code, signal);
        this.active.settle({
          kind: 'failure',
          status: 'error',
          errorType,
          payload: platformErrorPayload(errorType, message),
          platformLine: `${message}\n${errorType}`,
          durationMs: performance.now() - this.active.startedAt,
        });
      }
    }
    if (this.queued) {
      this.queued.reject(new EnvironmentGoneError(`environment ${this.id} exited before taking the invocation`));
      this.queued = null;
    }
    this.markDead();
    void this.destroy();
  }

  private samplePeakBytesAfterExit(oom: boolean): void {
    // An OOM kill means the group reached its limit: that is the peak, as Lambda reports it.
    if (oom) this.lastPeakBytes = this.spec.memorySizeMB * 1024 * 1024;
  }

  private async startRuntimeApi(): Promise<RuntimeApiServer> {
    this.server = await RuntimeApiServer.start(this.spec.host, {
      onNext: (res) => this.onNext(res),
      onInitError: (req, res, body) => this.onInitError(req, res, body),
      onAnswer: (req, res, kind, requestId, body, tooLarge) => this.onAnswer(req, res, kind, requestId, body, tooLarge),
    });
    return this.server;
  }

  private onNext(res: http.ServerResponse): void {
    if (this.state === 'initializing') {
      const initDurationMs = performance.now() - this.initStartedAt;
      // INIT ends here: from now on the environment runs under its memory size's CPU share, before any event.
      try {
        this.spec.cgroup?.applyInvocationCpuQuota();
      } catch (e) {
        invalidStateTransition(res, 'the environment could not be prepared for invocations');
        this.failInit({ status: 'error', errorType: 'Runtime.Unknown', platformMessage: `the CPU quota could not be applied: ${(e as Error).message}` });
        return;
      }
      this.state = 'ready';
      this.samplePeakBytes();
      const footprint = this.sampleInitFootprint();
      this.initSettle?.({ ok: true, initDurationMs, sandboxPrepMs: this.sandboxPrepMs, ...(footprint ? { footprint } : {}) });
    } else if (this.state === 'finishing') {
      this.state = 'ready';
    } else if (this.state === 'invoking') {
      return invalidStateTransition(res, 'the runtime asked for the next event before answering the current one');
    } else if (this.state !== 'ready') {
      return invalidStateTransition(res, `environment is ${this.state}`);
    }
    if (this.parkedNext) {
      // A second parked /next replaces the first, whose connection the client abandoned.
      this.parkedNext.destroy();
    }
    if (this.queued) {
      const q = this.queued;
      this.queued = null;
      this.dispatch(res, q);
    } else {
      this.parkedNext = res;
    }
  }

  private dispatch(res: http.ServerResponse, q: QueuedInvocation): void {
    const { request } = q;
    request.onDispatch?.();
    const headers: http.OutgoingHttpHeaders = {
      'Content-Type': 'application/json',
      'Content-Length': request.payload.length,
      'Lambda-Runtime-Aws-Request-Id': request.requestId,
      'Lambda-Runtime-Deadline-Ms': String(Date.now() + request.timeoutMs),
      'Lambda-Runtime-Invoked-Function-Arn': this.spec.functionArn,
      'Lambda-Runtime-Trace-Id': request.traceId,
    };
    if (request.clientContext !== undefined) headers['Lambda-Runtime-Client-Context'] = request.clientContext;
    this.state = 'invoking';
    const timer = setTimeout(() => this.onTimeout(), request.timeoutMs);
    const active: ActiveInvocation = {
      request,
      startedAt: performance.now(),
      timer,
      settle: (outcome) => {
        if (this.active !== active) return;
        clearTimeout(timer);
        this.active = null;
        if (this.state === 'invoking') this.state = 'finishing';
        q.resolve(outcome);
      },
    };
    this.active = active;
    res.writeHead(200, headers);
    res.end(request.payload);
  }

  private onTimeout(): void {
    const active = this.active;
    if (!active) return;
    const { request } = active;
    active.settle({
      kind: 'failure',
      status: 'timeout',
      errorType: 'Sandbox.Timedout',
      payload: platformErrorPayload('Sandbox.Timedout', timeoutMessage(request.requestId, request.timeoutSeconds)),
      platformLine: `${new Date().toISOString()} ${request.requestId} Task timed out after ${request.timeoutSeconds.toFixed(2)} seconds`,
      durationMs: request.timeoutMs,
    });
    void this.destroy();
  }

  /** `/response` or `/error`: ends the invocation's Duration. */
  private onAnswer(req: http.IncomingMessage, res: http.ServerResponse, kind: 'response' | 'error', requestId: string, body: Buffer, tooLarge: boolean): void {
    const active = this.checkInvocation(res, requestId);
    if (!active) return;
    const durationMs = performance.now() - active.startedAt;
    if (tooLarge) {
      active.settle({
        kind: 'function-error',
        errorType: 'Function.ResponseSizeTooLarge',
        payload: platformErrorPayload('Function.ResponseSizeTooLarge', `Response payload size exceeded maximum allowed payload size (${MAX_RUNTIME_PAYLOAD_BYTES} bytes).`),
        durationMs,
      });
      return payloadTooLarge(res);
    }
    if (kind === 'response') active.settle({ kind: 'response', payload: body, durationMs });
    else active.settle({ kind: 'function-error', errorType: errorTypeOf(req.headers['lambda-runtime-function-error-type'], body), payload: body, durationMs });
    // The runtime's 202 goes out right after the caller's answer (see acknowledge()); at the latest on the
    // next turn of the event loop.
    const ack = () => {
      if (this.pendingAck !== ack) return;
      this.pendingAck = null;
      accepted(res);
    };
    this.pendingAck = ack;
    setImmediate(ack);
  }

  /**
   * Sends the runtime its 202 for the answer it posted. The invoking side calls this just after writing
   * its own caller's answer: the caller does not wait for this write, and the runtime can go back to
   * /next while the service writes END and REPORT.
   */
  acknowledge(): void {
    this.pendingAck?.();
  }

  private checkInvocation(res: http.ServerResponse, requestId: string): ActiveInvocation | null {
    if (this.state === 'initializing') {
      invalidStateTransition(res, 'no invocation has been handed out yet');
      return null;
    }
    if (!this.active || this.active.request.requestId !== requestId) {
      invalidRequestId(res);
      return null;
    }
    return this.active;
  }

  private onInitError(req: http.IncomingMessage, res: http.ServerResponse, body: Buffer): void {
    if (this.state !== 'initializing' || !this.initSettle) return invalidStateTransition(res, 'init/error is only valid during init');
    const errorType = errorTypeOf(req.headers['lambda-runtime-function-error-type'], body);
    accepted(res);
    // Lambda resets an environment whose init failed; the runtime is expected to exit.
    this.failInit({ status: 'error', errorType, runtimePayload: body.length > 0 ? body : platformErrorPayload(errorType, errorType) });
  }
}
