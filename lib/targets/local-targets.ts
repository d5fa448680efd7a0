/**
 * The two benchmarked functions as the local Lambda service runs them, defined in one place:
 *
 * - `apr`: the static Rust binary `lambda-apr/dist/bootstrap` (built by `npm run build:apr`), a custom
 *   runtime on provided.al2023 with 128 MB and a 10 s timeout, as deployed; its code size is that of
 *   `lambda-apr/dist/bootstrap.zip`, the package Lambda receives.
 * - `pytorch`: `baselines/pytorch-wine/.venv/bin/python -m awslambdaric lambda_function.lambda_handler`
 *   in baselines/pytorch-wine (prepared by `npm run build:pytorch`), the command the container image runs,
 *   with 512 MB and a 30 s timeout.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { LocalFunctionDefinition } from '../local-lambda';

export interface LocalTargetsOptions {
  aprFunctionName?: string;
  pytorchFunctionName?: string;
  /** The PyTorch function's Python (a venv with awslambdaric that sees torch). */
  pytorchPython?: string;
}

export interface LocalTargets {
  apr: LocalFunctionDefinition;
  pytorch: LocalFunctionDefinition;
}

export const APR_MEMORY_MB = 128;
export const APR_TIMEOUT_SECONDS = 10;
export const PYTORCH_MEMORY_MB = 512;
export const PYTORCH_TIMEOUT_SECONDS = 30;

export function localTargets(projectRoot: string, options: LocalTargetsOptions = {}): LocalTargets {
  const root = path.resolve(projectRoot);
  const aprDist = path.join(root, 'lambda-apr', 'dist');
  const zip = path.join(aprDist, 'bootstrap.zip');
  const zipStat = statOrUndefined(zip);
  const pytorchDir = path.join(root, 'baselines', 'pytorch-wine');
  const apr: LocalFunctionDefinition = {
    functionName: options.aprFunctionName ?? 'apr',
    runtime: 'provided.al2023',
    packageType: 'Zip',
    command: path.join(aprDist, 'bootstrap'),
    args: [],
    cwd: aprDist,
    // A custom runtime ignores its handler setting; this is the value the deployed function carries.
    handler: 'bootstrap',
    memorySizeMB: APR_MEMORY_MB,
    timeoutSeconds: APR_TIMEOUT_SECONDS,
    description: 'wine quality, Rust reading wine.apr (local)',
  };
  if (zipStat) {
    apr.codeSizeBytes = zipStat.size;
    apr.codeSha256 = createHash('sha256').update(fs.readFileSync(zip)).digest('base64');
  }
  const pytorch: LocalFunctionDefinition = {
    functionName: options.pytorchFunctionName ?? 'pytorch',
    runtime: 'container-image',
    packageType: 'Image',
    command: options.pytorchPython ?? path.join(pytorchDir, '.venv', 'bin', 'python'),
    args: ['-m', 'awslambdaric', 'lambda_function.lambda_handler'],
    cwd: pytorchDir,
    handler: 'lambda_function.lambda_handler',
    memorySizeMB: PYTORCH_MEMORY_MB,
    timeoutSeconds: PYTORCH_TIMEOUT_SECONDS,
    description: 'wine quality, PyTorch (local)',
  };
  return { apr, pytorch };
}

/** What a target still lacks to run here, with the command that builds it; undefined when it is ready. */
export function missingTargetFiles(target: LocalFunctionDefinition, projectRoot: string): string | undefined {
  const root = path.resolve(projectRoot);
  const needed: [string, string][] = [[target.command, 'the runtime command']];
  if (target.packageType === 'Image') needed.push([path.join(target.cwd, 'lambda_function.py'), 'the handler'], [path.join(target.cwd, 'model.pt'), 'the model']);
  for (const [file, what] of needed) {
    if (!statOrUndefined(file)) {
      const hint = file.startsWith(path.join(root, 'lambda-apr')) ? 'npm run build:apr' : 'npm run build:pytorch';
      return `${target.functionName}: ${what} ${file} is missing (build it with \`${hint}\`)`;
    }
  }
  return undefined;
}

function statOrUndefined(file: string): fs.Stats | undefined {
  try {
    return fs.statSync(file);
  } catch {
    return undefined;
  }
}
