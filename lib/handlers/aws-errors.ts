/**
 * Which errors of an AWS call are worth trying again. The SDK's standard retry strategy already
 * retried these a few times before the error reached us; a caller that polls anyway (the deploy
 * trigger's isComplete) treats them as "no answer yet" rather than as an answer.
 *
 * The classes follow the SDK's own classification (@smithy/service-error-classification: throttling
 * error codes, HTTP 429 and 5xx, and Node's connection errors), restated here so that the handler
 * bundle does not depend on an undeclared package.
 */

const THROTTLING = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestThrottledException',
  'TooManyRequestsException',
  'ProvisionedThroughputExceededException',
  'TransactionInProgressException',
  'RequestLimitExceeded',
  'BandwidthLimitExceeded',
  'LimitExceededException',
  'RequestThrottled',
  'SlowDown',
  'PriorRequestNotComplete',
  'EC2ThrottledException',
]);

const TRANSIENT = new Set(['TimeoutError', 'RequestTimeout', 'RequestTimeoutException', 'InternalFailure', 'InternalError', 'ServiceUnavailable', 'ServiceUnavailableException']);

const NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH', 'ECONNABORTED']);

export function isTransientAwsError(err: unknown): boolean {
  const e = err as { name?: string; code?: string; $metadata?: { httpStatusCode?: number }; cause?: { code?: string } };
  if (!e || typeof e !== 'object') return false;
  if (e.name && (THROTTLING.has(e.name) || TRANSIENT.has(e.name))) return true;
  const status = e.$metadata?.httpStatusCode;
  if (status === 429 || (typeof status === 'number' && status >= 500)) return true;
  if ((e.code && NETWORK_CODES.has(e.code)) || (e.cause?.code && NETWORK_CODES.has(e.cause.code))) return true;
  // The SDK's retry middleware rewraps what is not an Error of its own realm as
  // "AWS SDK error wrapper for Error: connect ECONNREFUSED ...", keeping only the text.
  const message = (err as Error).message ?? '';
  if (/\b(ECONNRESET|ECONNREFUSED|EPIPE|ETIMEDOUT|EAI_AGAIN|ENETUNREACH|EHOSTUNREACH|ECONNABORTED)\b|socket hang up/.test(message)) return true;
  return false;
}
