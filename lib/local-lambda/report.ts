/**
 * The platform log lines Lambda writes around an invocation (START, END, REPORT, INIT_REPORT) and the
 * arithmetic behind their numbers. Pure functions: the service feeds measurements in, tests call them directly.
 *
 * Formats follow CloudWatch's text log format: fields separated by a TAB; a successful REPORT line ends
 * with a TAB after its last field, a failed one ends with its `Status`/`Error Type` fields.
 */

export type InvocationStatus = 'success' | 'error' | 'timeout';

export interface ReportFields {
  requestId: string;
  durationMs: number;
  billedDurationMs: number;
  memorySizeMB: number;
  maxMemoryUsedMB: number;
  /** Present only on the first invocation of an environment whose init succeeded. */
  initDurationMs?: number;
  status: InvocationStatus;
  /** Lambda's platform error type (Runtime.ExitError, Runtime.OutOfMemory, ...); only with status error. */
  errorType?: string;
}

/** Lambda prints durations in milliseconds with two decimals. */
export function formatMs(ms: number): string {
  return ms.toFixed(2);
}

/**
 * Billed Duration for custom runtimes (provided.*) and container images: the INIT phase is billed, so a cold
 * start bills ceil(init + duration) and a warm one ceil(duration), never less than 1 ms. The sum is rounded
 * up once, from the unrounded values (Init 22.58 ms + Duration 0.99 ms bills 24 ms).
 */
export function billedDurationMs(durationMs: number, initDurationMs?: number): number {
  const total = durationMs + (initDurationMs ?? 0);
  // A float sum like 2.0000000000000004 must not bill 3 ms: round to the microsecond first.
  const micro = Math.round(total * 1000) / 1000;
  return Math.max(1, Math.ceil(micro));
}

/** Whole megabytes (MiB) as Lambda prints them; rounded up so that a peak is never under-reported. */
export function bytesToReportedMB(bytes: number): number {
  return Math.ceil(bytes / (1024 * 1024));
}

export function formatStartLine(requestId: string, version = '$LATEST'): string {
  return `START RequestId: ${requestId} Version: ${version}`;
}

export function formatEndLine(requestId: string): string {
  return `END RequestId: ${requestId}`;
}

export function formatReportLine(f: ReportFields): string {
  const fields = [
    `REPORT RequestId: ${f.requestId}`,
    `Duration: ${formatMs(f.durationMs)} ms`,
    `Billed Duration: ${f.billedDurationMs} ms`,
    `Memory Size: ${f.memorySizeMB} MB`,
    `Max Memory Used: ${f.maxMemoryUsedMB} MB`,
  ];
  if (f.initDurationMs !== undefined) fields.push(`Init Duration: ${formatMs(f.initDurationMs)} ms`);
  if (f.status === 'success') return fields.join('\t') + '\t';
  fields.push(`Status: ${f.status}`);
  if (f.status === 'error' && f.errorType) fields.push(`Error Type: ${f.errorType}`);
  return fields.join('\t');
}

export interface InitReportFields {
  initDurationMs: number;
  status: 'error' | 'timeout';
  errorType?: string;
}

/**
 * Written when an environment's init fails; a successful init reports through the REPORT line instead.
 * The form is Lambda's, as users' log groups show it (awslabs/llrt issue 694:
 * `INIT_REPORT Init Duration: 9999.76 ms Phase: init Status: timeout`, then `... Phase: invoke Status:
 * timeout` for the retry), with the fields of the Telemetry API's platform.initReport event.
 */
export function formatInitReportLine(f: InitReportFields): string {
  const fields = [`INIT_REPORT Init Duration: ${formatMs(f.initDurationMs)} ms`, 'Phase: init', `Status: ${f.status}`];
  if (f.status === 'error' && f.errorType) fields.push(`Error Type: ${f.errorType}`);
  return fields.join('\t');
}

/** Timeout message and payload, as Lambda returns them for custom runtimes. */
export function timeoutMessage(requestId: string, timeoutSeconds: number): string {
  return `RequestId: ${requestId} Error: Task timed out after ${timeoutSeconds.toFixed(2)} seconds`;
}

/** How a process exit reads in Lambda's messages: `exit status 1`, `signal: killed`. */
export function describeExit(code: number | null, signal: NodeJS.Signals | null): string {
  if (signal) return `signal: ${SIGNAL_WORDS[signal] ?? signal.toLowerCase()}`;
  return `exit status ${code ?? 0}`;
}

/** Go's os.ProcessState wording, which Lambda's messages use. */
const SIGNAL_WORDS: Partial<Record<NodeJS.Signals, string>> = {
  SIGKILL: 'killed',
  SIGTERM: 'terminated',
  SIGSEGV: 'segmentation fault',
  SIGABRT: 'aborted',
  SIGBUS: 'bus error',
  SIGFPE: 'floating point exception',
  SIGILL: 'illegal instruction',
  SIGINT: 'interrupt',
  SIGPIPE: 'broken pipe',
  SIGHUP: 'hangup',
};

export function exitErrorMessage(requestId: string, code: number | null, signal: NodeJS.Signals | null): string {
  return `RequestId: ${requestId} Error: Runtime exited with error: ${describeExit(code, signal)}`;
}

/** Lambda's error payload shape for platform errors: errorType first, then errorMessage. */
export function platformErrorPayload(errorType: string, errorMessage: string): Buffer {
  return Buffer.from(JSON.stringify({ errorType, errorMessage }));
}
