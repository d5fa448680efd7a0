/**
 * npm run calibrate                     build the calibration functions, measure each through the local
 *                                       service, write data/calibration/ (table, measurements, fitted model)
 * npm run calibrate -- --refit          refit data/calibration/fitted-model.json from the committed table
 * npm run calibrate -- --aws-run DIR --local-run DIR [--skip-unmatched]
 *                                       add each target an AWS run measured as a calibration point, its
 *                                       local figures from the local run (lib/calibration/aws-run-points.ts),
 *                                       and refit; nothing is written when a point is refused
 * Options: --cold-starts N (30), --limits auto|on|off (auto), --only a,b (function names), --aws-csv FILE,
 * --data-dir DIR (data/calibration), --no-holdouts, --fit-holdouts (print the fit the hold-outs would give as
 * calibration families, from their stored measurements; nothing written).
 *
 * The hold-outs (holdout/: runtimes outside the calibration set) are measured in the same rounds and
 * checked against the model just fitted, never fitted on (lib/calibration/holdout.ts); --refit checks their
 * stored measurements again with the refitted model.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { defaultAwsFiguresPath, readAwsFigures } from '../lib/calibration/aws-figures';
import {
  awsRunPoints,
  AwsRunPointsError,
  describeRefused,
  familiesOfOtherSources,
  mergeAwsRunRows,
  readAwsAndLocalRuns,
} from '../lib/calibration/aws-run-points';
import {
  calibrationRows,
  CalibrationError,
  fitTableText,
  machineSummary,
  MODEL_FILE,
  readCalibrationTargets,
  readTableText,
  refitFromTable,
  renderSummary,
  TABLE_FILE,
  writeMeasurements,
} from '../lib/calibration/calibrate';
import {
  builtHoldoutTargets,
  defaultHoldoutFiguresPath,
  HOLDOUT_CHECK_FILE,
  HOLDOUT_SOURCE,
  holdoutAwsFiguresLabel,
  holdoutCheck,
  type HoldoutMeasurements,
  holdoutMeasurementsOf,
  holdoutRowsAsCalibration,
  readHoldoutAwsFigures,
  readHoldoutCheckFile,
  readHoldoutTargets,
  renderHoldoutCheck,
  renderHoldoutCheckFile,
} from '../lib/calibration/holdout';
import { parseCalibrationTable, renderCalibrationTable } from '../lib/calibration/table';
import { type MeasurementRun, measureColdStarts } from '../lib/calibration/measure';
import type { FittedModel } from '../lib/prediction/types';
import type { TargetFile } from '../lib/targets/target-file';
import type { LimitsMode } from '../lib/local-lambda';
import { loadAverage1m } from '../lib/local-bench/environment-manifest';
import { fitModel, renderFittedModel } from '../lib/prediction/fit';
import type { CalibrationRow } from '../lib/prediction/types';
import { writeFileAtomic } from '../lib/util/atomic-write';
import { findFileWriteError } from '../lib/util/file-write-error';
import { parseArguments } from '../lib/util/parse-arguments';

const ROOT = path.resolve(__dirname, '..');
// The SDK's notice that its 2027 releases need Node 22 would sit in the middle of the progress output;
// the README says so once instead (as bin/bench.ts does).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`expected a positive integer, got ${value}`);
  return n;
}

export interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
}

interface CalibrateOptions {
  refit: boolean;
  coldStarts: number;
  limits: LimitsMode;
  only?: string;
  awsCsv: string;
  dataDir: string;
  awsRun?: string;
  localRun?: string;
  skipUnmatched: boolean;
  holdouts: boolean;
  holdoutCsv: string;
  fitHoldouts: boolean;
}

/** Returns the exit code: 0 done, 1 refused or failed (the message says why; nothing is written half). */
export async function main(argv: string[], io: Io): Promise<number> {
  const program = new Command()
    .name('calibrate')
    .description('Measures the calibration functions locally and fits the model that predicts AWS Init Duration')
    .option('--refit', 'refit the model from the committed table, without measuring', false)
    .option('--cold-starts <n>', 'forced cold starts per calibration function', positiveInt, 30)
    // As npm run bench measures: the service's limits where the machine allows them, i.e. init with burst
    // CPU and the memory limit, the memory-proportional CPU share from the first GET /next on.
    .addOption(new Option('--limits <mode>', 'cgroup limits of the local service').choices(['off', 'auto', 'on']).default('auto'))
    .option('--only <names>', 'measure only these functions (comma-separated functionName values); the table keeps only them')
    .option('--aws-csv <file>', "lambda-perf's AWS figures", defaultAwsFiguresPath(ROOT))
    .option('--data-dir <dir>', 'where the table, measurements and model are written', path.join(ROOT, 'data', 'calibration'))
    .addOption(
      new Option('--aws-run <dir>', 'add the targets of this AWS run (npm run bench:aws -- --out DIR) as calibration points, and refit; needs --local-run')
        .conflicts(['refit', 'only'])
    )
    .option('--local-run <dir>', 'the local run (npm run bench -- --out DIR) whose figures of the same targets go beside the AWS ones')
    .option('--skip-unmatched', 'with --aws-run: leave out the points that cannot be matched (each named) instead of refusing them all', false)
    .option('--no-holdouts', 'do not measure or check the hold-outs (holdout/: runtimes outside the calibration set)')
    .option('--holdout-csv <file>', "lambda-perf's AWS figures of the hold-out runtimes", defaultHoldoutFiguresPath(ROOT))
    .option('--fit-holdouts', 'also print the fit with the hold-outs as calibration families, from their stored measurements (nothing is written)', false);
  const parsed = parseArguments(program, argv, io, 1);
  if (parsed !== undefined) return parsed;
  const opts = program.opts<CalibrateOptions>();
  const dataDir = path.resolve(opts.dataDir);
  try {
    if (opts.awsRun !== undefined || opts.localRun !== undefined) return addAwsRun(opts, dataDir, io);
    if (opts.skipUnmatched) throw new CalibrationError('--skip-unmatched goes with --aws-run DIR --local-run DIR');
    const holdouts = opts.refit ? undefined : await measure(opts, dataDir, io);
    const { rows, model } = refitFromTable(ROOT, dataDir);
    io.out(`${renderSummary(rows, model)}\n`);
    io.out(`model written to ${path.relative(process.cwd(), path.join(dataDir, MODEL_FILE))}\n`);
    if (opts.holdouts) checkAndWriteHoldouts(opts, dataDir, model, holdouts, io);
    if (opts.fitHoldouts) printFitWithHoldouts(opts, dataDir, rows, io);
    return 0;
  } catch (error) {
    const write = findFileWriteError(error);
    io.err(`calibrate: ${(write ?? (error as Error)).message}\n`);
    return 1;
  }
}

