/**
 * Measures the cold starts of target-file functions through the local Lambda service, the way the
 * benchmark measures on AWS: a configuration update retires the environments (lib/benchmark
 * forceColdStart), then one synchronous Invoke with `LogType: Tail` lands in a new environment, and its
 * Init Duration and Max Memory Used are read from the REPORT line in the returned log tail (lib/benchmark
 * parseReportLine), the file MB its INIT brought in from the service in-process (by request id).
 * One cold start at a time, so that no two inits share the CPUs; the functions take turns (round robin).
 *
 * Two users: `npm run calibrate` (measureColdStarts: a service of its own, every round in a row) and
 * `npm run bench` (CalibrationSampler on the bench's own service, its rounds spread between the targets'
 * cold starts, so that the calibration functions and the targets are measured under the same limits and
 * the same load).
 */
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { createBenchmarkClients } from '../benchmark/clients';
import { forceColdStart } from '../benchmark/cold-start';
import { parseReportLine } from '../benchmark/report-line';
import { summarize } from '../benchmark/statistics';
import type { ReportRecord } from '../benchmark/types';
import { initFileMBByRequest, initPackageFileMBByRequest, LocalLambdaService, type InitFootprint, type LimitsMode } from '../local-lambda';
import type { TargetFile } from '../targets/target-file';

export interface MeasureOptions {
  coldStarts: number;
  /** cgroup limits of the local service (see lib/local-lambda/README.md). */
  limits: LimitsMode;
  /** Called after every round (one cold start of each function). */
  onProgress?: (round: number, rounds: number) => void;
  /**
   * Functions measured in the same rounds whose failure drops them alone, kept apart in the run's
   * `droppable` (the hold-outs: a test of the model, which must not cost the calibration).
   */
  droppable?: readonly TargetFile[];
}

export interface FunctionMeasurement {
  functionName: string;
  runtimeLabel: string;
  packageType: 'Zip' | 'Image';
  packageBytes?: number;
  /** Init Duration of every cold start, ms, in the order measured. */
  initDurationsMs: number[];
  initP50Ms: number;
  initP90Ms: number;
  /** File bytes each cold start's INIT brought in (lib/local-lambda/init-footprint.ts), MB, in the order measured. */
  initFileMB: number[];
  initFileMBP50: number;
  /** Of them, the MB of mappings under the function's own package (its target file's packagePaths), in the order measured. */
  initPackageFileMB: number[];
  initPackageFileMBP50: number;
  /** Max Memory Used of each cold invocation, MB, in the order measured, and their p50. */
  maxMemoryUsedMB: number[];
  maxMemoryUsedMBP50: number;
}

export interface MeasurementRun {
  /** Whether the local service applied cgroup limits, and why not. */
  limits: { mode: LimitsMode; applied: boolean; reason?: string };
  /** The functions measured (not the droppable ones). */
  functions: FunctionMeasurement[];
  /** The droppable functions measured to the end, and those that failed, each "name (failed: why)"; absent when none was given. */
  droppable?: { functions: FunctionMeasurement[]; dropped: string[] };
}

export class CalibrationMeasurementError extends Error {}

/** How many times a cold start that lost its Init Duration is forced again before the function is given up. */
export const LOST_INIT_RETRIES = 2;

const LOCAL_CLIENT = { region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };

/** One Invoke with the log tail; returns the REPORT record, or throws naming what went wrong. */
export async function invokeForReport(lambda: Pick<LambdaClient, 'send'>, functionName: string, payload: unknown): Promise<ReportRecord> {
  const out = await lambda.send(
    new InvokeCommand({
      FunctionName: functionName,
      InvocationType: 'RequestResponse',
      LogType: 'Tail',
      Payload: new TextEncoder().encode(JSON.stringify(payload)),
    }),
  );
  const tail = Buffer.from(out.LogResult ?? '', 'base64').toString('utf8');
  const reportLine = tail.split('\n').find((l) => l.startsWith('REPORT '));
  const report = reportLine === undefined ? undefined : parseReportLine(reportLine);
  if (out.FunctionError) {
    const body = Buffer.from(out.Payload ?? new Uint8Array()).toString('utf8').slice(0, 500);
    throw new CalibrationMeasurementError(`${functionName}: the invocation failed (${out.FunctionError}): ${body}\n${tail}`);
  }
  if (!report) throw new CalibrationMeasurementError(`${functionName}: no REPORT line in the log tail:\n${tail}`);
  return report;
}

