/**
 * One registered function: its configuration, its pool of execution environments, and the life of an
 * invocation from environment selection to the REPORT line.
 *
 * Concurrency: an environment serves one invocation at a time. An invocation takes an environment that is
 * parked on `/next`; failing that, one that has just answered and is about to ask again (so back-to-back
 * calls from one client do not cause spurious cold starts); failing that, it starts a new environment (a
 * cold start). Past `maxConcurrency` environments the invocation is throttled (429), as Lambda throttles
 * at a function's concurrency limit.
 *
 * Failed init follows Lambda: the init phase (10 s limit) fails with an INIT_REPORT line, then Lambda
 * tries init once more inside the invocation, bounded by the function timeout; Duration then includes that
 * second init and the REPORT line has no Init Duration. If the second init fails too, the invocation fails
 * with its status and error type.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { LambdaApiError } from './aws-errors';
import type { CgroupLimits, EnvironmentCgroup } from './cgroups';
import { EnvironmentGoneError, ExecutionEnvironment, type InitResult, type InvocationOutcome } from './environment';
import { packageRoots, type InitFootprint } from './init-footprint';
import {
  type AwsIdentity,
  type ConfigurationState,
  DefinitionError,
  functionArn,
  functionConfiguration,
  type LocalFunctionDefinition,
  validateEnvironment,
  validateMemorySize,
  validateTimeout,
} from './function-definition';
import type { LogStore } from './log-store';
import {
  billedDurationMs,
  bytesToReportedMB,
  formatEndLine,
  formatInitReportLine,
  formatReportLine,
  formatStartLine,
  type InvocationStatus,
  platformErrorPayload,
  timeoutMessage,
} from './report';
import { logStreamName, runtimeEnvironment } from './runtime-environment';

/** Footprints kept per function: far more than a run's cold starts, bounded for a long-lived service. */
const MAX_INIT_FOOTPRINTS = 10_000;

export interface LocalFunctionDeps {
  identity: AwsIdentity;
  host: string;
  logs: LogStore;
  limits: CgroupLimits | null;
  initTimeoutMs: number;
  maxConcurrency: number;
  /** Shortest time an update stays InProgress (it also lasts until retired environments are gone). */
  updateMinInProgressMs: number;
  /** CPUs of the machine: the burst INIT quota is capped by them. */
  machineCpus: number;
}

export interface InvocationRecord {
  requestId: string;
  functionName: string;
  coldStart: boolean;
  initDurationMs?: number;
  durationMs: number;
  billedDurationMs: number;
  memorySizeMB: number;
  maxMemoryUsedMB: number;
  status: InvocationStatus;
  errorType?: string;
  /** 'Unhandled' when Invoke must flag the payload as a function error. */
  functionError?: 'Unhandled';
  payload: Buffer;
  reportLine: string;
  /** This invocation's log (init output on a cold start, START ... REPORT), as Tail returns it. */
  log: string;
  logStreamName: string;
  /** Cold starts: creating the cgroups, spawning the sandbox wrapper and joining them, before the init clock started. */
  sandboxPrepMs?: number;
  /**
   * With limits applied: the environment cgroup's peak charge (memory.max_usage_in_bytes), which also counts
   * page cache the environment faulted in. Not what REPORT prints (see process-memory.ts); kept for comparison.
   */
  cgroupMaxUsageMB?: number;
}

export interface InvokeOptions {
  clientContext?: string;
  /**
   * Called as soon as the function has answered, before END and REPORT are written: a caller that does not
   * need the log (no `LogType: Tail`) can answer its client then, as Lambda does.
   */
  onAnswer?: (answer: InvocationAnswer) => void;
}

/** What Invoke returns to its caller, known before the REPORT line. */
export interface InvocationAnswer {
  requestId: string;
  payload: Buffer;
  functionError?: 'Unhandled';
}

export interface ConfigurationUpdate {
  MemorySize?: unknown;
  Timeout?: unknown;
  Description?: unknown;
  Environment?: { Variables?: unknown } | unknown;
  Handler?: unknown;
  RevisionId?: unknown;
}

