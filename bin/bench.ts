/**
 * `npm run bench`: the whole benchmark on one machine. In this order: signal handling, a sweep of what
 * killed runs left, every option and the payload checked, the output location checked, scripts/setup.sh,
 * then the run (parity, the synthesized state machine against the local Lambda service). Every phase
 * stops on SIGINT, SIGTERM or SIGHUP; the process exits 130/143/129 only after every process it started
 * has exited and everything it made is removed (a second signal forces). Results appear in --out whole
 * or not at all.
 *
 * APR_BENCH_HOLD_AT=<point> holds the run at a point (`parity`, or a state machine handler such as
 * `invokeCold`, `collectReports`, `aggregate`) until a line arrives on stdin or a signal: the
 * interruption and full-disk tests use it to act at a known phase, not at a guessed time.
 */
import * as path from 'node:path';
import { parseBenchOptions } from '../lib/local-bench/options';
import { discardOutput, discardOutputSync, OutputLocationError, prepareOutputLocation, type OutputPlan } from '../lib/local-bench/output-location';
import { signalGroup } from '../lib/process/process-group';
import { runSetup } from '../lib/local-bench/setup-step';
import { Shutdown, whenAborted } from '../lib/local-bench/shutdown';
import { describeSweptState, sweepStaleRunState, sweepStaleServiceState } from '../lib/local-bench/stale-state';

const ROOT = path.resolve(__dirname, '..');
// The SDK's notice that its 2027 releases need Node 22 would sit in the middle of the progress output;
// the README says so once instead.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const shutdown = new Shutdown().install();
const options = parseBenchOptions(process.argv);

/** Helper process groups alive now (setup, probes, synth): a forced exit kills them. */
const groups = new Set<number>();
const onGroup = (pgid: number) => {
  groups.add(pgid);
  return () => groups.delete(pgid);
};
shutdown.onForce(() => {
  for (const pgid of groups) signalGroup(pgid, 'SIGKILL');
});

/**
 * The test hold (see the header): `point` or `point#N` (its Nth arrival); resolves on a line on stdin
 * or when the run is stopped.
 */
const arrivals = new Map<string, number>();
function holdAt(point: string): Promise<void> {
  const wanted = process.env.APR_BENCH_HOLD_AT;
  if (!wanted) return Promise.resolve();
  const n = (arrivals.get(point) ?? 0) + 1;
  arrivals.set(point, n);
  const [name, nth = '1'] = wanted.split('#');
  if (name !== point || Number(nth) !== n) return Promise.resolve();
  delete process.env.APR_BENCH_HOLD_AT;
  process.stderr.write(`hold: ${wanted}\n`);
  const line = new Promise<void>((resolve) => {
    process.stdin.once('data', () => resolve());
    process.stdin.once('end', () => resolve());
    process.stdin.resume();
  });
  return Promise.race([line, whenAborted(shutdown.signal)]).finally(() => process.stdin.pause());
}

