/**
 * Measures what the local Lambda service itself adds, so that numbers taken through it can be trusted.
 *
 * 1. Per-invocation overhead (target: under 0.2 ms). A null runtime (answers {} at once) is invoked warm,
 *    sequentially, over HTTP on 127.0.0.1. For each invocation: overhead = client round trip (request sent
 *    to response body received, measured by the client) minus the Duration the service reports for it in
 *    its REPORT line. What remains is the HTTP exchange between client and service plus the service's work
 *    before handing out the event and after receiving the answer. The client is a keep-alive node:http
 *    client in a worker thread (its JavaScript does not run on the service's event loop). Without
 *    `LogType` the Durations are read back afterwards with FilterLogEvents, as the benchmark does; with
 *    `LogType: Tail` from the answer, which then waits for END and REPORT. For reference, the AWS SDK's
 *    LambdaClient in the service's own thread (adds the SDK's request building, signing and parsing).
 *    The HTTP exchange itself is taken out with a floor: a server in the service's thread that answers {}
 *    at once. The client alternates between the two (service, floor, floor, service, ...), and the
 *    service's own work is the median of the differences (overhead - floor) over adjacent pairs, with a
 *    bootstrap interval: on a virtual machine whose speed drifts by tens of percent within a minute,
 *    only a paired design measures a tenth of a millisecond. Two pacings: each request a short pause
 *    after the previous answer, as in the benchmark, whose SDK client spends about a millisecond of its
 *    own between calls (the runtime is back on /next, the service idle); and back to back, where a
 *    request can also wait for the runtime's way back to /next and the previous invocation's END/REPORT.
 * 2. The sandbox wrapper. Init Duration starts when the service writes the go byte to a waiting `sh`
 *    wrapper that then execs the runtime. Cold starts of the same runtime are measured (a) through the
 *    service: the wrapper's preparation (spawn, cgroup join: not part of init) and Init Duration; and (b)
 *    spawned directly by this script: spawn() to first GET /next. (a) Init Duration vs (b) shows what
 *    the wrapper leaves inside the init clock (its exec) versus what a plain spawn includes (fork+exec).
 *
 * 3. For calibration, where they are built: forced cold starts of the two real targets (apr, pytorch) through
 *    a second service with limits as configured for real runs ('auto'), Init Duration and Max Memory Used.
 *
 *   npm run bench:service-overhead -- [--invocations 2000] [--warmup 200] [--gap-ms 2] [--cold-starts 20]
 *                                     [--limits off] [--target-cold-starts 5]
 */
import { spawn } from 'node:child_process';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { Command, InvalidArgumentError, Option } from 'commander';
import { type LocalFunctionDefinition, LocalLambdaService } from '../lib/local-lambda';
import { runtimeEnvironment } from '../lib/local-lambda/runtime-environment';
import { REFERENCE_PAYLOAD } from '../lib/benchmark/reference-payload';
import { bootstrapCi, median } from '../lib/benchmark/statistics';
import { localTargets, missingTargetFiles } from '../lib/targets/local-targets';

const ROOT = path.resolve(__dirname, '..');
const NULL_RUNTIME: LocalFunctionDefinition = {
  functionName: 'null',
  runtime: 'provided.al2023',
  packageType: 'Zip',
  command: process.execPath,
  args: [path.join(ROOT, 'test', 'fixtures', 'runtimes', 'null-runtime.cjs')],
  cwd: path.join(ROOT, 'test', 'fixtures', 'runtimes'),
  handler: 'null',
  // One full vCPU where limits apply, so the runtime is not throttled between invocations.
  memorySizeMB: 1769,
  timeoutSeconds: 10,
};

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`expected a positive integer, got ${value}`);
  return n;
}

/** Nearest-rank percentile of sorted values. */
function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

function summary(values: number[], unit: string, digits = 3): string {
  const s = [...values].sort((a, b) => a - b);
  const f = (x: number) => x.toFixed(digits);
  return `median ${f(percentile(s, 50))} ${unit}, p90 ${f(percentile(s, 90))} ${unit}, p99 ${f(percentile(s, 99))} ${unit}, min ${f(s[0])} ${unit} (n=${s.length})`;
}