/** The log of one invocation (or of the time between two), kept short: Tail needs the last 4 KB. */
class LogTail {
  private parts: string[] = [];
  private bytes = 0;
  push(text: string): void {
    this.parts.push(text);
    this.bytes += text.length;
    while (this.bytes > 16384 && this.parts.length > 1) this.bytes -= this.parts.shift()!.length;
  }
  prepend(other: LogTail): void {
    this.parts = [...other.parts, ...this.parts];
    this.bytes += other.bytes;
  }
  text(): string {
    return this.parts.join('');
  }
}

interface PooledEnvironment {
  env: ExecutionEnvironment;
  generation: number;
  logStreamName: string;
  cgroup: EnvironmentCgroup | null;
  /** Where the runtime's output lines go besides the log store: the current invocation's tail. */
  sink: LogTail;
}

type Acquired =
  | { kind: 'environment'; pooled: PooledEnvironment; cold: boolean; initDurationMs?: number; sandboxPrepMs?: number; initFootprint?: InitFootprint; invokePhaseStart?: number; tail: LogTail }
  | { kind: 'failed'; pooled: PooledEnvironment | null; init: Extract<InitResult, { ok: false }>; durationMs: number; tail: LogTail; streamName: string };

export class LocalFunction {
  private definition: LocalFunctionDefinition;
  private state: ConfigurationState;
  private generation = 0;
  private readonly pool = new Set<PooledEnvironment>();
  private updating: Promise<void> | null = null;
  private launching = 0;
  /** Environments whose init is under way: not yet in the pool, but stop() must end them too. */
  private readonly initializing = new Set<{ env: ExecutionEnvironment; cgroup: EnvironmentCgroup | null }>();
  /** Invocations still to be refused as throttled (throttleNextInvocations), before any environment is sought. */
  private throttledAhead = 0;
  private stopped = false;
  /** requestId → what that cold start's INIT brought in from files; the oldest go past MAX_INIT_FOOTPRINTS. */
  private readonly footprints = new Map<string, InitFootprint>();
  /** The definition's package paths resolved to real paths, once per packagePaths array (init-footprint.ts). */
  private readonly resolvedPackageRoots = new WeakMap<readonly string[], string[]>();
  readonly logGroupName: string;

  constructor(definition: LocalFunctionDefinition, private readonly deps: LocalFunctionDeps) {
    this.definition = definition;
    this.state = { revisionId: randomUUID(), lastModified: new Date(), lastUpdateStatus: 'Successful' };
    this.logGroupName = `/aws/lambda/${definition.functionName}`;
    deps.logs.createLogGroup(this.logGroupName);
  }

  get name(): string {
    return this.definition.functionName;
  }

  get arn(): string {
    return functionArn(this.deps.identity, this.definition.functionName);
  }

  configuration(): Record<string, unknown> {
    return functionConfiguration(this.definition, this.state, this.deps.identity);
  }

  /** What the INIT of each cold start (with an Init Duration) brought in from files, by request id. */
  initFootprints(): ReadonlyMap<string, InitFootprint> {
    return this.footprints;
  }

  /** Live environment processes, those still initialising included (for tests and diagnostics). */
  environmentPids(): number[] {
    return [...this.pool, ...this.initializing].map((p) => p.env.pid).filter((p): p is number => p !== undefined);
  }

  /**
   * The next `count` invocations are refused with 429 TooManyRequestsException, as at the function's
   * concurrency limit, whatever environments exist: for tests of a client's throttling path that must not
   * depend on how fast an environment is held busy.
   */
  throttleNextInvocations(count: number): void {
    if (!Number.isInteger(count) || count < 0) throw new RangeError(`throttleNextInvocations needs a whole number of invocations, got ${count}`);
    this.throttledAhead = count;
  }

