import { cpuModel, loadAverage1m } from '../util/machine';
import * as os from 'node:os';
import * as path from 'node:path';
import { runInOwnGroup } from '../process/process-group';

import type { EnvironmentManifest } from '../benchmark/types';

/** The repository this code runs from: lib/local-bench/../.. */
const PROJECT_ROOT = path.resolve(__dirname, '..', '..');

/**
 * First line a command prints, or null when the tool is absent or fails: a manifest never aborts a run.
 * The command runs in its own process group, so a stopped run stops it (and then this rejects).
 */
export async function commandVersion(command: string, args: string[], signal?: AbortSignal): Promise<string | null> {
  try {
    const run = await runInOwnGroup(command, args, signal ? { signal } : {});
    return run.code === 0 ? run.stdout.trim().split('\n')[0] || null : null;
  } catch (error) {
    if (signal?.aborted) throw error;
    return null;
  }
}

/**
 * The project's commit (git rev-parse HEAD), with "+modified" when tracked files differ from it: what code
 * measured, so that `npm run compare` can tell two runs of different code apart (lib/compare/like-for-like.ts
 * reads `commit`). Null outside a git checkout (an unpacked tarball) or without git.
 */
export async function projectCommit(root: string, signal?: AbortSignal): Promise<string | null> {
  const head = await commandVersion('git', ['-C', root, 'rev-parse', 'HEAD'], signal);
  if (!head || !/^[0-9a-f]{40}$/.test(head)) return null;
  let changed = false;
  try {
    const status = await runInOwnGroup('git', ['-C', root, 'status', '--porcelain', '--untracked-files=no'], signal ? { signal } : {});
    changed = status.code === 0 && status.stdout.trim() !== '';
  } catch (error) {
    if (signal?.aborted) throw error;
  }
  return changed ? `${head}+modified` : head;
}

// The CPU and the load are read the same way by the calibration, which now also runs within a bench (lib/util/machine.ts).
export { cpuModel, loadAverage1m } from '../util/machine';

/** The parts of lambda-apr/dist/build-info.json (written by lib/build/apr-build.ts) a manifest reports. */
export interface AprBuildInfo {
  target?: string;
  staticallyLinked?: boolean;
  bootstrap?: { bytes?: number; sha256?: string };
  zip?: { bytes?: number; sha256?: string };
  model?: { sha256?: string };
}

export interface ManifestInputs {
  aprBuildInfo?: AprBuildInfo;
  /** Python interpreter of the PyTorch function, to ask for its torch version. */
  pytorchPython?: string;
  limitsApplied: boolean;
  limitsReason: string;
  signal?: AbortSignal;
}

export async function collectEnvironmentManifest(inputs: ManifestInputs): Promise<EnvironmentManifest> {
  const build = inputs.aprBuildInfo ?? {};
  const version = (command: string, args: string[]) => commandVersion(command, args, inputs.signal);
  const py = inputs.pytorchPython;
  const [commit, osName, rustc, python, torch, awslambdaric] = await Promise.all([
    projectCommit(PROJECT_ROOT, inputs.signal),
    version('sh', ['-c', '. /etc/os-release && echo "$PRETTY_NAME"']),
    version('rustc', ['--version']),
    py ? version(py, ['-c', 'import sys; print(sys.version.split()[0])']) : null,
    py ? version(py, ['-c', 'import torch; print(torch.__version__)']) : null,
    py ? version(py, ['-c', 'import importlib.metadata as m; print(m.version("awslambdaric"))']) : null,
  ]);
  return {
    limitsApplied: inputs.limitsApplied,
    limitsReason: inputs.limitsReason,
    commit,
    cpu: cpuModel(),
    logicalCpus: os.cpus().length,
    // Before the measurement (the set-up is done by now): the calibration records the same, and the
    // report compares the two (lib/benchmark/predicted-aws.ts, calibrationMismatches).
    loadAverage1mBefore: loadAverage1m(),
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    kernel: `${os.type()} ${os.release()}`,
    os: osName,
    node: process.version,
    rustc,
    aprBuildTarget: build.target ?? null,
    aprStaticallyLinked: build.staticallyLinked ?? null,
    aprBinarySha256: build.bootstrap?.sha256 ?? null,
    aprZipSha256: build.zip?.sha256 ?? null,
    modelSha256: build.model?.sha256 ?? null,
    python,
    torch,
    awslambdaric,
  };
}