/** What the sampler needs of the local service: register functions, and read their init footprints. */
export interface SamplerService {
  register(definition: TargetFile['definition']): void;
  initFootprints(functionName: string): ReadonlyMap<string, InitFootprint>;
}

/**
 * Cold starts of the calibration functions, one round at a time (one cold start of each function), on a
 * service someone else started. Rounds can be spread over a longer run; summary() gives the figures.
 */
export class CalibrationSampler {
  private readonly samples: { initDurationsMs: number[]; initFileMB: number[]; initPackageFileMB: number[]; maxMemoryUsedMB: number[] }[];
  private roundsDone = 0;
  private readonly lost: number[];

  constructor(
    private readonly targets: readonly TargetFile[],
    private readonly service: SamplerService,
    private readonly lambda: LambdaClient,
  ) {
    this.samples = targets.map(() => ({ initDurationsMs: [], initFileMB: [], initPackageFileMB: [], maxMemoryUsedMB: [] }));
    this.lost = targets.map(() => 0);
    for (const target of targets) service.register(target.definition);
  }

  get rounds(): number {
    return this.roundsDone;
  }

  /**
   * One forced cold start of each function, in order; throws naming the function and the cold start. A
   * cold start whose REPORT lost its Init Duration (the init ran into the time limit and was retried inside
   * the invocation: a busy machine can do that to a JVM) is forced again, up to LOST_INIT_RETRIES times,
   * and counted (lostInits); a function that fails outright stops the round at once.
   */
  async round(): Promise<void> {
    const i = this.roundsDone + 1;
    for (const [k, target] of this.targets.entries()) {
      const name = target.definition.functionName;
      let report: ReportRecord | undefined;
      for (let attempt = 0; attempt <= LOST_INIT_RETRIES; attempt++) {
        // The local service finishes an update as soon as the idle environments have exited: poll fast.
        await forceColdStart(this.lambda, name, `calibration-${i}-${attempt}`, { minDelaySeconds: 0.02, maxWaitSeconds: 60 });
        report = await invokeForReport(this.lambda, name, target.payload);
        if (report.initDurationMs !== undefined) break;
        this.lost[k]++;
      }
      if (report?.initDurationMs === undefined) {
        throw new CalibrationMeasurementError(
          `${name}: cold start ${i} carried no Init Duration ${LOST_INIT_RETRIES + 1} times in a row (${report?.status ?? 'no status'}); its init keeps running into the time limit`,
        );
      }
      const footprints = this.service.initFootprints(name);
      const fileMB = initFileMBByRequest(footprints)[report.requestId];
      if (fileMB === undefined) throw new CalibrationMeasurementError(`${name}: cold start ${i} (${report.requestId}) has no init footprint: /proc could not be read for its processes`);
      // A function whose target file names no package paths has no package of its own to count: 0 MB.
      const packageMB = initPackageFileMBByRequest(footprints)[report.requestId] ?? 0;
      const s = this.samples[k];
      s.initDurationsMs.push(report.initDurationMs);
      s.initFileMB.push(fileMB);
      s.initPackageFileMB.push(Math.min(packageMB, fileMB));
      s.maxMemoryUsedMB.push(report.maxMemoryUsedMB);
    }
    this.roundsDone = i;
  }

  /** Cold starts that lost their Init Duration and were forced again, per function name. */
  lostInits(): { [functionName: string]: number } {
    return Object.fromEntries(this.targets.map((t, k) => [t.definition.functionName, this.lost[k]]).filter(([, n]) => (n as number) > 0));
  }

