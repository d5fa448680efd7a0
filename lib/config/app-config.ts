import { REFERENCE_PAYLOAD } from '../benchmark/reference-payload';
import type { JsonObject } from '../benchmark/types';
import { ARCHITECTURES, isTargetKey, TARGET_KEYS, type TargetArchitecture, type TargetKey } from '../targets/registry';

/**
 * The deployment's configuration, read from CDK context (cdk.json, or `-c key=value` on the CDK
 * command line) and validated here, once, at the edge. Everything below the app receives these typed
 * values as props; nothing deeper reads context on its own.
 *
 * Values given with `-c` arrive as strings, so numbers, booleans and JSON are accepted in their
 * string spelling too (`-c coldStarts=5`, `-c runOnDeploy=false`, `-c payload='{"...": 1}'`).
 */

/** An image already in ECR to deploy the PyTorch function from, instead of building one. */
export interface ExistingImage {
  /** Set when the repository was named by ARN or image URI; absent for a bare name in the stack's account and region. */
  repositoryArn?: string;
  repositoryName: string;
  /** Exactly one of tag and digest. */
  tag?: string;
  /** `sha256:<64 hex>`. */
  digest?: string;
}

export interface BenchmarkSettings {
  /** Forced cold starts per function. */
  coldStarts: number;
  /** Warm invocations per function after the cold starts. */
  warmInvocations: number;
  /** The event every invocation sends. */
  payload: JsonObject;
}

export interface AppConfig {
  stackName: string;
  benchmark: BenchmarkSettings;
  /** Start the benchmark when the stack is created or a function or the benchmark settings change. */
  runOnDeploy: boolean;
  /** How long the deployment waits for that run before it reports the run as still running. */
  deployWaitMinutes: number;
  /**
   * The functions (result keys) the run on deploy measures, or 'all'; `npm run bench:aws` measures
   * every deployed function whatever this says.
   */
  runOnDeployTargets: string[] | 'all';
  /** A run whose plan (lib/plan) may cost more than this, in US dollars, is refused before it starts; undefined: no ceiling. */
  maxRunCostUsd?: number;
  /** Deploy the PyTorch function from this image rather than building baselines/pytorch-wine. */
  pytorchImage?: ExistingImage;
  /** Retention of every log group of the stack, in days. */
  logRetentionDays: number;
  /** The targets to deploy and measure (lib/targets/registry.ts); undefined: all that can be built here. */
  targets?: TargetKey[];
  /** Memory sizes to deploy every target at (those below a target's minimum are skipped); undefined: each target's own. */
  memorySizes?: number[];
  /** Architectures to deploy every target on where it can be built for them. */
  architectures: TargetArchitecture[];
}

/** The context keys this app reads; anything else in the context belongs to the CDK itself. */
export const CONTEXT_KEYS = [
  'stackName',
  'coldStarts',
  'warmInvocations',
  'payload',
  'runOnDeploy',
  'deployWaitMinutes',
  'runOnDeployTargets',
  'maxRunCostUsd',
  'pytorchImage',
  'logRetentionDays',
  'targets',
  'memorySizes',
  'architectures',
] as const;

export type ContextKey = (typeof CONTEXT_KEYS)[number];

/**
 * Upper bounds, and why:
 * - coldStarts: every cold start is two Task states inside a Map iteration, about 12 events of the
 *   execution's 25,000-event history per function; 500 per function stays well inside it.
 *   States.ArrayRange, which numbers the cold starts, also stops at 1,000 items.
 * - warmInvocations: sent one after another by one Task invocation, which Lambda stops at 15 minutes.
 * - payload: it travels in the state machine's state (256 KB in all) next to everything else.
 * - deployWaitMinutes: CloudFormation gives up on a custom resource after one hour; the provider
 *   framework needs a few minutes of that for itself.
 */
export const LIMITS = {
  coldStarts: { min: 1, max: 500 },
  warmInvocations: { min: 0, max: 5000 },
  payloadBytes: 32 * 1024,
  deployWaitMinutes: { min: 1, max: 50 },
  // "You can configure memory between 128 MB and 10,240 MB in 1-MB increments" (Lambda developer guide,
  // "Configure Lambda function memory").
  memorySizeMB: { min: 128, max: 10240 },
} as const;

/** The retention periods CloudWatch Logs accepts (days); "never expire" is deliberately not offered. */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

