import type { Verdict } from './findings';
import type { ValidatorResults, ValidatorRun } from './validators';

/** The validators' part of `npm run audit`, as plain text: what failed the audit first, then what was accepted and why. */
export function renderVerdict(result: ValidatorResults, verdict: Verdict, run: Pick<ValidatorRun, 'timings' | 'checkovVersion'>, acceptedFile: string): string {
  const lines: string[] = [`## Independent validators: ${result.label}`, ''];
  const t = run.timings;
  const s = (ms: number | undefined) => `${((ms ?? 0) / 1000).toFixed(1)} s`;
  lines.push(
    `cfn-lint (${s(t['cfn-lint'])}), checkov${run.checkovVersion ? ` ${run.checkovVersion}` : ''} --framework cloudformation (${s(t.checkov)}), ` +
      `asl-validator on ${result.stateMachines.join(', ') || 'no state machine'} (${s(t['asl-validator'])}), ` +
      `IAM simulation of ${result.iamCalls} calls (${s(t['iam-simulation'])})`,
    '',
  );
  if (verdict.unaccepted.length) {
    lines.push(`FAILED: ${verdict.unaccepted.length} finding(s) not in ${acceptedFile}. Fix each, or accept it there with the reason it is not a defect:`, '');
    for (const f of verdict.unaccepted) lines.push(`  ${f.tool} ${f.rule} on ${f.resource}`, `      ${f.message}`);
    lines.push('');
  } else {
    lines.push(`PASSED: every finding is accepted in ${acceptedFile}.`, '');
  }
  const byRule = new Map<string, { reason: string; resources: string[] }>();
  for (const { finding, reason } of verdict.accepted) {
    const k = `${finding.tool} ${finding.rule}\u0000${reason}`;
    const entry = byRule.get(k) ?? { reason, resources: [] };
    entry.resources.push(finding.resource);
    byRule.set(k, entry);
  }
  lines.push(`Accepted findings (${verdict.accepted.length}):`, '');
  for (const [k, { reason, resources }] of byRule) {
    lines.push(`  ${k.split('\u0000')[0]} on ${resources.join(', ')}`, `      why: ${reason}`);
  }
  if (verdict.stale.length) {
    lines.push('', `Entries of ${acceptedFile} that match no finding any more (remove them):`);
    for (const a of verdict.stale) lines.push(`  ${a.tool} ${a.rule} on ${a.resource}`);
  }
  lines.push('');
  return lines.join('\n');
}