  async invoke(payload: Buffer, options: InvokeOptions = {}): Promise<InvocationRecord> {
    if (this.stopped) throw stoppingError();
    if (this.throttledAhead > 0) {
      this.throttledAhead--;
      throw throttled();
    }
    const requestId = randomUUID();
    const definition = this.definition;
    const acquired = await this.acquire(definition);
    if (acquired.kind === 'failed') {
      const record = this.failedInitRecord(requestId, definition, acquired);
      options.onAnswer?.({ requestId, payload: record.payload, functionError: record.functionError });
      return record;
    }

    const { pooled, tail } = acquired;
    const timeoutMs = definition.timeoutSeconds * 1000;
    const elapsedInInvokePhase = acquired.invokePhaseStart !== undefined ? performance.now() - acquired.invokePhaseStart : 0;
    let outcome: InvocationOutcome;
    try {
      outcome = await pooled.env.invoke({
        requestId,
        payload,
        timeoutMs: Math.max(1, timeoutMs - elapsedInInvokePhase),
        timeoutSeconds: definition.timeoutSeconds,
        traceId: traceHeader(),
        clientContext: options.clientContext,
        onDispatch: () => this.writePlatformLine(pooled.logStreamName, tail, formatStartLine(requestId)),
      });
    } catch (e) {
      if (e instanceof EnvironmentGoneError) {
        this.release(pooled);
        return this.invoke(payload, options);
      }
      throw e;
    }
    options.onAnswer?.({ requestId, payload: outcome.payload, functionError: outcome.kind === 'response' ? undefined : 'Unhandled' });
    pooled.env.acknowledge();
    // Output the runtime wrote before answering may still sit in its pipe: let it in before END.
    await nextTurn();
    pooled.env.flushOutput();

    const durationMs = outcome.durationMs + elapsedInInvokePhase;
    if (outcome.kind === 'failure') this.writePlatformLine(pooled.logStreamName, tail, outcome.platformLine);
    this.writePlatformLine(pooled.logStreamName, tail, formatEndLine(requestId));
    const initDurationMs = acquired.cold ? acquired.initDurationMs : undefined;
    const status: InvocationStatus = outcome.kind === 'failure' ? outcome.status : 'success';
    const errorType = outcome.kind === 'failure' && outcome.status === 'error' ? outcome.errorType : undefined;
    const peak = outcome.kind === 'failure' && outcome.errorType === 'Runtime.OutOfMemory' ? definition.memorySizeMB * 1024 * 1024 : pooled.env.samplePeakBytes();
    const report = {
      requestId,
      durationMs,
      billedDurationMs: billedDurationMs(durationMs, initDurationMs),
      memorySizeMB: definition.memorySizeMB,
      maxMemoryUsedMB: Math.min(definition.memorySizeMB, bytesToReportedMB(peak ?? 0)),
      initDurationMs,
      status,
      errorType,
    };
    const reportLine = formatReportLine(report);
    this.writePlatformLine(pooled.logStreamName, tail, reportLine);
    pooled.sink = new LogTail();
    const cgroupPeak = pooled.env.cgroupPeakBytes();
    this.release(pooled);
    if (acquired.initFootprint !== undefined) {
      this.footprints.set(requestId, acquired.initFootprint);
      if (this.footprints.size > MAX_INIT_FOOTPRINTS) this.footprints.delete(this.footprints.keys().next().value!);
    }
    return {
      ...report,
      ...(acquired.sandboxPrepMs !== undefined ? { sandboxPrepMs: acquired.sandboxPrepMs } : {}),
      ...(cgroupPeak !== undefined ? { cgroupMaxUsageMB: bytesToReportedMB(cgroupPeak) } : {}),
      functionName: definition.functionName,
      coldStart: acquired.cold,
      functionError: outcome.kind === 'response' ? undefined : 'Unhandled',
      errorType: outcome.kind === 'response' ? undefined : outcome.errorType,
      payload: outcome.payload,
      reportLine,
      log: tail.text(),
      logStreamName: pooled.logStreamName,
    };
  }