export const DEFAULTS = {
  stackName: 'AprLambdaBench',
  coldStarts: 30,
  warmInvocations: 100,
  runOnDeploy: true,
  deployWaitMinutes: 30,
  // The two functions of the original comparison: their run fits the deployment's wait (README, deploy section).
  runOnDeployTargets: ['apr', 'pytorch'],
  logRetentionDays: 30,
  architectures: ['x86_64', 'arm64'] as TargetArchitecture[],
} as const;

/** A context value that cannot be used: names the key, the value and what is allowed. */
export class ConfigError extends Error {
  constructor(
    readonly key: ContextKey,
    readonly value: unknown,
    readonly allowed: string,
  ) {
    super(`context key "${key}": got ${describe(value)}; allowed: ${allowed}`);
    this.name = 'ConfigError';
  }
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 120 ? `${text.slice(0, 120)}...` : text;
}

/** Reads one context value; `tryGetContext` is the usual source. */
export type ContextReader = (key: ContextKey) => unknown;

export function resolveAppConfig(read: ContextReader): AppConfig {
  const config: AppConfig = {
    stackName: stackName(read('stackName')),
    benchmark: {
      coldStarts: integer('coldStarts', read('coldStarts'), DEFAULTS.coldStarts, LIMITS.coldStarts),
      warmInvocations: integer('warmInvocations', read('warmInvocations'), DEFAULTS.warmInvocations, LIMITS.warmInvocations),
      payload: payload(read('payload')),
    },
    runOnDeploy: boolean('runOnDeploy', read('runOnDeploy'), DEFAULTS.runOnDeploy),
    deployWaitMinutes: integer('deployWaitMinutes', read('deployWaitMinutes'), DEFAULTS.deployWaitMinutes, LIMITS.deployWaitMinutes),
    runOnDeployTargets: runOnDeployTargets(read('runOnDeployTargets')),
    logRetentionDays: retention(read('logRetentionDays')),
    architectures: architectures(read('architectures')),
  };
  const chosen = targets(read('targets'));
  if (chosen) config.targets = chosen;
  const sizes = memorySizes(read('memorySizes'));
  if (sizes) config.memorySizes = sizes;
  const ceiling = maxRunCostUsd(read('maxRunCostUsd'));
  if (ceiling !== undefined) config.maxRunCostUsd = ceiling;
  const image = existingImage(read('pytorchImage'));
  if (image) config.pytorchImage = image;
  return config;
}

/** Convenience for a plain object of context values (tests, scripts). */
export function resolveAppConfigFromObject(context: Partial<Record<ContextKey, unknown>>): AppConfig {
  return resolveAppConfig((key) => context[key]);
}

function stackName(value: unknown): string {
  if (value === undefined || value === null || value === '') return DEFAULTS.stackName;
  // 64, not CloudFormation's 128: the benchmark state machine is named "<stack>-benchmark", and
  // Step Functions allows 80 characters in a state machine name.
  if (typeof value !== 'string' || !/^[A-Za-z][A-Za-z0-9-]{0,63}$/.test(value)) {
    throw new ConfigError('stackName', value, 'a CloudFormation stack name: a letter, then letters, digits and hyphens, at most 64 characters');
  }
  return value;
}

function integer(key: ContextKey, value: unknown, fallback: number, range: { min: number; max: number }): number {
  if (value === undefined || value === null) return fallback;
  const allowed = `an integer from ${range.min} to ${range.max}`;
  let n: number;
  if (typeof value === 'number') {
    n = value;
  } else if (typeof value === 'string' && /^\s*\d+\s*$/.test(value)) {
    n = Number(value);
  } else {
    throw new ConfigError(key, value, allowed);
  }
  if (!Number.isSafeInteger(n) || n < range.min || n > range.max) {
    throw new ConfigError(key, value, allowed);
  }
  return n;
}

function boolean(key: ContextKey, value: unknown, fallback: boolean): boolean {
  if (value === undefined || value === null) return fallback;
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  throw new ConfigError(key, value, 'true or false');
}

function retention(value: unknown): number {
  const allowed = `one of ${LOG_RETENTION_DAYS.join(', ')} (days)`;
  let days: number;
  try {
    days = integer('logRetentionDays', value, DEFAULTS.logRetentionDays, { min: 1, max: Number.MAX_SAFE_INTEGER });
  } catch {
    throw new ConfigError('logRetentionDays', value, allowed);
  }
  if (!(LOG_RETENTION_DAYS as readonly number[]).includes(days)) {
    throw new ConfigError('logRetentionDays', value, allowed);
  }
  return days;
}

