import { summarize } from './statistics';
import type { ColdStartWithoutInit, InitReportRecord, JoinedInvocation, LostInitDurationSummary } from './types';

/**
 * Cold starts whose REPORT carries no Init Duration. On a forced cold start that happens when the
 * environment's init failed or ran into the 10 s init limit: Lambda writes an INIT_REPORT line
 * (`Phase: init`, `Status: timeout|error`), retries the init inside the invocation under the function
 * timeout, and the invocation's REPORT then has no Init Duration (its Duration contains the retried
 * init). AWS: "If all three tasks do not complete within 10 seconds, Lambda retries the Init phase at
 * the time of the first function invocation with the configured function timeout" (Lambda developer
 * guide, "Understanding the Lambda execution environment lifecycle", Init phase).
 *
 * Such cold starts are not samples of Init Duration, and dropping them silently would report the
 * survivors as if they were all there was: they are classified here, counted and listed.
 */

/** The short reason a cold start has no Init Duration, from its environment's INIT_REPORT records. */
export function lostInitReason(initReports: readonly InitReportRecord[] | undefined): string {
  const first = initReports?.[0];
  if (!first) return 'no INIT_REPORT';
  return `init ${first.status}${first.errorType ? ` (${first.errorType})` : ''}`;
}

/** The reason in words, for the report: what the INIT_REPORT lines say happened. */
export function describeLostInit(reason: string, example: readonly InitReportRecord[]): string {
  if (example.length === 0) {
    return 'no INIT_REPORT line in its log stream: the platform did not say why (an environment that was not new would look like this too)';
  }
  const first = example[0];
  const what =
    first.status === 'timeout'
      ? `init ran into the ${first.phase === 'init' ? 'init phase\'s time limit (10 s on Lambda)' : 'time limit'}`
      : `init ended with status ${first.status}${first.errorType ? ` (${first.errorType})` : ''}`;
  const retried = example.filter((r) => r.phase === 'invoke');
  const retry =
    first.phase === 'init'
      ? retried.length > 0
        ? `; the init retried inside the invocation also ended with status ${retried[retried.length - 1].status}`
        : '; the init was retried inside the invocation, whose Duration includes it'
      : '';
  return `${what}${retry} (${reason})`;
}

/**
 * The cold-phase invocations whose REPORT had no Init Duration (invocations without a REPORT, or
 * whose Invoke call failed, are errors of another kind and not listed), in run order.
 */
export function coldStartsWithoutInit(invocations: readonly JoinedInvocation[], outcomeOf: (inv: JoinedInvocation) => string): ColdStartWithoutInit[] {
  const out: ColdStartWithoutInit[] = [];
  let index = 0;
  for (const inv of invocations) {
    if (inv.phase !== 'cold') continue;
    const position = index++;
    const report = inv.report;
    if (!report || report.initDurationMs !== undefined) continue;
    const initReports = report.initReports ?? [];
    out.push({
      requestId: inv.requestId,
      index: position,
      reason: lostInitReason(initReports),
      initReports: [...initReports],
      roundTripMs: inv.roundTripMs,
      durationMs: report.durationMs,
      outcome: outcomeOf(inv),
    });
  }
  return out;
}

export function summarizeLostInit(lost: readonly ColdStartWithoutInit[]): LostInitDurationSummary {
  const reasons: LostInitDurationSummary['reasons'] = [];
  for (const reason of [...new Set(lost.map((l) => l.reason))]) {
    const group = lost.filter((l) => l.reason === reason);
    reasons.push({
      reason,
      description: describeLostInit(reason, group[0].initReports),
      count: group.length,
      succeeded: group.filter((l) => l.outcome === 'ok').length,
      roundTripMs: summarize(group.map((l) => l.roundTripMs)),
    });
  }
  return { count: lost.length, reasons, invocations: [...lost] };
}
