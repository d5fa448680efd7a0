/**
 * Commands for the ladder's functions on the local Lambda service (build them first: `bash scripts/setup-ladder.sh`):
 *
 *   npx ts-node --transpile-only test/ladder/ladder-cli.ts parity [--rungs a,b] [--payloads red|all|subset]
 *     every payload to the `.apr` function and to each rung; prints each rung's parity summary; exit 1 on
 *     any mismatch.
 *   npx ts-node --transpile-only test/ladder/ladder-cli.ts cold-starts [--rungs a,b] [--count 10] [--limits auto|on|off]
 *     forced cold starts of the `.apr` function and each rung, one after another (UpdateFunctionConfiguration,
 *     then Invoke with the reference payload), as the benchmark forces them; prints Init Duration and Max
 *     Memory Used (p50, min, max) and each package's size. A quick look, not the benchmark: no warm-up,
 *     no interval.
 */
// The SDK's notice that its 2027 releases need Node 22 would repeat on every run (jest.config.js silences it too).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

import * as fs from 'node:fs';
import * as path from 'node:path';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { Command, Option } from 'commander';
import { REFERENCE_PAYLOAD } from '../../lib/benchmark/reference-payload';
import { LocalLambdaService, type LimitsMode, type LocalFunctionDefinition } from '../../lib/local-lambda';
import { loadWineCsv } from '../../lib/model/wine-data';
import { buildParityPayloads } from '../../lib/parity';
import { localTargets, missingTargetFiles } from '../../lib/targets/local-targets';
import { LADDER_KEYS, ladderRungs, missingRungFiles, type LadderKey, type LadderRung } from './ladder-targets';
import { runRungParity, selectPayloads, type PayloadSelection } from './ladder-parity';

const ROOT = path.resolve(__dirname, '..', '..');

function parseRungs(value: string): LadderKey[] {
  const keys = value.split(',').map((k) => k.trim()).filter(Boolean);
  const unknown = keys.filter((k) => !(LADDER_KEYS as readonly string[]).includes(k));
  if (unknown.length > 0 || keys.length === 0) {
    throw new Error(`--rungs takes a comma-separated list of ${LADDER_KEYS.join(', ')}; got ${JSON.stringify(value)}`);
  }
  return keys as LadderKey[];
}

/** The rungs that can run here; the others are named with the command that builds them. */
function readyRungs(keys: readonly LadderKey[]): LadderRung[] {
  const rungs = ladderRungs(ROOT);
  const ready: LadderRung[] = [];
  for (const key of keys) {
    const missing = missingRungFiles(rungs[key]);
    if (missing) process.stderr.write(`skipped: ${missing}\n`);
    else ready.push(rungs[key]);
  }
  return ready;
}

function aprTarget(): LocalFunctionDefinition {
  const { apr } = localTargets(ROOT);
  const missing = missingTargetFiles(apr, ROOT);
  if (missing) throw new Error(missing);
  return apr;
}

function lambdaClient(endpoint: string): LambdaClient {
  return new LambdaClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts: 1 });
}

async function parity(keys: LadderKey[], selection: PayloadSelection): Promise<boolean> {
  const apr = aprTarget();
  const rungs = readyRungs(keys);
  const payloads = selectPayloads(buildParityPayloads({
    red: loadWineCsv(path.join(ROOT, 'data', 'wine', 'winequality-red.csv')),
    white: loadWineCsv(path.join(ROOT, 'data', 'wine', 'winequality-white.csv')),
    referencePayload: REFERENCE_PAYLOAD,
  }), selection);
  // No CPU or memory limits: this compares answers, it times nothing.
  const service = await LocalLambdaService.start({ limits: 'off' });
  const lambda = lambdaClient(service.endpoint);
  let allInParity = true;
  try {
    service.register(apr);
    for (const rung of rungs) {
      service.register(rung.definition);
      const started = Date.now();
      const { summary } = await runRungParity(lambda, apr.functionName, rung.definition.functionName, rung.answersAs, payloads);
      allInParity &&= summary.mismatches === 0 && summary.answeredByBoth > 0;
      process.stdout.write(
        `${rung.key}: ${summary.payloads} payloads (${selection}) in ${((Date.now() - started) / 1000).toFixed(1)} s: ` +
        `answered by both ${summary.answeredByBoth}, rejected by both ${summary.rejectedByBoth}, ` +
        `largest |quality difference| ${summary.maxAbsQualityDiff}, mismatches ${summary.mismatches}\n` +
        summary.mismatchExamples.map((m) => `  ${m.payload}: ${m.problem}\n`).join(''),
      );
    }
  } finally {
    lambda.destroy();
    await service.stop();
  }
  return allInParity;
}