function durationFromTail(logResult: string | undefined): number {
  const tail = Buffer.from(logResult ?? '', 'base64').toString('utf8');
  const m = /^REPORT RequestId: \S+\tDuration: ([\d.]+) ms/m.exec(tail);
  if (!m) throw new Error(`no REPORT line in the Tail log: ${JSON.stringify(tail)}`);
  return Number(m[1]);
}

/**
 * The client of method 1, run in a worker thread so that its own JavaScript does not share the service's
 * event loop: sequential POSTs over one keep-alive connection, timing each from request start to the end
 * of the response body. Posts back [requestId, roundTripMs] pairs.
 */
const WORKER_CLIENT = `
const http = require('node:http');
const { performance } = require('node:perf_hooks');
const { parentPort, workerData } = require('node:worker_threads');
const { host, port, floorPort, n, tail, gapMs } = workerData;
const body = Buffer.from('{}');
function client(p, path, withTail) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const once = () => new Promise((resolve, reject) => {
    const t0 = performance.now();
    const headers = { 'Content-Type': 'application/json', 'Content-Length': body.length };
    if (withTail) headers['X-Amz-Log-Type'] = 'Tail';
    const req = http.request({ agent, host, port: p, method: 'POST', path, headers }, (res) => {
      res.on('data', () => undefined);
      res.on('end', () => {
        const ms = performance.now() - t0;
        if (res.statusCode !== 200 || res.headers['x-amz-function-error']) return reject(new Error('invocation failed: ' + res.statusCode));
        resolve([res.headers['x-amzn-requestid'], ms, res.headers['x-amz-log-result'] || '']);
      });
    });
    req.on('error', reject);
    req.end(body);
  });
  return { once, close: () => agent.destroy() };
}
const pause = () => (gapMs > 0 ? new Promise((resolve) => setTimeout(resolve, gapMs)) : Promise.resolve());
(async () => {
  const service = client(port, '/2015-03-31/functions/null/invocations', tail);
  const floor = floorPort ? client(floorPort, '/', false) : null;
  const out = [];
  for (let i = 0; i < n; i++) {
    // With a floor server, one request to each, in alternating order: drift of the machine hits both alike.
    if (floor && i % 2 === 1) { const f = await floor.once(); await pause(); out.push([...(await service.once()), f[1]]); }
    else { const r = await service.once(); await pause(); out.push([...r, floor ? (await floor.once())[1] : null]); }
    await pause();
  }
  service.close();
  floor?.close();
  parentPort.postMessage(out);
})().catch((e) => { throw e; });
`;

/** [requestId, round trip ms, Tail log, paired floor round trip ms or null] per invocation. */
type WorkerResult = [string, number, string, number | null];

async function workerInvocations(target: { endpoint: string }, n: number, tail: boolean, gapMs = 0, floorPort?: number): Promise<WorkerResult[]> {
  const url = new URL(target.endpoint);
  const worker = new Worker(WORKER_CLIENT, { eval: true, workerData: { host: url.hostname, port: Number(url.port), floorPort, n, tail, gapMs } });
  return new Promise((resolve, reject) => {
    worker.once('message', (m: WorkerResult[]) => {
      void worker.terminate();
      resolve(m);
    });
    worker.once('error', reject);
  });
}

