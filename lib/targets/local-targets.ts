/**
 * The registry's targets (lib/targets/registry.ts) as the local Lambda service runs them: each target's
 * command, working folder, handler, memory size and timeout come from its registry entry; its code size
 * and hash from the zip its build leaves (an image's size is measured separately, package-size.ts).
 * Nothing here names a target: adding one to the registry adds it to `npm run bench`.
 *
 * Any other function joins a run through a target file (target-file.ts, `--target-file`): measured and
 * predicted like these, sent its own payload, and outside the parity check, which compares the
 * functions that implement docs/CONTRACT.md.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { TargetSpec } from '../benchmark/types';
import type { LocalFunctionDefinition } from '../local-lambda';
import { LAMBDA_PATH } from '../local-lambda/runtime-environment';
import { buildability } from './buildability';
import { isBuilt, localRunOf, targetDefinition, TARGET_KEYS, type TargetKey } from './registry';
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

export const APR_MEMORY_MB = targetDefinition('apr').memorySizeMB;
export const APR_TIMEOUT_SECONDS = targetDefinition('apr').timeoutSeconds;
export const PYTORCH_MEMORY_MB = targetDefinition('pytorch').memorySizeMB;
export const PYTORCH_TIMEOUT_SECONDS = targetDefinition('pytorch').timeoutSeconds;

/** How the local service runs one registry target; `functionName` and `memorySizeMB` may differ from the entry's. */
export function registryLocalDefinition(
  key: TargetKey,
  projectRoot: string,
  options: { functionName?: string; memorySizeMB?: number; command?: string } = {},
): LocalFunctionDefinition {
  const target = targetDefinition(key);
  const run = localRunOf(target, projectRoot);
  const definition: LocalFunctionDefinition = {
    functionName: options.functionName ?? key,
    runtime: run.runtime,
    packageType: target.packageType,
    command: options.command ?? run.command,
    args: run.args,
    cwd: run.cwd,
    handler: target.handler,
    memorySizeMB: options.memorySizeMB ?? target.memorySizeMB,
    timeoutSeconds: target.timeoutSeconds,
    description: `wine quality, ${target.description} (local)`,
    packagePaths: run.packagePaths,
  };
  const zip = zipOf(key, projectRoot);
  const zipStat = zip ? statOrUndefined(zip) : undefined;
  if (zip && zipStat) {
    definition.codeSizeBytes = zipStat.size;
    definition.codeSha256 = createHash('sha256').update(fs.readFileSync(zip)).digest('base64');
  }
  return definition;
}

/** The deployment zip a zip target's x86_64 build leaves (absolute); undefined for an image. */
export function zipOf(key: TargetKey, projectRoot: string): string | undefined {
  const target = targetDefinition(key);
  const build = target.builds.x86_64;
  if (target.packageType !== 'Zip' || !isBuilt(build)) return undefined;
  return path.resolve(projectRoot, build.artefact);
}

/** A target that cannot run here: why, and the command that would build it. */
export interface NotReady {
  key: TargetKey;
  reason: string;
  command: string;
}

/**
 * Whether a registry target can run on this machine now: its package built and the runtime that starts
 * it installed. When not, the reason and the command that would build it.
 */
export function localReadiness(key: TargetKey, projectRoot: string): NotReady | undefined {
  const root = path.resolve(projectRoot);
  const target = targetDefinition(key);
  const built = buildability(target, 'x86_64', root);
  if (!built.buildable) return { key, reason: built.reason, command: built.command };
  const run = localRunOf(target, root);
  // The image is built by `cdk deploy`; locally its handler runs from its folder (npm run build:pytorch).
  const command = target.packageType === 'Image' ? 'npm run build:pytorch' : built.command;
  const needed: [string, string][] = [];
  if (target.packageType === 'Zip') needed.push([built.artefact, 'the deployment zip']);
  else needed.push([path.join(run.cwd, 'model.pt'), 'the model']);
  needed.push([run.command, 'the runtime command'], [run.cwd, 'the working folder']);
  for (const arg of run.args) if (path.isAbsolute(arg)) needed.push([arg, 'the runtime client']);
  for (const [file, what] of needed) {
    if (!statOrUndefined(file)) {
      // A runtime that is missing is installed by the ladder's setup (python's venv, node's runtime client).
      const fix = what === 'the runtime command' || what === 'the runtime client' ? (key === 'apr' ? 'npm run build:apr' : target.packageType === 'Image' ? command : 'bash scripts/setup-ladder.sh') : command;
      return { key, reason: `${key}: ${what} ${path.relative(root, file) || file} is missing`, command: fix };
    }
  }
  return undefined;
}

/** Every registry target that can run here, and every one that cannot with why. */
export function readyTargets(keys: readonly TargetKey[] = TARGET_KEYS, projectRoot: string): { ready: TargetKey[]; skipped: NotReady[] } {
  const ready: TargetKey[] = [];
  const skipped: NotReady[] = [];
  for (const key of keys) {
    const notReady = localReadiness(key, projectRoot);
    if (notReady) skipped.push(notReady);
    else ready.push(key);
  }
  return { ready, skipped };
}

/**
 * The registry targets a command runs (`npm run bench`, `npm run local-lambda`): of the default list
 * (`named` false), those that cannot run here are skipped, each with why and the command that builds it;
 * a target the user named that cannot run stops the command instead, with the same reason.
 */
export function chooseRegistryTargets(keys: readonly TargetKey[], named: boolean, projectRoot: string): { ready: TargetKey[]; skipped: NotReady[] } {
  if (!named) return readyTargets(keys, projectRoot);
  for (const key of keys) {
    const notReady = localReadiness(key, projectRoot);
    if (notReady) throw new Error(`${notReady.reason} (build it with \`${notReady.command}\`)`);
  }
  return { ready: [...keys], skipped: [] };
}

export function localTargets(projectRoot: string, options: LocalTargetsOptions = {}): LocalTargets {
  return {
    apr: registryLocalDefinition('apr', projectRoot, { functionName: options.aprFunctionName ?? 'apr' }),
    pytorch: registryLocalDefinition('pytorch', projectRoot, {
      functionName: options.pytorchFunctionName ?? 'pytorch',
      ...(options.pytorchPython ? { command: options.pytorchPython } : {}),
    }),
  };
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
export const BUILT_IN_NAMES: readonly string[] = [...TARGET_KEYS];

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
  // A path must exist now; a bare command name is looked up on the PATH the function runs with (Lambda's,
  // unless its environment sets one), as the local service's spawn will look it up, not on this process's.
  if (command.includes('/')) {
    if (!statOrUndefined(command)?.isFile()) return `target file ${tf.file}: "command" ${command} does not exist`;
  } else {
    const functionPath = tf.definition.environment?.PATH ?? LAMBDA_PATH;
    if (!onPath(command, functionPath)) return `target file ${tf.file}: "command" ${command} is not on PATH (the function's: ${functionPath})`;
  }
  return undefined;
}

/** Whether an executable file of this name is in a folder of the PATH given. */
function onPath(name: string, pathVariable: string): boolean {
  return pathVariable
    .split(path.delimiter)
    .filter((dir) => dir !== '')
    .some((dir) => {
      try {
        fs.accessSync(path.join(dir, name), fs.constants.X_OK);
        return statOrUndefined(path.join(dir, name))?.isFile() ?? false;
      } catch {
        return false;
      }
    });
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
  if (tf.calibration) spec.calibrationRuntime = tf.calibration.lambdaPerfRuntime;
  return spec;
}
