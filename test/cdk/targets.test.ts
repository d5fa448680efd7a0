import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { ConfigError } from '../../lib/config/app-config';
import { constructIdOf } from '../../lib/stacks/benchmark-stack';
import { zipBundler } from '../../lib/stacks/zip-bundler';
import { TARGET_KEYS } from '../../lib/targets/registry';
import { cleanUpSynths, idAtPath, synth, type Synthesized } from './helpers';

/**
 * The targets in the template: cdk.json's context on this checkout (every target, both architectures),
 * asset bundling skipped (the code does not matter here; test/cdk/stack.test.ts bundles for real).
 */
let s: Synthesized;
let resources: Record<string, any>;
beforeAll(() => {
  s = synth();
  resources = s.json.Resources;
}, 120_000);
afterAll(cleanUpSynths);

const fn = (v: Synthesized, key: string) => v.json.Resources[idAtPath(v.json, `${constructIdOf(key)}/Function`)];
const benchTargets = (v: Synthesized): { key: string; memorySizeMB: number; architecture: string; runtimeLabel: string }[] => {
  const prepare = v.json.Resources[idAtPath(v.json, 'Benchmark/TaskFunctions/Prepare/Function')];
  const joined = prepare.Properties.Environment.Variables.BENCH_TARGETS['Fn::Join'][1];
  // The tokens (function and log group names) become placeholders; the rest is the JSON the stack wrote.
  return JSON.parse(joined.map((part: unknown) => (typeof part === 'string' ? part : 'X')).join(''));
};