/**
 * A list given as a JSON array, its JSON text, or comma-separated text (`-c targets=apr,numpy`); empty
 * text and null mean "not given".
 */
function list(key: ContextKey, value: unknown, allowed: string): unknown[] | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  let items: unknown = value;
  if (typeof value === 'string') {
    const text = value.trim();
    if (text.startsWith('[')) {
      try {
        items = JSON.parse(text);
      } catch {
        throw new ConfigError(key, value, allowed);
      }
    } else {
      items = text.split(',').map((item) => item.trim());
    }
  }
  if (!Array.isArray(items) || items.length === 0) throw new ConfigError(key, value, allowed);
  const seen = new Set<string>();
  for (const item of items) {
    const id = JSON.stringify(item);
    if (seen.has(id)) throw new ConfigError(key, value, `${allowed}, each once (${id} appears twice)`);
    seen.add(id);
  }
  return items;
}

function targets(value: unknown): TargetKey[] | undefined {
  const allowed = `"all", or a list of target keys from ${TARGET_KEYS.join(', ')}`;
  if (value === 'all') return undefined;
  const items = list('targets', value, allowed);
  if (!items) return undefined;
  const unknown = items.filter((item) => !isTargetKey(item));
  if (unknown.length > 0) {
    throw new ConfigError('targets', value, `${allowed} (unknown: ${unknown.map((u) => JSON.stringify(u)).join(', ')})`);
  }
  return items as TargetKey[];
}

/** Result keys: a registry target's key, then -arm64 and/or -<MB> (lib/targets/deployment-plan.ts, functionKey). */
const FUNCTION_KEY = new RegExp(`^(${[...TARGET_KEYS].sort((a, b) => b.length - a.length).join('|')})(-arm64)?(-\\d{3,5})?$`);

function runOnDeployTargets(value: unknown): string[] | 'all' {
  const allowed = `"all", or a list of deployed functions' keys: a target key (${TARGET_KEYS.join(', ')}), then -arm64 and/or -<memory MB> as the deployment names them`;
  if (value === undefined || value === null) return [...DEFAULTS.runOnDeployTargets];
  if (value === 'all') return 'all';
  const items = list('runOnDeployTargets', value, allowed);
  if (!items) return [...DEFAULTS.runOnDeployTargets];
  const bad = items.filter((item) => typeof item !== 'string' || !FUNCTION_KEY.test(item));
  if (bad.length > 0) throw new ConfigError('runOnDeployTargets', value, `${allowed} (not one: ${bad.map((b) => JSON.stringify(b)).join(', ')})`);
  return items as string[];
}

function maxRunCostUsd(value: unknown): number | undefined {
  const allowed = 'a positive number of US dollars (e.g. 2 or "0.50"), or null for no ceiling';
  if (value === undefined || value === null || value === '') return undefined;
  let n: number;
  if (typeof value === 'number') n = value;
  else if (typeof value === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(value)) n = Number(value);
  else throw new ConfigError('maxRunCostUsd', value, allowed);
  if (!Number.isFinite(n) || n <= 0) throw new ConfigError('maxRunCostUsd', value, allowed);
  return n;
}

function memorySizes(value: unknown): number[] | undefined {
  const { min, max } = LIMITS.memorySizeMB;
  const allowed = `a list of memory sizes in MB, integers from ${min} to ${max}`;
  const items = list('memorySizes', value, allowed);
  if (!items) return undefined;
  return items.map((item) => {
    const n = typeof item === 'string' && /^\s*\d+\s*$/.test(item) ? Number(item) : item;
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < min || n > max) {
      throw new ConfigError('memorySizes', value, `${allowed} (not one: ${JSON.stringify(item)})`);
    }
    return n;
  });
}

function architectures(value: unknown): TargetArchitecture[] {
  const allowed = `a list from ${ARCHITECTURES.join(', ')}`;
  const items = list('architectures', value, allowed);
  if (!items) return [...DEFAULTS.architectures];
  const unknown = items.filter((item) => !(ARCHITECTURES as readonly unknown[]).includes(item));
  if (unknown.length > 0) throw new ConfigError('architectures', value, `${allowed} (unknown: ${unknown.map((u) => JSON.stringify(u)).join(', ')})`);
  return items as TargetArchitecture[];
}

