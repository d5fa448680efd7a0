import { FilterLogEventsCommand, type CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { parseInitReportLine, parseReportLine, ReportLineError } from './report-line';
import type { InitReportRecord, LogFormat, ReportRecord } from './types';

/**
 * Finds the REPORT records of given request ids in a function's log group (FilterLogEvents).
 *
 * CloudWatch Logs delivers events seconds (sometimes minutes) after the invocation, so a single
 * pass may miss some: `collectReports` does one pass and says what is missing (the state machine
 * retries that step itself); `collectReportsUntilComplete` polls until everything is there or a
 * deadline passes.
 */

export type LogsLike = Pick<CloudWatchLogsClient, 'send'>;

/**
 * Filter patterns are case-sensitive: text REPORT lines and JSON platform.report events need different
 * ones. Both also select the INIT_REPORT records (a failed or timed-out init), which carry no request
 * id and are joined to a REPORT through their log stream. `?term ?term` matches events holding either
 * term (CloudWatch Logs filter pattern syntax); naming INIT_REPORT does not depend on whether a term
 * also matches inside a longer word.
 */
export function reportFilterPattern(logFormat: LogFormat = 'Text'): string {
  // The JSON form is what aws-cdk-lib's FilterPattern.any(stringValue(...), stringValue(...)) writes.
  return logFormat === 'JSON' ? '{ ($.type = "platform.report") || ($.type = "platform.initReport") }' : '?"REPORT" ?"INIT_REPORT"';
}

export interface CollectWindow {
  /** Epoch ms; events before it are not searched. Leave slack for clock skew. */
  startTime: number;
  /** Epoch ms; events after it are not searched. */
  endTime: number;
  /** Default: the text-format pattern, `?"REPORT" ?"INIT_REPORT"`. */
  filterPattern?: string;
  abortSignal?: AbortSignal;
}

export interface MalformedReport {
  problem: string;
  message: string;
}

export interface CollectedReports {
  /** Found records, by request id. */
  reports: { [requestId: string]: ReportRecord };
  /** Requested ids with no REPORT record yet, in the order requested. */
  missing: string[];
  /** REPORT records that could not be parsed (at most 20 kept). */
  malformed: MalformedReport[];
  /** Extra records for an id already found (kept: the first one). */
  duplicates: number;
  /** INIT_REPORT records seen in the window that no REPORT of their log stream followed (yet). */
  unmatchedInitReports: number;
  /** FilterLogEvents calls made. */
  pages: number;
}

const MAX_MALFORMED_KEPT = 20;

export async function collectReports(
  logs: LogsLike,
  logGroupName: string,
  requestIds: readonly string[],
  window: CollectWindow,
): Promise<CollectedReports> {
  if (!(window.startTime <= window.endTime)) {
    throw new Error(`collectReports: startTime ${window.startTime} is after endTime ${window.endTime}`);
  }
  const wanted = new Set(requestIds);
  const reports: { [requestId: string]: ReportRecord } = {};
  const malformed: MalformedReport[] = [];
  const platformEvents: PlatformEvent[] = [];
  let duplicates = 0;
  let pages = 0;
  let nextToken: string | undefined;
  const tokensSeen = new Set<string>();
  if (wanted.size > 0) {
    do {
      const page = await logs.send(
        new FilterLogEventsCommand({
          logGroupName,
          filterPattern: window.filterPattern ?? reportFilterPattern('Text'),
          startTime: Math.floor(window.startTime),
          endTime: Math.ceil(window.endTime),
          ...(nextToken ? { nextToken } : {}),
        }),
        window.abortSignal ? { abortSignal: window.abortSignal } : undefined,
      );
      pages++;
      for (const event of page.events ?? []) {
        let record: ReportRecord | undefined;
        let initReport: InitReportRecord | undefined;
        try {
          record = parseReportLine(event.message ?? '');
          if (!record) initReport = parseInitReportLine(event.message ?? '');
        } catch (err) {
          if (err instanceof ReportLineError) {
            if (malformed.length < MAX_MALFORMED_KEPT) {
              malformed.push({ problem: err.problem, message: err.line.slice(0, 500) });
            }
            continue;
          }
          throw err;
        }
        const where = { stream: event.logStreamName ?? '', timestamp: event.timestamp ?? 0, order: platformEvents.length };
        if (initReport) {
          platformEvents.push({ ...where, initReport });
          continue;
        }
        if (!record) continue;
        platformEvents.push({ ...where, requestId: record.requestId });
        if (!wanted.has(record.requestId)) {
          continue;
        }
        if (reports[record.requestId]) {
          duplicates++;
        } else {
          reports[record.requestId] = record;
        }
      }
      nextToken = page.nextToken;
      if (nextToken !== undefined) {
        // A service that hands back a token it already gave would loop for ever.
        if (tokensSeen.has(nextToken)) {
          throw new Error(`FilterLogEvents on ${logGroupName} returned the same nextToken twice`);
        }
        tokensSeen.add(nextToken);
      }
    } while (nextToken !== undefined);
  }
  const unmatchedInitReports = attachInitReports(platformEvents, reports);
  const missing = [...wanted].filter((id) => !reports[id]);
  return { reports, missing, malformed, duplicates, pages, unmatchedInitReports };
}

/** A REPORT (by request id) or an INIT_REPORT, where and when it was logged. */
interface PlatformEvent {
  stream: string;
  timestamp: number;
  /** Position in the order FilterLogEvents returned the events: breaks timestamp ties. */
  order: number;
  requestId?: string;
  initReport?: InitReportRecord;
}

/**
 * Gives each REPORT the INIT_REPORT records written before it in its log stream since the stream's
 * previous REPORT. A log stream belongs to one execution environment, and Lambda writes a failed
 * init's INIT_REPORT (Phase: init), the retried init's (Phase: invoke) and then the invocation's START
 * and REPORT into it, in that order. Returns how many INIT_REPORT records no REPORT followed.
 */
function attachInitReports(events: PlatformEvent[], reports: { [requestId: string]: ReportRecord }): number {
  const sorted = [...events].sort((a, b) => a.stream.localeCompare(b.stream) || a.timestamp - b.timestamp || a.order - b.order);
  let pending: InitReportRecord[] = [];
  let stream: string | undefined;
  let unmatched = 0;
  for (const e of sorted) {
    if (e.stream !== stream) {
      unmatched += pending.length;
      pending = [];
      stream = e.stream;
    }
    if (e.initReport) {
      pending.push(e.initReport);
      continue;
    }
    const report = e.requestId !== undefined ? reports[e.requestId] : undefined;
    if (pending.length > 0 && report && !report.initReports) report.initReports = pending;
    pending = [];
  }
  return unmatched + pending.length;
}

export class MissingReportsError extends Error {
  constructor(
    readonly logGroupName: string,
    /** Everything that was found before the deadline: callers may still use it. */
    readonly partial: CollectedReports,
    readonly requested: number,
    readonly waitedMs: number,
  ) {
    const some = partial.missing.slice(0, 3).join(', ');
    const malformed = partial.malformed.length > 0 ? `; ${partial.malformed.length} malformed REPORT record(s), first: ${partial.malformed[0].problem}` : '';
    super(
      `${partial.missing.length} of ${requested} REPORT records missing in ${logGroupName} after ${(waitedMs / 1000).toFixed(1)} s ` +
        `(e.g. ${some}${partial.missing.length > 3 ? ', ...' : ''})${malformed}`,
    );
    this.name = 'MissingReportsError';
  }
}

export interface UntilCompleteOptions extends CollectWindow {
  /** How long to keep polling, ms from the call (0: one pass only). */
  deadlineMs: number;
  pollIntervalMs: number;
  onPoll?: (found: number, missing: number) => void;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortError());
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortError());
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function abortError(): Error {
  const err = new Error('collecting REPORT records was aborted');
  err.name = 'AbortError';
  return err;
}