/** REPORT Durations by request id, read back with FilterLogEvents as the benchmark itself does. */
async function reportedDurations(service: LocalLambdaService, startTime: number): Promise<Map<string, number>> {
  const logs = new CloudWatchLogsClient({ endpoint: service.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  const out = new Map<string, number>();
  try {
    let nextToken: string | undefined;
    do {
      const page = await logs.send(new FilterLogEventsCommand({ logGroupName: '/aws/lambda/null', filterPattern: '"REPORT"', startTime, nextToken }));
      for (const e of page.events ?? []) {
        const m = /^REPORT RequestId: (\S+)\tDuration: ([\d.]+) ms/.exec(e.message ?? '');
        if (m) out.set(m[1], Number(m[2]));
      }
      nextToken = page.nextToken;
    } while (nextToken);
  } finally {
    logs.destroy();
  }
  return out;
}

interface Overheads {
  overhead: number[];
  roundTrip: number[];
  duration: number[];
  /** Round trips of the floor server, each taken next to the service invocation at the same index. */
  floor: number[];
}

async function measureWorker(service: LocalLambdaService, warmup: number, n: number, tail: boolean, gapMs = 0, floorPort?: number): Promise<Overheads> {
  await workerInvocations(service, warmup, tail, gapMs, floorPort);
  const startTime = Date.now();
  const results = await workerInvocations(service, n, tail, gapMs, floorPort);
  const durations = tail ? new Map(results.map(([id, , log]) => [id, durationFromTail(log)])) : await reportedDurations(service, startTime);
  const out: Overheads = { overhead: [], roundTrip: [], duration: [], floor: [] };
  for (const [id, roundTripMs, , floorMs] of results) {
    const d = durations.get(id);
    if (d === undefined) throw new Error(`no REPORT line for request ${id}`);
    out.roundTrip.push(roundTripMs);
    out.duration.push(d);
    out.overhead.push(roundTripMs - d);
    if (floorMs !== null) out.floor.push(floorMs);
  }
  return out;
}

/** Median of the paired differences overhead[i] - floor[i], with a 95 % percentile bootstrap over the pairs. */
function pairedOwnWork(o: Overheads): { median: number; ci: [number, number] } {
  const diffs = o.overhead.map((v, i) => v - o.floor[i]);
  const ci = bootstrapCi(diffs, median, { iterations: 2000, seed: 20240601 });
  if (!ci) throw new Error('no paired invocations to compare');
  return { median: median(diffs), ci };
}

/**
 * As the benchmark invokes: the AWS SDK's LambdaClient in the service's own thread, without LogType, the
 * Duration read back with FilterLogEvents. Each invocation is paired with the same kind of client calling
 * the floor server, which answers as Invoke does; the SDK's own work is the same on both sides and cancels.
 */
async function measureSdk(service: LocalLambdaService, warmup: number, n: number, floorPort: number): Promise<Overheads> {
  const options = { region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts: 1 };
  const lambda = new LambdaClient({ ...options, endpoint: service.endpoint });
  const floorClient = new LambdaClient({ ...options, endpoint: `http://127.0.0.1:${floorPort}` });
  const timed = async (client: LambdaClient): Promise<[string, number]> => {
    const t0 = performance.now();
    const out = await client.send(new InvokeCommand({ FunctionName: 'null', Payload: Buffer.from('{}') }));
    return [out.$metadata.requestId ?? '', performance.now() - t0];
  };
  const pairs: [string, number, number][] = [];
  let startTime = Date.now();
  try {
    for (let i = 0; i < warmup + n; i++) {
      if (i === warmup) startTime = Date.now();
      let pair: [string, number, number];
      if (i % 2 === 1) {
        const [, floorMs] = await timed(floorClient);
        pair = [...(await timed(lambda)), floorMs];
      } else {
        const invoked = await timed(lambda);
        pair = [...invoked, (await timed(floorClient))[1]];
      }
      if (i >= warmup) pairs.push(pair);
    }
  } finally {
    lambda.destroy();
    floorClient.destroy();
  }
  const durations = await reportedDurations(service, startTime);
  const out: Overheads = { overhead: [], roundTrip: [], duration: [], floor: [] };
  for (const [id, roundTripMs, floorMs] of pairs) {
    const d = durations.get(id);
    if (d === undefined) throw new Error(`no REPORT line for request ${id}`);
    out.roundTrip.push(roundTripMs);
    out.duration.push(d);
    out.overhead.push(roundTripMs - d);
    out.floor.push(floorMs);
  }
  return out;
}

/**
 * The floor under method 1: a server in the service's thread that answers {} at once. No HTTP exchange
 * between the client thread and this thread can be faster; what the service adds is the round trip above
 * this. The client alternates between the two, so each service invocation has a floor request beside it.
 */
async function startFloorServer(): Promise<{ port: number; close: () => void }> {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      // What Invoke answers, so that the SDK does the same work on both sides.
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': 2, 'x-amzn-RequestId': 'floor', 'X-Amz-Executed-Version': '$LATEST' });
      res.end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}

async function measureWrapper(service: LocalLambdaService, coldStarts: number): Promise<{ prep: number[]; init: number[] }> {
  const prep: number[] = [];
  const init: number[] = [];
  for (let i = 0; i < coldStarts; i++) {
    service.updateFunctionConfiguration('null', { Description: `cold start ${i}` });
    const record = await service.invoke('null', {});
    if (record.initDurationMs === undefined || record.sandboxPrepMs === undefined) throw new Error('expected a cold start after a configuration update');
    prep.push(record.sandboxPrepMs);
    init.push(record.initDurationMs);
  }
  return { prep, init };
}

/** spawn() to first GET /next, without the service: a stub Runtime API that only notes the request. */
async function measureDirectSpawn(coldStarts: number): Promise<number[]> {
  const times: number[] = [];
  let arrived: (() => void) | null = null;
  const server = http.createServer((req, res) => {
    if (req.url === '/2018-06-01/runtime/invocation/next') arrived?.();
    req.resume();
    res.socket?.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const runtimeApi = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  const env = runtimeEnvironment({ definition: NULL_RUNTIME, region: 'us-east-1', runtimeApi, logGroupName: '/aws/lambda/null', logStreamName: 'direct' });
  try {
    for (let i = 0; i < coldStarts; i++) {
      const reached = new Promise<void>((resolve) => (arrived = resolve));
      const t0 = performance.now();
      const child = spawn(NULL_RUNTIME.command, NULL_RUNTIME.args, { cwd: NULL_RUNTIME.cwd, env, stdio: 'ignore' });
      await reached;
      times.push(performance.now() - t0);
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    }
  } finally {
    server.close();
  }
  return times;
}

async function main(): Promise<void> {
  const opts = new Command()
    .name('bench-local-overhead')
    .option('--invocations <n>', 'measured warm invocations per client', positiveInt, 2000)
    .option('--warmup <n>', 'warm invocations before measuring', positiveInt, 200)
    .option('--cold-starts <n>', 'cold starts for the wrapper comparison', positiveInt, 20)
    .option('--gap-ms <n>', 'pause between invocations in the idle-environment measurement', positiveInt, 2)
    .addOption(new Option('--limits <mode>', 'cgroup limits for the service').choices(['auto', 'on', 'off']).default('off'))
    .option('--target-cold-starts <n>', 'forced cold starts of each real target that is built (0: none)', (v) => (v === '0' ? 0 : positiveInt(v)), 5)
    .parse()
    .opts<{ invocations: number; warmup: number; coldStarts: number; gapMs: number; limits: 'auto' | 'on' | 'off'; targetColdStarts: number }>();

  const service = await LocalLambdaService.start({ limits: opts.limits });
  try {
    service.register(NULL_RUNTIME);
    process.stdout.write(`local Lambda service overhead (Node ${process.version}, ${os.cpus().length} CPUs, ${os.cpus()[0]?.model ?? 'unknown CPU'})\n`);
    process.stdout.write(`limits: ${service.limits.applied ? 'applied' : 'not applied'} (${service.limits.reason})\n`);
    process.stdout.write(`runtime: ${path.relative(ROOT, NULL_RUNTIME.args[0])} (answers {} at once), warm, sequential, ${opts.warmup} warm-up invocations not counted\n\n`);

    const floorServer = await startFloorServer();
    const median3 = (v: number[]) => median(v).toFixed(3);
    const report = (title: string, o: Overheads) => {
      const own = pairedOwnWork(o);
      process.stdout.write(`   ${title}\n`);
      process.stdout.write(`     overhead = round trip - Duration: ${summary(o.overhead, 'ms')}\n`);
      process.stdout.write(`     round trip ${median3(o.roundTrip)} ms, Duration ${median3(o.duration)} ms, HTTP floor ${median3(o.floor)} ms (medians)\n`);
      process.stdout.write(`     service's own work = median of (overhead - floor) over adjacent pairs: ${own.median.toFixed(3)} ms (95 % CI ${own.ci[0].toFixed(3)}-${own.ci[1].toFixed(3)})\n`);
    };
    try {
      process.stdout.write('1. overhead per invocation = client round trip - REPORT Duration, minus an HTTP floor\n');
      process.stdout.write('   (client: node:http keep-alive in a worker thread; REPORT read back with FilterLogEvents; each service invocation\n');
      process.stdout.write('   paired with a request to a server in the service\'s thread that answers {} at once, in alternating order)\n');
      report(`each request ${opts.gapMs} ms after the previous answer (the runtime is back on /next, the service idle):`, await measureWorker(service, opts.warmup, opts.invocations, false, opts.gapMs, floorServer.port));
      report('back to back (also holds the runtime\'s way back to /next and the END/REPORT work of the previous invocation):', await measureWorker(service, opts.warmup, opts.invocations, false, 0, floorServer.port));
      report('as the benchmark invokes: AWS SDK LambdaClient in the service\'s thread, paired with the same client against the floor:', await measureSdk(service, opts.warmup, opts.invocations, floorServer.port));
    } finally {
      floorServer.close();
    }
    const tail = await measureWorker(service, opts.warmup, opts.invocations, true);
    process.stdout.write(`   with LogType: Tail (answer waits for END and REPORT), back to back, no floor: overhead ${summary(tail.overhead, 'ms')}\n`);
    process.stdout.write('\n');

    const wrapper = await measureWrapper(service, opts.coldStarts);
    const direct = await measureDirectSpawn(opts.coldStarts);
    process.stdout.write(`2. cold starts of the same runtime (${opts.coldStarts} each)\n`);
    process.stdout.write(`   service, sandbox preparation (cgroups created, sh wrapper spawned and joined; not in Init): ${summary(wrapper.prep, 'ms', 2)}\n`);
    process.stdout.write(`   service, Init Duration (go byte -> first GET /next; includes the wrapper's exec): ${summary(wrapper.init, 'ms', 2)}\n`);
    process.stdout.write(`   direct spawn() -> first GET /next, no wrapper, no service:                      ${summary(direct, 'ms', 2)}\n`);
  } finally {
    await service.stop();
  }
  if (opts.targetColdStarts > 0) await measureTargets(opts.targetColdStarts);
}

async function measureTargets(coldStarts: number): Promise<void> {
  const service = await LocalLambdaService.start({ limits: 'auto' });
  try {
    process.stdout.write(`\n3. real targets, ${coldStarts} forced cold starts each (limits: ${service.limits.applied ? 'applied' : `not applied, ${service.limits.reason}`})\n`);
    const targets = localTargets(ROOT);
    for (const target of [targets.apr, targets.pytorch]) {
      const missing = missingTargetFiles(target, ROOT);
      if (missing) {
        process.stdout.write(`   ${target.functionName}: skipped (${missing})\n`);
        continue;
      }
      service.register(target);
      const init: number[] = [];
      const memory: number[] = [];
      const prep: number[] = [];
      const rest: number[] = [];
      for (let i = 0; i < coldStarts; i++) {
        service.updateFunctionConfiguration(target.functionName, { Description: `cold start ${i}` });
        const started = performance.now();
        const r = await service.invoke(target.functionName, REFERENCE_PAYLOAD);
        const wall = performance.now() - started;
        if (r.functionError || r.initDurationMs === undefined) throw new Error(`${target.functionName}: cold start ${i} failed: ${r.reportLine}`);
        init.push(r.initDurationMs);
        memory.push(r.maxMemoryUsedMB);
        prep.push(r.sandboxPrepMs ?? 0);
        rest.push(wall - (r.sandboxPrepMs ?? 0) - r.initDurationMs - r.durationMs);
      }
      process.stdout.write(`   ${target.functionName} (${target.memorySizeMB} MB): Init Duration ${summary(init, 'ms', 2)}; Max Memory Used ${summary(memory, 'MB', 0)}\n`);
      process.stdout.write(`     before the init clock, sandbox preparation (cgroups, wrapper spawned and joined): ${summary(prep, 'ms', 2)}\n`);
      process.stdout.write(`     the rest of the cold invoke() beyond preparation + Init + Duration (dispatch, END, REPORT): ${summary(rest, 'ms', 2)}\n`);
    }
  } finally {
    await service.stop();
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`bench-local-overhead: ${(e as Error).stack}\n`);
  process.exit(1);
});
