/**
 * `npm run bench:apr-startup`: what the .apr function costs at start and per invocation, measured
 * on this machine, and the measurements behind its build choices.
 *
 * 1. Builds the function as deployed (lambda-apr/dist) and the variants it is compared with: our
 *    own .apr reader instead of apr-format, the base64 crate instead of our decoder, and an
 *    unstripped build whose symbols show which crates actually link.
 * 2. Spawns each binary many times under a minimal Runtime API on 127.0.0.1 (the `startup_bench`
 *    example), interleaving the variants so that machine load drifts hit all of them alike:
 *    spawn → first `GET /next` (Lambda's Init Duration), model load, warm round trips.
 * 3. Times `Handler::handle` and the decoders in-process (the `handler_bench` example).
 * 4. With --sweep, rebuilds with other release-profile settings and static-pie linking.
 *
 * Writes results.json and summary.md to bench-results/apr-startup/<time>/ and prints the summary.
 * Timings depend on the machine and on what else runs on it; the load average is recorded.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Command } from 'commander';
import { buildAprFunction, type AprBuildOptions, type AprBuildResult } from '../lib/build/apr-build';
import { quantile, summarize } from '../lib/benchmark/statistics';

const ROOT = path.resolve(__dirname, '..');
const CRATE = path.join(ROOT, 'lambda-apr');
/** The thresholds of the decisions this benchmark informs. */
const OWN_READER_ZIP_THRESHOLD_BYTES = 100 * 1000;
const OWN_READER_INIT_THRESHOLD_US = 500;
const ZIP_TARGET_BYTES = 800 * 1000;
const SPAWN_TO_NEXT_TARGET_US = 5000;
const HANDLER_TARGET_US = 50;

interface Options {
  runs: number;
  events: number;
  calls: number;
  rounds: number;
  sweep: boolean;
  out: string;
}

interface StartupSamples {
  spawn_to_next_us: number[];
  model_load_us: number[];
  first_inference_us: number[];
  warm_roundtrip_us: number[];
  warm_inference_us: number[];
  connections_per_run: number[];
}

interface Variant {
  name: string;
  description: string;
  build: Omit<AprBuildOptions, 'outputDir' | 'env'>;
  result?: AprBuildResult;
  samples?: StartupSamples;
}

const log = (line: string) => process.stderr.write(`bench:apr-startup: ${line}\n`);