/** The hold-outs measured in a calibration run, for the check once the model is fitted. */
interface MeasuredHoldouts {
  run: MeasurementRun;
  targets: TargetFile[];
  notMeasured: string[];
  coldStarts: number;
}

async function measure(opts: CalibrateOptions, dataDir: string, io: Io): Promise<MeasuredHoldouts | undefined> {
  // npm packages and every calibration function (scripts/setup-calibration.sh), not the bench's functions;
  // its output on stderr, so that stdout holds the summary alone.
  const setup = spawnSync('bash', [path.join(ROOT, 'scripts', 'setup.sh'), 'calibrate'], { stdio: ['ignore', 2, 2] });
  if (setup.status !== 0) throw new CalibrationError('scripts/setup.sh calibrate failed; its messages are above');
  const name = (t: TargetFile) => t.definition.functionName;
  const all = readCalibrationTargets(ROOT);
  const chosen = selectedByOnly(opts.only, all.map(name), opts.holdouts ? readHoldoutTargets(ROOT).map(name) : []);
  const targets = all.filter((t) => chosen.calibration.includes(name(t)));
  const aws = readAwsFigures(path.resolve(opts.awsCsv));
  // The hold-outs take their turns in the same rounds, under the same limits and load.
  let holdouts: TargetFile[] = [];
  let notMeasured: string[] = [];
  if (chosen.holdouts.length > 0) {
    ({ built: holdouts, missing: notMeasured } = builtHoldoutTargets(ROOT, chosen.holdouts));
    for (const m of notMeasured) io.err(`hold-out not measured: ${m}\n`);
  }
  const loadBefore = loadAverage1m();
  io.err(`measuring ${targets.length} calibration functions and ${holdouts.length} hold-outs, ${opts.coldStarts} cold starts each, limits ${opts.limits}\n`);
  // A hold-out that fails is dropped alone and named: it is a test of the model, not part of the calibration.
  const measured = await measureColdStarts(targets, {
    coldStarts: opts.coldStarts,
    limits: opts.limits,
    droppable: holdouts,
    onProgress: (round, rounds) => io.err(`\rround ${round}/${rounds} (one cold start of each function)${round === rounds ? '\n' : ''}`),
  });
  const held = measured.droppable ?? { functions: [], dropped: [] };
  for (const d of held.dropped) io.err(`hold-out not measured: ${d}\n`);
  const rows = calibrationRows(measured, targets, aws);
  writeMeasurements(
    dataDir,
    {
      measuredAt: new Date().toISOString(),
      machine: { ...machineSummary(), loadAverage1mBefore: loadBefore, loadAverage1mAfter: loadAverage1m() },
      coldStartsPerFunction: opts.coldStarts,
      limits: measured.limits,
      awsFigures: path.basename(opts.awsCsv),
      functions: measured.functions,
    },
    rows,
  );
  // No hold-out measured (none asked for): the stored measurements are checked again, never replaced by none.
  if (chosen.holdouts.length === 0) return undefined;
  return {
    run: { limits: measured.limits, functions: held.functions },
    targets: holdouts.filter((t) => held.functions.some((f) => f.functionName === name(t))),
    notMeasured: [...notMeasured, ...held.dropped],
    coldStarts: opts.coldStarts,
  };
}

