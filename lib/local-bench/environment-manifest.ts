import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import * as os from 'node:os';

import type { EnvironmentManifest } from '../benchmark/types';

/** First line a command prints, or null when the tool is absent or fails: a manifest never aborts a run. */
export function commandVersion(command: string, args: string[], cwd?: string): string | null {
  try {
    const out = execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 15_000 });
    return out.trim().split('\n')[0] || null;
  } catch {
    return null;
  }
}

export function cpuModel(cpuinfo = existsSync('/proc/cpuinfo') ? readFileSync('/proc/cpuinfo', 'utf8') : ''): string {
  const line = cpuinfo.split('\n').find((l) => l.startsWith('model name'));
  return line ? line.split(':').slice(1).join(':').trim() : os.cpus()[0]?.model ?? 'unknown';
}

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
}

export function collectEnvironmentManifest(inputs: ManifestInputs): EnvironmentManifest {
  const build = inputs.aprBuildInfo ?? {};
  return {
    limitsApplied: inputs.limitsApplied,
    limitsReason: inputs.limitsReason,
    cpu: cpuModel(),
    logicalCpus: os.cpus().length,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    kernel: `${os.type()} ${os.release()}`,
    os: commandVersion('sh', ['-c', '. /etc/os-release && echo "$PRETTY_NAME"']),
    node: process.version,
    rustc: commandVersion('rustc', ['--version']),
    aprBuildTarget: build.target ?? null,
    aprStaticallyLinked: build.staticallyLinked ?? null,
    aprBinarySha256: build.bootstrap?.sha256 ?? null,
    aprZipSha256: build.zip?.sha256 ?? null,
    modelSha256: build.model?.sha256 ?? null,
    python: inputs.pytorchPython ? commandVersion(inputs.pytorchPython, ['-c', 'import sys; print(sys.version.split()[0])']) : null,
    torch: inputs.pytorchPython ? commandVersion(inputs.pytorchPython, ['-c', 'import torch; print(torch.__version__)']) : null,
    awslambdaric: inputs.pytorchPython
      ? commandVersion(inputs.pytorchPython, ['-c', 'import importlib.metadata as m; print(m.version("awslambdaric"))'])
      : null,
  };
}
