import { auditTemplate, renderAudit, TemplateView } from '../../lib/audit';
import { cleanUpSynths, synth } from './helpers';

/** The audit on the real template, and on small templates that show what it flags. */
afterAll(cleanUpSynths);

test('on the stack: every role, every data resource, every acknowledgement, what stays outside', () => {
  const s = synth();
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
  expect(text).toContain('  allow lambda:InvokeFunction\n      on <Apr/Function ARN>\n      on <Pytorch/Function ARN>');
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
