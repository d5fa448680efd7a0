/**
 * Stopping, and what a killed run leaves behind. stop() must launch nothing more (no environment, no init
 * retry), kill and wait for every process it started (those still initialising too) and remove every cgroup
 * it made. sweepStaleLocalLambdaState() must remove what a SIGKILLed host left: its runtimes and its cgroups,
 * wherever in the hierarchy and in every controller. Plus the throttle knob tests use instead of timing.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { InvokeCommand, TooManyRequestsException } from '@aws-sdk/client-lambda';
import { LocalLambdaService, sweepStaleLocalLambdaState } from '../../lib/local-lambda';
import { CgroupLimits } from '../../lib/local-lambda/cgroups';
import { runtimeEnvironment } from '../../lib/local-lambda/runtime-environment';
import { cgroupRoots, listeningPorts, runtimeApiPortOf } from '../../lib/local-lambda/stale-state';
import { clients, FIXTURES, fixtureFunction, PROJECT_ROOT } from './helpers';

const here = CgroupLimits.check();
const withLimits = here.applied ? test : test.skip;

function gone(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}

async function waitFor(check: () => boolean, ms = 5000): Promise<boolean> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
  return true;
}

/** Every cgroup directory named after a host pid, anywhere under the machine's cgroup mounts. */
function groupsOf(hostPid: number): string[] {
  const found: string[] = [];
  const walk = (dir: string, depth: number) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (!e.isDirectory()) continue;
      const child = path.join(dir, e.name);
      if (e.name.startsWith(`apr-lambda-${hostPid}-`)) found.push(child);
      else if (depth < 6) walk(child, depth + 1);
    }
  };
  for (const root of cgroupRoots(fs.readFileSync('/proc/self/mountinfo', 'utf8'))) walk(root, 0);
  return found;
}