async function main(): Promise<number> {
  // What killed runs left: their staging directories now, their cgroups and runtimes once --out is checked.
  const staging = await sweepStaleRunState([options.out], false);
  if (shutdown.signal.aborted) return shutdown.exitCode(1);

  let plan: OutputPlan;
  try {
    plan = await prepareOutputLocation(options.out);
  } catch (error) {
    if (error instanceof OutputLocationError) {
      process.stderr.write(`bench: ${error.message}\n`);
      return shutdown.exitCode(2);
    }
    throw error;
  }
  const forgetPlan = shutdown.onForce(() => discardOutputSync(plan));
  let kept = false;
  try {
    const service = await sweepStaleServiceState();
    const swept = describeSweptState({ stagingDirs: staging.stagingDirs, service: service.service });
    if (swept) process.stderr.write(`${swept}\n`);
    if (shutdown.signal.aborted) return shutdown.exitCode(1);
    if (options.setup) {
      process.stderr.write('setup: checking what this machine lacks for the bench (scripts/setup.sh bench)...\n');
      await runSetup({ projectRoot: ROOT, purpose: 'bench', signal: shutdown.signal, onGroup });
    }
    if (shutdown.signal.aborted) return shutdown.exitCode(1);
    // Loaded only now: the CDK, the SDK and the service are not needed to check options.
    const [{ runLocalBench, OutputWriteError }, { renderConsoleSummary }, { ProgressBar }, { renderPlanText }] = await Promise.all([
      import('../lib/local-bench/run-local-bench'),
      import('../lib/local-bench/console-summary'),
      import('../lib/local-bench/progress'),
      import('../lib/plan/render'),
    ]);
    const bar = new ProgressBar();
    // Known once the run has decided which targets and memory sizes run here (onPlan).
    let total = (options.targets.length + options.targetFiles.length) * (options.coldStarts + options.warm);
    let done = 0;
    let outcome;
    try {
      outcome = await runLocalBench({
        projectRoot: ROOT,
        targets: options.targets,
        targetsChosen: options.targetsChosen,
        ...(options.memorySizes ? { memorySizes: options.memorySizes } : {}),
        onPlan: (configurations) => { total = configurations * (options.coldStarts + options.warm); },
        targetFiles: options.targetFiles,
        coldStarts: options.coldStarts,
        warmInvocations: options.warm,
        ...(options.payload ? { payload: options.payload } : {}),
        outDir: options.out,
        output: plan,
        limits: options.limits,
        parity: options.parity,
        coldStartConcurrency: options.coldStartConcurrency,
        calibration: options.calibration,
        calibrationColdStarts: options.calibrationColdStarts,
        signal: shutdown.signal,
        onGroup,
        atPoint: (point) => holdAt(point),
        beforeTask: (handler) => holdAt(handler),
        onStage: (message) => { bar.finish(); process.stderr.write(`${message}...\n`); },
        onRunPlan: (runPlan) => { bar.finish(); process.stderr.write(`${renderPlanText(runPlan, { title: 'Plan of this run' }).join('\n')}\n`); },
        onProgress: (event) => {
          if (event.type === 'invocation') bar.update(`${event.target} ${event.phase}`, ++done, total);
          else if (event.type === 'collecting') bar.update(`${event.target}: collecting REPORT lines`, done, total);
          else if (event.type === 'target-error') { bar.finish(); process.stderr.write(`${event.target}: ${event.message}\n`); }
        },
      });
    } catch (error) {
      bar.finish();
      if (error instanceof OutputWriteError) {
        process.stderr.write(`bench: ${error.message}\n`);
        return shutdown.exitCode(1);
      }
      throw error;
    }
    bar.finish();
    if (outcome.status === 'ABORTED' || shutdown.signal.aborted) {
      process.stderr.write('run stopped: every process it started has exited; no results were kept\n');
      return shutdown.exitCode(1);
    }
    kept = true;
    if (outcome.results) console.log(`\n${renderConsoleSummary(outcome.results)}`);
    if (outcome.error) console.error(`\nthe run failed: ${outcome.error.error}: ${outcome.error.cause}`);
    console.log(`\nresults: ${path.relative(process.cwd(), outcome.outDir!) || '.'}/ (${(outcome.files ?? []).join(', ')})`);
    const failed = outcome.status !== 'SUCCEEDED' || !outcome.results
      || Object.values(outcome.results.targets).some((t) => t.errors > 0 || t.runErrors.length > 0)
      || outcome.results.parity?.identicalLabels === false;
    return failed ? 1 : 0;
  } finally {
    if (!kept) await discardOutput(plan);
    forgetPlan();
  }
}

main().then(
  (code) => process.exit(shutdown.exitCode(code)),
  async (error: Error) => {
    process.stderr.write(`bench: ${shutdown.signal.aborted ? 'stopped' : error.message}\n`);
    process.exit(shutdown.exitCode(1));
  },
);
