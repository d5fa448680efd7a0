/**
 * npm run calibrate                     build the calibration functions, measure each through the local
 *                                       service, write data/calibration/ (table, measurements, fitted model)
 * npm run calibrate -- --refit          refit data/calibration/fitted-model.json from the committed table
 * Options: --cold-starts N (30), --limits auto|on|off (auto), --only a,b (function names), --aws-csv FILE,
 * --data-dir DIR (data/calibration).
 */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { defaultAwsFiguresPath, readAwsFigures } from '../lib/calibration/aws-figures';
import {
  calibrationRows,
  CalibrationError,
  machineSummary,
  readCalibrationTargets,
  refitFromTable,
  renderSummary,
  writeMeasurements,
} from '../lib/calibration/calibrate';
import { measureColdStarts } from '../lib/calibration/measure';
import type { LimitsMode } from '../lib/local-lambda';
import { loadAverage1m } from '../lib/local-bench/environment-manifest';

const ROOT = path.resolve(__dirname, '..');
// The SDK's notice that its 2027 releases need Node 22 would sit in the middle of the progress output;
// the README says so once instead (as bin/bench.ts does).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`expected a positive integer, got ${value}`);
  return n;
}

async function main(): Promise<void> {
  const opts = new Command()
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
    .parse()
    .opts<{ refit: boolean; coldStarts: number; limits: LimitsMode; only?: string; awsCsv: string; dataDir: string }>();
  const dataDir = path.resolve(opts.dataDir);

  if (!opts.refit) {
    // npm packages and every calibration function (scripts/setup-calibration.sh), not the bench's functions;
    // its output on stderr, so that stdout holds the summary alone.
    const setup = spawnSync('bash', [path.join(ROOT, 'scripts', 'setup.sh'), 'calibrate'], { stdio: ['ignore', 2, 2] });
    if (setup.status !== 0) throw new CalibrationError('scripts/setup.sh calibrate failed; its messages are above');
    let targets = readCalibrationTargets(ROOT);
    if (opts.only) {
      const wanted = new Set(opts.only.split(',').map((s) => s.trim()));
      const unknown = [...wanted].filter((w) => !targets.some((t) => t.definition.functionName === w));
      if (unknown.length) throw new CalibrationError(`--only: no calibration function named ${unknown.join(', ')} (known: ${targets.map((t) => t.definition.functionName).join(', ')})`);
      targets = targets.filter((t) => wanted.has(t.definition.functionName));
    }
    const aws = readAwsFigures(path.resolve(opts.awsCsv));
    const loadBefore = loadAverage1m();
    process.stderr.write(`measuring ${targets.length} functions, ${opts.coldStarts} cold starts each, limits ${opts.limits}\n`);
    const run = await measureColdStarts(targets, {
      coldStarts: opts.coldStarts,
      limits: opts.limits,
      onProgress: (round, rounds) => process.stderr.write(`\rround ${round}/${rounds} (one cold start of each function)${round === rounds ? '\n' : ''}`),
    });
    const rows = calibrationRows(run, targets, aws);
    writeMeasurements(
      dataDir,
      {
        measuredAt: new Date().toISOString(),
        machine: { ...machineSummary(), loadAverage1mBefore: loadBefore, loadAverage1mAfter: loadAverage1m() },
        coldStartsPerFunction: opts.coldStarts,
        limits: run.limits,
        awsFigures: path.basename(opts.awsCsv),
        functions: run.functions,
      },
      rows,
    );
  }
  const { rows, model } = refitFromTable(ROOT, dataDir);
  process.stdout.write(`${renderSummary(rows, model)}`);
  process.stdout.write(`model written to ${path.relative(process.cwd(), path.join(dataDir, 'fitted-model.json'))}\n`);
}


main().catch((e: unknown) => {
  process.stderr.write(`calibrate: ${(e as Error).message}\n`);
  process.exit(1);
});
