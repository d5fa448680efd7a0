import type { AuditReport } from './audit';

/** The audit as plain text, one block per role and per data resource. */
export function renderAudit(report: AuditReport, title = 'Stack audit'): string {
  const lines: string[] = [`# ${title}`, ''];
  lines.push(`## IAM roles (${report.roles.length}): what each may do, on which resources`, '');
  for (const role of report.roles) {
    lines.push(`${role.name}`);
    lines.push(`  assumed by: ${role.assumedBy.join(', ') || '(nobody)'}`);
    lines.push(`  used by:    ${role.usedBy.join(', ') || '(nothing in the stack)'}`);
    if (role.managedPolicies.length) lines.push(`  managed policies: ${role.managedPolicies.join(', ')}`);
    for (const s of role.statements) {
      lines.push(`  ${s.effect.toLowerCase()} ${s.actions.join(', ')}`);
      for (const r of s.resources) lines.push(`      on ${r}`);
      if (s.conditions) lines.push(`      when ${s.conditions}`);
    }
    if (!role.statements.length && !role.managedPolicies.length) lines.push('  (no permissions)');
    lines.push('');
  }
  lines.push(`## Resources that hold data (${report.data.length})`, '');
  for (const d of report.data) {
    lines.push(`${d.name} (${d.kind})`);
    lines.push(`  encryption: ${d.encryption}`);
    lines.push(`  retention:  ${d.retention}`);
    lines.push(`  deletion:   ${d.deletion}`);
    for (const n of d.notes) lines.push(`  ${n}`);
    lines.push('');
  }
  lines.push(`## Functions and state machines without a log group of the stack (${report.implicitLogGroups.length})`, '');
  lines.push(...(report.implicitLogGroups.length ? report.implicitLogGroups.map((l) => `- ${l}`) : ['none: every one writes to an explicit log group with a retention']), '');
  lines.push(`## Acknowledged cdk-nag findings (${report.acknowledgements.length})`, '');
  for (const a of report.acknowledgements) {
    lines.push(`${a.rule}`);
    lines.push(`  on:  ${a.resources.join(', ')}`);
    lines.push(`  why: ${a.reason}`);
  }
  lines.push('', `## Outside the stack: not removed by cdk destroy (${report.outsideTheStack.length})`, '');
  lines.push(...(report.outsideTheStack.length ? report.outsideTheStack.map((l) => `- ${l}`) : ['nothing']), '');
  return lines.join('\n');
}
