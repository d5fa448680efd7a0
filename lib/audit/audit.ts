import { asArray, TemplateView, type Template } from './template';

/**
 * What an auditor asks of the stack, answered from its synthesized template alone: who may do what
 * on which resources, where data is kept and how it is protected and removed, which cdk-nag findings
 * were acknowledged and why, and what the stack leaves outside itself.
 */

export interface PermissionStatement {
  effect: string;
  actions: string[];
  resources: string[];
  conditions?: string;
}

export interface RoleAudit {
  name: string;
  logicalId: string;
  assumedBy: string[];
  usedBy: string[];
  managedPolicies: string[];
  statements: PermissionStatement[];
}

export interface DataResourceAudit {
  name: string;
  logicalId: string;
  kind: 'S3 bucket' | 'log group';
  encryption: string;
  retention: string;
  deletion: string;
  notes: string[];
}

export interface Acknowledgement {
  rule: string;
  reason: string;
  resources: string[];
}

export interface AuditReport {
  roles: RoleAudit[];
  data: DataResourceAudit[];
  acknowledgements: Acknowledgement[];
  /** Lambda functions and state machines without an explicit log group of the stack. */
  implicitLogGroups: string[];
  /** What lives outside the stack and is not removed by `cdk destroy`. */
  outsideTheStack: string[];
}

function statementsOf(view: TemplateView, document: any): PermissionStatement[] {
  return asArray(document?.Statement).map((s: any) => {
    const out: PermissionStatement = {
      effect: String(s.Effect),
      actions: asArray<string>(s.Action).map(String),
      resources: asArray(s.Resource).map((r) => view.render(r)),
    };
    if (s.Condition) out.conditions = renderCondition(view, s.Condition);
    return out;
  });
}

function renderCondition(view: TemplateView, condition: Record<string, Record<string, unknown>>): string {
  return Object.entries(condition)
    .flatMap(([op, tests]) => Object.entries(tests).map(([key, value]) => `${key} ${op} ${asArray(value).map((v) => view.render(v)).join(' | ')}`))
    .join('; ');
}

function principalsOf(view: TemplateView, document: any): string[] {
  const out: string[] = [];
  for (const s of asArray<any>(document?.Statement)) {
    const p = s.Principal ?? {};
    for (const [kind, value] of Object.entries(p)) for (const v of asArray(value)) out.push(kind === 'Service' ? view.render(v) : `${kind} ${view.render(v)}`);
  }
  return out;
}

function roleUsers(view: TemplateView, roleId: string): string[] {
  const users: string[] = [];
  for (const [id, r] of view.resources) {
    const p = r.Properties ?? {};
    const refs = [p.Role, p.RoleArn, p.ExecutionRoleArn].map((v) => view.referenced(v));
    if (refs.includes(roleId)) users.push(`${view.name(id)} (${r.Type})`);
  }
  return users;
}

export function auditRoles(view: TemplateView): RoleAudit[] {
  const roles: RoleAudit[] = [];
  for (const [id, role] of view.ofType('AWS::IAM::Role')) {
    const p = role.Properties ?? {};
    const statements = asArray<any>(p.Policies).flatMap((pol) => statementsOf(view, pol.PolicyDocument));
    for (const [, pol] of [...view.ofType('AWS::IAM::Policy'), ...view.ofType('AWS::IAM::ManagedPolicy')]) {
      if (asArray(pol.Properties?.Roles).some((r) => view.referenced(r) === id)) statements.push(...statementsOf(view, pol.Properties?.PolicyDocument));
    }
    roles.push({
      name: view.name(id),
      logicalId: id,
      assumedBy: principalsOf(view, p.AssumeRolePolicyDocument),
      usedBy: roleUsers(view, id),
      managedPolicies: asArray(p.ManagedPolicyArns).map((m) => view.render(m)),
      statements,
    });
  }
  return roles.sort((a, b) => a.name.localeCompare(b.name));
}

function deletionOf(r: { DeletionPolicy?: string }): string {
  // CloudFormation deletes a resource with no DeletionPolicy (except a few types that default to Retain/Snapshot).
  return r.DeletionPolicy ?? 'Delete (default)';
}