interface ColdStartSample {
  initMs: number;
  maxMemoryMB: number;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

async function coldStarts(keys: LadderKey[], count: number, limits: LimitsMode): Promise<boolean> {
  const apr = aprTarget();
  const rungs = readyRungs(keys);
  const service = await LocalLambdaService.start({ limits });
  let ok = true;
  process.stdout.write(`limits: ${JSON.stringify(service.limits)}\n`);
  process.stdout.write('| function | runtime | memory | package (zip bytes) | Init Duration p50 (min–max) | Max Memory Used p50 | cold starts |\n|---|---|---|---|---|---|---|\n');
  try {
    const targets: { key: string; definition: LocalFunctionDefinition }[] = [{ key: 'apr', definition: apr }, ...rungs.map((r) => ({ key: r.key, definition: r.definition }))];
    for (const { key, definition } of targets) {
      service.register(definition);
      const samples: ColdStartSample[] = [];
      for (let i = 0; i < count; i++) {
        if (i > 0) service.updateFunctionConfiguration(definition.functionName, { Description: `cold start ${i}` });
        const record = await service.invoke(definition.functionName, REFERENCE_PAYLOAD);
        if (!record.coldStart || record.initDurationMs === undefined || record.functionError !== undefined) {
          ok = false;
          process.stderr.write(`${key}: cold start ${i} failed: ${record.status} ${record.payload.toString('utf8').slice(0, 300)}\n`);
          continue;
        }
        samples.push({ initMs: record.initDurationMs, maxMemoryMB: record.maxMemoryUsedMB });
      }
      const inits = samples.map((s) => s.initMs);
      const zipBytes = definition.codeSizeBytes ?? fs.statSync(path.join(ROOT, 'lambda-apr', 'dist', 'bootstrap.zip')).size;
      process.stdout.write(
        `| ${key} | ${definition.runtime} | ${definition.memorySizeMB} MB | ${zipBytes.toLocaleString('en-US')} | ` +
        (samples.length === 0 ? 'n/a | n/a' : `${median(inits).toFixed(2)} ms (${Math.min(...inits).toFixed(2)}–${Math.max(...inits).toFixed(2)}) | ${median(samples.map((s) => s.maxMemoryMB))} MB`) +
        ` | ${samples.length} |\n`,
      );
    }
  } finally {
    await service.stop();
  }
  return ok;
}

const program = new Command().name('ladder-cli').description('Parity and quick cold starts of the ladder functions on the local Lambda service');
program
  .command('parity')
  .description('every selected payload to the .apr function and to each rung')
  .option('--rungs <keys>', `comma-separated, from ${LADDER_KEYS.join(', ')}`, LADDER_KEYS.join(','))
  .addOption(new Option('--payloads <set>', 'which payloads').choices(['subset', 'red', 'all']).default('red'))
  .action(async (opts: { rungs: string; payloads: PayloadSelection }) => {
    process.exitCode = (await parity(parseRungs(opts.rungs), opts.payloads)) ? 0 : 1;
  });
program
  .command('cold-starts')
  .description('forced cold starts of the .apr function and each rung, one after another')
  .option('--rungs <keys>', `comma-separated, from ${LADDER_KEYS.join(', ')}`, LADDER_KEYS.join(','))
  .option('--count <n>', 'cold starts per function', '10')
  .addOption(new Option('--limits <mode>', 'cgroup CPU and memory limits, as npm run bench').choices(['auto', 'on', 'off']).default('auto'))
  .action(async (opts: { rungs: string; count: string; limits: LimitsMode }) => {
    const count = Number(opts.count);
    if (!Number.isInteger(count) || count < 1) throw new Error(`--count must be a positive integer, got ${opts.count}`);
    process.exitCode = (await coldStarts(parseRungs(opts.rungs), count, opts.limits)) ? 0 : 1;
  });

program.parseAsync().catch((error: unknown) => {
  process.stderr.write(`ladder-cli: ${(error as Error).message}\n`);
  process.exitCode = 2;
});
