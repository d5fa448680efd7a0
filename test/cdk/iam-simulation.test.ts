import { existsSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { describeFinding, simulateHandlerPermissions, type IamSimulationFinding } from '../../lib/audit/iam-simulation';
import { HANDLER_AWS_CALLS } from '../../lib/handlers/all-aws-calls';
import * as lambdaEntry from '../../lib/handlers/lambda/index';
import { REPO_ROOT } from '../../lib/stacks/app';
import { cleanUpSynths, idAtPath, synth } from './helpers';

/**
 * Every AWS request of the stack's principals, evaluated against the synthesized template's IAM
 * policies by an independent simulator (@cloud-copilot/iam-simulate): the handlers' declared calls
 * (AWS_CALLS next to their code), the implicit ones, the provider framework's and the state machines'.
 */
let template: any;
let findings: IamSimulationFinding[];

beforeAll(async () => {
  template = synth().json;
  findings = await simulateHandlerPermissions(template);
}, 180_000);
afterAll(cleanUpSynths);

const denials = (f: IamSimulationFinding[]) => f.filter((x) => x.decision !== 'Allowed').map(describeFinding);
const clone = () => JSON.parse(JSON.stringify(template));

test('the template allows every listed call of every principal', () => {
  expect(findings.length).toBeGreaterThan(100);
  expect(denials(findings)).toEqual([]);
  // Every handler of the bundle was checked, with its declared calls.
  for (const handler of Object.keys(HANDLER_AWS_CALLS)) {
    for (const call of HANDLER_AWS_CALLS[handler]) {
      expect([handler, call.call, findings.some((f) => f.principal.endsWith(`(index.${handler})`) && f.call === call.call && f.action === call.action)]).toEqual([handler, call.call, true]);
    }
  }
});

test('s3:ListBucket is allowed wherever a key that may be missing is read, without any request context', () => {
  const readers = ['InvokeCold', 'CollectReports', 'RecordTargetError', 'Aggregate'];
  for (const name of readers) {
    const checks = findings.filter((f) => f.role === `Benchmark/TaskFunctions/${name}/Role` && f.call === 'implicit: GetObject of a missing key');
    expect([name, checks.length > 0, checks.every((c) => c.decision === 'Allowed' && Object.keys(c.context).length === 0)]).toEqual([name, true, true]);
  }
  // Every role that reads an object can also list the bucket.
  const getters = new Set(findings.filter((f) => f.action === 's3:GetObject').map((f) => f.role));
  for (const role of getters) expect([role, findings.some((f) => f.role === role && f.action === 's3:ListBucket' && f.decision === 'Allowed')]).toEqual([role, true]);
});

test('states:DescribeExecution is allowed on arn:aws:states:<region>:<account>:execution:<state machine name>:<execution>', () => {
  const describe = findings.filter((f) => f.action === 'states:DescribeExecution');
  expect(describe).toHaveLength(1);
  expect(describe[0]).toMatchObject({
    role: 'RunOnDeploy/IsComplete/Role',
    resource: 'arn:aws:states:us-east-1:123456789012:execution:AprLambdaBench-benchmark:deploy-20240601-120000-abcdef',
    decision: 'Allowed',
  });
});

test('the bucket-emptying function may empty both buckets, through their bucket policies', () => {
  const emptying = findings.filter((f) => f.role === 'Custom::S3AutoDeleteObjectsCustomResourceProvider/Role' && f.call.startsWith('emptying '));
  expect(emptying).toHaveLength(12);
  expect(emptying.filter((f) => f.decision !== 'Allowed')).toEqual([]);
});

describe('what the simulation catches', () => {
  function policyOf(t: any, rolePath: string) {
    return t.Resources[idAtPath(t, `${rolePath}/DefaultPolicy`)].Properties.PolicyDocument;
  }

  test('a needed permission removed (s3:ListBucket of RecordTargetError) is a denial, naming role, call, action and resource', async () => {
    const t = clone();
    const doc = policyOf(t, 'Benchmark/TaskFunctions/RecordTargetError/Role');
    doc.Statement = doc.Statement.filter((st: any) => st.Action !== 's3:ListBucket');
    const denied = (await simulateHandlerPermissions(t)).filter((f) => f.decision !== 'Allowed');
    expect(denied).toEqual([
      expect.objectContaining({
        role: 'Benchmark/TaskFunctions/RecordTargetError/Role',
        call: 'implicit: GetObject of a missing key',
        action: 's3:ListBucket',
        resource: expect.stringMatching(/^arn:aws:s3:::stack-resultsbucket[0-9a-f]+-placeholder$/),
        decision: 'ImplicitlyDenied',
      }),
    ]);
  });

  test('DescribeExecution granted on execution/<name>:* (the ARN form that rolled the first deploy back) is a denial', async () => {
    const t = clone();
    const doc = policyOf(t, 'RunOnDeploy/IsComplete/Role');
    const statement = doc.Statement.find((st: any) => st.Action === 'states:DescribeExecution');
    statement.Resource = 'arn:aws:states:us-east-1:123456789012:execution/AprLambdaBench-benchmark:*';
    const denied = (await simulateHandlerPermissions(t)).filter((f) => f.decision !== 'Allowed');
    expect(denied.map((f) => [f.role, f.action, f.decision])).toEqual([['RunOnDeploy/IsComplete/Role', 'states:DescribeExecution', 'ImplicitlyDenied']]);
  });

  test('a bucket policy without the emptying function\'s grant is a denial of each of its calls on that bucket', async () => {
    const t = clone();
    const policyId = Object.keys(t.Resources).find((id) => t.Resources[id].Type === 'AWS::S3::BucketPolicy' && t.Resources[id].Properties.Bucket.Ref === idAtPath(t, 'Results/Bucket'))!;
    const doc = t.Resources[policyId].Properties.PolicyDocument;
    doc.Statement = doc.Statement.filter((st: any) => st.Effect === 'Deny');
    const denied = (await simulateHandlerPermissions(t)).filter((f) => f.decision !== 'Allowed');
    expect(denied).toHaveLength(6);
    for (const f of denied) expect(f).toMatchObject({ role: 'Custom::S3AutoDeleteObjectsCustomResourceProvider/Role', call: expect.stringMatching(/^emptying Results\/Bucket: /) });
  });

  test('a new call declared by a handler without a matching permission is a denial', async () => {
    const handlerCalls = {
      ...HANDLER_AWS_CALLS,
      recordFailure: [...HANDLER_AWS_CALLS.recordFailure, { call: 'DeleteObjectCommand', action: 's3:DeleteObject', resource: 'arn:{partition}:s3:::{bucket}/runs/{run}/failure.json' }],
    };
    const denied = (await simulateHandlerPermissions(template, { handlerCalls })).filter((f) => f.decision !== 'Allowed');
    expect(denied.map((f) => [f.role, f.call, f.decision])).toEqual([['Benchmark/TaskFunctions/RecordFailure/Role', 'DeleteObjectCommand', 'ImplicitlyDenied']]);
  });
});

describe('the list of calls follows the code', () => {
  /** The modules the handler bundle is built from: lib/handlers/lambda/index.ts and what it imports, transitively, inside the repository. */
  function bundledSources(): Map<string, string> {
    const out = new Map<string, string>();
    const visit = (file: string) => {
      if (out.has(file)) return;
      const text = readFileSync(file, 'utf8');
      out.set(file, text);
      for (const m of text.matchAll(/from '(\.{1,2}\/[^']+)'/g)) {
        const target = path.resolve(path.dirname(file), m[1]);
        const candidates = [target, `${target}.ts`, path.join(target, 'index.ts')];
        const found = candidates.find((c) => existsSync(c) && statSync(c).isFile());
        if (!found) throw new Error(`${path.relative(REPO_ROOT, file)} imports ${m[1]}, which is no file here`);
        visit(found);
      }
    };
    visit(path.join(REPO_ROOT, 'lib/handlers/lambda/index.ts'));
    return out;
  }

  test('every SDK command the bundled code sends is declared by a handler', () => {
    const declared = new Set(Object.values(HANDLER_AWS_CALLS).flatMap((calls) => calls.map((c) => c.call)));
    const used = new Map<string, string>();
    for (const [file, text] of bundledSources()) {
      for (const m of text.matchAll(/new (\w+Command)\(/g)) used.set(m[1], path.relative(REPO_ROOT, file));
      // SDK waiters poll with a command of their own: Lambda's function-updated waiter with GetFunctionConfiguration.
      for (const m of text.matchAll(/\bwaitUntil(\w+)\(/g)) used.set(m[1] === 'FunctionUpdated' ? 'GetFunctionConfigurationCommand' : `waitUntil${m[1]}`, path.relative(REPO_ROOT, file));
    }
    expect(used.size).toBeGreaterThanOrEqual(10);
    const undeclared = [...used].filter(([command]) => !declared.has(command)).map(([command, file]) => `${command} (${file})`);
    expect(undeclared).toEqual([]);
  });

  test('every handler the Lambda entry exports has its list of calls', () => {
    const exported = Object.keys(lambdaEntry).filter((k) => typeof (lambdaEntry as Record<string, unknown>)[k] === 'function');
    expect(exported.sort()).toEqual(Object.keys(HANDLER_AWS_CALLS).sort());
  });
});