/**
 * The functions a measuring run takes: without --only, every calibration function and hold-out; with it, the
 * ones it names, each of which must be one or the other, and at least one a calibration function (the table
 * is measured from the ones it names). When it names no hold-out, none is measured and the stored hold-out
 * measurements are checked again, not replaced.
 */
export function selectedByOnly(only: string | undefined, calibration: readonly string[], holdouts: readonly string[]): { calibration: string[]; holdouts: string[] } {
  if (only === undefined) return { calibration: [...calibration], holdouts: [...holdouts] };
  const wanted = new Set(only.split(',').map((s) => s.trim()));
  const unknown = [...wanted].filter((w) => !calibration.includes(w) && !holdouts.includes(w));
  if (unknown.length) {
    throw new CalibrationError(
      `--only: no calibration function or hold-out named ${unknown.join(', ')} (calibration functions: ${calibration.join(', ')}; hold-outs: ${holdouts.join(', ') || 'none'})`,
    );
  }
  const chosen = { calibration: calibration.filter((c) => wanted.has(c)), holdouts: holdouts.filter((h) => wanted.has(h)) };
  if (chosen.calibration.length === 0) throw new CalibrationError(`--only names no calibration function (the table is measured from the ones it names): ${only}`);
  return chosen;
}

/**
 * --fit-holdouts: the model the table and the hold-outs together would give, printed with its family-out
 * errors and nothing written, so that what the hold-outs would change is measured, not guessed.
 */
function printFitWithHoldouts(opts: CalibrateOptions, dataDir: string, rows: readonly CalibrationRow[], io: Io): void {
  const file = path.join(dataDir, HOLDOUT_CHECK_FILE);
  if (!fs.existsSync(file)) throw new CalibrationError(`--fit-holdouts needs the hold-outs' measurements in ${file} (npm run calibrate measures them)`);
  const stored = readHoldoutCheckFile(file);
  const extra = holdoutRowsAsCalibration(stored.functions, readHoldoutTargets(ROOT), readHoldoutAwsFigures(path.resolve(opts.holdoutCsv), path.resolve(opts.awsCsv)));
  const all = [...rows, ...extra];
  const model = fitModel(all, { path: `${path.relative(ROOT, path.join(dataDir, TABLE_FILE))} + ${HOLDOUT_CHECK_FILE} (not written)`, sha256: '' });
  io.out(`\nWith the hold-outs as calibration families (${stored.functions.map((f) => f.functionName).join(', ')}; printed only, nothing written):\n`);
  io.out(`${renderSummary(all, model)}\n`);
}

/**
 * Checks the hold-outs against the model just fitted and writes holdout-check.json (whole or not at all).
 * After a measurement, with what was measured; after --refit, with the measurements the file holds (none
 * there: nothing to check, said so).
 */
