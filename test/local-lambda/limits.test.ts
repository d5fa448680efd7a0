/**
 * Resource limits (cgroup v1, or v2 where the machine has it) and process hygiene: environments live in their cgroups from before init,
 * memory and CPU are capped as Lambda sizes them, out-of-memory is reported as Lambda does, and nothing
 * outlives the service (stop, or a signal to the host process).
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LocalLambdaService } from '../../lib/local-lambda';
import { CgroupLimits, cpuQuotaUs } from '../../lib/local-lambda/cgroups';
import { clients, FIXTURES, fixtureFunction, invoke, mb, PROJECT_ROOT } from './helpers';

const here = CgroupLimits.check();
const withLimits = here.applied ? test : test.skip;
if (!here.applied) {
  console.warn(`cgroup limits cannot be applied on this machine (${here.reason}): the limit tests are skipped`);
}

/** Which backend applied the limits: the reason names it ("cgroup v1: ..." or "cgroup v2: ..."). */
const v2 = here.applied && here.reason.startsWith('cgroup v2');

/**
 * The cgroup directory of a process for one controller: /sys/fs/cgroup/memory/<path> on cgroup v1, the
 * process's one group in the cgroup2 mount on v2.
 */
function cgroupDir(pid: number, controller: 'memory' | 'cpu'): string {
  const lines = fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n');
  const v1Line = lines.find((l) => l.split(':')[0] !== '0' && l.split(':')[1]?.split(',').includes(controller));
  const line = v1Line ?? lines.find((l) => l.startsWith('0::'));
  if (!line) throw new Error(`process ${pid} has no ${controller} cgroup`);
  const mount = fs
    .readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' '))
    .find((f) => {
      const dash = f.indexOf('-');
      if (dash <= 0) return false;
      return v1Line ? f[dash + 1] === 'cgroup' && (f[dash + 3] ?? '').split(',').includes(controller) : f[dash + 1] === 'cgroup2';
    })!;
  const groupPath = line.split(':').slice(2).join(':');
  const root = mount[3];
  return path.join(mount[4], root !== '/' && groupPath.startsWith(root) ? groupPath.slice(root.length) : groupPath);
}

/** The limit files of an environment's group(s) and the values a 128 MB function gets. */
function limitFiles(memDir: string, cpuDir: string): Record<string, string> {
  const read = (f: string) => fs.readFileSync(f, 'utf8').trim();
  return v2
    ? { memory: read(path.join(memDir, 'memory.max')), cpu: read(path.join(cpuDir, 'cpu.max')) }
    : {
        memory: read(path.join(memDir, 'memory.limit_in_bytes')),
        cpu: `${read(path.join(cpuDir, 'cpu.cfs_quota_us'))} ${read(path.join(cpuDir, 'cpu.cfs_period_us'))}`,
      };
}

function gone(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // A zombie has exited; only its exit status is left for its parent.
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}

