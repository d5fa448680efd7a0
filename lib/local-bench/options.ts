/**
 * `npm run bench`'s options: parsed and checked here, before setup or anything is measured, in well
 * under a second. Every value is refused with a message naming the option; nothing is guessed
 * (`--cold-starts 0x10` is not 16).
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import type { JsonObject } from '../benchmark/types';
import type { LimitsMode } from '../local-lambda';
import { checkTargetFiles } from '../targets/local-targets';
import { readTargetFile, TargetFileError, type TargetFile } from '../targets/target-file';
import type { ColdStartConcurrencyChoice } from './cold-start-concurrency';
import { checkPayloadText } from './payload-check';
import { TARGET_KEYS, type ParitySet, type TargetKey } from './targets';

export interface BenchOptions {
  coldStarts: number;
  warm: number;
  targets: TargetKey[];
  /**
   * false when --targets was not given: then every registry target that cannot run here is skipped with
   * its reason and build command; a target named in --targets that cannot run stops the run instead.
   */
  targetsChosen: boolean;
  /** --memory: every chosen target at each of these sizes (MB) that fits it; absent: each at its own size. */
  memorySizes?: number[];
  /** Functions from --target-file, read and validated; measured beside the built-in targets. */
  targetFiles: TargetFile[];
  out: string;
  payload?: JsonObject;
  limits: LimitsMode;
  parity: ParitySet;
  coldStartConcurrency: ColdStartConcurrencyChoice;
  /** --calibration: which model predicts AWS ('in-run': measured in this run; 'committed': data/calibration/). */
  calibration: 'in-run' | 'committed';
  /** --calibration-cold-starts: cold starts of each calibration function in an in-run calibration. */
  calibrationColdStarts: number;
  /** false with --no-setup: scripts/setup.sh is not run (the machine is known to be ready). */
  setup: boolean;
}

/** A whole number written in plain decimal digits, within [min, max]. */
export function decimalInteger(name: string, min: number, max: number) {
  return (value: string): number => {
    const text = value.trim();
    const n = /^\d+$/.test(text) ? Number(text) : NaN;
    if (!Number.isSafeInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`${name} must be a whole number from ${min} to ${max} in decimal digits, got "${value}"`);
    }
    return n;
  };
}

