/**
 * The environment variables of a runtime process: those Lambda sets in every execution environment, then
 * the function's own (which may not use Lambda's reserved names; validated at configuration time).
 */
import * as path from 'node:path';
import type { LocalFunctionDefinition } from './function-definition';

export interface RuntimeEnvironmentInput {
  definition: LocalFunctionDefinition;
  region: string;
  runtimeApi: string;
  logGroupName: string;
  logStreamName: string;
}

/** Lambda's PATH in provided.al2023 and the AWS base images. */
export const LAMBDA_PATH = '/usr/local/bin:/usr/bin/:/bin:/opt/bin';

/**
 * Lambda's LD_LIBRARY_PATH, with this environment's task root and runtime folder in place of /var/task and
 * /var/runtime: the AWS base images set `/var/lang/lib:/lib64:/usr/lib64:/var/runtime:/var/runtime/lib:
 * /var/task:/var/task/lib:/opt/lib` (github.com/aws/aws-lambda-base-images, e.g. Dockerfile.nodejs20.x), and
 * the Lambda developer guide lists it among the defined, unreserved variables. A bootstrap may rely on it
 * being set (aws-lambda-cpp's packager writes `$LD_LIBRARY_PATH:...` under `set -u`), and the dynamic loader
 * searches these folders, existing or not, before the system's, on AWS as here.
 */
export function lambdaLibraryPath(taskRoot: string, runtimeDir: string): string {
  return ['/var/lang/lib', '/lib64', '/usr/lib64', runtimeDir, `${runtimeDir}/lib`, taskRoot, `${taskRoot}/lib`, '/opt/lib'].join(':');
}

/** Credentials that look like credentials and open nothing: a function that calls AWS locally fails visibly. */
export const FAKE_CREDENTIALS = {
  AWS_ACCESS_KEY_ID: 'ASIALOCALLAMBDAFAKEID',
  AWS_SECRET_ACCESS_KEY: 'local-lambda-fake-secret-access-key',
  AWS_SESSION_TOKEN: 'local-lambda-fake-session-token',
};

export function runtimeEnvironment(input: RuntimeEnvironmentInput): Record<string, string> {
  const d = input.definition;
  const runtimeDir = path.dirname(path.resolve(d.cwd, d.command));
  return {
    // Not reserved by Lambda: a function may override these.
    PATH: LAMBDA_PATH,
    LD_LIBRARY_PATH: lambdaLibraryPath(d.cwd, runtimeDir),
    LANG: 'en_US.UTF-8',
    TZ: ':UTC',
    ...(d.environment ?? {}),
    AWS_LAMBDA_RUNTIME_API: input.runtimeApi,
    _HANDLER: d.handler,
    LAMBDA_TASK_ROOT: d.cwd,
    LAMBDA_RUNTIME_DIR: runtimeDir,
    AWS_REGION: input.region,
    AWS_DEFAULT_REGION: input.region,
    AWS_LAMBDA_FUNCTION_NAME: d.functionName,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(d.memorySizeMB),
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    AWS_LAMBDA_LOG_GROUP_NAME: input.logGroupName,
    AWS_LAMBDA_LOG_STREAM_NAME: input.logStreamName,
    ...FAKE_CREDENTIALS,
  };
}

/** CloudWatch stream name of an environment: 2026/11/27/[$LATEST]<32 hex>, dated in UTC. */
export function logStreamName(environmentId: string, at = new Date()): string {
  const y = at.getUTCFullYear();
  const m = String(at.getUTCMonth() + 1).padStart(2, '0');
  const d = String(at.getUTCDate()).padStart(2, '0');
  return `${y}/${m}/${d}/[$LATEST]${environmentId}`;
}