function payload(value: unknown): JsonObject {
  const allowed = `a JSON object (or its JSON text) of at most ${LIMITS.payloadBytes} bytes`;
  if (value === undefined || value === null) return { ...REFERENCE_PAYLOAD };
  let parsed: unknown = value;
  if (typeof value === 'string') {
    try {
      parsed = JSON.parse(value);
    } catch {
      throw new ConfigError('payload', value, allowed);
    }
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigError('payload', value, allowed);
  }
  const text = JSON.stringify(parsed);
  if (Buffer.byteLength(text, 'utf8') > LIMITS.payloadBytes) {
    throw new ConfigError('payload', value, allowed);
  }
  return JSON.parse(text) as JsonObject;
}

// ECR's own rules: https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_CreateRepository.html
const REPOSITORY_NAME = /^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$/;
const REPOSITORY_ARN = /^arn:(aws[a-z-]*):ecr:([a-z0-9-]+):(\d{12}):repository\/(.+)$/;
const IMAGE_HOST = /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const DIGEST = /^sha256:[a-f0-9]{64}$/;

const IMAGE_ALLOWED =
  'an ECR image as "<repository>:<tag>" or "<repository>@sha256:<digest>", where <repository> is a repository name, ' +
  'a repository ARN (arn:aws:ecr:<region>:<account>:repository/<name>) or an image URI host and path ' +
  '(<account>.dkr.ecr.<region>.amazonaws.com/<name>); or an object {"repository": ..., "tag": ...} or {"repository": ..., "digest": ...}';

function existingImage(value: unknown): ExistingImage | undefined {
  if (value === undefined || value === null || value === '' || value === false || value === 'false') return undefined;
  let repository: unknown;
  let tag: unknown;
  let digest: unknown;
  if (typeof value === 'string') {
    const at = value.lastIndexOf('@');
    if (at > 0) {
      repository = value.slice(0, at);
      digest = value.slice(at + 1);
    } else {
      // The tag follows the last colon after the last slash (ARNs contain colons of their own).
      const slash = value.lastIndexOf('/');
      const colon = value.lastIndexOf(':');
      if (colon <= slash) throw new ConfigError('pytorchImage', value, IMAGE_ALLOWED);
      repository = value.slice(0, colon);
      tag = value.slice(colon + 1);
    }
  } else if (typeof value === 'object' && !Array.isArray(value)) {
    ({ repository, tag, digest } = value as Record<string, unknown>);
  } else {
    throw new ConfigError('pytorchImage', value, IMAGE_ALLOWED);
  }
  if (typeof repository !== 'string' || (tag === undefined) === (digest === undefined)) {
    throw new ConfigError('pytorchImage', value, IMAGE_ALLOWED);
  }
  if (tag !== undefined && (typeof tag !== 'string' || !TAG.test(tag))) {
    throw new ConfigError('pytorchImage', value, IMAGE_ALLOWED);
  }
  if (digest !== undefined && (typeof digest !== 'string' || !DIGEST.test(digest))) {
    throw new ConfigError('pytorchImage', value, IMAGE_ALLOWED);
  }
  const reference = tag !== undefined ? { tag: tag as string } : { digest: digest as string };
  const arn = REPOSITORY_ARN.exec(repository);
  if (arn) {
    if (!REPOSITORY_NAME.test(arn[4])) throw new ConfigError('pytorchImage', value, IMAGE_ALLOWED);
    return { repositoryArn: repository, repositoryName: arn[4], ...reference };
  }
  const slash = repository.indexOf('/');
  const host = slash > 0 ? IMAGE_HOST.exec(repository.slice(0, slash)) : null;
  if (host) {
    const name = repository.slice(slash + 1);
    if (!REPOSITORY_NAME.test(name)) throw new ConfigError('pytorchImage', value, IMAGE_ALLOWED);
    const partition = host[3] ? 'aws-cn' : 'aws';
    return { repositoryArn: `arn:${partition}:ecr:${host[2]}:${host[1]}:repository/${name}`, repositoryName: name, ...reference };
  }
  if (!REPOSITORY_NAME.test(repository)) throw new ConfigError('pytorchImage', value, IMAGE_ALLOWED);
  return { repositoryName: repository, ...reference };
}
