import type { Finding } from './findings';
import { describeFinding, simulateHandlerPermissions } from './iam-simulation';

/**
 * The IAM simulation (iam-simulation.ts: every call the stack's principals make, evaluated against
 * the calling role's policies with @cloud-copilot/iam-simulate) as audit findings: one per call that
 * is not allowed. The rule is the simulator's decision; the resource names the role, the action and
 * the ARN, so that an accepted entry can only ever cover that one request.
 */
export async function iamSimulationFindings(template: object): Promise<{ findings: Finding[]; calls: number }> {
  const results = await simulateHandlerPermissions(template);
  const findings = results
    .filter((r) => r.decision !== 'Allowed')
    .map((r): Finding => ({ tool: 'iam-simulation', rule: r.decision, resource: `${r.role} ${r.action} ${r.resource}`, message: describeFinding(r) }));
  return { findings, calls: results.length };
}