describe('every target of the registry', () => {
  test('all seven are deployed on x86_64 with their runtime, memory, handler and architecture', () => {
    const expected: Record<string, [string | undefined, number, string]> = {
      apr: ['provided.al2023', 128, 'bootstrap'],
      'apr-runtime-crate': ['provided.al2023', 128, 'bootstrap'],
      python: ['python3.11', 128, 'handler.lambda_handler'],
      numpy: ['python3.11', 128, 'handler.lambda_handler'],
      onnx: ['python3.11', 128, 'handler.lambda_handler'],
      pytorch: [undefined, 512, 'lambda_function.lambda_handler'],
      node: ['nodejs22.x', 128, 'index.handler'],
    };
    for (const key of TARGET_KEYS) {
      const p = fn(s, key).Properties;
      const [runtime, memory, handler] = expected[key];
      expect([key, p.Runtime, p.MemorySize, p.Architectures]).toEqual([key, runtime, memory, ['x86_64']]);
      if (key === 'pytorch') expect(p.PackageType).toBe('Image');
      else expect([key, p.Handler]).toEqual([key, handler]);
    }
  });

  test('arm64 where the package can be built for it (the Python wheels, the dependency-free Node.js zip), nowhere else', () => {
    for (const key of ['numpy-arm64', 'onnx-arm64', 'node-arm64']) expect([key, fn(s, key).Properties.Architectures]).toEqual([key, ['arm64']]);
    const arm = Object.values(resources).filter((r: any) => r.Type === 'AWS::Lambda::Function' && r.Properties.Architectures?.[0] === 'arm64');
    expect(arm).toHaveLength(3);
  });

  test('what is not deployed is a warning with the reason and the command that would build it', () => {
    const warnings = Annotations.fromStack(s.stack).findWarning('*', Match.stringLikeRegexp('^not deployed: '));
    const texts = warnings.map((w) => String(w.entry.data));
    expect(texts).toHaveLength(4);
    expect(texts).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^not deployed: apr \(arm64\): the Rust build .* \(build: rustup target add aarch64-unknown-linux-musl/),
        expect.stringMatching(/^not deployed: python \(arm64\): .*manylinux2014_x86_64 only/),
        expect.stringMatching(/^not deployed: pytorch \(arm64\): the image is built for linux\/amd64/),
      ]),
    );
  });

  test('each function has its own log group, kept for logRetentionDays and deleted with the stack, and a role that writes only there', () => {
    for (const { planned } of s.stack.targets) {
      const id = constructIdOf(planned.key);
      const logGroupId = idAtPath(s.json, `${id}/LogGroup`);
      const logGroup = resources[logGroupId];
      expect([planned.key, logGroup.Properties.RetentionInDays, logGroup.DeletionPolicy, logGroup.UpdateReplacePolicy]).toEqual([planned.key, 30, 'Delete', 'Delete']);
      expect(logGroup.Properties.LogGroupName).toBe(`/aws/lambda/AprLambdaBench-${planned.key}`);
      const p = fn(s, planned.key).Properties;
      expect([planned.key, p.LoggingConfig]).toEqual([planned.key, { LogGroup: { Ref: logGroupId }, LogFormat: 'Text' }]);
      const roleId = idAtPath(s.json, `${id}/Role`);
      expect(p.Role).toEqual({ 'Fn::GetAtt': [roleId, 'Arn'] });
      const policies = Object.values(resources).filter((r: any) => r.Type === 'AWS::IAM::Policy' && r.Properties.Roles.some((x: any) => x.Ref === roleId));
      const statements = policies.flatMap((r: any) => r.Properties.PolicyDocument.Statement);
      expect(statements).toEqual([
        { Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: { 'Fn::GetAtt': [logGroupId, 'Arn'] } },
      ]);
    }
  });

  test('the pinned managed runtimes are acknowledged to cdk-nag on each function, with the reason; provided.al2023 needs none', () => {
    for (const { planned } of s.stack.targets) {
      const r = fn(s, planned.key);
      const l1 = ((r.Metadata?.cdk_nag?.rules_to_suppress ?? []) as { id: string; reason: string }[]).filter((x) => x.id === 'AwsSolutions-L1');
      if (r.Properties.Runtime === 'python3.11') expect([planned.key, l1]).toEqual([planned.key, [expect.objectContaining({ reason: expect.stringContaining('CPython 3.11') })]]);
      else if (r.Properties.Runtime === 'nodejs22.x') expect([planned.key, l1]).toEqual([planned.key, [expect.objectContaining({ reason: expect.stringContaining('aws-lambda-ric 4') })]]);
      else expect([planned.key, l1]).toEqual([planned.key, []]);
    }
  });

  test('the state machine measures every deployed function: Prepare\'s targets are exactly the plan', () => {
    const targets = benchTargets(s);
    expect(targets.map((t) => t.key)).toEqual(s.plan.functions.map((f) => f.key));
    expect(targets.find((t) => t.key === 'node-arm64')).toMatchObject({ memorySizeMB: 128, architecture: 'arm64', runtimeLabel: 'nodejs22.x' });
    expect(targets.find((t) => t.key === 'pytorch')).toMatchObject({ memorySizeMB: 512, architecture: 'x86_64', runtimeLabel: 'container-image' });
  });
});

