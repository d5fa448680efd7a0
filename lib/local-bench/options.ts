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
import { parseColdStartConcurrency, type ColdStartConcurrencyChoice } from './cold-start-concurrency';
import { checkPayloadText } from './payload-check';
import { TARGET_KEYS, type ParitySet, type TargetKey } from './targets';

export interface BenchOptions {
  coldStarts: number;
  warm: number;
  targets: TargetKey[];
  out: string;
  payload?: JsonObject;
  limits: LimitsMode;
  parity: ParitySet;
  coldStartConcurrency: ColdStartConcurrencyChoice;
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
    return parseColdStartConcurrency(value);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

export function targetList(value: string): TargetKey[] {
  const keys = value.split(',').map((k) => k.trim()).filter(Boolean);
  const unknown = keys.filter((k) => !(TARGET_KEYS as readonly string[]).includes(k));
  if (keys.length === 0 || unknown.length) throw new InvalidArgumentError(`unknown target ${unknown.join(', ') || '(none)'}; choose from ${TARGET_KEYS.join(', ')}`);
  return [...new Set(keys)] as TargetKey[];
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
    .description('Benchmark the .apr and PyTorch functions on the local Lambda service, through the same state machine as on AWS')
    .option('--cold-starts <n>', 'forced cold starts per function', decimalInteger('--cold-starts', 1, 500), 30)
    .option('--warm <n>', 'warm invocations per function', decimalInteger('--warm', 1, 5000), 100)
    .option('--targets <list>', `functions to measure, comma-separated (${TARGET_KEYS.join(',')})`, targetList, [...TARGET_KEYS])
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
    .option('--no-setup', 'do not run scripts/setup.sh first (the machine is known to be ready)');
}

/** Parses `argv` (as process.argv). Bad values end the process with commander's usage error. */
export function parseBenchOptions(argv: readonly string[], command: Command = buildBenchCommand()): BenchOptions {
  command.parse(argv as string[]);
  return command.opts<BenchOptions>();
}
