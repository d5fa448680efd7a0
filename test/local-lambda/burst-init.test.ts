/**
 * INIT with burst CPU: a first init runs without the memory-proportional CPU quota (the environment's
 * 2 vCPUs, or the machine's CPUs where it has fewer), the quota of the memory size applies from the
 * runtime's first GET /next, before the first event, and an init retried inside an invocation runs under
 * the invocation's quota from its start. Observed from inside the runtime: the quota its cgroup holds at
 * each phase and the group's throttling counter (cpu.stat nr_throttled) across a fixed amount of CPU work.
 * No wall-clock thresholds.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { LocalLambdaService } from '../../lib/local-lambda';
import { burstCpuQuotaUs, CgroupLimits, cpuQuotaUs } from '../../lib/local-lambda/cgroups';
import { limitV1EnvironmentGroup } from '../../lib/local-lambda/cgroups-v1';
import { limitV2EnvironmentGroup } from '../../lib/local-lambda/cgroups-v2';
import { clients, FIXTURES, fixtureFunction, invoke } from './helpers';

const here = CgroupLimits.check();
const withLimits = here.applied ? test : test.skip;

/** 128 MB: 7.2 % of a CPU during invocations, so 60 ms of CPU work spans several throttled periods. */
function cpuPhasesFunction(functionName: string, environment: Record<string, string> = {}) {
  return fixtureFunction(functionName, {
    args: [path.join(FIXTURES, 'cpu-phases-runtime.cjs')],
    memorySizeMB: 128,
    timeoutSeconds: 30,
    environment: { FIXTURE_BURN_CPU_MS: '60', ...environment },
  });
}

describe('the CPU quota of each phase', () => {
  test('the burst quota is the environment\'s 2 vCPUs, or the machine\'s CPUs where it has fewer', () => {
    expect(burstCpuQuotaUs(1)).toBe(100000);
    expect(burstCpuQuotaUs(2)).toBe(200000);
    expect(burstCpuQuotaUs(64)).toBe(200000);
  });

  test.each([
    ['cgroup v1', 'v1'],
    ['cgroup v2', 'v2'],
  ])('%s: a first init starts at the burst quota and switches once to the memory share; a retried init starts at the share', (_name, version) => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), `fake-cgroup-${version}-`));
    try {
      const quotaOf = (dirs: { cpu: string }) =>
        version === 'v1' ? fs.readFileSync(path.join(dirs.cpu, 'cpu.cfs_quota_us'), 'utf8') : fs.readFileSync(path.join(dirs.cpu, 'cpu.max'), 'utf8');
      const make = (name: string, burstInit: boolean) => {
        const dirs = { memory: path.join(root, name, 'memory'), cpu: version === 'v1' ? path.join(root, name, 'cpu') : path.join(root, name, 'memory') };
        fs.mkdirSync(dirs.memory, { recursive: true });
        fs.mkdirSync(dirs.cpu, { recursive: true });
        const group = version === 'v1' ? limitV1EnvironmentGroup(dirs, 512, { burstInit, machineCpus: 8 }) : limitV2EnvironmentGroup(dirs.memory, 512, { burstInit, machineCpus: 8 });
        return { dirs, group };
      };
      const first = make('first', true);
      expect(first.group.cpuRegime).toBe('burst-init');
      expect(quotaOf(first.dirs)).toBe(version === 'v1' ? '200000' : '200000 100000');
      first.group.applyInvocationCpuQuota();
      expect(first.group.cpuRegime).toBe('invocation');
      expect(quotaOf(first.dirs)).toBe(version === 'v1' ? String(cpuQuotaUs(512)) : `${cpuQuotaUs(512)} 100000`);
      // The memory limit is the same in both regimes.
      const memoryFile = version === 'v1' ? 'memory.limit_in_bytes' : 'memory.max';
      expect(fs.readFileSync(path.join(first.dirs.memory, memoryFile), 'utf8')).toBe(String(512 * 1024 * 1024));

      const retried = make('retried', false);
      expect(retried.group.cpuRegime).toBe('invocation');
      expect(quotaOf(retried.dirs)).toBe(version === 'v1' ? String(cpuQuotaUs(512)) : `${cpuQuotaUs(512)} 100000`);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('on this machine\'s cgroups', () => {
  if (!here.applied) console.warn(`cgroup limits cannot be applied here (${here.reason}): the burst INIT tests on real cgroups are skipped`);
  const burst = burstCpuQuotaUs(os.availableParallelism());
  const share = cpuQuotaUs(128);
  /** The quota as the runtime read it: "quota period" on v1 and v2 alike. */
  const asRead = (quota: number) => `${quota} 100000`;

  withLimits('a runtime burning CPU in its init and in its handler: burst quota and no throttling in init, the 128 MB share and throttling in the handler', async () => {
    const service = await LocalLambdaService.start({ limits: 'on' });
    const { lambda } = clients(service.endpoint);
    try {
      service.register(cpuPhasesFunction('phases'));
      const r = await invoke(lambda, 'phases', {});
      expect(r.out.FunctionError).toBeUndefined();
      expect(r.report['Init Duration']).toBeDefined();
      const { init, handler } = r.json;
      expect(init.quota).toBe(asRead(burst));
      expect(init.quotaAfterBurn).toBe(asRead(burst));
      // One thread cannot use more than one CPU: under a quota of whole CPUs it is never throttled.
      expect(init.throttledDuringBurn).toBe(0);
      expect(handler.quota).toBe(asRead(share));
      // 60 ms of CPU at 7.2 ms per 100 ms period: the group runs out of quota in several periods.
      expect(handler.throttledDuringBurn).toBeGreaterThan(0);
    } finally {
      lambda.destroy();
      await service.stop();
    }
  }, 60000);

  withLimits('an init retried inside the invocation runs under the invocation\'s quota, and its INIT_REPORT reaches FilterLogEvents', async () => {
    const marker = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'fail-first-init-')), 'failed-once');
    const service = await LocalLambdaService.start({ limits: 'on' });
    const { lambda, logs } = clients(service.endpoint);
    try {
      service.register(cpuPhasesFunction('retried', { FIXTURE_FAIL_FIRST_INIT: marker }));
      const r = await invoke(lambda, 'retried', {});
      expect(r.out.FunctionError).toBeUndefined();
      expect(fs.existsSync(marker)).toBe(true);
      // Lambda's suppressed init: the invocation's REPORT carries no Init Duration.
      expect(r.report['Init Duration']).toBeUndefined();
      const { init, handler } = r.json;
      expect(init.quota).toBe(asRead(share));
      expect(init.throttledDuringBurn).toBeGreaterThan(0);
      expect(handler.quota).toBe(asRead(share));

      const events = await logs.send(new FilterLogEventsCommand({ logGroupName: '/aws/lambda/retried', filterPattern: 'INIT_REPORT' }));
      const lines = (events.events ?? []).map((e) => e.message);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^INIT_REPORT Init Duration: \d+\.\d\d ms\tPhase: init\tStatus: error\tError Type: Runtime\.ExitError\n$/);
    } finally {
      lambda.destroy();
      await service.stop();
      fs.rmSync(path.dirname(marker), { recursive: true, force: true });
    }
  }, 60000);
});
