/**
 * npm run compare -- BASELINE CANDIDATE [MORE...] [--fail-if-slower 10%] [--out DIR] [--noise 5%] [--noise-ms 0.5] [--seed 1]
 *
 * Two run directories (local or AWS, in any mix): the candidate against the baseline, per target and
 * metric, with bootstrap intervals and verdicts. Three or more: their history in time order, and the
 * last run against the one before it. Prints a table; with --out, also writes compare.md, compare.json
 * and the charts there (whole or not at all). Without --out nothing is written: a CI gate needs only the
 * message and the exit code, and the run directories are results that compare never touches.
 *
 * Exit codes: 0 compared (and the gate passed), 1 the gate failed, 2 bad input (nothing written).
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { DEFAULT_COMPARE_OPTIONS } from '../lib/compare/compare-runs';
import { parseThresholds, ThresholdError, type Threshold } from '../lib/compare/gate';
import { renderConsole } from '../lib/compare/render-console';
import { buildCompareReport } from '../lib/compare/report';
import { CompareInputError, readRunDirectory } from '../lib/compare/run-dir';
import { checkCompareOut, compareFiles, writeCompareOutput } from '../lib/compare/write-output';
import { findFileWriteError } from '../lib/util/file-write-error';
import { parseArguments } from '../lib/util/parse-arguments';

export interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
}

function positiveInt(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new InvalidArgumentError(`expected a positive integer, got ${value}`);
  return Number(value);
}

function nonNegativeInt(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`expected an integer of 0 or more, got ${value}`);
  return Number(value);
}

function nonNegativeNumber(value: string): number {
  if (!/^\d+(\.\d+)?$/.test(value)) throw new InvalidArgumentError(`expected a number of 0 or more, got ${value}`);
  return Number(value);
}

function percent(value: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*%\s*$/.exec(value);
  if (!m) throw new InvalidArgumentError(`expected a percentage such as 5%, got ${value}`);
  return Number(m[1]) / 100;
}

export async function main(argv: string[], io: Io): Promise<number> {
  const program = new Command()
    .name('compare')
    .description('Compare benchmark runs (local or AWS): change per target and metric with bootstrap intervals, a CI gate, history')
    .argument('<runs...>', 'run directories: baseline then candidate, or three or more for a history')
    .option('--fail-if-slower <thresholds>', 'exit 1 when the whole 95% interval of a change lies beyond its threshold: 10% (Init Duration p50), or init=10%,warm=20%,init.p90=25% (metrics: init, warm, memory, roundtrip, cost)')
    .option('--out <dir>', 'also write compare.md, compare.json and the charts into this new or empty directory (default: print only)')
    .addOption(
      new Option('--noise <percent>', 'a verdict needs the whole interval beyond this relative change')
        .argParser(percent)
        .default(DEFAULT_COMPARE_OPTIONS.noise, `${DEFAULT_COMPARE_OPTIONS.noise * 100}%`),
    )
    .option('--noise-ms <ms>', 'for timings, a verdict also needs the whole interval of the difference beyond this many ms', nonNegativeNumber, DEFAULT_COMPARE_OPTIONS.noiseMs)
    .option('--seed <n>', 'bootstrap seed (the same runs and seed give the same intervals)', nonNegativeInt, DEFAULT_COMPARE_OPTIONS.seed)
    .option('--iterations <n>', 'bootstrap rounds', positiveInt, DEFAULT_COMPARE_OPTIONS.iterations);
  const parsed = parseArguments(program, argv, io, 2);
  if (parsed !== undefined) return parsed;
  const o = program.opts<{ failIfSlower?: string; out?: string; noise: number; noiseMs: number; seed: number; iterations: number }>();
  try {
    // Every input is checked before anything is computed or written.
    let thresholds: Threshold[] | undefined;
    if (o.failIfSlower !== undefined) thresholds = parseThresholds(o.failIfSlower);
    if (o.out !== undefined) checkCompareOut(o.out);
    const runs = program.args.map((dir) => readRunDirectory(dir));
    const report = buildCompareReport(runs, { iterations: o.iterations, seed: o.seed, noise: o.noise, noiseMs: o.noiseMs, ...(thresholds ? { thresholds } : {}) });
    const files = o.out !== undefined ? compareFiles(report) : [];
    io.out(renderConsole(report));
    if (o.out !== undefined) {
      const written = writeCompareOutput(o.out, files);
      io.out(`\nwritten: ${written}/ (${files.map((f) => f.name).join(', ')})\n`);
    }
    return report.gate && report.gate.failures.length > 0 ? 1 : 0;
  } catch (error) {
    if (error instanceof CompareInputError || error instanceof ThresholdError) {
      io.err(`compare: ${error.message}\n`);
      return 2;
    }
    const write = findFileWriteError(error);
    if (write) {
      io.err(`compare: ${write.message}; nothing was written to --out\n`);
      return 2;
    }
    throw error;
  }
}

if (require.main === module) {
  main(process.argv.slice(2), { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) }).then(
    (code) => process.exit(code),
    (error: Error) => {
      process.stderr.write(`compare: ${error.stack ?? error.message}\n`);
      process.exit(2);
    },
  );
}
