import type { InvocationRecord, JoinedInvocation, ReportRecord } from './types';

/**
 * Small pure helpers over invocation records, used by the state machine handlers.
 */

/** Attaches each invocation's REPORT record by request id; invocations without one stay as they are. */
export function joinReports(
  invocations: readonly InvocationRecord[],
  reports: { readonly [requestId: string]: ReportRecord },
): JoinedInvocation[] {
  return invocations.map((inv) => {
    const report = inv.requestId ? reports[inv.requestId] : undefined;
    return report ? { ...inv, report } : { ...inv };
  });
}

/** Request ids whose REPORT records can exist: the call reached the function (Invoke did not fail as an API call). */
export function reportableRequestIds(invocations: readonly InvocationRecord[]): string[] {
  return invocations.filter((inv) => !inv.apiError && inv.requestId !== '').map((inv) => inv.requestId);
}

/**
 * Drops the answers except the first successful one per phase: one real answer is what the report
 * shows, and 130 identical answers would eat the 256 KB Step Functions state for nothing.
 */
export function keepFirstResponses<T extends InvocationRecord>(invocations: readonly T[]): T[] {
  const kept = new Set<string>();
  return invocations.map((inv) => {
    if (inv.response === undefined) return inv;
    if (!kept.has(inv.phase) && !inv.functionError) {
      kept.add(inv.phase);
      return inv;
    }
    const { response: _dropped, ...rest } = inv;
    return rest as T;
  });
}