  summary(): FunctionMeasurement[] {
    if (this.roundsDone === 0) throw new CalibrationMeasurementError('no calibration round was measured');
    return this.targets.map((target, k): FunctionMeasurement => {
      const s = this.samples[k];
      const stats = summarize(s.initDurationsMs)!;
      const m: FunctionMeasurement = {
        functionName: target.definition.functionName,
        runtimeLabel: target.runtimeLabel,
        packageType: target.definition.packageType,
        initDurationsMs: [...s.initDurationsMs],
        initP50Ms: stats.p50,
        initP90Ms: stats.p90,
        initFileMB: [...s.initFileMB],
        initFileMBP50: summarize(s.initFileMB)!.p50,
        initPackageFileMB: [...s.initPackageFileMB],
        initPackageFileMBP50: summarize(s.initPackageFileMB)!.p50,
        maxMemoryUsedMB: [...s.maxMemoryUsedMB],
        maxMemoryUsedMBP50: summarize(s.maxMemoryUsedMB)!.p50,
      };
      if (target.packageBytes !== undefined) m.packageBytes = target.packageBytes;
      return m;
    });
  }
}

/**
 * Functions measured beside the others, one sampler each, so that one which fails is dropped alone and named
 * (the hold-outs, in `npm run calibrate` and in a bench run's calibration rounds).
 */
export class DroppableSamplers {
  private live: { name: string; sampler: CalibrationSampler }[];
  private readonly failures: string[] = [];

  constructor(targets: readonly TargetFile[], service: SamplerService, lambda: LambdaClient) {
    this.live = targets.map((t) => ({ name: t.definition.functionName, sampler: new CalibrationSampler([t], service, lambda) }));
  }

  /** One cold start of each function still measured; one that fails is dropped, with why. */
  async round(): Promise<void> {
    for (const h of [...this.live]) {
      try {
        await h.sampler.round();
      } catch (error) {
        this.failures.push(`${h.name} (failed: ${(error as Error).message.split('\n')[0]})`);
        this.live = this.live.filter((x) => x !== h);
      }
    }
  }

  /** The functions still measured, by name. */
  get names(): string[] {
    return this.live.map((h) => h.name);
  }

  /** Rounds measured of the functions still measured (all alike); 0 when none is left. */
  get rounds(): number {
    return this.live[0]?.sampler.rounds ?? 0;
  }

  get dropped(): string[] {
    return [...this.failures];
  }

  summary(): FunctionMeasurement[] {
    return this.live.flatMap((h) => h.sampler.summary());
  }
}

/** Forces `coldStarts` cold starts of each function, taking turns, on a service of its own, and summarises them. */
export async function measureColdStarts(targets: readonly TargetFile[], options: MeasureOptions): Promise<MeasurementRun> {
  if (!Number.isInteger(options.coldStarts) || options.coldStarts < 1) {
    throw new CalibrationMeasurementError(`coldStarts must be a positive integer, got ${options.coldStarts}`);
  }
  const service = await LocalLambdaService.start({ limits: options.limits });
  const { lambda } = createBenchmarkClients({ ...LOCAL_CLIENT, endpoint: service.endpoint });
  try {
    const sampler = new CalibrationSampler(targets, service, lambda);
    const droppable = options.droppable ? new DroppableSamplers(options.droppable, service, lambda) : undefined;
    // Round robin (one cold start of each function, then the next round): whatever else the machine does
    // drifts over the run, and interleaving spreads that drift over every runtime alike, so the ratios
    // between runtimes, which the model is fitted on, are not bent by when each was measured.
    for (let i = 1; i <= options.coldStarts; i++) {
      await sampler.round();
      await droppable?.round();
      options.onProgress?.(i, options.coldStarts);
    }
    const limits: MeasurementRun['limits'] = { mode: options.limits, applied: service.limits.applied };
    if (!service.limits.applied && service.limits.reason) limits.reason = service.limits.reason;
    if (!droppable) return { limits, functions: sampler.summary() };
    return { limits, functions: sampler.summary(), droppable: { functions: droppable.summary(), dropped: droppable.dropped } };
  } finally {
    lambda.destroy();
    await service.stop();
  }
}