function parseOptions(): Options {
  const program = new Command()
    .name('bench:apr-startup')
    .description('Measure the .apr function: package size, spawn to first GET /next, warm handler time, and the build choices')
    .option('--runs <n>', 'process starts per variant', '200')
    .option('--events <n>', 'events per process start (the first is the cold one)', '20')
    .option('--calls <n>', 'timed calls per in-process case', '200000')
    .option('--rounds <n>', 'interleaving rounds the starts are split into', '5')
    .option('--sweep', 'also rebuild with other release-profile settings and static-pie linking (several minutes)')
    .option('--out <dir>', 'results directory', path.join(ROOT, 'bench-results', 'apr-startup'))
    .parse();
  const raw = program.opts<{ runs: string; events: string; calls: string; rounds: string; sweep?: boolean; out: string }>();
  const positive = (name: string, value: string) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) {
      process.stderr.write(`bench:apr-startup: --${name} must be a positive integer, got ${value}\n`);
      process.exit(2);
    }
    return n;
  };
  return {
    runs: positive('runs', raw.runs),
    events: positive('events', raw.events),
    calls: positive('calls', raw.calls),
    rounds: positive('rounds', raw.rounds),
    sweep: raw.sweep ?? false,
    out: path.resolve(raw.out),
  };
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): string {
  const result = spawnSync(command, args, { cwd: CRATE, env, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, stdio: ['ignore', 'pipe', 'inherit'] });
  if (result.error) throw result.error;
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} exited with ${result.status ?? result.signal}`);
  return result.stdout;
}

function buildVariant(variant: Variant, scratch: string): AprBuildResult {
  log(`building ${variant.name} (${variant.description})`);
  const outputDir = variant.name === 'deployed' ? path.join(CRATE, 'dist') : path.join(scratch, variant.name);
  const targetDir = variant.name === 'deployed' ? undefined : path.join(CRATE, 'target', 'bench-variants', variant.name);
  return buildAprFunction({ ...variant.build, outputDir, targetDir, env: process.env, cargoOutput: 'capture' });
}

function startupBench(binary: string, runs: number, events: number): StartupSamples {
  const exe = path.join(CRATE, 'target', 'release', 'examples', 'startup_bench');
  return JSON.parse(run(exe, ['--binary', binary, '--runs', String(runs), '--events', String(events)])) as StartupSamples;
}

function measureStartups(variants: Variant[], options: Options): void {
  const perRound = Math.max(1, Math.round(options.runs / options.rounds));
  for (const variant of variants) {
    variant.samples = { spawn_to_next_us: [], model_load_us: [], first_inference_us: [], warm_roundtrip_us: [], warm_inference_us: [], connections_per_run: [] };
  }
  for (let round = 0; round < options.rounds; round++) {
    for (const variant of variants) {
      log(`round ${round + 1}/${options.rounds}: ${perRound} starts of ${variant.name}`);
      const samples = startupBench(variant.result!.bootstrapPath, perRound, options.events);
      for (const key of Object.keys(variant.samples!) as (keyof StartupSamples)[]) variant.samples![key].push(...samples[key]);
    }
  }
}

/** Bytes and counts of symbols whose demangled names mention each crate (a symbol may mention several). */
function linkReport(unstrippedBinary: string): Record<string, { symbols: number; bytes: number }> {
  const crates = ['apr_format', 'rmp_serde', 'rmp::', 'bincode', 'half::', 'thiserror', 'tempfile', 'rustix', 'fastrand', 'getrandom::', 'linux_raw_sys', 'once_cell', 'serde_json', 'serde_core', 'zmij', 'memchr', 'base64::', 'apr_wine_lambda'];
  const nm = spawnSync('nm', ['--print-size', '--demangle', unstrippedBinary], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (nm.error || nm.status !== 0) return {};
  const report: Record<string, { symbols: number; bytes: number }> = {};
  for (const crate of crates) report[crate.replace(/::$/, '')] = { symbols: 0, bytes: 0 };
  for (const line of nm.stdout.split('\n')) {
    const match = /^[0-9a-f]+ ([0-9a-f]+) \S (.*)$/.exec(line);
    if (!match) continue;
    for (const crate of crates) {
      // The crate's own path, not a module of the same name inside another crate (std has a
      // `getrandom` module, for one).
      const own = new RegExp(`(^|[^\\w:])${crate.replace(/::$/, '')}::`);
      if (own.test(match[2])) {
        const entry = report[crate.replace(/::$/, '')];
        entry.symbols += 1;
        entry.bytes += parseInt(match[1], 16);
      }
    }
  }
  return report;
}

interface Summary {
  n: number;
  median: number;
  p5: number;
  p95: number;
  p99: number;
  min: number;
  max: number;
  mean: number;
  stdev: number | null;
}

function describe(values: number[]): Summary | null {
  const stats = summarize(values);
  if (!stats) return null;
  return { n: stats.n, median: stats.p50, p5: quantile(values, 0.05), p95: quantile(values, 0.95), p99: stats.p99, min: stats.min, max: stats.max, mean: stats.mean, stdev: stats.stdev };
}

const fmt = (value: number, digits = 1) => value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const row = (label: string, s: Summary | null, unit: string) =>
  s ? `| ${label} | ${s.n} | ${fmt(s.median)} | ${fmt(s.p5)} | ${fmt(s.p95)} | ${fmt(s.p99)} | ${fmt(s.max)} | ${s.stdev === null ? '-' : fmt(s.stdev)} | ${unit} |` : `| ${label} | 0 | | | | | | | ${unit} |`;
const TABLE_HEAD = '| measure | n | median | p5 | p95 | p99 | max | stdev | unit |\n|---|---|---|---|---|---|---|---|---|';

function machine(): Record<string, unknown> {
  const cpu = os.cpus()[0]?.model ?? 'unknown';
  return { cpu, cores: os.cpus().length, kernel: os.release(), memoryGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version };
}

function writeAtomic(file: string, content: string): void {
  const temporary = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temporary, content);
  fs.renameSync(temporary, file);
}

function main(): void {
  const options = parseOptions();
  const startedAt = new Date();
  const loadBefore = os.loadavg();
  const resultDir = path.join(options.out, startedAt.toISOString().replace(/[:.]/g, '-'));
  const scratch = path.join(resultDir, 'builds');
  fs.mkdirSync(scratch, { recursive: true });

  const variants: Variant[] = [
    { name: 'deployed', description: 'apr-format reader, our base64 decoder: what Lambda receives', build: {} },
    { name: 'own-reader', description: 'our .apr reader (src/apr_v1.rs) instead of apr-format', build: { noDefaultFeatures: true } },
    { name: 'base64-crate', description: 'the base64 crate instead of our decoder', build: { features: ['base64-crate'] } },
  ];
  for (const variant of variants) variant.result = buildVariant(variant, scratch);
  const unstripped = buildVariant({ name: 'unstripped', description: 'deployed, symbols kept, for the link report', build: { packageZip: false, profileOverrides: { strip: 'false' } } }, scratch);

  log('building the benchmark programs (startup_bench, handler_bench)');
  run('cargo', ['build', '--release', '--locked', '--example', 'startup_bench', '--example', 'handler_bench']);

  measureStartups(variants, options);
  log(`timing the handler in-process (${options.calls} calls per case)`);
  const handler = JSON.parse(run(path.join(CRATE, 'target', 'release', 'examples', 'handler_bench'), ['--calls', String(options.calls)])) as Record<string, Record<string, number>>;
  const links = linkReport(unstripped.bootstrapPath);

  const sweep: { name: string; zipBytes: number; bootstrapBytes: number; spawnToNext: Summary | null; warmInference: Summary | null }[] = [];
  if (options.sweep) {
    const sweepVariants: Variant[] = [
      { name: 'sweep-release', description: 'the release profile: opt-level "s", fat LTO, 1 codegen unit, panic abort, strip', build: {} },
      { name: 'sweep-opt-3', description: 'opt-level 3', build: { profileOverrides: { 'opt-level': '3' } } },
      { name: 'sweep-opt-z', description: 'opt-level "z"', build: { profileOverrides: { 'opt-level': 'z' } } },
      { name: 'sweep-thin-lto', description: 'thin LTO', build: { profileOverrides: { lto: 'thin' } } },
      { name: 'sweep-no-lto-cgu16', description: 'no LTO, 16 codegen units', build: { profileOverrides: { lto: 'false', 'codegen-units': '16' } } },
      { name: 'sweep-panic-unwind', description: 'panic unwind', build: { profileOverrides: { panic: 'unwind' } } },
      { name: 'sweep-static-pie', description: 'static-pie instead of non-PIE', build: { positionIndependent: true } },
    ];
    for (const variant of sweepVariants) variant.result = buildVariant(variant, scratch);
    measureStartups(sweepVariants, { ...options, runs: Math.max(options.rounds, Math.round(options.runs / 2)) });
    for (const variant of sweepVariants) {
      sweep.push({
        name: `${variant.name} (${variant.description})`,
        zipBytes: variant.result!.info.zip!.bytes,
        bootstrapBytes: variant.result!.info.bootstrap.bytes,
        spawnToNext: describe(variant.samples!.spawn_to_next_us),
        warmInference: describe(variant.samples!.warm_inference_us),
      });
    }
  }
  const loadAfter = os.loadavg();

  const [deployed, ownReader, base64Crate] = variants;
  const zipOf = (v: Variant) => v.result!.info.zip!.bytes;
  const binOf = (v: Variant) => v.result!.info.bootstrap.bytes;
  const med = (v: Variant, key: keyof StartupSamples) => describe(v.samples![key])!.median;
  const readerZipDelta = zipOf(deployed) - zipOf(ownReader);
  const readerInitDelta = med(deployed, 'model_load_us') - med(ownReader, 'model_load_us');
  const readerSpawnDelta = med(deployed, 'spawn_to_next_us') - med(ownReader, 'spawn_to_next_us');
  const ownReaderJustified = readerZipDelta > OWN_READER_ZIP_THRESHOLD_BYTES || readerInitDelta > OWN_READER_INIT_THRESHOLD_US;
  const spawn = describe(deployed.samples!.spawn_to_next_us)!;
  const handleDirectUs = handler.handle_direct.median_ns / 1000;

  const results = {
    startedAt: startedAt.toISOString(),
    machine: machine(),
    loadAverage: { before: loadBefore, after: loadAfter },
    options,
    builds: Object.fromEntries(variants.map((v) => [v.name, v.result!.info])),
    startup: Object.fromEntries(variants.map((v) => [v.name, Object.fromEntries((Object.keys(v.samples!) as (keyof StartupSamples)[]).map((k) => [k, describe(v.samples![k])]))])),
    handlerInProcess: handler,
    linkReport: links,
    decisions: {
      aprReader: { zipDeltaBytes: readerZipDelta, bootstrapDeltaBytes: binOf(deployed) - binOf(ownReader), modelLoadDeltaUsMedian: readerInitDelta, spawnToNextDeltaUsMedian: readerSpawnDelta, ownReaderJustified },
      base64: { zipDeltaBytes: zipOf(base64Crate) - zipOf(deployed), oursNsMedian: handler.base64_ours.median_ns, crateNsMedian: handler.base64_crate.median_ns, inputBytes: handler.base64_input_bytes },
    },
    targets: {
      zipBytes: { value: zipOf(deployed), target: ZIP_TARGET_BYTES, met: zipOf(deployed) <= ZIP_TARGET_BYTES },
      spawnToNextMedianUs: { value: spawn.median, target: SPAWN_TO_NEXT_TARGET_US, met: spawn.median < SPAWN_TO_NEXT_TARGET_US },
      handlerMedianUs: { value: handleDirectUs, target: HANDLER_TARGET_US, met: handleDirectUs < HANDLER_TARGET_US },
    },
    sweep,
  };

  const h = (key: string) => handler[key];
  const nsRow = (label: string, s: Record<string, number>) =>
    `| ${label} | ${s.calls} | ${fmt(s.median_ns / 1000, 2)} | ${fmt(s.p5_ns / 1000, 2)} | ${fmt(s.p95_ns / 1000, 2)} | ${fmt(s.p99_ns / 1000, 2)} | ${fmt(s.max_ns / 1000, 2)} | - | µs |`;
  const linked = Object.entries(links).filter(([, v]) => v.symbols > 0).map(([k, v]) => `${k} ${v.symbols} symbols / ${v.bytes} B`).join('; ');
  const notLinked = Object.entries(links).filter(([, v]) => v.symbols === 0).map(([k]) => k).join(', ');
  const mark = (met: boolean) => (met ? 'met' : 'NOT met');
  const summary = [
    `# .apr function: startup and handler benchmark`,
    ``,
    `${startedAt.toISOString()} on ${results.machine.cpu as string} (${results.machine.cores as number} cores, kernel ${results.machine.kernel as string}); ` +
      `load average ${loadBefore.map((l) => l.toFixed(2)).join('/')} before, ${loadAfter.map((l) => l.toFixed(2)).join('/')} after. ` +
      `Target ${deployed.result!.info.target}, ${deployed.result!.info.rustc}. Command: \`npm run bench:apr-startup -- --runs ${options.runs} --events ${options.events} --calls ${options.calls}${options.sweep ? ' --sweep' : ''}\`.`,
    ``,
    `## Targets`,
    ``,
    `| target | measured | goal | |`,
    `|---|---|---|---|`,
    `| bootstrap.zip | ${zipOf(deployed).toLocaleString('en-US')} B (bootstrap ${binOf(deployed).toLocaleString('en-US')} B) | ≤ ${ZIP_TARGET_BYTES.toLocaleString('en-US')} B | ${mark(results.targets.zipBytes.met)} |`,
    `| spawn → first GET /next, median | ${fmt(spawn.median)} µs (p95 ${fmt(spawn.p95)} µs, n ${spawn.n}) | < ${SPAWN_TO_NEXT_TARGET_US} µs | ${mark(results.targets.spawnToNextMedianUs.met)} |`,
    `| warm handle(), reference payload, median | ${fmt(handleDirectUs, 2)} µs | < ${HANDLER_TARGET_US} µs | ${mark(results.targets.handlerMedianUs.met)} |`,
    ``,
    `## Start (deployed build, ${spawn.n} process starts under a Runtime API on 127.0.0.1)`,
    ``,
    TABLE_HEAD,
    row('spawn → first GET /next', spawn, 'µs'),
    row('model load inside the process (model_load_us)', describe(deployed.samples!.model_load_us), 'µs'),
    row('first handle() after start (inference_us)', describe(deployed.samples!.first_inference_us), 'µs'),
    row('warm round trip: event sent → answer received', describe(deployed.samples!.warm_roundtrip_us), 'µs'),
    row('warm handle() as reported (inference_us)', describe(deployed.samples!.warm_inference_us), 'µs'),
    ``,
    `TCP connections per process start: ${[...new Set(deployed.samples!.connections_per_run)].join(', ')} (keep-alive across ${options.events} events).`,
    ``,
    `## Warm handler, in-process (${options.calls.toLocaleString('en-US')} timed calls each)`,
    ``,
    TABLE_HEAD,
    nsRow('handle(): direct reference payload', h('handle_direct')),
    nsRow('handle(): proxy event, plain body', h('handle_proxy')),
    nsRow('handle(): proxy event, base64 body', h('handle_proxy_base64')),
    nsRow(`base64 decode, ours (${handler.base64_input_bytes} B)`, h('base64_ours')),
    nsRow(`base64 decode, base64 crate (${handler.base64_input_bytes} B)`, h('base64_crate')),
    nsRow('model decode + checks, our reader (warm)', h('model_decode_own_reader')),
    nsRow('model decode, apr-format (warm)', h('model_decode_apr_format')),
    ``,
    `## apr-format or our own .apr reader`,
    ``,
    `| | apr-format (deployed) | our reader | difference |`,
    `|---|---|---|---|`,
    `| bootstrap.zip | ${zipOf(deployed).toLocaleString('en-US')} B | ${zipOf(ownReader).toLocaleString('en-US')} B | ${readerZipDelta.toLocaleString('en-US')} B |`,
    `| bootstrap | ${binOf(deployed).toLocaleString('en-US')} B | ${binOf(ownReader).toLocaleString('en-US')} B | ${(binOf(deployed) - binOf(ownReader)).toLocaleString('en-US')} B |`,
    `| model load at init, median | ${fmt(med(deployed, 'model_load_us'))} µs | ${fmt(med(ownReader, 'model_load_us'))} µs | ${fmt(readerInitDelta)} µs |`,
    `| spawn → first GET /next, median | ${fmt(med(deployed, 'spawn_to_next_us'))} µs | ${fmt(med(ownReader, 'spawn_to_next_us'))} µs | ${fmt(readerSpawnDelta)} µs |`,
    ``,
    `Rule: our reader replaces apr-format only if apr-format costs more than ${OWN_READER_ZIP_THRESHOLD_BYTES.toLocaleString('en-US')} B of zip or ${OWN_READER_INIT_THRESHOLD_US} µs of init. ` +
      `Measured: ${ownReaderJustified ? 'it does: our reader is justified' : 'it does not: apr-format stays'}.`,
    ``,
    `Symbols in the unstripped deployed build that mention a crate: ${linked || 'nm not available'}. Not linked at all: ${notLinked || '-'}.`,
    ``,
    `## base64: the crate or our decoder`,
    ``,
    `The base64 crate changes bootstrap.zip by ${results.decisions.base64.zipDeltaBytes.toLocaleString('en-US')} B; decoding a ${handler.base64_input_bytes}-byte body takes ` +
      `${handler.base64_ours.median_ns} ns with ours and ${handler.base64_crate.median_ns} ns with the crate (medians).`,
    ``,
    ...(sweep.length > 0
      ? [
          `## Release-profile sweep`,
          ``,
          `| build | bootstrap | zip | spawn → GET /next median (p95) | warm inference_us median |`,
          `|---|---|---|---|---|`,
          ...sweep.map((s) => `| ${s.name} | ${s.bootstrapBytes.toLocaleString('en-US')} B | ${s.zipBytes.toLocaleString('en-US')} B | ${s.spawnToNext ? `${fmt(s.spawnToNext.median)} (${fmt(s.spawnToNext.p95)}) µs` : '-'} | ${s.warmInference ? `${fmt(s.warmInference.median, 2)} µs` : '-'} |`),
          ``,
        ]
      : []),
  ].join('\n');

  writeAtomic(path.join(resultDir, 'results.json'), JSON.stringify(results, null, 2) + '\n');
  writeAtomic(path.join(resultDir, 'summary.md'), summary + '\n');
  fs.rmSync(scratch, { recursive: true, force: true });
  process.stdout.write(summary + '\n');
  log(`results in ${path.relative(ROOT, resultDir)}`);
}

main();
