/**
 * `npm run bench` stopped by SIGINT or SIGTERM, sent to npm, to the whole process group (Ctrl-C) or to
 * the bench process, in each phase: setup, parity, cold starts and collection, each receiver in each phase and
 * both signals in each phase. Every time, within 5 s,
 * the run has exited with 130 or 143 and left no process, no cgroup and no file. Then a run killed with
 * SIGKILL, and the next run sweeping what it left before anything else.
 *
 * Phases are reached deterministically: setup and parity by their first line on stderr, the state
 * machine's steps by APR_BENCH_HOLD_AT (bin/bench.ts), which holds the run at a step until told.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { killLeftoverRuns, leftovers, startBench, templateCached } from './bench-process';

jest.setTimeout(120_000);

const SHORT = ['--cold-starts', '2', '--warm', '1', '--parity', 'off', '--targets', 'apr'];
const EXIT_CODE = { SIGINT: 130, SIGTERM: 143 } as const;

type Receiver = 'npm' | 'group' | 'bench';
interface Case {
  phase: string;
  signal: 'SIGINT' | 'SIGTERM';
  to: Receiver;
  args: string[];
  hold?: string;
  ready: RegExp;
}

const CASES: Case[] = [
  { phase: 'setup', signal: 'SIGTERM', to: 'npm', args: SHORT, ready: /^setup: building the Rust function/m },
  { phase: 'setup', signal: 'SIGINT', to: 'group', args: SHORT, ready: /^setup: building the Rust function/m },
  { phase: 'setup', signal: 'SIGTERM', to: 'bench', args: SHORT, ready: /^setup: building the Rust function/m },
  { phase: 'parity', signal: 'SIGINT', to: 'npm', args: ['--no-setup', '--cold-starts', '1', '--warm', '1', '--parity', 'red'], ready: /^parity check/m },
  { phase: 'parity', signal: 'SIGTERM', to: 'bench', args: ['--no-setup', '--cold-starts', '1', '--warm', '1', '--parity', 'red'], ready: /^parity check/m },
  // Ctrl-C during parity once printed its message at once and exited 23 s later; with --parity all it started new runtimes after the signal.
  { phase: 'parity', signal: 'SIGINT', to: 'group', args: ['--no-setup', '--cold-starts', '1', '--warm', '1', '--parity', 'all'], ready: /^parity check/m },
  { phase: 'cold starts', signal: 'SIGTERM', to: 'npm', args: ['--no-setup', ...SHORT], hold: 'invokeCold#2', ready: /^hold: invokeCold#2/m },
  { phase: 'cold starts', signal: 'SIGINT', to: 'group', args: ['--no-setup', ...SHORT], hold: 'invokeCold#2', ready: /^hold: invokeCold#2/m },
  { phase: 'cold starts', signal: 'SIGINT', to: 'bench', args: ['--no-setup', ...SHORT], hold: 'invokeCold#2', ready: /^hold: invokeCold#2/m },
  // The case first reported: Ctrl-C while PyTorch environments initialise (no hold: whatever the init is doing).
  { phase: 'PyTorch cold starts', signal: 'SIGINT', to: 'group', args: ['--no-setup', '--cold-starts', '3', '--warm', '1', '--parity', 'off', '--targets', 'pytorch'], ready: /^pytorch cold: 1\//m },
  { phase: 'collection', signal: 'SIGINT', to: 'bench', args: ['--no-setup', ...SHORT], hold: 'collectReports', ready: /^hold: collectReports/m },
  { phase: 'collection', signal: 'SIGTERM', to: 'group', args: ['--no-setup', ...SHORT], hold: 'collectReports', ready: /^hold: collectReports/m },
  { phase: 'collection', signal: 'SIGINT', to: 'npm', args: ['--no-setup', ...SHORT], hold: 'collectReports', ready: /^hold: collectReports/m },
];

const work = mkdtempSync(path.join(tmpdir(), 'bench-interrupt-'));

afterAll(async () => {
  await killLeftoverRuns();
  rmSync(work, { recursive: true, force: true });
});

function send(run: ReturnType<typeof startBench>, to: Receiver, signal: NodeJS.Signals): void {
  if (to === 'npm') process.kill(run.npm.pid!, signal);
  else if (to === 'group') process.kill(-run.pgid, signal);
  else process.kill(run.benchPid(), signal);
}

test.concurrent.each(CASES)('$phase: $signal to $to stops the run within 5 s, leaving nothing', async (c) => {
  const outDir = path.join(work, `${c.phase.replace(/ /g, '-')}-${c.signal}-${c.to}`, 'results');
  // The state machine's template, synthesized once into the cache every run reads.
  if (c.phase !== 'setup') await templateCached();
  const run = startBench([...c.args, '--out', outDir], c.hold ? { APR_BENCH_HOLD_AT: c.hold } : {});
  await run.waitFor(c.ready);
  const benchPid = run.benchPid();
  const sentAt = Date.now();
  send(run, c.to, c.signal);
  const exit = await run.exited;
  expect({ code: exit.code, stderr: run.stderr().slice(-600) }).toMatchObject({ code: EXIT_CODE[c.signal] });
  expect(exit.at - sentAt).toBeLessThan(5000);
  expect(leftovers(run, benchPid, outDir)).toEqual({ processes: [], cgroups: [], files: [] });
  expect(run.stdout()).not.toMatch(/results:/);
});

test('SIGKILL leaves a run behind; the next run sweeps it before anything else', async () => {
  await templateCached();
  const parent = path.join(work, 'killed');
  const killed = startBench(['--no-setup', ...SHORT, '--out', path.join(parent, 'first')], { APR_BENCH_HOLD_AT: 'invokeWarm' });
  await killed.waitFor(/^hold: invokeWarm/m);
  const killedPid = killed.benchPid();
  process.kill(killedPid, 'SIGKILL');
  await killed.exited;
  // What the killed run started outlives it, running or (once its Runtime API is gone) exited; the
  // killed run cannot reap them, nor can the next run (not their parent): the sweep kills what still runs,
  // and the zombies left are init's to reap (bench-process.ts, exitedUnderInit).
  const ofKilled = (options: { zombiesUnderInitAreGone: boolean }) => {
    const left = leftovers(killed, killedPid, path.join(parent, 'first'), options);
    return { ...left, files: left.files.filter((f) => f.endsWith(`.partial-${killedPid}`)) };
  };
  // What a SIGKILL leaves: the staging directory, the environment's process and, where limits applied, its cgroups.
  const left = ofKilled({ zombiesUnderInitAreGone: false });
  expect(left.files).toEqual([`.first.partial-${killedPid}`]);
  expect(left.processes.length).toBeGreaterThan(0);

  const next = startBench(['--no-setup', ...SHORT, '--out', path.join(parent, 'second')], { APR_BENCH_HOLD_AT: 'prepare' });
  await next.waitFor(/^hold: prepare/m);
  expect(next.stderr()).toMatch(/removed what an earlier, killed run left: 1 staging directory/);
  expect(ofKilled({ zombiesUnderInitAreGone: true })).toEqual({ processes: [], cgroups: [], files: [] });
  process.kill(-next.pgid, 'SIGINT');
  expect((await next.exited).code).toBe(130);
  for (const stream of [killed.npm.stdout, killed.npm.stderr, killed.npm.stdin]) stream?.destroy();
});