async function waitGone(pids: number[], ms = 3000): Promise<number[]> {
  const until = Date.now() + ms;
  for (;;) {
    const alive = pids.filter((p) => !gone(p));
    if (alive.length === 0 || Date.now() > until) return alive;
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('limits', () => {
  test('the service reports whether limits are applied and why', async () => {
    const auto = await LocalLambdaService.start({ limits: 'auto' });
    const off = await LocalLambdaService.start({ limits: 'off' });
    try {
      expect(auto.limits.applied).toBe(here.applied);
      expect(auto.limits.reason).not.toBe('');
      if (auto.limits.applied) expect(auto.limits.cpuPeriodUs).toBe(100000);
      expect(off.limits).toEqual({ applied: false, reason: 'limits were turned off (limits: off)' });
    } finally {
      await Promise.all([auto.stop(), off.stop()]);
    }
  });

  test('CPU quota follows Lambda: one vCPU at 1,769 MB', () => {
    expect(cpuQuotaUs(1769)).toBe(100000);
    expect(cpuQuotaUs(128)).toBe(7236);
    expect(cpuQuotaUs(512)).toBe(28943);
    expect(cpuQuotaUs(3538)).toBe(200000);
  });

  withLimits('an environment runs in its own memory and cpu cgroups, sized from the memory size', async () => {
    const service = await LocalLambdaService.start({ limits: 'on' });
    const { lambda } = clients(service.endpoint);
    try {
      service.register(fixtureFunction('small', { memorySizeMB: 128 }));
      const r = await invoke(lambda, 'small', {});
      const pid = r.json.pid as number;
      const memDir = cgroupDir(pid, 'memory');
      const cpuDir = cgroupDir(pid, 'cpu');
      expect(path.basename(path.dirname(memDir))).toMatch(new RegExp(`^apr-lambda-${process.pid}-[0-9a-f]+$`));
      expect(limitFiles(memDir, cpuDir)).toEqual({ memory: String(128 * 1024 * 1024), cpu: '7236 100000' });
      expect(mb(r.report['Max Memory Used'])).toBeLessThanOrEqual(128);
    } finally {
      lambda.destroy();
      await service.stop();
    }
  });

  withLimits('running out of memory is reported as Runtime.OutOfMemory with Max Memory Used at the memory size', async () => {
    const service = await LocalLambdaService.start({ limits: 'on' });
    const { lambda } = clients(service.endpoint);
    try {
      service.register(fixtureFunction('hungry', { memorySizeMB: 128, timeoutSeconds: 20 }));
      const r = await invoke(lambda, 'hungry', { action: 'alloc', mb: 256 });
      expect(r.out.FunctionError).toBe('Unhandled');
      expect(r.json.errorType).toBe('Runtime.OutOfMemory');
      expect(r.json.errorMessage).toBe(`RequestId: ${r.report.RequestId} Error: Runtime exited with error: signal: killed`);
      expect(r.report.Status).toBe('error');
      expect(r.report['Error Type']).toBe('Runtime.OutOfMemory');
      expect(r.report['Max Memory Used']).toBe('128 MB');
    } finally {
      lambda.destroy();
      await service.stop();
    }
  }, 60000);

  test('without limits the runtime stays in the host\'s cgroup', async () => {
    const service = await LocalLambdaService.start({ limits: 'off' });
    const { lambda } = clients(service.endpoint);
    try {
      service.register(fixtureFunction('free'));
      const r = await invoke(lambda, 'free', {});
      expect(fs.readFileSync(`/proc/${r.json.pid}/cgroup`, 'utf8')).not.toContain('apr-lambda-');
      expect(r.report['Init Duration']).toBeDefined();
    } finally {
      lambda.destroy();
      await service.stop();
    }
  });
});

describe('no orphan processes', () => {
  test('stop() ends every environment, the processes they started, and removes the cgroups', async () => {
    const service = await LocalLambdaService.start({ limits: 'auto' });
    const { lambda } = clients(service.endpoint);
    service.register(fixtureFunction('parent'));
    service.register(fixtureFunction('stuck', { timeoutSeconds: 60 }));
    // A child in the runtime's process group always dies with it; one that left the group (setsid) is
    // found through the environment's cgroup, which exists only when limits apply.
    const spawned = await invoke(lambda, 'parent', { action: 'spawn-child', escape: service.limits.applied });
    const childPids = spawned.json.childPids as number[];
    expect(childPids.length).toBe(service.limits.applied ? 2 : 1);
    const stuck = invoke(lambda, 'stuck', { action: 'hang' }).catch((e: unknown) => e);
    for (let i = 0; i < 200 && service.environmentPids().length < 2; i++) await new Promise((r) => setTimeout(r, 50));
    const environmentPids = service.environmentPids();
    expect(environmentPids.length).toBe(2);
    for (const p of [...environmentPids, ...childPids]) expect(gone(p)).toBe(false);

    await service.stop();
    await service.stop();
    expect(await waitGone([...environmentPids, ...childPids])).toEqual([]);
    expect(service.environmentPids()).toEqual([]);
    await stuck;
    lambda.destroy();
    if (service.limits.applied) {
      // The parent group lives below this process's own group, or (cgroup v2 without delegation) at the mount's root.
      const ownDir = cgroupDir(process.pid, 'memory');
      const places = v2 ? [ownDir, '/sys/fs/cgroup'] : [ownDir];
      const leftovers = places.flatMap((d) => (fs.existsSync(d) ? fs.readdirSync(d) : []).filter((n) => n.startsWith(`apr-lambda-${process.pid}-`)));
      expect({ places, leftovers }).toEqual({ places, leftovers: [] });
    }
  });

  test('a SIGTERM to the host process ends its environments and their children', async () => {
    const host = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', path.join(FIXTURES, 'service-host.ts')], {
      cwd: PROJECT_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    host.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const line = await new Promise<string>((resolve, reject) => {
      let out = '';
      host.stdout.on('data', (c: Buffer) => {
        out += c.toString();
        const nl = out.indexOf('\n');
        if (nl >= 0) resolve(out.slice(0, nl));
      });
      host.once('exit', (code) => reject(new Error(`service host exited early (${code}): ${stderr}`)));
    });
    const { environmentPids, childPids } = JSON.parse(line) as { environmentPids: number[]; childPids: number[] };
    expect(environmentPids.length).toBe(1);
    for (const p of [...environmentPids, ...childPids]) expect(gone(p)).toBe(false);
    const exited = new Promise<NodeJS.Signals | null>((resolve) => host.once('exit', (_code, signal) => resolve(signal)));
    host.kill('SIGTERM');
    expect(await exited).toBe('SIGTERM');
    expect(await waitGone([...environmentPids, ...childPids])).toEqual([]);
  }, 60000);
});