  private async acquire(definition: LocalFunctionDefinition): Promise<Acquired> {
    for (;;) {
      const current = [...this.pool].filter((p) => p.generation === this.generation && p.env.alive);
      const ready = current.find((p) => p.env.ready) ?? current.find((p) => p.env.finishing);
      if (ready) {
        const tail = ready.sink;
        // Reserve it now: a second invocation arriving in the same turn must not take it too.
        ready.env.reserve();
        return { kind: 'environment', pooled: ready, cold: false, tail };
      }
      if (this.pool.size + this.launching >= this.deps.maxConcurrency) throw throttled();
      if (this.stopped) throw stoppingError();
      const tail = new LogTail();
      // A first init runs with burst CPU; the quota of the memory size applies from its first GET /next.
      const first = await this.launch(definition, this.deps.initTimeoutMs, tail, true);
      if (!first.init.ok && first.init.stopped) throw stoppingError();
      if (first.init.ok) {
        first.pooled.env.reserve();
        const { initDurationMs, sandboxPrepMs, footprint } = first.init;
        return { kind: 'environment', pooled: first.pooled, cold: true, initDurationMs, sandboxPrepMs, ...(footprint ? { initFootprint: footprint } : {}), tail };
      }
      this.writePlatformLine(first.streamName, tail, formatInitReportLine({ initDurationMs: first.init.initDurationMs, status: first.init.status, errorType: first.init.errorType }));
      // Lambda retries a failed init once, inside the invocation and within the function timeout ("suppressed
      // init"). It is part of the invocation, so it runs under the invocation's CPU share from the start.
      // Not while the service is stopping: nothing new starts then.
      if (this.stopped) throw stoppingError();
      const invokePhaseStart = performance.now();
      // The retry happens in the same execution environment on Lambda, so its lines (INIT_REPORT with
      // Phase: invoke, START, REPORT) follow the failed init's INIT_REPORT in the same log stream.
      const second = await this.launch(definition, definition.timeoutSeconds * 1000, tail, false, first.streamName);
      if (!second.init.ok && second.init.stopped) throw stoppingError();
      if (second.init.ok) {
        second.pooled.env.reserve();
        return { kind: 'environment', pooled: second.pooled, cold: true, invokePhaseStart, tail };
      }
      const durationMs = performance.now() - invokePhaseStart;
      const failed = second.init;
      // The second attempt runs against the function timeout, so its timeout is the task's timeout.
      this.writePlatformLine(
        second.streamName,
        tail,
        formatInitReportLine({ initDurationMs: failed.initDurationMs, status: failed.status, errorType: failed.errorType }).replace('Phase: init', 'Phase: invoke'),
      );
      return { kind: 'failed', pooled: second.pooled, init: failed, durationMs, tail, streamName: second.streamName };
    }
  }

  private packageRootsOf(packagePaths: readonly string[]): string[] {
    let roots = this.resolvedPackageRoots.get(packagePaths);
    if (!roots) this.resolvedPackageRoots.set(packagePaths, (roots = packageRoots(packagePaths)));
    return roots;
  }

  private async launch(
    definition: LocalFunctionDefinition,
    initTimeoutMs: number,
    tail: LogTail,
    burstInit: boolean,
    reuseStreamName?: string,
  ): Promise<{ pooled: PooledEnvironment; init: InitResult; streamName: string }> {
    const environmentId = randomBytes(16).toString('hex');
    const generation = this.generation;
    const streamName = reuseStreamName ?? logStreamName(environmentId);
    const preparationStartedAt = performance.now();
    const cgroup = this.deps.limits
      ? this.deps.limits.createEnvironmentGroup(`env-${environmentId}`, definition.memorySizeMB, { burstInit, machineCpus: this.deps.machineCpus })
      : null;
    const pooledRef: { current: PooledEnvironment | null } = { current: null };
    const sinkFallback = tail;
    let starting: { env: ExecutionEnvironment; cgroup: EnvironmentCgroup | null } | null = null;
    this.launching++;
    const { environment, init } = await ExecutionEnvironment.launch(
      {
        environmentId,
        command: definition.command,
        args: definition.args,
        cwd: definition.cwd,
        ...(definition.packagePaths ? { packageRoots: this.packageRootsOf(definition.packagePaths) } : {}),
        functionArn: this.arn,
        memorySizeMB: definition.memorySizeMB,
        host: this.deps.host,
        cgroup,
        preparationStartedAt,
        onOutput: (line, timestamp) => {
          const message = line + '\n';
          this.deps.logs.append(this.logGroupName, streamName, message, timestamp);
          (pooledRef.current?.sink ?? sinkFallback).push(message);
        },
        buildEnv: (runtimeApi) =>
          runtimeEnvironment({ definition, region: this.deps.identity.region, runtimeApi, logGroupName: this.logGroupName, logStreamName: streamName }),
      },
      initTimeoutMs,
      (env) => {
        starting = { env, cgroup };
        this.initializing.add(starting);
      },
    )
      .catch(async (e: unknown) => {
        await cgroup?.remove().catch(() => undefined);
        throw e;
      })
      .finally(() => {
        this.launching--;
        if (starting) this.initializing.delete(starting);
      });
    if (init.ok && this.stopped) {
      // Init finished while the service was stopping: the environment is not kept.
      await environment.destroy();
      await cgroup?.remove().catch(() => undefined);
      return { pooled: { env: environment, generation, logStreamName: streamName, cgroup, sink: tail }, init: { ...STOPPED_INIT }, streamName };
    }
    const pooled: PooledEnvironment = { env: environment, generation, logStreamName: streamName, cgroup, sink: tail };
    pooledRef.current = pooled;
    if (init.ok) {
      this.pool.add(pooled);
      environment.onDeath(() => {
        this.pool.delete(pooled);
        void environment.destroy().then(() => cgroup?.remove()).catch(() => undefined);
      });
    } else {
      await cgroup?.remove().catch(() => undefined);
    }
    return { pooled, init, streamName };
  }

