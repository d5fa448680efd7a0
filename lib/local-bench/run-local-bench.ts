import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LambdaClient } from '@aws-sdk/client-lambda';
import type { BenchmarkResults, JsonObject, Parity, TargetSpec } from '../benchmark/types';
import { REFERENCE_PAYLOAD } from '../benchmark/reference-payload';
import { LocalLambdaService, type LimitsMode, type LocalFunctionDefinition } from '../local-lambda';
import { loadWineCsv } from '../model/wine-data';
import { buildParityPayloads, runParity, toBenchmarkParity } from '../parity';
import { runStateMachineLocally, type LocalRunProgress, type LocalRunResult } from '../state-machine-local';
import { synthesizeBenchmarkTemplate } from '../state-machine-local/synth';
import { localTargets, missingTargetFiles } from '../targets/local-targets';
import { chooseColdStartConcurrency, type ColdStartConcurrencyChoice } from './cold-start-concurrency';
import { collectEnvironmentManifest, type AprBuildInfo } from './environment-manifest';
import { measurePytorchFootprint } from './package-size';

export const TARGET_KEYS = ['apr', 'pytorch'] as const;
export type TargetKey = (typeof TARGET_KEYS)[number];
/**
 * Targets whose inits take seconds of CPU-bound work under their quota: only these may initialise
 * several environments per forced cold start (cold-start-concurrency.ts says why the .apr function may not).
 */
const BATCHED_COLD_STARTS: ReadonlySet<TargetKey> = new Set(['pytorch']);
/** `red`: the reference payload, every red wine, edge values and bad inputs; `all` adds every white wine. */
export type ParitySet = 'red' | 'all' | 'off';

export interface LocalBenchOptions {
  projectRoot: string;
  targets: TargetKey[];
  coldStarts: number;
  warmInvocations: number;
  payload?: JsonObject;
  /** The results directory; it must not exist yet, or be empty. */
  outDir: string;
  limits: LimitsMode;
  parity: ParitySet;
  /**
   * Environments the PyTorch function initialises at once per forced cold start ('auto': what the CPU
   * quotas allow, see cold-start-concurrency.ts). The .apr function always has one per update.
   */
  coldStartConcurrency?: ColdStartConcurrencyChoice;
  onProgress?: (event: LocalRunProgress) => void;
  /** What the run is doing between measurements (building the template, parity, ...). */
  onStage?: (message: string) => void;
  signal?: AbortSignal;
}

export interface LocalBenchOutcome {
  status: LocalRunResult['status'];
  /** Where the files are; undefined when the run was aborted (nothing is kept then). */
  outDir?: string;
  results?: BenchmarkResults;
  error?: { error: string; cause: string };
}

const LOCAL_CLIENT = { region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };

/** A results directory is new or empty: a run never mixes its files with an earlier run's. */
export function checkOutDir(outDir: string): void {
  if (existsSync(outDir) && readdirSync(outDir).length > 0) {
    throw new Error(`--out ${outDir} already holds files; choose a new directory (runs never overwrite earlier results)`);
  }
}

function targetSpec(definition: LocalFunctionDefinition, key: TargetKey, packageBytes: number, packageLabel: string): TargetSpec {
  return {
    key,
    functionName: definition.functionName,
    logGroupName: `/aws/lambda/${definition.functionName}`,
    runtimeLabel: definition.runtime,
    memorySizeMB: definition.memorySizeMB,
    architecture: 'x86_64',
    packageBytes,
    packageLabel,
  };
}

/** The parity check over the functions' real processes, without CPU limits: it compares answers, it times nothing. */
async function measureParity(root: string, definitions: LocalFunctionDefinition[], set: Exclude<ParitySet, 'off'>): Promise<Parity> {
  const service = await LocalLambdaService.start({ limits: 'off' });
  const lambda = new LambdaClient({ ...LOCAL_CLIENT, endpoint: service.endpoint, maxAttempts: 1 });
  try {
    for (const definition of definitions) service.register(definition);
    const all = buildParityPayloads({
      red: loadWineCsv(path.join(root, 'data', 'wine', 'winequality-red.csv')),
      white: loadWineCsv(path.join(root, 'data', 'wine', 'winequality-white.csv')),
      referencePayload: REFERENCE_PAYLOAD,
    });
    const payloads = set === 'all' ? all : all.filter((p) => !/^white row \d+$/.test(p.name));
    const { summary } = await runParity(lambda, definitions[0].functionName, definitions[1].functionName, payloads);
    return toBenchmarkParity(summary);
  } finally {
    lambda.destroy();
    await service.stop();
  }
}

