/**
 * A target file: a JSON description of any local runtime command as a Lambda function, zip or image, so
 * that it can be measured (and its AWS Init Duration predicted) like the built-in targets. The calibration
 * functions in calibration/ are described by such files.
 *
 *   {
 *     "functionName": "calibration-python",       // 1-64 letters, digits, - or _
 *     "runtime": "python3.12",                    // the runtime label, as Lambda names it
 *     "packageType": "Zip",                       // "Zip" or "Image"
 *     "architecture": "x86_64",                   // what it would be on AWS (default x86_64)
 *     "handler": "handler.handler",
 *     "memorySizeMB": 128,                        // 128-10240
 *     "timeoutSeconds": 10,                       // 1-900
 *     "command": ".venv/bin/python",              // a path relative to this file, or a name on PATH
 *     "args": ["-m", "awslambdaric", "handler.handler"],
 *     "cwd": ".",                                 // relative to this file (default: the file's folder)
 *     "environment": { "KEY": "value" },          // optional
 *     "payload": { "any": "JSON" },               // or "payloadFile": "event.json"; default {}
 *     "packagePath": "dist/function.zip",         // or "packageBytes": 123456; for the package size
 *     "packagePaths": ["handler.py"],             // optional: what Lambda would put in the function's own
 *                                                 // package (/var/task, layers), files or folders relative
 *                                                 // to this file, each must exist; not the runtime's own
 *                                                 // files (interpreter, runtime client). The init footprint
 *                                                 // counts pages mapped from them apart (init-footprint.ts)
 *     "description": "...",                       // optional
 *     "calibration": { "lambdaPerfRuntime": "python3.12" }   // calibration functions only
 *     "holdOut": { "lambdaPerfRuntime": "go (prov.al2023)" } // hold-out functions only (holdout/):
 *                                                 // measured beside the calibration functions, never fitted
 *   }
 *
 * Every error names the file and the field.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  DefinitionError,
  type LocalFunctionDefinition,
  validateEnvironment,
} from '../local-lambda/function-definition';

export type TargetArchitecture = 'x86_64' | 'arm64';

export interface TargetFile {
  /** The file it was read from (absolute). */
  file: string;
  /** What the local service registers. */
  definition: LocalFunctionDefinition;
  runtimeLabel: string;
  architecture: TargetArchitecture;
  /** The event sent on every invocation. */
  payload: unknown;
  /** Size of the deployment package, bytes, when the file gives a package path or size. */
  packageBytes?: number;
  /** For calibration functions: the runtime's label in lambda-perf's AWS figures. */
  calibration?: { lambdaPerfRuntime: string };
  /**
   * For hold-out functions (holdout/): the runtime's label in lambda-perf's hold-out figures. A hold-out is
   * a hello world of a runtime outside the calibration set; the model is checked against it, never fitted on it.
   */
  holdOut?: { lambdaPerfRuntime: string };
}

export class TargetFileError extends Error {}

/** Every target file of a folder of functions: <dir>/<function>/target*.json, in name order. */
export function targetFilesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    if (!entry.isDirectory()) continue;
    for (const f of fs.readdirSync(path.join(dir, entry.name)).sort()) {
      if (/^target.*\.json$/.test(f)) out.push(path.join(dir, entry.name, f));
    }
  }
  return out;
}

const KNOWN_FIELDS = new Set([
  'functionName',
  'runtime',
  'packageType',
  'architecture',
  'handler',
  'memorySizeMB',
  'timeoutSeconds',
  'command',
  'args',
  'cwd',
  'environment',
  'payload',
  'payloadFile',
  'packagePath',
  'packageBytes',
  'packagePaths',
  'description',
  'calibration',
  'holdOut',
]);

type Json = Record<string, unknown>;

/**
 * Reads and validates a target file; relative paths in it are resolved against its folder. `checks`
 * replaces how package paths are sized and looked for (describing a function not built here: both as present).
 */