  private failedInitRecord(requestId: string, definition: LocalFunctionDefinition, f: Extract<Acquired, { kind: 'failed' }>): InvocationRecord {
    const { init, tail, streamName } = f;
    this.writePlatformLine(streamName, tail, formatStartLine(requestId));
    let payload: Buffer;
    if (init.status === 'timeout') {
      const message = timeoutMessage(requestId, definition.timeoutSeconds);
      this.writePlatformLine(streamName, tail, `${new Date().toISOString()} ${requestId} Task timed out after ${definition.timeoutSeconds.toFixed(2)} seconds`);
      payload = platformErrorPayload('Sandbox.Timedout', message);
    } else if (init.runtimePayload) {
      payload = init.runtimePayload;
    } else {
      const message = `RequestId: ${requestId} Error: ${init.platformMessage ?? init.errorType}`;
      this.writePlatformLine(streamName, tail, `${message}\n${init.errorType}`);
      payload = platformErrorPayload(init.errorType, message);
    }
    this.writePlatformLine(streamName, tail, formatEndLine(requestId));
    const peak = init.errorType === 'Runtime.OutOfMemory' ? definition.memorySizeMB * 1024 * 1024 : f.pooled?.env.samplePeakBytes();
    const durationMs = init.status === 'timeout' ? definition.timeoutSeconds * 1000 : f.durationMs;
    const report = {
      requestId,
      durationMs,
      billedDurationMs: billedDurationMs(durationMs),
      memorySizeMB: definition.memorySizeMB,
      maxMemoryUsedMB: Math.min(definition.memorySizeMB, bytesToReportedMB(peak ?? 0)),
      status: init.status as InvocationStatus,
      errorType: init.status === 'error' ? init.errorType : undefined,
    };
    const reportLine = formatReportLine(report);
    this.writePlatformLine(streamName, tail, reportLine);
    return {
      ...report,
      functionName: definition.functionName,
      coldStart: true,
      functionError: 'Unhandled',
      errorType: init.status === 'timeout' ? 'Sandbox.Timedout' : init.errorType,
      payload,
      reportLine,
      log: tail.text(),
      logStreamName: streamName,
    };
  }

  private writePlatformLine(streamName: string, tail: LogTail, line: string): void {
    const message = line + '\n';
    this.deps.logs.append(this.logGroupName, streamName, message);
    tail.push(message);
  }

  /** After an invocation: an environment of an older configuration is retired, a dead one forgotten. */
  private release(pooled: PooledEnvironment): void {
    pooled.env.unreserve();
    if (!pooled.env.alive) {
      this.pool.delete(pooled);
      return;
    }
    if (pooled.generation !== this.generation || this.stopped) {
      this.pool.delete(pooled);
      void pooled.env.destroy().then(() => pooled.cgroup?.remove()).catch(() => undefined);
    }
  }