describe('choosing targets', () => {
  test('a subset deploys and measures that subset only', () => {
    const v = synth({ targets: ['apr', 'numpy'], architectures: ['x86_64'] });
    // Every function that is not the benchmark's own (Task, trigger and CDK provider functions run nodejs24.x).
    const functions = Object.values(v.json.Resources).filter((r: any) => r.Type === 'AWS::Lambda::Function' && r.Properties.Runtime !== 'nodejs24.x');
    expect(functions.map((r: any) => r.Properties.Runtime).sort()).toEqual(['provided.al2023', 'python3.11']);
    expect(benchTargets(v).map((t) => t.key)).toEqual(['apr', 'numpy']);
    expect(v.stack.pytorch).toBeUndefined();
    // Without the PyTorch image, Prepare describes no image repository.
    expect(JSON.stringify(v.json)).not.toContain('ecr:DescribeImages');
  }, 120_000);

  test('memory sizes: one function per size that fits, keyed by it', () => {
    const v = synth({ targets: ['numpy', 'pytorch'], memorySizes: [128, 1024], architectures: ['x86_64'] });
    expect(benchTargets(v).map((t) => [t.key, t.memorySizeMB])).toEqual([
      ['numpy', 128],
      ['numpy-1024', 1024],
      ['pytorch-1024', 1024],
    ]);
    expect(fn(v, 'numpy-1024').Properties.MemorySize).toBe(1024);
    expect(Annotations.fromStack(v.stack).findWarning('*', Match.stringLikeRegexp('pytorch-128: 128 MB is below'))).toHaveLength(1);
  }, 120_000);

  test('the README\'s memory sweep fits Prepare\'s environment', () => {
    const v = synth({ targets: 'apr,numpy,pytorch', architectures: 'x86_64', memorySizes: '128,512,1769', runOnDeploy: false });
    expect(benchTargets(v).map((t) => t.key)).toEqual(['apr', 'apr-512', 'apr-1769', 'numpy', 'numpy-512', 'numpy-1769', 'pytorch', 'pytorch-1769']);
  }, 120_000);

  test('an unknown key is refused before anything is built, naming the key and the known ones', () => {
    expect(() => synth({ targets: ['apr', 'tensorflow'] })).toThrow(ConfigError);
    expect(() => synth({ targets: 'apr,tensorflow' })).toThrow(/context key "targets": .*\(unknown: "tensorflow"\)/);
  });

  test('more functions than Prepare\'s 4 KB environment holds is refused at synth, naming the keys to change', () => {
    expect(() => synth({ memorySizes: [128, 256, 512, 1024, 1769] })).toThrow(/do not fit Prepare's environment.*"targets", "architectures" or "memorySizes"/);
  }, 120_000);
});

describe('zip bundling', () => {
  test('each architecture deploys its own build\'s zip, byte for byte', () => {
    const v = synth({ targets: ['numpy'], architectures: ['x86_64', 'arm64'], runOnDeploy: false }, { bundle: true });
    const staged = (key: string) => {
      const code = fn(v, key).Properties.Code;
      const asset = Object.values(v.manifest.files as Record<string, any>).find((a) => Object.values(a.destinations as Record<string, any>).some((d) => d.objectKey === code.S3Key));
      expect(asset.source.packaging).toBe('file');
      return fs.readFileSync(path.join(v.outdir, asset.source.path));
    };
    const root = path.resolve(__dirname, '..', '..');
    expect(staged('numpy').equals(fs.readFileSync(path.join(root, 'baselines/numpy-wine/build/function.zip')))).toBe(true);
    expect(staged('numpy-arm64').equals(fs.readFileSync(path.join(root, 'baselines/numpy-wine/build/arm64/function.zip')))).toBe(true);
  }, 240_000);

  let out: string;
  beforeEach(() => {
    out = fs.mkdtempSync(path.join(os.tmpdir(), 'zip-bundler-'));
  });
  afterEach(() => fs.rmSync(out, { recursive: true, force: true }));

  test('runs the build command, then puts exactly the built zip in the asset folder', () => {
    const src = path.join(out, 'built.zip');
    const calls: string[] = [];
    const bundle = zipBundler('/repo', 'bash build.sh', src, (command, cwd) => {
      calls.push(`${cwd}: ${command}`);
      fs.writeFileSync(src, 'PK zip bytes');
      return { status: 0, output: '' };
    });
    const assetDir = fs.mkdtempSync(path.join(out, 'asset-'));
    bundle(assetDir);
    expect(calls).toEqual(['/repo: bash build.sh']);
    expect(fs.readdirSync(assetDir)).toEqual(['built.zip']);
    expect(fs.readFileSync(path.join(assetDir, 'built.zip'), 'utf8')).toBe('PK zip bytes');
  });

  test('a failing build stops the synth with the command and the end of its output', () => {
    const bundle = zipBundler(out, 'exit 3', path.join(out, 'never.zip'));
    expect(() => bundle(out)).toThrow(/`exit 3` exited with 3/);
    const silent = zipBundler(out, 'true', path.join(out, 'never.zip'));
    expect(() => silent(out)).toThrow(/succeeded but left no .*never\.zip/);
  });
});
