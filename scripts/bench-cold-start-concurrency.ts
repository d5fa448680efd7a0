/**
 * Does initialising several environments at once change what a cold start measures?
 *
 * `npm run bench` may force the PyTorch function's cold starts in rounds (cold-start-concurrency.ts): after
 * one configuration update, C invocations at once, each in a new environment. Since INIT runs with burst
 * CPU (up to 2 CPUs per environment), rounds fit only where whole bursts fit beside a spare CPU; this
 * script measures what rounds do against the plain way, one cold start per update, on the real function
 * behind the local service with limits applied (give --concurrency N where auto chooses 1). Cold starts
 * whose init hit the 10 s limit are counted and shown, not dropped. The two ways alternate (a single cold start, then a round
 * of C, then a single ...), so drift of the machine over the run affects both alike. It reports Init
 * Duration for each way and the ratio of the medians (rounds / single) with a 95 % bootstrap interval: an
 * interval that contains 1 means no difference could be seen at this sample size.
 *
 *   npm run bench:cold-start-concurrency -- [--singles 20] [--concurrency auto|N] [--target pytorch]
 */
import * as os from 'node:os';
import * as path from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { REFERENCE_PAYLOAD } from '../lib/benchmark/reference-payload';
import { bootstrapRatioCi, median, summarize } from '../lib/benchmark/statistics';
import { chooseColdStartConcurrency, parseColdStartConcurrency, type ColdStartConcurrencyChoice } from '../lib/local-bench/cold-start-concurrency';
import { LocalLambdaService } from '../lib/local-lambda';
import { localTargets, missingTargetFiles } from '../lib/targets/local-targets';

const ROOT = path.resolve(__dirname, '..');

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`expected a positive integer, got ${value}`);
  return n;
}

function line(name: string, values: number[]): string {
  const s = summarize(values)!;
  const f = (x: number) => x.toFixed(0);
  return `${name}: Init Duration p50 ${f(s.p50)} ms, p90 ${f(s.p90)}, min ${f(s.min)}, max ${f(s.max)}, stdev ${s.stdev === null ? "n/a" : f(s.stdev)} (n=${s.n})`;
}

async function main(): Promise<void> {
  const opts = new Command()
    .name('bench-cold-start-concurrency')
    .option('--singles <n>', 'cold starts one per update; the rounds give about as many', positiveInt, 20)
    .option('--concurrency <n>', 'environments per round (auto: as npm run bench chooses)', (v) => {
      try {
        return parseColdStartConcurrency(v, '--concurrency');
      } catch (error) {
        throw new InvalidArgumentError((error as Error).message);
      }
    }, 'auto' as ColdStartConcurrencyChoice)
    .addOption(new Option('--target <key>', 'the function to measure').choices(['apr', 'pytorch']).default('pytorch'))
    .parse()
    .opts<{ singles: number; concurrency: ColdStartConcurrencyChoice; target: 'apr' | 'pytorch' }>();

  const definition = localTargets(ROOT)[opts.target];
  const missing = missingTargetFiles(definition, ROOT);
  if (missing) throw new Error(missing);

  const service = await LocalLambdaService.start({ limits: 'auto' });
  const stop = () => void service.stop().then(() => process.exit(130));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    service.register(definition);
    const { concurrency, reason } = chooseColdStartConcurrency(opts.concurrency, {
      limitsApplied: service.limits.applied,
      cpus: os.availableParallelism(),
      memorySizeMB: definition.memorySizeMB,
    });
    process.stdout.write(`${definition.functionName} (${definition.memorySizeMB} MB), limits ${service.limits.applied ? 'applied' : `not applied: ${service.limits.reason}`}\n`);
    process.stdout.write(`rounds of ${concurrency} (${reason}), alternating with single cold starts\n`);
    if (concurrency < 2) throw new Error('a round of one is a single cold start: nothing to compare (use --concurrency N)');

    const rounds = Math.ceil(opts.singles / concurrency);
    const single: number[] = [];
    const batched: number[] = [];
    // Cold starts whose init failed (the 10 s init limit, under load): counted, since a way of forcing cold
    // starts that pushes inits past the limit loses exactly the samples a benchmark wants.
    const lost = { single: [] as string[], batched: [] as string[] };
    let update = 0;
    const coldStart = async (n: number, into: number[], lostInto: string[]): Promise<void> => {
      service.updateFunctionConfiguration(definition.functionName, { Description: `cold start ${++update}` });
      const records = await Promise.all(Array.from({ length: n }, () => service.invoke(definition.functionName, REFERENCE_PAYLOAD)));
      for (const r of records) {
        if (!r.coldStart) throw new Error(`not a cold start: ${r.reportLine}`);
        if (r.initDurationMs !== undefined && !r.functionError) into.push(r.initDurationMs);
        else lostInto.push(/INIT_REPORT[^\n]*/.exec(r.log)?.[0] ?? r.reportLine);
      }
    };
    process.stdout.write(`load average at start: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}\n`);
    for (let i = 0; i < Math.max(opts.singles, rounds); i++) {
      if (i < opts.singles) await coldStart(1, single, lost.single);
      if (i < rounds) await coldStart(concurrency, batched, lost.batched);
      process.stderr.write(`\r${single.length} single, ${batched.length} in rounds, ${lost.single.length + lost.batched.length} without Init Duration`);
    }
    process.stderr.write('\n');
    process.stdout.write(`load average at end: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}\n`);
    for (const [name, lines] of Object.entries(lost)) {
      if (lines.length > 0) process.stdout.write(`${name}: ${lines.length} cold start(s) without Init Duration, e.g. ${lines[0].replace(/\t/g, ' ')}\n`);
    }
    if (single.length < 2 || batched.length < 2) throw new Error('too few successful cold starts to compare');
    process.stdout.write(`${line('one per update', single)}\n${line(`${concurrency} per update `, batched)}\n`);
    const ci = bootstrapRatioCi(batched, single, median, { iterations: 10_000, confidence: 0.95, seed: 20240601 });
    const ratio = median(batched) / median(single);
    process.stdout.write(`rounds / single, ratio of medians: ${ratio.toFixed(3)} (95 % CI ${ci ? `${ci[0].toFixed(3)}-${ci[1].toFixed(3)}` : 'n/a'})\n`);
  } finally {
    process.removeListener('SIGINT', stop);
    process.removeListener('SIGTERM', stop);
    await service.stop();
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`bench-cold-start-concurrency: ${(e as Error).message}\n`);
  process.exit(1);
});