  /**
   * UpdateFunctionConfiguration: applies the change, retires every environment (the next invocation is a
   * cold start) and reports InProgress until the idle environments are gone, then Successful.
   */
  update(patch: ConfigurationUpdate): Record<string, unknown> {
    if (this.updating) {
      throw new LambdaApiError('ResourceConflictException', `The operation cannot be performed at this time. An update is in progress for resource: ${this.arn}`);
    }
    if (patch.RevisionId !== undefined && patch.RevisionId !== this.state.revisionId) {
      throw new LambdaApiError('PreconditionFailedException', 'The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id');
    }
    let next: LocalFunctionDefinition;
    try {
      next = { ...this.definition };
      if (patch.MemorySize !== undefined) next.memorySizeMB = validateMemorySize(patch.MemorySize);
      if (patch.Timeout !== undefined) next.timeoutSeconds = validateTimeout(patch.Timeout);
      if (patch.Description !== undefined) {
        if (typeof patch.Description !== 'string' || patch.Description.length > 256) throw new DefinitionError('Description must be a string of at most 256 characters');
        next.description = patch.Description;
      }
      if (patch.Handler !== undefined) {
        if (typeof patch.Handler !== 'string' || patch.Handler === '') throw new DefinitionError('Handler must be a non-empty string');
        next.handler = patch.Handler;
      }
      if (patch.Environment !== undefined) {
        const vars = (patch.Environment as { Variables?: unknown } | null)?.Variables;
        next.environment = validateEnvironment(vars);
      }
    } catch (e) {
      if (e instanceof DefinitionError) throw new LambdaApiError('InvalidParameterValueException', e.message);
      throw e;
    }
    this.definition = next;
    this.state = { revisionId: randomUUID(), lastModified: new Date(), lastUpdateStatus: 'InProgress' };
    const config = this.configuration();
    this.generation++;
    // Environments serving an invocation finish it and are retired when they are released.
    const retiring = [...this.pool].filter((p) => !p.env.isReserved);
    for (const p of retiring) this.pool.delete(p);
    const started = performance.now();
    this.updating = (async () => {
      await Promise.all(retiring.map((p) => p.env.destroy().then(() => p.cgroup?.remove()).catch(() => undefined)));
      const left = this.deps.updateMinInProgressMs - (performance.now() - started);
      if (left > 0) await new Promise((r) => setTimeout(r, left));
      this.state = { ...this.state, lastUpdateStatus: 'Successful' };
      this.updating = null;
    })();
    return config;
  }

  /**
   * Ends every environment of this function, those still initialising included, and waits until their
   * processes are gone and their cgroups removed. Nothing is launched after this begins.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    const all: { env: ExecutionEnvironment; cgroup: EnvironmentCgroup | null }[] = [...this.pool, ...this.initializing];
    this.pool.clear();
    await Promise.all(all.map((p) => p.env.destroy().then(() => p.cgroup?.remove()).catch(() => undefined)));
    // An environment whose init was just settling may have been added meanwhile; a launch in progress sees
    // `stopped` and ends its own environment. Wait for every launch to have returned.
    while (this.launching > 0 || this.pool.size > 0) {
      const left = [...this.pool, ...this.initializing];
      this.pool.clear();
      await Promise.all(left.map((p) => p.env.destroy().then(() => p.cgroup?.remove()).catch(() => undefined)));
      if (this.launching > 0) await new Promise((r) => setTimeout(r, 10));
    }
    await this.updating;
  }
}

const STOPPED_INIT: Extract<InitResult, { ok: false }> = {
  ok: false,
  initDurationMs: 0,
  status: 'error',
  errorType: 'Runtime.ExitError',
  platformMessage: 'Runtime exited with error: signal: killed',
  stopped: true,
};

function stoppingError(): LambdaApiError {
  return new LambdaApiError('ServiceException', 'the local Lambda service is stopping');
}

/** Lambda's answer at a function's concurrency limit. */
function throttled(): LambdaApiError {
  return new LambdaApiError('TooManyRequestsException', 'Rate Exceeded.', { Reason: 'ReservedFunctionConcurrentInvocationLimitExceeded' });
}

/** An X-Ray style trace header for Lambda-Runtime-Trace-Id. */
function traceHeader(): string {
  const epoch = Math.floor(Date.now() / 1000).toString(16).padStart(8, '0');
  return `Root=1-${epoch}-${randomHex(12)};Parent=${randomHex(8)};Sampled=0`;
}

// Random bytes drawn from a pool refilled 4 KB at a time: one getrandom call per ~200 invocations
// instead of two per invocation (syscalls are the expensive part of the service's hot path).
let pool = Buffer.alloc(0);
let poolOffset = 0;
function randomHex(bytes: number): string {
  if (poolOffset + bytes > pool.length) {
    pool = randomBytes(4096);
    poolOffset = 0;
  }
  const hex = pool.toString('hex', poolOffset, poolOffset + bytes);
  poolOffset += bytes;
  return hex;
}
