/**
 * The two benchmarked functions as the local Lambda service runs them, defined in one place:
 *
 * - `apr`: the static Rust binary `lambda-apr/dist/bootstrap` (built by `npm run build:apr`), a custom
 *   runtime on provided.al2023 with 128 MB and a 10 s timeout, as deployed; its code size is that of
 *   `lambda-apr/dist/bootstrap.zip`, the package Lambda receives.
 * - `pytorch`: `baselines/pytorch-wine/.venv/bin/python -m awslambdaric lambda_function.lambda_handler`
 *   in baselines/pytorch-wine (prepared by `npm run build:pytorch`), the command the container image runs,
 *   with 512 MB and a 30 s timeout.
 *
 * Any other function joins a run through a target file (target-file.ts, `--target-file`): measured and
 * predicted like these two, sent its own payload, and outside the parity check, which compares the
 * two functions that implement docs/CONTRACT.md.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { TargetSpec } from '../benchmark/types';
import type { LocalFunctionDefinition } from '../local-lambda';
import type { TargetFile } from './target-file';

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

/** The built-in targets' keys and function names, which a target file may not take. */
export const BUILT_IN_NAMES: readonly string[] = ['apr', 'pytorch'];

/**
 * A target key from a target file's functionName: results, raw files and the state machine key targets
 * by it, and it must be lower-case letters, digits and "-", at most 40 (lib/handlers/run-layout.ts).
 */
export function targetKeyOf(tf: Pick<TargetFile, 'file' | 'definition'>): string {
  const key = tf.definition.functionName.toLowerCase().replace(/_/g, '-');
  if (!/^[a-z0-9][a-z0-9-]{0,39}$/.test(key)) {
    throw new Error(
      `target file ${tf.file}: "functionName" ${JSON.stringify(tf.definition.functionName)} must start with a letter or digit and be at most 40 characters ` +
        '(it keys the results as lower-case letters, digits and "-")',
    );
  }
  return key;
}

/**
 * Checks target files against each other and the built-in targets, before anything is set up: each
 * must have its own key and function name, and its command and working folder must exist.
 */
export function checkTargetFiles(files: readonly TargetFile[], taken: readonly string[] = BUILT_IN_NAMES): void {
  const seen = new Map<string, string>(taken.map((name) => [name, 'a built-in target']));
  for (const tf of files) {
    const key = targetKeyOf(tf);
    for (const name of new Set([key, tf.definition.functionName])) {
      const other = seen.get(name);
      if (other) throw new Error(`target file ${tf.file}: "functionName" ${JSON.stringify(tf.definition.functionName)} is taken by ${other}`);
      seen.set(name, tf.file);
    }
    const missing = missingTargetFileParts(tf);
    if (missing) throw new Error(missing);
  }
}

/** What a target file's function lacks to run here (its command, its folder); undefined when it can run. */
export function missingTargetFileParts(tf: Pick<TargetFile, 'file' | 'definition'>): string | undefined {
  const { command, cwd } = tf.definition;
  if (!statOrUndefined(cwd)?.isDirectory()) return `target file ${tf.file}: "cwd" ${cwd} is not a folder`;
  // A bare command name is looked up on PATH when the runtime starts; a path must exist now.
  if (command.includes('/') && !statOrUndefined(command)?.isFile()) return `target file ${tf.file}: "command" ${command} does not exist`;
  return undefined;
}

/** The benchmark's view of a target file's function (the service registers `tf.definition`). */
export function targetFileSpec(tf: TargetFile): TargetSpec {
  const d = tf.definition;
  const spec: TargetSpec = {
    key: targetKeyOf(tf),
    functionName: d.functionName,
    logGroupName: `/aws/lambda/${d.functionName}`,
    runtimeLabel: tf.runtimeLabel,
    memorySizeMB: d.memorySizeMB,
    architecture: tf.architecture,
    packageBytes: tf.packageBytes ?? 0,
    packageLabel: tf.packageBytes !== undefined ? `${d.packageType === 'Image' ? 'image content' : 'zip package'} per ${path.basename(tf.file)}` : `size not given in ${path.basename(tf.file)}`,
    packageType: d.packageType,
  };
  if (tf.payload !== undefined) spec.payload = tf.payload as TargetSpec['payload'];
  return spec;
}
