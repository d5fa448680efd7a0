import { STATE_NAMES } from '../../lib/constructs/benchmark-state-machine';
import { bindTasks, DefinitionError, extractStateMachine, resolveIntrinsic, type CfnTemplate } from '../../lib/state-machine-local';
import { synthesizeBenchmarkTemplate } from '../../lib/state-machine-local/synth';

/** Reading the state machine out of the synthesized template, and binding each Task to its handler. */
let template: CfnTemplate;
beforeAll(() => {
  template = synthesizeBenchmarkTemplate();
}, 120_000);

test('the benchmark state machine is found among the template\'s two, and every Task is bound to its handler', () => {
  const { definition } = extractStateMachine(template, STATE_NAMES.prepare, { region: 'us-east-1' });
  expect(definition.StartAt).toBe('Prepare');
  const bindings = bindTasks(definition, template);
  expect(Object.fromEntries(bindings.map((b) => [b.stateName, b.handler]))).toEqual({
    Prepare: 'prepare',
    ForceColdStart: 'forceColdStart',
    InvokeCold: 'invokeCold',
    InvokeWarm: 'invokeWarm',
    CollectReports: 'collectReports',
    CollectRemainingReports: 'collectReports',
    RecordTargetError: 'recordTargetError',
    Aggregate: 'aggregate',
    RecordFailure: 'recordFailure',
  });
  // The handler is the one the Lambda function really runs, read from the template.
  for (const b of bindings) expect(template.Resources[b.functionLogicalId].Properties?.Handler).toBe(`index.${b.handler}`);
});

test('references resolve to local stand-ins; anything else is refused by name', () => {
  const t: CfnTemplate = { Resources: { Fn: { Type: 'AWS::Lambda::Function' }, Bucket: { Type: 'AWS::S3::Bucket' } } };
  const ctx = { region: 'eu-west-1' };
  expect(resolveIntrinsic({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':x:', { Ref: 'AWS::Region' }]] }, t, ctx)).toBe('arn:aws:x:eu-west-1');
  expect(resolveIntrinsic({ 'Fn::GetAtt': ['Fn', 'Arn'] }, t, ctx)).toBe('arn:aws:lambda:eu-west-1:000000000000:function:Fn');
  expect(() => resolveIntrinsic({ 'Fn::GetAtt': ['Bucket', 'Arn'] }, t, ctx)).toThrow('only Lambda functions can be stood in for locally');
  expect(() => resolveIntrinsic({ 'Fn::GetAtt': ['Nope', 'Arn'] }, t, ctx)).toThrow('not a resource of the template');
  expect(() => resolveIntrinsic({ 'Fn::ImportValue': 'x' }, t, ctx)).toThrow(DefinitionError);
});

test('a Task that is not a lambda:invoke of a template function is refused rather than sent to AWS', () => {
  const t: CfnTemplate = { Resources: { Fn: { Type: 'AWS::Lambda::Function', Properties: { Handler: 'index.prepare' } } } };
  expect(() => bindTasks({ StartAt: 'A', States: { A: { Type: 'Task', Resource: 'arn:aws:states:::sqs:sendMessage', End: true } } }, t)).toThrow('supports arn:aws:states:::lambda:invoke only');
  expect(() =>
    bindTasks({ StartAt: 'A', States: { A: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', Parameters: { FunctionName: 'arn:aws:lambda:us-east-1:123456789012:function:real-one' }, End: true } } }, t),
  ).toThrow('has no FunctionName that refers to a function of the template');
  // Nested Map states are walked too.
  const nested = {
    StartAt: 'M',
    States: {
      M: {
        Type: 'Map',
        ItemProcessor: { StartAt: 'T', States: { T: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', Parameters: { FunctionName: 'arn:aws:lambda:us-east-1:000000000000:function:Fn' }, End: true } } },
        End: true,
      },
    },
  };
  expect(bindTasks(nested, t)).toEqual([{ stateName: 'T', functionLogicalId: 'Fn', handler: 'prepare' }]);
});

test('a template without the state machine is refused', () => {
  expect(() => extractStateMachine({ Resources: {} }, 'Prepare', { region: 'us-east-1' })).toThrow('found 0');
  expect(() => extractStateMachine({} as CfnTemplate, 'Prepare', { region: 'us-east-1' })).toThrow('no Resources');
});