export async function collectReportsUntilComplete(
  logs: LogsLike,
  logGroupName: string,
  requestIds: readonly string[],
  options: UntilCompleteOptions,
): Promise<CollectedReports> {
  const started = Date.now();
  const giveUpAt = started + options.deadlineMs;
  const merged: CollectedReports = { reports: {}, missing: [...new Set(requestIds)], malformed: [], duplicates: 0, pages: 0, unmatchedInitReports: 0 };
  for (;;) {
    const pass = await collectReports(logs, logGroupName, merged.missing, options);
    Object.assign(merged.reports, pass.reports);
    merged.missing = pass.missing;
    merged.duplicates += pass.duplicates;
    merged.pages += pass.pages;
    merged.unmatchedInitReports = pass.unmatchedInitReports;
    for (const m of pass.malformed) {
      if (merged.malformed.length < MAX_MALFORMED_KEPT && !merged.malformed.some((x) => x.message === m.message)) {
        merged.malformed.push(m);
      }
    }
    options.onPoll?.(Object.keys(merged.reports).length, merged.missing.length);
    if (merged.missing.length === 0) {
      return merged;
    }
    const remaining = giveUpAt - Date.now();
    if (remaining <= 0) {
      throw new MissingReportsError(logGroupName, merged, new Set(requestIds).size, Date.now() - started);
    }
    await sleep(Math.min(options.pollIntervalMs, remaining), options.abortSignal);
  }
}
