import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';

/**
 * SDK clients configured the way the benchmark steps expect. The steps take clients as arguments,
 * so callers may build their own; these settings are what makes retries behave as documented.
 *
 * Retry: `retryMode: 'standard'` is the SDK's standard strategy: throttling errors (HTTP 429,
 * TooManyRequestsException, ThrottlingException) and transient errors (HTTP 500/502/503/504,
 * timeouts, connection resets) are retried with exponential back-off and full jitter, up to
 * `maxAttempts` attempts in all; other errors are not retried. Throttling in a benchmark is
 * expected (account concurrency, the local service's limit), so the default allows more attempts
 * than the SDK's 3.
 */
export const DEFAULT_MAX_ATTEMPTS = 8;

export interface ClientOptions {
  region: string;
  /** Endpoint override, e.g. the local Lambda service on http://127.0.0.1:PORT. */
  endpoint?: string;
  /** Static credentials (the local service accepts any); omit to use the SDK's default provider chain. */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  maxAttempts?: number;
}

export interface BenchmarkClients {
  lambda: LambdaClient;
  logs: CloudWatchLogsClient;
  s3: S3Client;
}

export function benchmarkClientConfig(options: ClientOptions) {
  const maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
    throw new Error(`maxAttempts must be a positive integer, got ${maxAttempts}`);
  }
  return {
    region: options.region,
    retryMode: 'standard' as const,
    maxAttempts,
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
  };
}

export function createBenchmarkClients(options: ClientOptions): BenchmarkClients {
  const config = benchmarkClientConfig(options);
  return {
    lambda: new LambdaClient(config),
    logs: new CloudWatchLogsClient(config),
    // A local endpoint has no bucket subdomains: address buckets by path there.
    s3: new S3Client({ ...config, forcePathStyle: options.endpoint !== undefined }),
  };
}
