/**
 * Measures the cold starts of target-file functions through the local Lambda service, the way the
 * benchmark measures on AWS: a configuration update retires the environments (lib/benchmark
 * forceColdStart), then one synchronous Invoke with `LogType: Tail` lands in a new environment, and its
 * Init Duration is read from the REPORT line in the returned log tail (lib/benchmark parseReportLine).
 * One cold start at a time, so that no two inits share the CPUs; the functions take turns (round robin).
 */
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { createBenchmarkClients } from '../benchmark/clients';
import { forceColdStart } from '../benchmark/cold-start';
import { parseReportLine } from '../benchmark/report-line';
import { summarize } from '../benchmark/statistics';
import type { ReportRecord } from '../benchmark/types';
import { initFileMBByRequest, LocalLambdaService, type LimitsMode } from '../local-lambda';
import type { TargetFile } from '../targets/target-file';

export interface MeasureOptions {
  coldStarts: number;
  /** cgroup limits of the local service (see lib/local-lambda/README.md). */
  limits: LimitsMode;
  /** Called after every round (one cold start of each function). */
  onProgress?: (round: number, rounds: number) => void;
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
  /** Max Memory Used of the cold invocations, MB (the largest seen). */
  maxMemoryUsedMB: number;
}

export interface MeasurementRun {
  /** Whether the local service applied cgroup limits, and why not. */
  limits: { mode: LimitsMode; applied: boolean; reason?: string };
  functions: FunctionMeasurement[];
}

export class CalibrationMeasurementError extends Error {}

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

/** Forces `coldStarts` cold starts of each function, taking turns, and summarises Init Duration. */
export async function measureColdStarts(targets: readonly TargetFile[], options: MeasureOptions): Promise<MeasurementRun> {
  if (!Number.isInteger(options.coldStarts) || options.coldStarts < 1) {
    throw new CalibrationMeasurementError(`coldStarts must be a positive integer, got ${options.coldStarts}`);
  }
  const service = await LocalLambdaService.start({ limits: options.limits });
  const { lambda } = createBenchmarkClients({ ...LOCAL_CLIENT, endpoint: service.endpoint });
  try {
    for (const target of targets) service.register(target.definition);
    const samples = targets.map(() => ({ initDurationsMs: [] as number[], initFileMB: [] as number[], maxMemoryUsedMB: 0 }));
    // Round robin (one cold start of each function, then the next round): whatever else the machine does
    // drifts over the run, and interleaving spreads that drift over every runtime alike, so the ratios
    // between runtimes, which the model is fitted on, are not bent by when each was measured.
    for (let i = 1; i <= options.coldStarts; i++) {
      for (const [k, target] of targets.entries()) {
        const name = target.definition.functionName;
        // The local service finishes an update as soon as the idle environments have exited: poll fast.
        await forceColdStart(lambda, name, `calibration-${i}`, { minDelaySeconds: 0.02, maxWaitSeconds: 60 });
        const report = await invokeForReport(lambda, name, target.payload);
        if (report.initDurationMs === undefined) {
          throw new CalibrationMeasurementError(`${name}: cold start ${i} carried no Init Duration (${report.status ?? 'no status'}); every calibration cold start must be a clean one`);
        }
        const fileMB = initFileMBByRequest(service.initFootprints(name))[report.requestId];
        if (fileMB === undefined) throw new CalibrationMeasurementError(`${name}: cold start ${i} (${report.requestId}) has no init footprint: /proc could not be read for its processes`);
        samples[k].initDurationsMs.push(report.initDurationMs);
        samples[k].initFileMB.push(fileMB);
        samples[k].maxMemoryUsedMB = Math.max(samples[k].maxMemoryUsedMB, report.maxMemoryUsedMB);
      }
      options.onProgress?.(i, options.coldStarts);
    }
    const functions = targets.map((target, k): FunctionMeasurement => {
      const { initDurationsMs, initFileMB: fileMB, maxMemoryUsedMB } = samples[k];
      const stats = summarize(initDurationsMs)!;
      const m: FunctionMeasurement = {
        functionName: target.definition.functionName,
        runtimeLabel: target.runtimeLabel,
        packageType: target.definition.packageType,
        initDurationsMs,
        initP50Ms: stats.p50,
        initP90Ms: stats.p90,
        initFileMB: fileMB,
        initFileMBP50: summarize(fileMB)!.p50,
        maxMemoryUsedMB,
      };
      if (target.packageBytes !== undefined) m.packageBytes = target.packageBytes;
      return m;
    });
    const limits: MeasurementRun['limits'] = { mode: options.limits, applied: service.limits.applied };
    if (!service.limits.applied && service.limits.reason) limits.reason = service.limits.reason;
    return { limits, functions };
  } finally {
    lambda.destroy();
    await service.stop();
  }
}