function coldStartConcurrency(value: string): ColdStartConcurrencyChoice {
  try {
    // Loaded only when the option is given: it brings the cgroup modules, which cost start-up time, and
    // every refusal should come at once.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { parseColdStartConcurrency } = require('./cold-start-concurrency') as typeof import('./cold-start-concurrency');
    return parseColdStartConcurrency(value);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

export function targetList(value: string): TargetKey[] {
  // "none": no built-in target, for a run of --target-file functions only.
  if (value.trim() === 'none') return [];
  const keys = value.split(',').map((k) => k.trim()).filter(Boolean);
  const unknown = keys.filter((k) => !(TARGET_KEYS as readonly string[]).includes(k));
  if (keys.length === 0 || unknown.length) throw new InvalidArgumentError(`unknown target ${unknown.join(', ') || '(none)'}; choose from ${TARGET_KEYS.join(', ')}`);
  return [...new Set(keys)] as TargetKey[];
}

/** Lambda's memory range, MB (Lambda developer guide, "Configure Lambda function memory": 128 MB to 10,240 MB). */
export const MIN_MEMORY_MB = 128;
export const MAX_MEMORY_MB = 10240;

/** --memory 128,256,...: whole numbers of MB in Lambda's range, each once, in ascending order. */
export function memoryList(value: string): number[] {
  const parts = value.split(',').map((k) => k.trim());
  const parse = decimalInteger('--memory', MIN_MEMORY_MB, MAX_MEMORY_MB);
  if (parts.length === 0 || parts.some((p) => p === '')) throw new InvalidArgumentError(`--memory takes a comma-separated list of sizes in MB, got "${value}"`);
  return [...new Set(parts.map((p) => parse(p)))].sort((a, b) => a - b);
}

/** Reads and checks a payload file against docs/CONTRACT.md and Lambda's payload limit. */
export function payloadFile(file: string): JsonObject {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new InvalidArgumentError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  try {
    return checkPayloadText(text, file).event as JsonObject;
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

/**
 * --target-file FILE, repeatable, each value possibly a comma-separated list: every file is read and
 * validated now, so a bad one is refused (naming the file and the field) before setup or any measurement.
 */
export function targetFileArgument(value: string, previous: TargetFile[] = []): TargetFile[] {
  const files = value.split(',').map((f) => f.trim()).filter(Boolean);
  if (files.length === 0) throw new InvalidArgumentError('--target-file must name a file');
  const out = [...previous];
  for (const file of files) {
    try {
      out.push(readTargetFile(file));
    } catch (error) {
      if (error instanceof TargetFileError) throw new InvalidArgumentError(error.message);
      throw error;
    }
  }
  return out;
}

export function outDirArgument(value: string): string {
  if (value.trim() === '') throw new InvalidArgumentError('--out must name a directory');
  if (value.includes('\0')) throw new InvalidArgumentError('--out must not contain a NUL byte');
  return value;
}

function timestamp(now = new Date()): string {
  return now.toISOString().replace(/:/g, '').replace(/\.\d+Z$/, 'Z');
}

/** The command line. Options are added here; what they mean is decided by the caller. */
export function buildBenchCommand(): Command {
  return new Command()
    .name('bench')
    .description('Benchmark the cold-start ladder (lib/targets/registry.ts) on the local Lambda service, through the same state machine as on AWS')
    .option('--cold-starts <n>', 'forced cold starts per function', decimalInteger('--cold-starts', 1, 500), 30)
    .option('--warm <n>', 'warm invocations per function', decimalInteger('--warm', 1, 5000), 100)
    .option('--targets <list>', `registry targets to measure, comma-separated (${TARGET_KEYS.join(',')}), or none (default: every one that can run here)`, targetList, [...TARGET_KEYS])
    .option('--memory <list>', `memory sizes in MB, comma-separated (${MIN_MEMORY_MB}-${MAX_MEMORY_MB}): every target at each size that fits it (default: each target's own size)`, memoryList)
    .option(
      '--target-file <file>',
      'a JSON target file bringing another function into the run (lib/targets/target-file.ts); repeatable, or a comma-separated list',
      targetFileArgument,
      [],
    )
    .option('--out <dir>', 'results directory (must be new or empty; it appears only when the run has ended whole)', outDirArgument, path.join('bench-results', timestamp()))
    .option('--payload <file>', 'a JSON file with the event to send, checked against docs/CONTRACT.md (default: the reference payload)', payloadFile)
    .addOption(new Option('--limits <mode>', 'CPU and memory limits matching each function\'s memory size (cgroups)').choices(['auto', 'on', 'off']).default('auto'))
    .addOption(new Option('--parity <set>', 'parity check before measuring').choices(['red', 'all', 'off']).default('red'))
    .option(
      '--cold-start-concurrency <n>',
      'environments the PyTorch function initialises at once per forced cold start, each under its own CPU quota ' +
        '(auto: as many quotas as fit in all CPUs but one; 1 without limits); the .apr function always has one',
      coldStartConcurrency,
      'auto',
    )
    .addOption(
      new Option(
        '--calibration <model>',
        'the model that predicts AWS: in-run (the calibration functions measured in this run, beside the targets; the committed model if one cannot be built or fails) or committed (data/calibration/fitted-model.json)',
      )
        .choices(['in-run', 'committed'])
        .default('in-run'),
    )
    .option('--calibration-cold-starts <n>', 'cold starts of each calibration function in an in-run calibration', decimalInteger('--calibration-cold-starts', 3, 100), 10)
    .option('--no-setup', 'do not run scripts/setup.sh first (the machine is known to be ready)');
}

/** Parses `argv` (as process.argv). Bad values end the process with commander's usage error. */
export function parseBenchOptions(argv: readonly string[], command: Command = buildBenchCommand()): BenchOptions {
  command.parse(argv as string[]);
  // Commander names the repeatable --target-file's value `targetFile`; it holds every file given.
  const { targetFile, ...rest } = command.opts<Omit<BenchOptions, 'targetFiles'> & { targetFile: TargetFile[] }>();
  const { memory, ...others } = rest as typeof rest & { memory?: number[] };
  const options: BenchOptions = {
    ...others,
    targetsChosen: command.getOptionValueSource('targets') === 'cli',
    ...(memory ? { memorySizes: memory } : {}),
    targetFiles: targetFile,
  };
  // Checks across options: something to measure, and target files that clash with nothing.
  if (options.targets.length === 0 && options.targetFiles.length === 0) command.error('error: --targets none needs at least one --target-file');
  try {
    checkTargetFiles(options.targetFiles);
  } catch (error) {
    command.error(`error: option '--target-file <file>': ${(error as Error).message}`);
  }
  return options;
}
