/**
 * Choosing the cgroup interface and what the v2 backend writes. The v1 backend runs for real in
 * limits.test.ts on machines that have it; the v2 backend runs there on v2 machines. Here, independent
 * of the machine: the decision from /proc/self/cgroup, the v2 group's location and limit values, and the
 * reasons given when limits cannot be applied, against a directory laid out like a cgroup2 mount.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CgroupLimits, cgroupVersionOf } from '../../lib/local-lambda/cgroups';
import { locateV2Group, v2EnvironmentSettings } from '../../lib/local-lambda/cgroups-v2';

const V1 = ['9:name=systemd:/', '4:memory:/process_api/1a47', '2:cpuacct:/', '1:cpu:/', '0::/'].join('\n');
const V1_SEPARATE = ['5:cpu,cpuacct:/user.slice', '4:memory:/user.slice', '1:name=systemd:/user.slice/session-2.scope'].join('\n');
const HYBRID_WITHOUT_CPU = ['4:memory:/user.slice', '0::/user.slice/session-2.scope'].join('\n');
const V2 = '0::/user.slice/user-0.slice/session-2.scope\n';
const V2_MOUNTINFO = '35 24 0:30 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot\n';

describe('which cgroup interface drives the limits', () => {
  test.each([
    ['v1 (this project\'s machines)', V1, 1],
    ['v1 with cpu and cpuacct together', V1_SEPARATE, 1],
    ['hybrid without a v1 cpu controller: v2', HYBRID_WITHOUT_CPU, 2],
    ['v2 only', V2, 2],
    ['neither', '', null],
  ])('%s', (_name, membership, version) => {
    expect(cgroupVersionOf(membership)).toBe(version);
  });
});

describe('cgroup v2', () => {
  test('the process\'s group is found under the cgroup2 mount', () => {
    expect(locateV2Group(V2, V2_MOUNTINFO)).toEqual({ root: '/sys/fs/cgroup', own: '/sys/fs/cgroup/user.slice/user-0.slice/session-2.scope' });
    // A container's cgroup namespace: the mount's root is the container's own group.
    const nsMount = '1012 1003 0:30 /docker/abc /sys/fs/cgroup ro,nosuid - cgroup2 cgroup rw\n';
    expect(locateV2Group('0::/docker/abc\n', nsMount)).toEqual({ root: '/sys/fs/cgroup', own: '/sys/fs/cgroup' });
    expect(locateV2Group(V2, '')).toEqual({ reason: 'no cgroup2 file system is mounted' });
  });

  test('an environment gets its memory size as memory.max, no swap, one OOM for the group, and its CPU share as cpu.max', () => {
    expect(v2EnvironmentSettings(128)).toEqual({
      required: { 'memory.max': String(128 * 1024 * 1024), 'cpu.max': '7236 100000' },
      whereSupported: { 'memory.swap.max': '0', 'memory.oom.group': '1' },
    });
    expect(v2EnvironmentSettings(1769).required['cpu.max']).toBe('100000 100000');
  });

  test('where cpu and memory cannot be delegated, limits are not applied and the reason names each place tried', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'fake-cgroup2-'));
    try {
      const own = path.join(root, 'user.slice', 'session-2.scope');
      fs.mkdirSync(own, { recursive: true });
      // The session has memory but no cpu controller; the root has neither enabled nor available cpu.
      fs.writeFileSync(path.join(own, 'cgroup.controllers'), 'memory pids\n');
      fs.writeFileSync(path.join(own, 'cgroup.subtree_control'), '\n');
      fs.writeFileSync(path.join(root, 'cgroup.controllers'), 'memory io pids\n');
      fs.writeFileSync(path.join(root, 'cgroup.subtree_control'), 'memory pids\n');
      const sources = { membership: '0::/user.slice/session-2.scope\n', mountinfo: '', v2MountRoot: root };
      const status = CgroupLimits.check(sources);
      expect(status.applied).toBe(false);
      expect(status.reason).toBe(
        `cgroup v2: ${own} does not have the cpu controller; ${root} does not have the cpu controller ` +
          '(run as root, or from a group with cpu and memory delegated)',
      );
      expect(() => CgroupLimits.setUp('on', sources)).toThrow(`resource limits were required (limits: on) but cannot be applied: ${status.reason}`);
      expect(CgroupLimits.setUp('auto', sources)).toEqual({ limits: null, status });
      // Nothing was created while trying.
      expect(fs.readdirSync(root).filter((n) => n.startsWith('apr-lambda-'))).toEqual([]);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