function checkAndWriteHoldouts(opts: CalibrateOptions, dataDir: string, model: FittedModel, measured: MeasuredHoldouts | undefined, io: Io): void {
  const file = path.join(dataDir, HOLDOUT_CHECK_FILE);
  const aws = readHoldoutAwsFigures(path.resolve(opts.holdoutCsv), path.resolve(opts.awsCsv));
  let measurements: HoldoutMeasurements;
  let targets: TargetFile[];
  if (measured) {
    targets = measured.targets;
    measurements = {
      measuredAt: new Date().toISOString(),
      machine: machineSummary(),
      coldStartsPerFunction: measured.coldStarts,
      limits: measured.run.limits,
      awsFigures: holdoutAwsFiguresLabel(opts.holdoutCsv, opts.awsCsv),
      awsSource: HOLDOUT_SOURCE,
      notMeasured: measured.notMeasured,
      functions: measured.run.functions,
    };
  } else {
    if (!fs.existsSync(file)) {
      io.out(`no hold-out measurements in ${path.relative(process.cwd(), file)} to check (npm run calibrate measures them)\n`);
      return;
    }
    measurements = holdoutMeasurementsOf(readHoldoutCheckFile(file));
    targets = readHoldoutTargets(ROOT);
  }
  const check = holdoutCheck(measurements, targets, aws, model);
  writeFileAtomic(file, renderHoldoutCheckFile(check));
  io.out(`\n${renderHoldoutCheck(check.rows, check.notMeasured)}`);
  io.out(`hold-out check written to ${path.relative(process.cwd(), file)}\n`);
}

/**
 * --aws-run DIR --local-run DIR: the AWS run's targets as calibration points beside the table's rows (the
 * same run's earlier rows replaced), the model refitted on the new table; everything is checked and fitted
 * before the table and the model are written, each whole (lib/util/atomic-write.ts).
 */
function addAwsRun(opts: CalibrateOptions, dataDir: string, io: Io): number {
  if (opts.awsRun === undefined || opts.localRun === undefined) {
    throw new CalibrationError(
      `--aws-run and --local-run go together: --aws-run DIR (npm run bench:aws -- --out DIR) gives the AWS figures, --local-run DIR (npm run bench -- --out DIR) the local figures of the same targets; ${opts.awsRun === undefined ? '--aws-run' : '--local-run'} is missing`,
    );
  }
  const { aws, local } = readAwsAndLocalRuns(opts.awsRun, opts.localRun);
  const existing = parseCalibrationTable(readTableText(dataDir), path.join(dataDir, TABLE_FILE));
  const points = awsRunPoints(aws, local, familiesOfOtherSources(existing));
  const refused = describeRefused(points.refused);
  if (refused.length > 0 && !opts.skipUnmatched) {
    throw new AwsRunPointsError(
      `calibrate --aws-run: ${refused.length} of the AWS run's points cannot be matched with the local run, so nothing was written (--skip-unmatched leaves them out instead)`,
      refused,
    );
  }
  if (points.rows.length === 0) {
    throw new AwsRunPointsError(`calibrate --aws-run: no point of ${points.identity.source} can be matched with the local run, so nothing was written`, refused);
  }
  const merged = mergeAwsRunRows(existing, points);
  const text = renderCalibrationTable(merged.rows);
  // Fitted before anything is written: a table the model cannot be fitted on is not written either.
  const { rows, model } = fitTableText(ROOT, dataDir, text);
  writeFileAtomic(path.join(dataDir, TABLE_FILE), text);
  writeFileAtomic(path.join(dataDir, MODEL_FILE), renderFittedModel(model));
  for (const line of refused) io.err(`skipped (--skip-unmatched): ${line}\n`);
  for (const line of points.notUsed) io.err(`not used: ${line}\n`);
  io.out(
    `${points.identity.source}: ${points.rows.length} calibration point${points.rows.length === 1 ? '' : 's'} added` +
      `${merged.replaced > 0 ? ` (replacing ${merged.replaced} row${merged.replaced === 1 ? '' : 's'} of the same run)` : ''}, local figures from ${local.dir}\n`,
  );
  for (const r of points.rows) {
    io.out(`  ${r.runtime}, ${r.packageType} ${r.architecture} ${r.awsMemoryMB} MB: AWS Init Duration p50 ${r.awsInitP50Ms} ms (n ${r.awsN}), local p50 ${r.localInitP50Ms} ms (n ${r.localN}), ${r.localInitFileMB} file MB\n`);
  }
  io.out('\n');
  io.out(`${renderSummary(rows, model)}\n`);
  io.out(`table written to ${path.relative(process.cwd(), path.join(dataDir, TABLE_FILE))}, model to ${path.relative(process.cwd(), path.join(dataDir, MODEL_FILE))}\n`);
  return 0;
}

if (require.main === module) {
  main(process.argv.slice(2), { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) }).then(
    (code) => process.exit(code),
    (error: Error) => {
      process.stderr.write(`calibrate: ${error.message}\n`);
      process.exit(1);
    },
  );
}
