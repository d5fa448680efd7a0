/**
 * What a registered function is (its definition, as the programmatic API takes it) and how it reads as a
 * Lambda FunctionConfiguration. Validation lives here so that register() and UpdateFunctionConfiguration
 * refuse the same bad values with the same words.
 */

export interface LocalFunctionDefinition {
  functionName: string;
  /** As Lambda reports it: 'provided.al2023', or a label such as 'container-image' for images. */
  runtime: string;
  packageType: 'Zip' | 'Image';
  /** How an execution environment process starts. */
  command: string;
  args: string[];
  cwd: string;
  handler: string;
  memorySizeMB: number;
  timeoutSeconds: number;
  environment?: Record<string, string>;
  description?: string;
  codeSizeBytes?: number;
  /** Base64 SHA-256 of the deployment package, when known. */
  codeSha256?: string;
  /**
   * Absolute paths, files or folders, of what Lambda would put in the function's own package (/var/task
   * and its layers), as against the managed runtime's files (the interpreter, the runtime client, the
   * OS): the init footprint counts the resident pages of files mapped from under them apart
   * (init-footprint.ts, packageFileBytes). Absent: not measured.
   */
  packagePaths?: string[];
}

/** Variables Lambda sets itself and refuses in a function's configuration. */
export const RESERVED_ENVIRONMENT_KEYS = new Set([
  '_HANDLER',
  '_X_AMZN_TRACE_ID',
  'AWS_DEFAULT_REGION',
  'AWS_REGION',
  'AWS_EXECUTION_ENV',
  'AWS_LAMBDA_FUNCTION_NAME',
  'AWS_LAMBDA_FUNCTION_MEMORY_SIZE',
  'AWS_LAMBDA_FUNCTION_VERSION',
  'AWS_LAMBDA_INITIALIZATION_TYPE',
  'AWS_LAMBDA_LOG_GROUP_NAME',
  'AWS_LAMBDA_LOG_STREAM_NAME',
  'AWS_ACCESS_KEY',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_LAMBDA_RUNTIME_API',
  'LAMBDA_TASK_ROOT',
  'LAMBDA_RUNTIME_DIR',
]);

export class DefinitionError extends Error {}

export function validateMemorySize(mb: unknown): number {
  if (typeof mb !== 'number' || !Number.isInteger(mb) || mb < 128 || mb > 10240) {
    throw new DefinitionError(`MemorySize must be an integer from 128 to 10240 MB, got ${String(mb)}`);
  }
  return mb;
}

export function validateTimeout(seconds: unknown): number {
  if (typeof seconds !== 'number' || !Number.isInteger(seconds) || seconds < 1 || seconds > 900) {
    throw new DefinitionError(`Timeout must be an integer from 1 to 900 seconds, got ${String(seconds)}`);
  }
  return seconds;
}

export function validateEnvironment(vars: unknown): Record<string, string> {
  if (vars === undefined || vars === null) return {};
  if (typeof vars !== 'object' || Array.isArray(vars)) throw new DefinitionError('Environment variables must be an object of strings');
  const out: Record<string, string> = {};
  const reserved: string[] = [];
  for (const [k, v] of Object.entries(vars as Record<string, unknown>)) {
    if (!/^[a-zA-Z]([a-zA-Z0-9_])*$/.test(k)) throw new DefinitionError(`Environment variable name ${JSON.stringify(k)} is not valid: letters, digits and _ only, starting with a letter`);
    if (typeof v !== 'string') throw new DefinitionError(`Environment variable ${k} must be a string, got ${typeof v}`);
    if (RESERVED_ENVIRONMENT_KEYS.has(k)) reserved.push(k);
    out[k] = v;
  }
  if (reserved.length > 0) {
    throw new DefinitionError(
      `Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys that are currently not supported for modification. Reserved keys used in this request: ${reserved.join(', ')}`,
    );
  }
  return out;
}

