import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { auditTemplate, renderAudit, TemplateView } from '../../lib/audit';
import { judge, loadAcceptedFindings, type AcceptedFinding, type Finding } from '../../lib/audit/findings';
import { REPO_ROOT } from '../../lib/stacks/app';
import { cleanUpSynths, idAtPath, synth } from './helpers';

/** The audit on the real template, and on small templates that show what it flags. */
afterAll(cleanUpSynths);

/** The stack synthesized once for the whole file (about 15 s). */
let synthesized: ReturnType<typeof synth> | undefined;
const stack = () => (synthesized ??= synth());

test('on the stack: every role, every data resource, every acknowledgement, what stays outside', () => {
  const s = stack();
  const report = auditTemplate(s.json);
  const roleIds = Object.entries(s.json.Resources as Record<string, { Type: string }>).filter(([, r]) => r.Type === 'AWS::IAM::Role');
  expect(report.roles).toHaveLength(roleIds.length);
  expect(report.data.filter((d) => d.kind === 'S3 bucket').map((d) => d.name).sort()).toEqual(['Results/AccessLogs', 'Results/Bucket']);
  const bucket = report.data.find((d) => d.name === 'Results/Bucket')!;
  expect(bucket).toMatchObject({ encryption: 'SSE-S3 (AES256, S3-managed keys)', deletion: 'Delete; emptied first on stack deletion (Custom::S3AutoDeleteObjects)' });
  expect(bucket.notes).toEqual(
    expect.arrayContaining([
      'public access: all four blocks on',
      'TLS: required (the bucket policy denies requests without aws:SecureTransport)',
      'server access logs: to <Results/AccessLogs>, prefix results-bucket/',
    ]),
  );
  for (const lg of report.data.filter((d) => d.kind === 'log group')) {
    expect([lg.name, lg.retention, lg.deletion]).toEqual([lg.name, '30 days', 'Delete']);
    expect(lg.notes[0]).toMatch(/^written by /);
  }
  expect(report.acknowledgements.length).toBeGreaterThan(5);
  expect(report.outsideTheStack).toHaveLength(2);
  const text = renderAudit(report);
  expect(text).toContain('## IAM roles');
  expect(text).toContain('Benchmark/TaskFunctions/InvokeCold/Role');
  // InvokeCold may invoke the benchmarked functions, whichever targets cdk.json deploys.
  const invokeCold = report.roles.find((r) => r.name === 'Benchmark/TaskFunctions/InvokeCold/Role')!;
  expect(invokeCold.statements.find((st) => st.actions.includes('lambda:InvokeFunction'))?.resources).toEqual(expect.arrayContaining(['<Apr/Function ARN>', '<Pytorch/Function ARN>']));
  expect(text).toContain('  allow lambda:InvokeFunction\n      on <Apr/Function ARN>\n');
  expect(text).toContain('none: every one writes to an explicit log group with a retention');
});

test('what the audit flags: implicit log groups, unencrypted or public buckets, log groups that never expire, retained data', () => {
  const template = {
    Resources: {
      Fn: { Type: 'AWS::Lambda::Function', Properties: { Role: { 'Fn::GetAtt': ['R', 'Arn'] } } },
      R: {
        Type: 'AWS::IAM::Role',
        Properties: {
          AssumeRolePolicyDocument: { Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] },
          ManagedPolicyArns: ['arn:aws:iam::aws:policy/AdministratorAccess'],
          Policies: [{ PolicyName: 'p', PolicyDocument: { Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] } }],
        },
      },
      B: { Type: 'AWS::S3::Bucket', DeletionPolicy: 'Retain', Properties: { PublicAccessBlockConfiguration: { BlockPublicAcls: true } } },
      L: { Type: 'AWS::Logs::LogGroup', Properties: {} },
    },
  };
  const report = auditTemplate(template);
  expect(report.implicitLogGroups).toEqual(['Fn: Lambda would create /aws/lambda/<name>, outside the stack, never expiring']);
  expect(report.roles[0]).toMatchObject({ usedBy: ['Fn (AWS::Lambda::Function)'], managedPolicies: ['arn:aws:iam::aws:policy/AdministratorAccess'] });
  expect(report.roles[0].statements).toEqual([{ effect: 'Allow', actions: ['s3:*'], resources: ['*'] }]);
  const bucket = report.data.find((d) => d.name === 'B')!;
  expect(bucket.encryption).toBe('S3 default (SSE-S3)');
  expect(bucket.deletion).toBe('Retain; NOT emptied: deletion fails while objects remain');
  expect(bucket.notes).toEqual(expect.arrayContaining(['public access: only BlockPublicAcls', 'TLS: not enforced by the bucket policy', 'server access logs: off']));
  expect(report.data.find((d) => d.name === 'L')).toMatchObject({ retention: 'never expires', deletion: 'Delete (default)', notes: ['written by nothing in the stack'] });
});

