/** How a hold-out check's counts read apart for each validation, in the console, the report and calibrate's table. */
import type { HoldoutSummary } from './types';

/**
 * "new families (family-out interval): 13 of 20 within ±30 %, 20 of 20 inside; new versions of known families
 * (version-out interval): 8 of 8 within ±30 %, 8 of 8 inside"; empty when the check has one kind of hold-out
 * only (the totals already say it).
 */
export function byValidationSentence(summary: Pick<HoldoutSummary, 'byValidation' | 'boundPct'>): string {
  const parts = Object.entries(summary.byValidation ?? {}).map(
    ([kind, c]) =>
      `${kind === 'leave-one-family-out' ? 'new families (family-out interval)' : 'new versions of known families (version-out interval)'}: ${c.withinBound} of ${c.cells} within ±${summary.boundPct} %, ${c.insideInterval} of ${c.cells} inside`,
  );
  return parts.length > 1 ? parts.join('; ') : '';
}