describe('stop()', () => {
  test('during an init: the runtime is killed and waited for, no init retry starts, the invocation is refused, the cgroups are gone', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stop-during-init-'));
    const pidLog = path.join(dir, 'pids');
    const service = await LocalLambdaService.start({ limits: 'auto' });
    try {
      // Init never finishes on its own: the service must end it.
      service.register(fixtureFunction('slow-init', { environment: { FIXTURE_INIT: 'hang', FIXTURE_PID_LOG: pidLog } }));
      const invocation = service.invoke('slow-init', {}).then(
        () => 'answered',
        (e: Error) => e.message,
      );
      expect(await waitFor(() => fs.existsSync(pidLog) && service.environmentPids().length === 1)).toBe(true);
      const [pid] = service.environmentPids();
      expect(gone(pid)).toBe(false);

      await service.stop();
      expect(gone(pid)).toBe(true);
      expect(await invocation).toBe('the local Lambda service is stopping');
      // One runtime was ever started: stopping did not trigger Lambda's init retry.
      expect(fs.readFileSync(pidLog, 'utf8').trim().split('\n')).toEqual([String(pid)]);
      expect(service.environmentPids()).toEqual([]);
      expect(groupsOf(process.pid)).toEqual([]);
      expect(() => service.register(fixtureFunction('late'))).toThrow('stopped');
    } finally {
      await service.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 30000);

  test('with invocations in flight and environments initialising at once, everything ends and every cgroup is removed', async () => {
    const service = await LocalLambdaService.start({ limits: 'auto' });
    service.register(fixtureFunction('busy', { timeoutSeconds: 60 }));
    service.register(fixtureFunction('starting', { environment: { FIXTURE_INIT_DELAY_MS: '60000' } }));
    const settled = [
      service.invoke('busy', { action: 'hang' }).catch((e: Error) => e),
      service.invoke('starting', {}).catch((e: Error) => e),
      service.invoke('starting', {}).catch((e: Error) => e),
    ];
    expect(await waitFor(() => service.environmentPids().length === 3)).toBe(true);
    const pids = service.environmentPids();
    await service.stop();
    expect(pids.filter((p) => !gone(p))).toEqual([]);
    await Promise.all(settled);
    expect(groupsOf(process.pid)).toEqual([]);
  }, 30000);
});

describe('sweepStaleLocalLambdaState()', () => {
  withLimits('removes the runtimes and cgroups of a SIGKILLed host, and stale groups elsewhere in the hierarchy, in every controller', async () => {
    const host = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', path.join(FIXTURES, 'service-host.ts')], {
      cwd: PROJECT_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const line = await new Promise<string>((resolve, reject) => {
      let out = '';
      host.stdout.on('data', (c: Buffer) => {
        out += c.toString();
        const nl = out.indexOf('\n');
        if (nl >= 0) resolve(out.slice(0, nl));
      });
      host.once('exit', (code) => reject(new Error(`service host exited early (${code})`)));
    });
    const { environmentPids, childPids } = JSON.parse(line) as { environmentPids: number[]; childPids: number[] };
    const exited = new Promise((resolve) => host.once('exit', resolve));
    host.kill('SIGKILL');
    await exited;
    const hostPid = host.pid!;
    // SIGKILL leaves what the runtime started and the host's groups behind.
    expect(childPids.filter((p) => gone(p))).toEqual([]);
    const leftByHost = groupsOf(hostPid);
    expect(leftByHost.length).toBeGreaterThan(0);

    // A stale group somewhere else: below a group of its own at the top of each v1 hierarchy used (or the
    // v2 mount), as a run from another session or unit would leave it, with a process still inside.
    const deadPid = spawnSync('true').pid!;
    const elsewhere = cgroupRoots(fs.readFileSync('/proc/self/mountinfo', 'utf8'))
      .filter((r) => /\/(memory|cpu[^/]*|unified)$/.test(r) || r === '/sys/fs/cgroup')
      .filter((r) => fs.existsSync(path.join(r, 'cgroup.procs')))
      .map((r) => path.join(r, `sweep-test-${process.pid}`, `apr-lambda-${deadPid}-beef`, 'env-test'));
    const sleeper = spawn('/bin/sleep', ['300'], { stdio: 'ignore', detached: true });
    const made: string[] = [];
    try {
      for (const dir of elsewhere) {
        try {
          fs.mkdirSync(dir, { recursive: true });
          fs.writeFileSync(path.join(dir, 'cgroup.procs'), String(sleeper.pid));
          made.push(dir);
        } catch {
          // a hierarchy that takes no processes here (v2 without delegation): not a place runs leave groups
        }
      }
      expect(made.length).toBeGreaterThan(0);

      const result = sweepStaleLocalLambdaState();
      expect(result.failed).toEqual([]);
      for (const dir of leftByHost) expect(result.removed).toContain(dir);
      for (const dir of made) expect(result.removed).toEqual(expect.arrayContaining([dir, path.dirname(dir)]));
      // The runtime itself may already have exited (its long poll to the dead host broke); what it started
      // is still in its cgroup.
      expect(result.killed).toEqual(expect.arrayContaining([...childPids, sleeper.pid!]));
      expect(await waitFor(() => [...environmentPids, ...childPids, sleeper.pid!].every(gone))).toBe(true);
      expect(groupsOf(hostPid)).toEqual([]);
      // Nothing of a live run is touched: a second sweep finds nothing.
      expect(sweepStaleLocalLambdaState().removed).toEqual([]);
    } finally {
      sleeper.kill('SIGKILL');
      for (const dir of made) {
        for (const d of [dir, path.dirname(dir), path.dirname(path.dirname(dir))]) {
          try {
            fs.rmdirSync(d);
          } catch {
            // already removed by the sweep
          }
        }
      }
    }
  }, 60000);
});

describe('sweepStaleLocalLambdaState() without cgroups', () => {
  test('kills a runtime whose Runtime API is gone (a run without limits that was killed), and leaves one whose API is alive', async () => {
    const server = net.createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const livePort = (server.address() as net.AddressInfo).port;
    const probe = net.createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', () => r()));
    const deadPort = (probe.address() as net.AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const fakeRuntime = (port: number) =>
      spawn('/bin/sleep', ['300'], {
        detached: true,
        stdio: 'ignore',
        env: { ...runtimeEnvironment({ definition: fixtureFunction('x'), region: 'us-east-1', runtimeApi: `127.0.0.1:${port}`, logGroupName: 'g', logStreamName: 's' }) },
      });
    const orphan = fakeRuntime(deadPort);
    const live = fakeRuntime(livePort);
    try {
      expect(await waitFor(() => fs.existsSync(`/proc/${orphan.pid}/environ`) && fs.readFileSync(`/proc/${orphan.pid}/environ`, 'utf8').includes('AWS_LAMBDA_RUNTIME_API'))).toBe(true);
      const result = sweepStaleLocalLambdaState();
      expect(result.killed).toContain(orphan.pid);
      expect(result.killed).not.toContain(live.pid);
      expect(await waitFor(() => gone(orphan.pid!))).toBe(true);
      expect(gone(live.pid!)).toBe(false);
    } finally {
      orphan.kill('SIGKILL');
      live.kill('SIGKILL');
      await new Promise<void>((r) => server.close(() => r()));
    }
  });

  test('tells its own runtimes by their environment and Runtime API port', () => {
    const env = runtimeEnvironment({ definition: fixtureFunction('x'), region: 'us-east-1', runtimeApi: '127.0.0.1:4321', logGroupName: 'g', logStreamName: 's' });
    const environ = Object.entries(env).map(([k, v]) => `${k}=${v}`).join('\0') + '\0';
    expect(runtimeApiPortOf(environ)).toBe(4321);
    expect(runtimeApiPortOf('AWS_LAMBDA_RUNTIME_API=127.0.0.1:4321\0HOME=/root\0')).toBeNull();
    const tcp = [
      '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
      '   0: 0100007F:10E1 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1 0 100 0 0 10 0',
      '   1: 0100007F:1F90 0100007F:9C40 01 00000000:00000000 00:00000000 00000000     0        0 2 1 0 20 4 30 10 -1',
    ].join('\n');
    expect([...listeningPorts([tcp])]).toEqual([4321]);
  });
});

describe('throttling on demand', () => {
  test('throttleNextInvocations: exactly that many invocations get 429 TooManyRequestsException, then the function serves', async () => {
    const service = await LocalLambdaService.start({ limits: 'off' });
    const { lambda } = clients(service.endpoint);
    try {
      service.register(fixtureFunction('throttled'));
      service.throttleNextInvocations('throttled', 2);
      for (let i = 0; i < 2; i++) {
        const err = await lambda.send(new InvokeCommand({ FunctionName: 'throttled', Payload: Buffer.from('{}') })).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(TooManyRequestsException);
        expect((err as TooManyRequestsException).Reason).toBe('ReservedFunctionConcurrentInvocationLimitExceeded');
        expect((err as TooManyRequestsException).$metadata.httpStatusCode).toBe(429);
      }
      const ok = await lambda.send(new InvokeCommand({ FunctionName: 'throttled', Payload: Buffer.from('{}') }));
      expect(ok.StatusCode).toBe(200);
      expect(() => service.throttleNextInvocations('throttled', -1)).toThrow('whole number');
      expect(() => service.throttleNextInvocations('nope', 1)).toThrow('no function named nope');
    } finally {
      lambda.destroy();
      await service.stop();
    }
  });
});
