import { LIMITS } from '../../lib/config/app-config';
import { cleanUpSynths, idAtPath, synth, type Synthesized } from './helpers';

/**
 * The largest payload the configuration accepts cannot break the deployment: Lambda allows 4 KB of
 * environment variables per function, in aggregate (Lambda quotas, "Function environment
 * variables"), and the payload is in no function's environment. Names CloudFormation generates are
 * counted at the longest each service allows, so the bound holds for any stack.
 */
let s: Synthesized;
const payload = { filler: 'x'.repeat(30_000), fixed_acidity: 7.4 };

beforeAll(() => {
  s = synth({ payload });
}, 120_000);
afterAll(cleanUpSynths);

const LAMBDA_ENVIRONMENT_BYTES = 4 * 1024;
/** The longest physical name of each type (Lambda 64, CloudWatch Logs 512, S3 63, Step Functions 80). */
const LONGEST_NAME: Record<string, number> = {
  'AWS::Lambda::Function': 64,
  'AWS::Logs::LogGroup': 512,
  'AWS::S3::Bucket': 63,
  'AWS::StepFunctions::StateMachine': 80,
};
/** "arn:aws-us-gov:states:us-gov-west-1:123456789012:stateMachine:": the longest ARN prefix in use here. */
const ARN_PREFIX = 70;

/** The longest text a template value can stand for. */
function longest(value: unknown, resources: Record<string, any>): number {
  if (typeof value === 'string') return Buffer.byteLength(value, 'utf8');
  if (typeof value === 'number' || typeof value === 'boolean') return String(value).length;
  const v = value as Record<string, any>;
  const nameOf = (id: string) => {
    const r = resources[id];
    if (!r) return 64; // a pseudo parameter: partition, region, account
    // A name the template gives (the benchmarked functions' log groups) is known exactly.
    const given = r.Type === 'AWS::Logs::LogGroup' ? r.Properties?.LogGroupName : undefined;
    if (typeof given === 'string') return Buffer.byteLength(given, 'utf8');
    const max = LONGEST_NAME[r.Type];
    if (max === undefined) throw new Error(`no name length known for ${r.Type} (${id})`);
    return max;
  };
  if (typeof v?.Ref === 'string') {
    const r = resources[v.Ref];
    return (r?.Type === 'AWS::StepFunctions::StateMachine' ? ARN_PREFIX : 0) + nameOf(v.Ref);
  }
  if (Array.isArray(v?.['Fn::GetAtt'])) {
    const [id, attribute] = v['Fn::GetAtt'];
    return (attribute === 'Arn' ? ARN_PREFIX + 2 : 0) + nameOf(id);
  }
  if (Array.isArray(v?.['Fn::Join'])) {
    const [sep, parts] = v['Fn::Join'] as [string, unknown[]];
    return parts.reduce<number>((n, p) => n + longest(p, resources), 0) + sep.length * Math.max(0, parts.length - 1);
  }
  throw new Error(`cannot bound ${JSON.stringify(value).slice(0, 200)}`);
}

test(`a ${JSON.stringify(payload).length}-byte payload is accepted (the limit is ${LIMITS.payloadBytes})`, () => {
  expect(s.config.benchmark.payload).toEqual(payload);
});

test('every function\'s environment stays under Lambda\'s 4 KB, whatever names CloudFormation picks', () => {
  const resources = s.json.Resources as Record<string, any>;
  const functions = Object.entries(resources).filter(([, r]) => r.Type === 'AWS::Lambda::Function');
  expect(functions.length).toBeGreaterThanOrEqual(14);
  for (const [id, fn] of functions) {
    const variables = (fn.Properties.Environment?.Variables ?? {}) as Record<string, unknown>;
    const bytes = Object.entries(variables).reduce((n, [k, v]) => n + Buffer.byteLength(k, 'utf8') + longest(v, resources), 0);
    expect([id, bytes < LAMBDA_ENVIRONMENT_BYTES]).toEqual([id, true]);
    expect([id, JSON.stringify(variables).includes('x'.repeat(100))]).toEqual([id, false]);
  }
});

test('the payload reaches Prepare through the state machine definition, well inside its 1 MB', () => {
  const sm = s.json.Resources[idAtPath(s.json, 'Benchmark/StateMachine')];
  const text = (sm.Properties.DefinitionString['Fn::Join'][1] as unknown[]).map((p) => (typeof p === 'string' ? p : '"<ref>"')).join('');
  expect(text).toContain(JSON.stringify(JSON.stringify(payload)).slice(1, -1));
  expect(Buffer.byteLength(text, 'utf8')).toBeLessThan(1024 * 1024);
});
