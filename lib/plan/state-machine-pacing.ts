/**
 * The pacing the deployed state machine and the deploy trigger are built with, in one CDK-free module:
 * the constructs (lib/constructs/benchmark-state-machine.ts, deploy-trigger.ts) build their Retry,
 * timeout and polling settings from these values, and the run plan (run-plan.ts) computes its
 * durations from the same values, so the two cannot drift. Prepare's Lambda bundle imports the plan:
 * nothing here may import aws-cdk-lib.
 */

/**
 * CollectReports' Retry on ReportsNotYetIngested: CloudWatch Logs delivers REPORT lines seconds to
 * minutes late. Attempt n (1-based) waits min(intervalSeconds × backoffRate^(n-1), maxDelaySeconds)
 * before it runs (Step Functions' Retry semantics, no jitter configured); after maxAttempts retries
 * CollectRemainingReports records what is still missing.
 */
export const REPORT_COLLECTION_RETRY = {
  intervalSeconds: 5,
  backoffRate: 1.5,
  maxAttempts: 10,
  maxDelaySeconds: 60,
} as const;

/** The waits before each retry of CollectReports, seconds, in order. */
export function reportCollectionRetryWaits(): number[] {
  const r = REPORT_COLLECTION_RETRY;
  return Array.from({ length: r.maxAttempts }, (_, i) => Math.min(r.intervalSeconds * r.backoffRate ** i, r.maxDelaySeconds));
}

/** The benchmark state machine's own timeout: a stuck run does not live for ever. */
export const STATE_MACHINE_TIMEOUT_HOURS = 8;

/**
 * How often the provider framework's waiter asks whether the run started by the deployment has
 * ended: the deployment sees the end of a run up to this long after it.
 */
export const DEPLOY_QUERY_INTERVAL_SECONDS = 30;

/** The provider gives up this long after the trigger's own deadline (deployWaitMinutes) has passed. */
export const DEPLOY_PROVIDER_MARGIN_MINUTES = 5;

/** First poll of the update waiter on AWS, s: Lambda's own waiter default; the run plan's shortest update wait (lib/handlers/measure.ts polls with it). */
export const AWS_UPDATE_POLL_SECONDS = 1;

/** First poll of the update waiter in a local run, s: the local service applies an update at once (lib/state-machine-local/run.ts). */
export const LOCAL_UPDATE_POLL_SECONDS = 0.05;

/**
 * Memory of the state machine's Task functions, MB (the construct builds them with these; the plan
 * prices their GB-seconds). The invoking Tasks get a full vCPU (1,769 MB) so that the client's own
 * share of a measured round trip stays small.
 */
export const TASK_MEMORY_MB = {
  default: 256,
  prepare: 256,
  forceColdStart: 256,
  invokeCold: 1769,
  invokeWarm: 1769,
  collectReports: 512,
  aggregate: 1769,
} as const;