test('values render as references people can read', () => {
  const view = new TemplateView({
    Resources: { X: { Type: 'AWS::S3::Bucket', Metadata: { 'aws:cdk:path': 'Stack/Results/Bucket/Resource' } } },
  });
  expect(view.render({ 'Fn::Join': ['', [{ 'Fn::GetAtt': ['X', 'Arn'] }, '/runs/*']] })).toBe('<Results/Bucket ARN>/runs/*');
  expect(view.render({ Ref: 'AWS::Region' })).toBe('${AWS::Region}');
  expect(view.render({ Ref: 'X' })).toBe('<Results/Bucket>');
  expect(() => new TemplateView({} as never)).toThrow('no Resources');
});

/**
 * `npm run audit` with the independent validators, on the real template and on three broken copies:
 * one with a wildcard action added to a role, one with a permission a handler needs taken away, one
 * that CloudFormation and Step Functions would refuse. One run of the command checks all four
 * (cfn-lint and checkov take 5 to 15 s each just to load their rules, so they run once for this
 * file), and reports each template's verdict as the command would exit for that template alone.
 */
describe('npm run audit: the independent validators and the accepted findings', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'apr-bench-audit-test-'));
  let out: AuditCommandOutput;
  let status: number | null;
  let forceColdStartRoleName: string;

  beforeAll(() => {
    const real = stack().json;
    const write = (name: string, template: unknown) => {
      const file = path.join(dir, name);
      writeFileSync(file, JSON.stringify(template, null, 1));
      return file;
    };
    const wildcard = structuredClone(real);
    policyOfRole(wildcard, 'Benchmark/TaskFunctions/Aggregate/Role').Properties.PolicyDocument.Statement.push({ Effect: 'Allow', Action: 's3:*', Resource: '*' });
    const missing = structuredClone(real);
    const policy = policyOfRole(missing, 'Benchmark/TaskFunctions/ForceColdStart/Role');
    forceColdStartRoleName = 'Benchmark/TaskFunctions/ForceColdStart/Role';
    let removed = 0;
    for (const s of policy.Properties.PolicyDocument.Statement) {
      const actions: string[] = Array.isArray(s.Action) ? s.Action : [s.Action];
      const kept = actions.filter((a) => a !== 'lambda:UpdateFunctionConfiguration');
      removed += actions.length - kept.length;
      s.Action = kept.length === 1 ? kept[0] : kept;
    }
    policy.Properties.PolicyDocument.Statement = policy.Properties.PolicyDocument.Statement.filter((s: any) => s.Action.length !== 0);
    expect(removed).toBeGreaterThan(0);
    // A template CloudFormation and Step Functions would refuse: a property S3 buckets do not have,
    // and a waiter state that moves to a state that does not exist.
    const invalid = structuredClone(real);
    invalid.Resources[idAtPath(invalid, 'Results/Bucket')].Properties.Colour = 'blue';
    const waiter: any = Object.values(invalid.Resources).find((r: any) => r.Type === 'AWS::StepFunctions::StateMachine' && JSON.stringify(r).includes('framework-isComplete-task'));
    const parts = waiter.Properties.DefinitionString['Fn::Join'][1];
    parts[0] = parts[0].replace('"End":true', '"Next":"NoSuchState"');
    const files = [write('real.json', real), write('wildcard.json', wildcard), write('missing-permission.json', missing), write('invalid.json', invalid)];
    const started = Date.now();
    const run = spawnSync(
      process.execPath,
      [require.resolve('ts-node/dist/bin.js'), '--transpile-only', path.join(REPO_ROOT, 'bin', 'audit.ts'), ...files.flatMap((f) => ['--template', f]), '--json'],
      { cwd: REPO_ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: 600_000 },
    );
    status = run.status;
    if (run.status !== 0 && run.status !== 1) throw new Error(`npm run audit could not run (exit ${run.status}): ${run.stderr}`);
    out = JSON.parse(run.stdout) as AuditCommandOutput;
    // How long the validators take is part of what this test shows (and the README quotes).
    process.stderr.write(`audit of ${files.length} templates: ${Date.now() - started} ms in all; ${JSON.stringify(out.timings)}\n`);
  }, 900_000);

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const byLabel = (suffix: string) => out.templates.find((t) => t.label.endsWith(suffix))!;

  test('the real template: every finding is accepted with its reason, so npm run audit exits 0', () => {
    const real = byLabel('real.json');
    expect(real.unaccepted).toEqual([]);
    expect(real.exitCode).toBe(0);
    expect(real.accepted.length).toBeGreaterThan(0);
    for (const a of real.accepted) expect(a.reason.length).toBeGreaterThan(20);
    expect(new Set(real.accepted.map((a) => a.finding.tool))).toEqual(new Set(['cfn-lint', 'checkov']));
    // Both state machine definitions went through asl-validator, and every declared call through the IAM simulation.
    expect(real.stateMachines).toHaveLength(2);
    expect(real.iamCalls).toBeGreaterThan(50);
    // With any template failing, the command exits non-zero.
    expect(status).toBe(1);
    expect(out.exitCode).toBe(1);
  });

  test('a wildcard action added to a role fails the audit, named by checkov on that policy', () => {
    const wildcard = byLabel('wildcard.json');
    expect(wildcard.exitCode).toBe(1);
    const policyId = Object.keys(JSON.parse(readFileSync(path.join(dir, 'wildcard.json'), 'utf8')).Resources).find((id) => id.startsWith('BenchmarkTaskFunctionsAggregateRoleDefaultPolicy'));
    expect(wildcard.unaccepted.length).toBeGreaterThan(0);
    expect(wildcard.unaccepted.every((f) => f.resource === policyId)).toBe(true);
    expect(wildcard.unaccepted.map((f) => `${f.tool} ${f.rule}`)).toEqual(expect.arrayContaining(['checkov CKV_AWS_111']));
  });

  test('a permission a handler needs, taken away, fails the audit through the IAM simulation', () => {
    const missing = byLabel('missing-permission.json');
    expect(missing.exitCode).toBe(1);
    expect(missing.unaccepted.length).toBeGreaterThan(0);
    for (const f of missing.unaccepted) {
      expect(f).toMatchObject({ tool: 'iam-simulation', rule: 'ImplicitlyDenied' });
      expect(f.resource).toMatch(new RegExp(`^${forceColdStartRoleName} lambda:UpdateFunctionConfiguration arn:aws:lambda:`));
    }
  });


  test('an invalid property fails the audit through cfn-lint, a broken state machine through asl-validator', () => {
    const invalid = byLabel('invalid.json');
    const ids = JSON.parse(readFileSync(path.join(dir, 'invalid.json'), 'utf8'));
    const bucketId = idAtPath(ids, 'Results/Bucket');
    expect(invalid.exitCode).toBe(1);
    expect(invalid.unaccepted).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ tool: 'cfn-lint', rule: 'E3002', resource: bucketId }),
        expect.objectContaining({ tool: 'asl-validator', rule: 'MISSING_TRANSITION_TARGET', resource: expect.stringMatching(/^RunOnDeployProviderwaiterstatemachine/) }),
      ]),
    );
  });
});