/**
 * `npm run bench`: the synthesized benchmark state machine, executed on this machine against the local
 * Lambda service, with the same handlers as on AWS. Results land in a hidden sibling directory first and
 * are renamed to `outDir` when the run ends, so `outDir` either holds a whole run or does not exist.
 */
export async function runLocalBench(options: LocalBenchOptions): Promise<LocalBenchOutcome> {
  const root = path.resolve(options.projectRoot);
  const stage = options.onStage ?? (() => undefined);
  const outDir = path.resolve(options.outDir);
  checkOutDir(outDir);

  const all = localTargets(root);
  const definitions = options.targets.map((key) => all[key]);
  for (const definition of definitions) {
    const missing = missingTargetFiles(definition, root);
    if (missing) throw new Error(missing);
  }

  const buildInfoPath = path.join(root, 'lambda-apr', 'dist', 'build-info.json');
  const aprBuildInfo = existsSync(buildInfoPath) ? (JSON.parse(readFileSync(buildInfoPath, 'utf8')) as AprBuildInfo) : undefined;
  const specs: TargetSpec[] = [];
  for (const key of options.targets) {
    if (key === 'apr') {
      specs.push(targetSpec(all.apr, key, all.apr.codeSizeBytes ?? 0, 'bootstrap.zip, what Lambda receives'));
    } else {
      stage('measuring the PyTorch function\'s installed size');
      const size = measurePytorchFootprint(all.pytorch.command, all.pytorch.cwd);
      specs.push(targetSpec(all.pytorch, key, size.bytes, size.label));
    }
  }

  let parity: Parity | undefined;
  if (options.parity !== 'off' && options.targets.length === 2) {
    stage(`parity check (${options.parity === 'all' ? 'red and white wines' : 'red wines'}, edge values, bad inputs)`);
    parity = await measureParity(root, definitions, options.parity);
  }
  if (options.signal?.aborted) return { status: 'ABORTED' };

  stage('synthesizing the benchmark state machine');
  const template = synthesizeBenchmarkTemplate({ repoRoot: root });

  const service = await LocalLambdaService.start({ limits: options.limits });
  const staging = path.join(path.dirname(outDir), `.${path.basename(outDir)}.partial-${process.pid}`);
  try {
    for (const definition of definitions) service.register(definition);
    for (const spec of specs) {
      if (!BATCHED_COLD_STARTS.has(spec.key as TargetKey)) continue;
      const decision = chooseColdStartConcurrency(options.coldStartConcurrency ?? 'auto', {
        limitsApplied: service.limits.applied,
        cpus: os.availableParallelism(),
        memorySizeMB: spec.memorySizeMB,
      });
      spec.coldStartConcurrency = decision.concurrency;
      if (decision.concurrency > 1) stage(`${spec.key}: ${decision.concurrency} cold starts per forced update (${decision.reason})`);
    }
    const environment = collectEnvironmentManifest({
      aprBuildInfo,
      pytorchPython: options.targets.includes('pytorch') ? all.pytorch.command : undefined,
      limitsApplied: service.limits.applied,
      limitsReason: service.limits.reason,
    });
    stage(`running on the local Lambda service (limits ${service.limits.applied ? 'applied' : 'not applied'})`);
    const run = await runStateMachineLocally({
      template,
      lambdaEndpoint: service.endpoint,
      outDir: staging,
      targets: specs,
      input: {
        config: {
          coldStarts: options.coldStarts,
          warmInvocations: options.warmInvocations,
          ...(options.payload ? { payload: options.payload } : {}),
        },
      },
      environment,
      ...(parity ? { parity } : {}),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    if (run.status === 'ABORTED') return { status: 'ABORTED' };
    mkdirSync(path.dirname(outDir), { recursive: true });
    renameSync(run.resultsDir, outDir);
    const resultsFile = path.join(outDir, 'results.json');
    const outcome: LocalBenchOutcome = { status: run.status, outDir };
    if (existsSync(resultsFile)) outcome.results = JSON.parse(readFileSync(resultsFile, 'utf8')) as BenchmarkResults;
    if (run.error) outcome.error = run.error;
    return outcome;
  } finally {
    await service.stop();
    rmSync(staging, { recursive: true, force: true });
  }
}