export function auditData(view: TemplateView): DataResourceAudit[] {
  const out: DataResourceAudit[] = [];
  for (const [id, b] of view.ofType('AWS::S3::Bucket')) {
    const p = b.Properties ?? {};
    const sse = p.BucketEncryption?.ServerSideEncryptionConfiguration?.[0]?.ServerSideEncryptionByDefault;
    const encryption = !sse
      ? 'S3 default (SSE-S3)'
      : sse.SSEAlgorithm === 'AES256'
        ? 'SSE-S3 (AES256, S3-managed keys)'
        : `${sse.SSEAlgorithm}${sse.KMSMasterKeyID ? ` with ${view.render(sse.KMSMasterKeyID)}` : ''}`;
    const notes: string[] = [];
    const pab = p.PublicAccessBlockConfiguration ?? {};
    const blocks = ['BlockPublicAcls', 'BlockPublicPolicy', 'IgnorePublicAcls', 'RestrictPublicBuckets'].filter((k) => pab[k] === true);
    notes.push(blocks.length === 4 ? 'public access: all four blocks on' : `public access: only ${blocks.join(', ') || 'no blocks'}`);
    const policy = view.ofType('AWS::S3::BucketPolicy').find(([, bp]) => view.referenced(bp.Properties?.Bucket) === id)?.[1];
    const denyPlain = asArray<any>(policy?.Properties?.PolicyDocument?.Statement).some(
      (s) => s.Effect === 'Deny' && s.Condition?.Bool?.['aws:SecureTransport'] === 'false',
    );
    notes.push(denyPlain ? 'TLS: required (the bucket policy denies requests without aws:SecureTransport)' : 'TLS: not enforced by the bucket policy');
    if (policy) {
      for (const s of asArray<any>(policy.Properties?.PolicyDocument?.Statement)) {
        if (s.Effect === 'Allow') notes.push(`bucket policy allows ${principalsOf(view, { Statement: [s] }).join(', ')}: ${asArray(s.Action).join(', ')}`);
      }
    }
    notes.push(`ACLs: ${p.OwnershipControls?.Rules?.[0]?.ObjectOwnership === 'BucketOwnerEnforced' ? 'disabled (BucketOwnerEnforced)' : 'enabled'}`);
    if (p.LoggingConfiguration) {
      notes.push(`server access logs: to ${view.render(p.LoggingConfiguration.DestinationBucketName)}, prefix ${p.LoggingConfiguration.LogFilePrefix ?? '(none)'}`);
    } else {
      notes.push('server access logs: off');
    }
    notes.push(`versioning: ${p.VersioningConfiguration?.Status ?? 'off'}`);
    const expiry = asArray<any>(p.LifecycleConfiguration?.Rules).find((r) => r.ExpirationInDays);
    const autoDelete = view.ofType('Custom::S3AutoDeleteObjects').some(([, cr]) => view.referenced(cr.Properties?.BucketName) === id);
    out.push({
      name: view.name(id),
      logicalId: id,
      kind: 'S3 bucket',
      encryption,
      retention: expiry ? `objects expire after ${expiry.ExpirationInDays} days` : 'objects kept until deleted',
      deletion: `${deletionOf(b)}${autoDelete ? '; emptied first on stack deletion (Custom::S3AutoDeleteObjects)' : '; NOT emptied: deletion fails while objects remain'}`,
      notes,
    });
  }
  for (const [id, lg] of view.ofType('AWS::Logs::LogGroup')) {
    const p = lg.Properties ?? {};
    const writers = view.resources
      .filter(([, r]) => {
        const logging = r.Properties?.LoggingConfig?.LogGroup ?? null;
        const sfnDestinations = asArray<any>(r.Properties?.LoggingConfiguration?.Destinations).map((d) => d.CloudWatchLogsLogGroup?.LogGroupArn);
        return view.referenced(logging) === id || sfnDestinations.some((d) => view.referenced(d) === id);
      })
      .map(([wid, r]) => `${view.name(wid)} (${r.Type})`);
    out.push({
      name: view.name(id),
      logicalId: id,
      kind: 'log group',
      encryption: p.KmsKeyId ? `KMS ${view.render(p.KmsKeyId)}` : 'CloudWatch Logs service-managed encryption',
      retention: p.RetentionInDays ? `${p.RetentionInDays} days` : 'never expires',
      deletion: deletionOf(lg),
      notes: [writers.length ? `written by ${writers.join(', ')}` : 'written by nothing in the stack'],
    });
  }
  return out.sort((a, b) => a.kind.localeCompare(b.kind) || a.name.localeCompare(b.name));
}

export function auditAcknowledgements(view: TemplateView): Acknowledgement[] {
  const byKey = new Map<string, Acknowledgement>();
  for (const [id, r] of view.resources) {
    for (const rule of asArray<any>(r.Metadata?.cdk_nag?.rules_to_suppress)) {
      const key = `${rule.id}\u0000${rule.reason}`;
      const entry = byKey.get(key) ?? { rule: String(rule.id), reason: String(rule.reason), resources: [] };
      entry.resources.push(view.name(id));
      byKey.set(key, entry);
    }
  }
  return [...byKey.values()].sort((a, b) => a.rule.localeCompare(b.rule) || a.resources[0].localeCompare(b.resources[0]));
}

export function implicitLogGroups(view: TemplateView): string[] {
  const out: string[] = [];
  for (const [id, fn] of view.ofType('AWS::Lambda::Function')) {
    if (!view.referenced(fn.Properties?.LoggingConfig?.LogGroup)) out.push(`${view.name(id)}: Lambda would create /aws/lambda/<name>, outside the stack, never expiring`);
  }
  for (const [id, sm] of view.ofType('AWS::StepFunctions::StateMachine')) {
    const dest = asArray<any>(sm.Properties?.LoggingConfiguration?.Destinations)[0]?.CloudWatchLogsLogGroup?.LogGroupArn;
    if (!view.referenced(dest)) out.push(`${view.name(id)}: no log group of the stack`);
  }
  return out;
}

export function outsideTheStack(view: TemplateView): string[] {
  const out: string[] = [];
  const text = JSON.stringify(view.template.Resources);
  if (/container-assets/.test(text)) {
    out.push(
      'The PyTorch image is pushed to the CDK bootstrap\'s container-asset ECR repository (cdk-<qualifier>-container-assets-<account>-<region>); `cdk destroy` does not delete images there.',
    );
  }
  if (/cdk-[a-z0-9]+-assets-/.test(text)) {
    out.push('Function code zips are uploaded to the CDK bootstrap\'s asset bucket (cdk-<qualifier>-assets-<account>-<region>); `cdk destroy` does not delete them.');
  }
  for (const [id, fn] of view.ofType('AWS::Lambda::Function')) {
    const uri = fn.Properties?.Code?.ImageUri;
    if (uri && !/container-assets/.test(JSON.stringify(uri))) out.push(`${view.name(id)} runs an existing image (${view.render(uri)}), which the stack neither created nor deletes.`);
  }
  return out;
}

export function auditTemplate(template: Template): AuditReport {
  const view = new TemplateView(template);
  return {
    roles: auditRoles(view),
    data: auditData(view),
    acknowledgements: auditAcknowledgements(view),
    implicitLogGroups: implicitLogGroups(view),
    outsideTheStack: outsideTheStack(view),
  };
}
