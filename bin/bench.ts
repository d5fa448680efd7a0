/**
 * `npm run bench`: the whole benchmark on one machine. Starts the local Lambda service, checks parity,
 * executes the synthesized benchmark state machine against it, stops every process it started (also on
 * Ctrl-C or a failure), prints the summary, and leaves the results in --out.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import type { JsonObject } from '../lib/benchmark/types';
import { parseColdStartConcurrency, type ColdStartConcurrencyChoice } from '../lib/local-bench/cold-start-concurrency';
import { renderConsoleSummary } from '../lib/local-bench/console-summary';
import { ProgressBar } from '../lib/local-bench/progress';
import { runLocalBench, TARGET_KEYS, type ParitySet, type TargetKey } from '../lib/local-bench/run-local-bench';
import type { LimitsMode } from '../lib/local-lambda';

const ROOT = path.resolve(__dirname, '..');
// The SDK's notice that its 2027 releases need Node 22 would sit in the middle of the progress output;
// the README says so once instead.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

function positiveInteger(name: string, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1 || n > max) throw new InvalidArgumentError(`${name} must be a whole number from 1 to ${max}, got "${value}"`);
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

function targetList(value: string): TargetKey[] {
  const keys = value.split(',').map((k) => k.trim()).filter(Boolean);
  const unknown = keys.filter((k) => !(TARGET_KEYS as readonly string[]).includes(k));
  if (keys.length === 0 || unknown.length) throw new InvalidArgumentError(`unknown target ${unknown.join(', ') || '(none)'}; choose from ${TARGET_KEYS.join(', ')}`);
  return [...new Set(keys)] as TargetKey[];
}

function payloadFile(file: string): JsonObject {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new InvalidArgumentError(`cannot read a JSON payload from ${file}: ${(error as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new InvalidArgumentError(`${file} must hold a JSON object`);
  return parsed as JsonObject;
}

function timestamp(now = new Date()): string {
  return now.toISOString().replace(/:/g, '').replace(/\.\d+Z$/, 'Z');
}

const program = new Command()
  .name('bench')
  .description('Benchmark the .apr and PyTorch functions on the local Lambda service, through the same state machine as on AWS')
  .option('--cold-starts <n>', 'forced cold starts per function', positiveInteger('--cold-starts', 500), 30)
  .option('--warm <n>', 'warm invocations per function', positiveInteger('--warm', 5000), 100)
  .option('--targets <list>', `functions to measure, comma-separated (${TARGET_KEYS.join(',')})`, targetList, [...TARGET_KEYS])
  .option('--out <dir>', 'results directory (must be new or empty)', path.join('bench-results', timestamp()))
  .option('--payload <file>', 'a JSON file with the event to send (default: the reference payload)', payloadFile)
  .addOption(new Option('--limits <mode>', 'CPU and memory limits matching each function\'s memory size (cgroups)').choices(['auto', 'on', 'off']).default('auto'))
  .addOption(new Option('--parity <set>', 'parity check before measuring').choices(['red', 'all', 'off']).default('red'))
  .option(
    '--cold-start-concurrency <n>',
    'environments the PyTorch function initialises at once per forced cold start, each under its own CPU quota ' +
      '(auto: as many quotas as fit in all CPUs but one; 1 without limits); the .apr function always has one',
    coldStartConcurrency,
    'auto',
  )
  .parse();

const options = program.opts<{
  coldStarts: number; warm: number; targets: TargetKey[]; out: string; payload?: JsonObject; limits: LimitsMode; parity: ParitySet;
  coldStartConcurrency: ColdStartConcurrencyChoice;
}>();

async function main(): Promise<number> {
  const abort = new AbortController();
  let interrupts = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    interrupts++;
    if (interrupts > 1) process.exit(130);
    process.stderr.write(`\n${signal}: stopping the run and every process it started (again to force)\n`);
    abort.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const bar = new ProgressBar();
  const total = options.targets.length * (options.coldStarts + options.warm);
  let done = 0;
  const outcome = await runLocalBench({
    projectRoot: ROOT,
    targets: options.targets,
    coldStarts: options.coldStarts,
    warmInvocations: options.warm,
    ...(options.payload ? { payload: options.payload } : {}),
    outDir: options.out,
    limits: options.limits,
    parity: options.parity,
    coldStartConcurrency: options.coldStartConcurrency,
    signal: abort.signal,
    onStage: (message) => { bar.finish(); process.stderr.write(`${message}...\n`); },
    onProgress: (event) => {
      if (event.type === 'invocation') bar.update(`${event.target} ${event.phase}`, ++done, total);
      else if (event.type === 'collecting') bar.update(`${event.target}: collecting REPORT lines`, done, total);
      else if (event.type === 'target-error') { bar.finish(); process.stderr.write(`${event.target}: ${event.message}\n`); }
    },
  });
  bar.finish();

  if (outcome.status === 'ABORTED') {
    process.stderr.write('run stopped; no results were written\n');
    return 130;
  }
  if (outcome.results) console.log(`\n${renderConsoleSummary(outcome.results)}`);
  if (outcome.error) console.error(`\nthe run failed: ${outcome.error.error}: ${outcome.error.cause}`);
  console.log(`\nresults: ${path.relative(process.cwd(), outcome.outDir!) || '.'}/ (report.md, results.json, invocations.csv, charts)`);
  const failed = outcome.status !== 'SUCCEEDED' || !outcome.results
    || Object.values(outcome.results.targets).some((t) => t.errors > 0 || t.runErrors.length > 0)
    || outcome.results.parity?.identicalLabels === false;
  return failed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    process.stderr.write(`bench: ${error.message}\n`);
    process.exit(1);
  },
);
