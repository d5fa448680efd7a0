/**
 * IAM checked by simulation: every AWS request the stack's principals make, evaluated against the
 * calling role's policies in the synthesized template with an independent IAM policy simulator
 * (@cloud-copilot/iam-simulate), not with our own reading of IAM.
 *
 *   const findings = await simulateHandlerPermissions(template);
 *   const denied = findings.filter((f) => f.decision !== 'Allowed');
 *
 * `template` is the synthesized CloudFormation template as JSON (cdk.out/<stack>.template.json).
 * Each finding names the role, who uses it, the call, the IAM action, the resource ARN (in AWS's
 * form, in a placeholder account 123456789012 and region us-east-1), the request context, and the
 * simulator's decision: 'Allowed', 'ImplicitlyDenied', 'ExplicitlyDenied', or 'Error' (the
 * simulator rejected the request or a policy; `detail` says why).
 *
 * Which calls: the handlers' own SDK calls, declared next to their code (lib/handlers/aws-call.ts,
 * AWS_CALLS in each handler module), including the implicit ones (S3's s3:ListBucket check when a
 * missing key is read); the CDK provider framework's calls; Lambda writing each function's logs;
 * each state machine invoking its Task functions, setting up log delivery and tracing.
 * lib/audit/iam-calls.ts derives them from the template.
 *
 * Policies evaluated: the role's inline policies and the AWS::IAM::Policy resources attached to it,
 * and for the CDK's bucket-emptying function the bucket policy that grants it its S3 actions.
 * An AWS managed policy cannot be read from the template; a role that has one gets detail saying so.
 * The policies are evaluated in the account as written: no SCP, RCP, permission boundary or
 * resource policy is assumed.
 */
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { asArray, TemplateView } from './template';
import { TemplateValues } from './template-values';
import { callsOfTemplate, type ConcreteCall } from './iam-calls';
import type { AwsCall } from '../handlers/aws-call';

export type IamDecision = 'Allowed' | 'ImplicitlyDenied' | 'ExplicitlyDenied' | 'Error';

export interface IamSimulationFinding {
  /** The role's construct path (or logical id). */
  role: string;
  /** Who makes the call with that role. */
  principal: string;
  call: string;
  action: string;
  resource: string;
  context: Record<string, string | string[]>;
  decision: IamDecision;
  detail?: string;
}

export interface SimulationOptions {
  /** Replaces the handlers' declared calls (tests). */
  handlerCalls?: { readonly [handler: string]: readonly AwsCall[] };
}

/** The identity policies of each role, resolved to plain JSON. */
export function rolePolicies(template: object): Map<string, { name: string; policy: unknown }[]> {
  const view = new TemplateView(template as never);
  const values = new TemplateValues(template as never);
  const out = new Map<string, { name: string; policy: unknown }[]>();
  for (const [id, role] of view.ofType('AWS::IAM::Role')) {
    out.set(
      id,
      asArray<any>(role.Properties?.Policies).map((p, i) => ({ name: String(p.PolicyName ?? `inline-${i}`), policy: values.resolve(p.PolicyDocument) })),
    );
  }
  for (const [id, policy] of view.ofType('AWS::IAM::Policy')) {
    for (const r of asArray(policy.Properties?.Roles)) {
      const roleId = view.referenced(r);
      if (!roleId || !out.has(roleId)) continue;
      out.get(roleId)!.push({ name: id, policy: values.resolve(policy.Properties?.PolicyDocument) });
    }
  }
  return out;
}

async function decide(
  call: ConcreteCall,
  policies: { name: string; policy: unknown }[],
  account: string,
  roleArn: string,
  resourcePolicy: unknown,
): Promise<{ decision: IamDecision; detail?: string }> {
  const result = await runSimulation(
    {
      request: { principal: roleArn, action: call.action, resource: { resource: call.resource, accountId: account }, contextVariables: call.context },
      identityPolicies: policies,
      ...(resourcePolicy ? { resourcePolicy } : {}),
      serviceControlPolicies: [],
      resourceControlPolicies: [],
    },
    { simulationMode: 'Strict' },
  );
  if (result.resultType === 'error') return { decision: 'Error', detail: result.errors.message };
  const ignored = result.resultType === 'single' ? result.result.ignoredContextKeys ?? [] : [];
  const decision = result.overallResult as IamDecision;
  return ignored.length ? { decision, detail: `context keys the action does not have, ignored: ${ignored.join(', ')}` } : { decision };
}

export async function simulateHandlerPermissions(template: object, options: SimulationOptions = {}): Promise<IamSimulationFinding[]> {
  const view = new TemplateView(template as never);
  const values = new TemplateValues(template as never);
  const policies = rolePolicies(template);
  const findings: IamSimulationFinding[] = [];
  for (const call of callsOfTemplate(template, options.handlerCalls)) {
    const role = view.resource(call.roleId);
    const roleArn = values.getAtt(call.roleId, 'Arn');
    const resourcePolicy = call.resourcePolicyId ? values.resolve(view.resource(call.resourcePolicyId)?.Properties?.PolicyDocument) : undefined;
    const { decision, detail } = await decide(call, policies.get(call.roleId) ?? [], values.env.account, roleArn, resourcePolicy);
    const managed = asArray(role?.Properties?.ManagedPolicyArns);
    const notes = [detail, decision !== 'Allowed' && managed.length ? `managed policies not evaluated: ${managed.map((m) => String(values.resolve(m))).join(', ')}` : undefined].filter(Boolean);
    findings.push({
      role: view.name(call.roleId),
      principal: call.principal,
      call: call.call,
      action: call.action,
      resource: call.resource,
      context: call.context,
      decision,
      ...(notes.length ? { detail: notes.join('; ') } : {}),
    });
  }
  return findings;
}

/** One line per finding, for a report or a failing test's message. */
export function describeFinding(f: IamSimulationFinding): string {
  const context = Object.keys(f.context).length ? ` ${JSON.stringify(f.context)}` : '';
  return `${f.decision}: ${f.role} — ${f.principal}: ${f.call} → ${f.action} on ${f.resource}${context}${f.detail ? ` (${f.detail})` : ''}`;
}