describe('accepted findings', () => {
  const finding = (rule: string, resource: string): Finding => ({ tool: 'checkov', rule, resource, message: 'm' });
  const entry = (rule: string, resource: string): AcceptedFinding => ({ tool: 'checkov', rule, resource, reason: 'a reason long enough to say why' });

  test('a finding is accepted only by an entry with the same tool, rule and resource; entries that match nothing are stale', () => {
    const verdict = judge([finding('CKV_AWS_1', 'A'), finding('CKV_AWS_1', 'B'), finding('CKV_AWS_2', 'A')], [entry('CKV_AWS_1', 'A'), entry('CKV_AWS_3', 'A')]);
    expect(verdict.accepted.map((a) => a.finding.resource)).toEqual(['A']);
    expect(verdict.unaccepted.map((f) => `${f.rule} ${f.resource}`)).toEqual(['CKV_AWS_1 B', 'CKV_AWS_2 A']);
    expect(verdict.stale.map((a) => a.rule)).toEqual(['CKV_AWS_3']);
    expect(verdict.exitCode).toBe(1);
    expect(judge([finding('CKV_AWS_1', 'A')], [entry('CKV_AWS_1', 'A')]).exitCode).toBe(0);
  });

  test.each([
    ['[]', 'must be an object with an "accepted" array'],
    ['{"accepted": [{"tool": "checkov", "rule": "X", "resource": "R"}]}', 'accepted[0].reason must be a non-empty string'],
    ['{"accepted": [{"tool": "tflint", "rule": "X", "resource": "R", "reason": "because it is fine here, really"}]}', 'accepted[0].tool "tflint" is not one of'],
    ['{"accepted": [{"tool": "checkov", "rule": "X", "resource": "R", "reason": "fine"}]}', 'accepted[0].reason is too short'],
    ['{"accepted": [{"tool": "checkov", "rule": "X", "resource": "R", "reason": "because it is fine here, really", "until": 1}]}', 'unknown field(s) until'],
    [
      '{"accepted": [{"tool": "checkov", "rule": "X", "resource": "R", "reason": "because it is fine here, really"}, {"tool": "checkov", "rule": "X", "resource": "R", "reason": "because it is fine here, again"}]}',
      'accepted[1] repeats checkov X on R',
    ],
    ['not json', 'is not JSON'],
  ])('a malformed accepted-findings file is refused with the problem named: %s', (text, message) => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'apr-bench-accepted-')), 'accepted.json');
    writeFileSync(file, text);
    try {
      expect(() => loadAcceptedFindings(file)).toThrow(message);
    } finally {
      rmSync(path.dirname(file), { recursive: true, force: true });
    }
  });

  test('the repository\'s list loads', () => {
    expect(loadAcceptedFindings(path.join(REPO_ROOT, 'audit', 'accepted-findings.json')).length).toBeGreaterThan(0);
  });
});

interface AuditCommandOutput {
  exitCode: number;
  timings: Record<string, number>;
  templates: { label: string; exitCode: number; unaccepted: Finding[]; accepted: { finding: Finding; reason: string }[]; stateMachines: string[]; iamCalls: number }[];
}

/** The AWS::IAM::Policy attached to the role at a construct path. */
function policyOfRole(template: any, rolePath: string): any {
  const roleId = idAtPath(template, rolePath);
  const found = Object.values<any>(template.Resources).filter(
    (r) => r.Type === 'AWS::IAM::Policy' && (r.Properties.Roles ?? []).some((ref: any) => ref?.Ref === roleId),
  );
  if (found.length !== 1) throw new Error(`expected one policy on ${rolePath}, found ${found.length}`);
  return found[0];
}