export function validateDefinition(d: LocalFunctionDefinition): LocalFunctionDefinition {
  if (typeof d.functionName !== 'string' || !/^[a-zA-Z0-9_-]{1,64}$/.test(d.functionName)) {
    throw new DefinitionError(`functionName must be 1 to 64 letters, digits, - or _, got ${JSON.stringify(d.functionName)}`);
  }
  if (d.packageType !== 'Zip' && d.packageType !== 'Image') throw new DefinitionError(`packageType must be 'Zip' or 'Image', got ${JSON.stringify(d.packageType)}`);
  for (const key of ['runtime', 'command', 'cwd', 'handler'] as const) {
    if (typeof d[key] !== 'string' || d[key] === '') throw new DefinitionError(`${key} must be a non-empty string (function ${d.functionName})`);
  }
  if (!Array.isArray(d.args) || d.args.some((a) => typeof a !== 'string')) throw new DefinitionError(`args must be an array of strings (function ${d.functionName})`);
  if (d.packagePaths !== undefined && (!Array.isArray(d.packagePaths) || d.packagePaths.some((p) => typeof p !== 'string' || !p.startsWith('/')))) {
    throw new DefinitionError(`packagePaths must be an array of absolute paths (function ${d.functionName}), got ${JSON.stringify(d.packagePaths)}`);
  }
  return {
    ...d,
    args: [...d.args],
    ...(d.packagePaths !== undefined ? { packagePaths: [...d.packagePaths] } : {}),
    memorySizeMB: validateMemorySize(d.memorySizeMB),
    timeoutSeconds: validateTimeout(d.timeoutSeconds),
    environment: validateEnvironment(d.environment),
  };
}

export interface ConfigurationState {
  revisionId: string;
  lastModified: Date;
  lastUpdateStatus: 'Successful' | 'InProgress' | 'Failed';
}

export interface AwsIdentity {
  region: string;
  accountId: string;
}

export function functionArn(id: AwsIdentity, functionName: string): string {
  return `arn:aws:lambda:${id.region}:${id.accountId}:function:${functionName}`;
}

/** Lambda's timestamp format for LastModified: 2026-11-27T01:08:00.000+0000. */
export function lambdaTimestamp(d: Date): string {
  return d.toISOString().replace('Z', '+0000');
}

/** The FunctionConfiguration document GetFunctionConfiguration returns. */
export function functionConfiguration(d: LocalFunctionDefinition, state: ConfigurationState, id: AwsIdentity): Record<string, unknown> {
  const config: Record<string, unknown> = {
    FunctionName: d.functionName,
    FunctionArn: functionArn(id, d.functionName),
    Role: `arn:aws:iam::${id.accountId}:role/${d.functionName}-local-role`,
    CodeSize: d.codeSizeBytes ?? 0,
    Description: d.description ?? '',
    Timeout: d.timeoutSeconds,
    MemorySize: d.memorySizeMB,
    LastModified: lambdaTimestamp(state.lastModified),
    Version: '$LATEST',
    Environment: { Variables: { ...(d.environment ?? {}) } },
    TracingConfig: { Mode: 'PassThrough' },
    RevisionId: state.revisionId,
    State: 'Active',
    LastUpdateStatus: state.lastUpdateStatus,
    PackageType: d.packageType,
    Architectures: ['x86_64'],
    EphemeralStorage: { Size: 512 },
    SnapStart: { ApplyOn: 'None', OptimizationStatus: 'Off' },
    LoggingConfig: { LogFormat: 'Text', LogGroup: `/aws/lambda/${d.functionName}` },
  };
  if (d.codeSha256 !== undefined) config.CodeSha256 = d.codeSha256;
  // Lambda reports Runtime and Handler for .zip packages only; an image's entrypoint is its own.
  if (d.packageType === 'Zip') {
    config.Runtime = d.runtime;
    config.Handler = d.handler;
  } else {
    config.ImageConfigResponse = { ImageConfig: { Command: [d.handler] } };
  }
  return config;
}