export function readTargetFile(file: string, checks: Pick<ParseContext, 'sizeOf' | 'exists'> = {}): TargetFile {
  const absolute = path.resolve(file);
  const label = path.relative(process.cwd(), absolute) || absolute;
  let text: string;
  try {
    text = fs.readFileSync(absolute, 'utf8');
  } catch (error) {
    throw new TargetFileError(`target file ${label}: cannot be read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new TargetFileError(`target file ${label}: not valid JSON: ${(error as Error).message}`);
  }
  return parseTargetFile(json, { file: absolute, label, ...checks });
}

export interface ParseContext {
  /** Absolute path of the file; relative paths resolve against its folder. */
  file: string;
  /** How errors name the file (default: its base name). */
  label?: string;
  /** Reads a payload file (default fs.readFileSync); swappable for tests. */
  readFile?: (file: string) => string;
  /** Size of a package path, bytes (default: file size, or the sum over a folder). */
  sizeOf?: (file: string) => number;
  /** Whether a path in packagePaths exists (default fs.existsSync); swappable for tests. */
  exists?: (file: string) => boolean;
}

/** Validates the parsed JSON of a target file. Pure apart from reading payloadFile and sizing packagePath. */
export function parseTargetFile(json: unknown, context: ParseContext): TargetFile {
  const label = context.label ?? path.basename(context.file);
  const dir = path.dirname(context.file);
  const fail = (field: string, problem: string): never => {
    throw new TargetFileError(`target file ${label}: "${field}" ${problem}`);
  };
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new TargetFileError(`target file ${label}: must be a JSON object`);
  }
  const o = json as Json;
  for (const key of Object.keys(o)) {
    if (!KNOWN_FIELDS.has(key)) fail(key, `is not a known field (known: ${[...KNOWN_FIELDS].join(', ')})`);
  }

  const requiredString = (field: string): string => {
    const v = o[field];
    if (v === undefined) fail(field, 'is required');
    if (typeof v !== 'string' || v.trim() === '') fail(field, `must be a non-empty string, got ${JSON.stringify(v)}`);
    return v as string;
  };
  const integerIn = (field: string, low: number, high: number, unit: string, fallback?: number): number => {
    const v = o[field] ?? fallback;
    if (v === undefined) fail(field, 'is required');
    if (typeof v !== 'number' || !Number.isInteger(v) || v < low || v > high) {
      fail(field, `must be an integer from ${low} to ${high}${unit}, got ${JSON.stringify(v)}`);
    }
    return v as number;
  };

  const functionName = requiredString('functionName');
  if (!/^[a-zA-Z0-9_-]{1,64}$/.test(functionName)) fail('functionName', `must be 1 to 64 letters, digits, - or _, got ${JSON.stringify(functionName)}`);
  const runtimeLabel = requiredString('runtime');
  const packageType = o.packageType;
  if (packageType !== 'Zip' && packageType !== 'Image') fail('packageType', `must be "Zip" or "Image", got ${JSON.stringify(packageType)}`);
  const architecture = o.architecture ?? 'x86_64';
  if (architecture !== 'x86_64' && architecture !== 'arm64') fail('architecture', `must be "x86_64" or "arm64", got ${JSON.stringify(architecture)}`);
  const handler = requiredString('handler');
  // Lambda's limits (CreateFunction: MemorySize 128-10240 MB, Timeout 1-900 s).
  const memorySizeMB = integerIn('memorySizeMB', 128, 10240, ' (MB)');
  const timeoutSeconds = integerIn('timeoutSeconds', 1, 900, ' (seconds)', 3);

  const commandText = requiredString('command');
  // A command with a slash is a path (relative to the file); a bare name is looked up on PATH at spawn.
  const command = commandText.includes('/') ? path.resolve(dir, commandText) : commandText;
  const args = o.args ?? [];
  if (!Array.isArray(args) || args.some((a) => typeof a !== 'string')) fail('args', `must be an array of strings, got ${JSON.stringify(args)}`);
  const cwdText = o.cwd ?? '.';
  if (typeof cwdText !== 'string' || cwdText === '') fail('cwd', `must be a non-empty string, got ${JSON.stringify(cwdText)}`);
  const cwd = path.resolve(dir, cwdText as string);

  let environment: Record<string, string>;
  try {
    environment = validateEnvironment(o.environment);
  } catch (error) {
    if (error instanceof DefinitionError) fail('environment', `is not valid: ${error.message}`);
    throw error;
  }

  if (o.payload !== undefined && o.payloadFile !== undefined) fail('payloadFile', 'cannot be given together with "payload"');
  let payload: unknown = o.payload ?? {};
  if (o.payloadFile !== undefined) {
    if (typeof o.payloadFile !== 'string' || o.payloadFile === '') fail('payloadFile', `must be a non-empty string, got ${JSON.stringify(o.payloadFile)}`);
    const payloadPath = path.resolve(dir, o.payloadFile as string);
    let text = '';
    try {
      text = (context.readFile ?? ((f) => fs.readFileSync(f, 'utf8')))(payloadPath);
    } catch (error) {
      fail('payloadFile', `cannot be read (${payloadPath}): ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
    try {
      payload = JSON.parse(text);
    } catch (error) {
      fail('payloadFile', `is not valid JSON (${payloadPath}): ${(error as Error).message}`);
    }
  }

  if (o.packagePath !== undefined && o.packageBytes !== undefined) fail('packageBytes', 'cannot be given together with "packagePath"');
  let packageBytes: number | undefined;
  if (o.packageBytes !== undefined) {
    if (typeof o.packageBytes !== 'number' || !Number.isInteger(o.packageBytes) || o.packageBytes < 0) {
      fail('packageBytes', `must be a non-negative integer, got ${JSON.stringify(o.packageBytes)}`);
    }
    packageBytes = o.packageBytes as number;
  }
  if (o.packagePath !== undefined) {
    if (typeof o.packagePath !== 'string' || o.packagePath === '') fail('packagePath', `must be a non-empty string, got ${JSON.stringify(o.packagePath)}`);
    const packagePath = path.resolve(dir, o.packagePath as string);
    try {
      packageBytes = (context.sizeOf ?? sizeOnDisk)(packagePath);
    } catch (error) {
      fail('packagePath', `cannot be read (${packagePath}): ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
  }

  let packagePaths: string[] | undefined;
  if (o.packagePaths !== undefined) {
    const given = o.packagePaths;
    if (!Array.isArray(given) || given.length === 0 || given.some((p) => typeof p !== 'string' || p === '')) {
      fail('packagePaths', `must be a non-empty array of paths (files or folders relative to the file), got ${JSON.stringify(given)}`);
    }
    packagePaths = (given as string[]).map((p) => path.resolve(dir, p));
    const exists = context.exists ?? fs.existsSync;
    packagePaths.forEach((p, i) => {
      if (!exists(p)) fail('packagePaths', `names ${JSON.stringify((given as string[])[i])}, which does not exist (${p})`);
    });
  }

  let description: string | undefined;
  if (o.description !== undefined) {
    if (typeof o.description !== 'string' || o.description.length > 256) fail('description', 'must be a string of at most 256 characters');
    description = o.description as string;
  }

  // Both blocks name a lambda-perf runtime; a function is a calibration point or a hold-out, never both.
  const lambdaPerfBlock = (field: 'calibration' | 'holdOut'): { lambdaPerfRuntime: string } | undefined => {
    if (o[field] === undefined) return undefined;
    const c = o[field] as Json;
    if (typeof c !== 'object' || c === null || Array.isArray(c)) fail(field, 'must be an object');
    for (const key of Object.keys(c)) if (key !== 'lambdaPerfRuntime') fail(`${field}.${key}`, 'is not a known field (known: lambdaPerfRuntime)');
    if (typeof c.lambdaPerfRuntime !== 'string' || c.lambdaPerfRuntime === '') {
      fail(`${field}.lambdaPerfRuntime`, `must be a non-empty string, got ${JSON.stringify(c.lambdaPerfRuntime)}`);
    }
    return { lambdaPerfRuntime: c.lambdaPerfRuntime as string };
  };
  const calibration = lambdaPerfBlock('calibration');
  const holdOut = lambdaPerfBlock('holdOut');
  if (calibration && holdOut) fail('holdOut', 'cannot stand beside "calibration": a hold-out is never fitted on');

  const definition: LocalFunctionDefinition = {
    functionName,
    runtime: runtimeLabel,
    packageType: packageType as 'Zip' | 'Image',
    command,
    args: [...(args as string[])],
    cwd,
    handler,
    memorySizeMB,
    timeoutSeconds,
    environment,
  };
  if (description !== undefined) definition.description = description;
  if (packageBytes !== undefined) definition.codeSizeBytes = packageBytes;
  if (packagePaths !== undefined) definition.packagePaths = packagePaths;
  const out: TargetFile = {
    file: context.file,
    definition,
    runtimeLabel,
    architecture: architecture as TargetArchitecture,
    payload,
  };
  if (packageBytes !== undefined) out.packageBytes = packageBytes;
  if (calibration) out.calibration = calibration;
  if (holdOut) out.holdOut = holdOut;
  return out;
}

/** A file's size, or the sum of the sizes of the files below a folder (symbolic links not followed). */
export function sizeOnDisk(file: string): number {
  const stat = fs.lstatSync(file);
  if (!stat.isDirectory()) return stat.size;
  let total = 0;
  for (const entry of fs.readdirSync(file)) total += sizeOnDisk(path.join(file, entry));
  return total;
}
