import { readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { auditTemplate, type RoleAudit } from '../../lib/audit';
import { elfHasInterpreter } from '../../lib/build/apr-build';
import { REFERENCE_PAYLOAD } from '../../lib/benchmark/reference-payload';
import { constructIdOf, settingsHash } from '../../lib/stacks/benchmark-stack';
import { resolveConfig } from '../../lib/benchmark/config';
import { STATE_MACHINE_LOG_DELIVERY_ACTIONS } from '../../lib/constructs/deploy-trigger';
import { FORCE_COLD_START_TIMEOUT_SECONDS, MAX_FUNCTION_UPDATE_TIMEOUT_SECONDS } from '../../lib/handlers/measure';
import { cleanUpSynths, idAtPath, idsOfType, synth, type Synthesized } from './helpers';

/**
 * The stack as `cdk synth` produces it from this checkout (cdk.json context), with the real builds:
 * the Rust binary through local bundling and the handlers through esbuild. Synthesized once for
 * the whole file.
 */
let s: Synthesized;
let t: Template;
let resources: Record<string, any>;
const ref = (id: string) => ({ Ref: id });

beforeAll(() => {
  s = synth({}, { bundle: true });
  t = Template.fromJSON(s.json);
  resources = s.json.Resources;
}, 240_000);
afterAll(cleanUpSynths);

describe('the .apr function', () => {
  test('provided.al2023, handler bootstrap, 128 MB, x86_64, text logs to its own log group', () => {
    const fn = resources[idAtPath(s.json, 'Apr/Function')];
    expect(fn.Properties).toMatchObject({
      Runtime: 'provided.al2023',
      Handler: 'bootstrap',
      MemorySize: 128,
      Architectures: ['x86_64'],
      LoggingConfig: { LogFormat: 'Text', LogGroup: ref(idAtPath(s.json, 'Apr/LogGroup')) },
    });
  });

  test('its code is the static bootstrap built by lib/build, staged by local bundling', () => {
    const fn = resources[idAtPath(s.json, 'Apr/Function')];
    const asset = Object.values(s.manifest.files as Record<string, any>).find((f) =>
      Object.values(f.destinations as Record<string, any>).some((d) => d.objectKey === fn.Properties.Code.S3Key),
    );
    expect(asset.source.packaging).toBe('zip');
    const assetPath: string = asset.source.path;
    const dir = path.join(s.outdir, assetPath);
    expect(readdirSync(dir)).toEqual(['bootstrap']);
    const bootstrap = path.join(dir, 'bootstrap');
    expect(statSync(bootstrap).mode & 0o111).not.toBe(0);
    expect(elfHasInterpreter(readFileSync(bootstrap))).toBe(false);
    // The asset's key is the hash of that output: the deployed code changes when the binary does.
    expect(fn.Properties.Code.S3Key).toBe(`${assetPath.replace(/^asset\./, '')}.zip`);
  });
});

describe('the PyTorch function', () => {
  test('a container image, 512 MB, x86_64, text logs to its own log group', () => {
    const fn = resources[idAtPath(s.json, 'Pytorch/Function')];
    expect(fn.Properties).toMatchObject({
      PackageType: 'Image',
      MemorySize: 512,
      Architectures: ['x86_64'],
      LoggingConfig: { LogFormat: 'Text', LogGroup: ref(idAtPath(s.json, 'Pytorch/LogGroup')) },
    });
    expect(fn.Properties.Runtime).toBeUndefined();
    expect(JSON.stringify(fn.Properties.Code.ImageUri)).toContain('container-assets');
  });

  test('the image is built by cdk deploy from the repository root with baselines/pytorch-wine/Dockerfile, for linux/amd64', () => {
    const images = Object.values(s.manifest.dockerImages) as any[];
    expect(images).toHaveLength(1);
    expect(images[0].source).toMatchObject({ dockerFile: 'baselines/pytorch-wine/Dockerfile', platform: 'linux/amd64' });
    // What synth staged as the build context: the files .dockerignore lets through, nothing heavy.
    const context = path.join(s.outdir, images[0].source.directory);
    const files: string[] = [];
    const walk = (dir: string, rel: string) => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        if (e.isDirectory()) walk(path.join(dir, e.name), `${rel}${e.name}/`);
        else files.push(`${rel}${e.name}`);
      }
    };
    walk(context, '');
    expect(files).toContain('baselines/pytorch-wine/Dockerfile');
    expect(files).toContain('lambda-apr/model/wine.apr');
    expect(files.some((f) => f.startsWith('node_modules/') || f.startsWith('lambda-apr/target/') || f.startsWith('.git/'))).toBe(false);
  });
});

describe('log groups', () => {
  test('every Lambda function writes to a log group of the stack; every state machine logs to one', () => {
    const logGroups = new Set(idsOfType(s.json, 'AWS::Logs::LogGroup'));
    for (const id of idsOfType(s.json, 'AWS::Lambda::Function')) {
      expect([id, logGroups.has(resources[id].Properties.LoggingConfig?.LogGroup?.Ref)]).toEqual([id, true]);
    }
    for (const id of idsOfType(s.json, 'AWS::StepFunctions::StateMachine')) {
      const arn = resources[id].Properties.LoggingConfiguration?.Destinations?.[0]?.CloudWatchLogsLogGroup?.LogGroupArn;
      expect([id, logGroups.has(arn?.['Fn::GetAtt']?.[0])]).toEqual([id, true]);
    }
    expect(auditTemplate(s.json).implicitLogGroups).toEqual([]);
  });

  test('every log group has the configured retention and is deleted with the stack', () => {
    const ids = idsOfType(s.json, 'AWS::Logs::LogGroup');
    expect(ids.length).toBeGreaterThanOrEqual(16);
    for (const id of ids) {
      expect([id, resources[id].Properties.RetentionInDays, resources[id].DeletionPolicy, resources[id].UpdateReplacePolicy]).toEqual([id, 30, 'Delete', 'Delete']);
    }
  });

  test('the task and trigger functions run Node.js 24 from one esbuild bundle', () => {
    const node = idsOfType(s.json, 'AWS::Lambda::Function').filter(
      // index.handler is the node target's, one of the functions under test.
      (id) => resources[id].Properties.Handler?.startsWith('index.') && resources[id].Properties.Handler !== 'index.handler' && !id.startsWith('CustomS3AutoDeleteObjects'),
    );
    const handlers = node.map((id) => resources[id].Properties.Handler).sort();
    expect(handlers).toEqual(
      [
        'index.aggregate',
        'index.collectReports',
        'index.forceColdStart',
        'index.invokeCold',
        'index.invokeWarm',
        'index.prepare',
        'index.recordFailure',
        'index.recordTargetError',
        'index.triggerIsComplete',
        'index.triggerOnEvent',
      ].sort(),
    );
    for (const id of node) expect(resources[id].Properties.Runtime).toBe('nodejs24.x');
    const keys = new Set(node.map((id) => resources[id].Properties.Code.S3Key));
    expect(keys.size).toBe(1);
  });
});

describe('least privilege', () => {
  let roles: RoleAudit[];
  /** The construct ids of every benchmarked function ('Apr', 'Pytorch', 'Numpy', 'NumpyArm64', ...). */
  let benchmarked: string[];
  beforeAll(() => {
    roles = auditTemplate(s.json).roles;
    benchmarked = s.stack.targets.map((d) => constructIdOf(d.planned.key));
  });
  const role = (name: string) => {
    const r = roles.find((x) => x.name === name);
    if (!r) throw new Error(`no role ${name}; roles: ${roles.map((x) => x.name).join(', ')}`);
    return r;
  };
  const allowed = (r: RoleAudit) => r.statements.flatMap((st) => st.actions.map((a) => ({ action: a, resources: st.resources, conditions: st.conditions })));

  test('no role uses a managed policy; the bucket-emptying function writes its own log group and cannot create log groups', () => {
    const withManaged = roles.filter((r) => r.managedPolicies.length > 0).map((r) => r.name);
    expect(withManaged).toEqual([]);
    const autoDelete = role('Custom::S3AutoDeleteObjectsCustomResourceProvider/Role');
    expect(allowed(autoDelete)).toEqual([
      { action: 'logs:CreateLogStream', resources: ['<AutoDeleteObjectsLogGroup ARN>'], conditions: undefined },
      { action: 'logs:PutLogEvents', resources: ['<AutoDeleteObjectsLogGroup ARN>'], conditions: undefined },
    ]);
    for (const r of roles) expect([r.name, allowed(r).some((a) => a.action === 'logs:CreateLogGroup')]).toEqual([r.name, false]);
  });

  test('no action wildcards anywhere in the roles', () => {
    for (const r of roles) for (const a of allowed(r)) expect([r.name, a.action]).not.toEqual([r.name, expect.stringMatching(/\*/)]);
  });

  test('Resource "*" only where the service has no resource-level permissions (X-Ray, log delivery)', () => {
    for (const r of roles) {
      for (const a of allowed(r)) {
        if (a.resources.includes('*')) expect([r.name, a.action]).toEqual([r.name, expect.stringMatching(/^(xray:[A-Za-z]+|logs:(Create|Get|Update|Delete|List)LogDelivery|logs:ListLogDeliveries|logs:PutResourcePolicy|logs:DescribeResourcePolicies|logs:DescribeLogGroups)$/)]);
      }
    }
    expect(roles.filter((r) => allowed(r).some((a) => a.resources.includes('*'))).map((r) => r.name).sort()).toEqual([
      'Benchmark/StateMachine/Role',
      'RunOnDeploy/Provider/waiter-state-machine/Role',
    ]);
  });

  test('the task functions may update, read and invoke only the benchmarked functions', () => {
    const task = roles.filter((r) => r.name.startsWith('Benchmark/TaskFunctions/'));
    expect(task).toHaveLength(8);
    const lambdaActions = task.flatMap((r) => allowed(r).filter((a) => a.action.startsWith('lambda:')).map((a) => ({ ...a, role: r.name })));
    expect(lambdaActions.length).toBeGreaterThan(0);
    expect(benchmarked).toEqual(expect.arrayContaining(['Apr', 'Pytorch', 'Numpy']));
    for (const a of lambdaActions) expect(a.resources.sort()).toEqual(benchmarked.map((id) => `<${id}/Function ARN>`).sort());
    expect(allowed(role('Benchmark/TaskFunctions/ForceColdStart/Role')).map((a) => a.action).filter((a) => a.startsWith('lambda:')).sort()).toEqual([
      'lambda:GetFunctionConfiguration',
      'lambda:UpdateFunctionConfiguration',
    ]);
    for (const name of ['InvokeCold', 'InvokeWarm']) {
      expect(allowed(role(`Benchmark/TaskFunctions/${name}/Role`)).filter((a) => a.action.startsWith('lambda:')).map((a) => a.action)).toEqual(['lambda:InvokeFunction']);
    }
  });

  test('only CollectReports reads logs, and only the benchmarked functions\' log groups', () => {
    const readers = roles.flatMap((r) => allowed(r).filter((a) => a.action === 'logs:FilterLogEvents').map((a) => ({ role: r.name, resources: a.resources })));
    // Both spellings of a log group's ARN (with and without the trailing :*), see the construct.
    expect(readers).toEqual([
      {
        role: 'Benchmark/TaskFunctions/CollectReports/Role',
        resources: [
          ...benchmarked.map((id) => `<${id}/LogGroup ARN>`),
          ...benchmarked.map((id) => `arn:\${AWS::Partition}:logs:\${AWS::Region}:\${AWS::AccountId}:log-group:<${id}/LogGroup>`),
        ],
      },
    ]);
  });

  test('S3: writes and reads only under runs/ of the results bucket; every reader may list the bucket, unconditioned', () => {
    for (const r of roles) {
      const actions = allowed(r).map((a) => a.action);
      // A reader without s3:ListBucket gets 403, not 404, for a missing key (GetObject's documentation).
      if (actions.includes('s3:GetObject')) expect([r.name, actions.includes('s3:ListBucket')]).toEqual([r.name, true]);
      for (const a of allowed(r).filter((x) => x.action.startsWith('s3:'))) {
        if (a.action === 's3:ListBucket') {
          expect(a.resources).toEqual(['<Results/Bucket ARN>']);
          expect(a.conditions).toBeUndefined();
        } else {
          expect([r.name, a.action, a.resources]).toEqual([r.name, expect.stringMatching(/^s3:(PutObject|GetObject)$/), ['<Results/Bucket ARN>/runs/*']]);
        }
      }
    }
  });

  test('each function writes only its own log group', () => {
    for (const r of roles.filter((x) => x.assumedBy.includes('lambda.amazonaws.com') && x.managedPolicies.length === 0)) {
      for (const a of allowed(r).filter((x) => x.action === 'logs:PutLogEvents')) {
        expect(a.resources).toHaveLength(1);
        expect(a.resources[0]).toMatch(/LogGroup ARN>$/);
      }
    }
  });

  test('the trigger may start and describe executions of the benchmark state machine only', () => {
    expect(allowed(role('RunOnDeploy/OnEvent/Role')).filter((a) => a.action.startsWith('states:'))).toEqual([
      { action: 'states:StartExecution', resources: ['<Benchmark/StateMachine>'], conditions: undefined },
    ]);
    const describe = allowed(role('RunOnDeploy/IsComplete/Role')).filter((a) => a.action.startsWith('states:'));
    expect(describe).toHaveLength(1);
    // Execution ARNs: arn:aws:states:<region>:<account>:execution:<state machine name>:<execution name>.
    expect(describe[0].resources).toEqual(['arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:execution:<Benchmark/StateMachine Name>:*']);
    expect(resources[idAtPath(s.json, 'Benchmark/StateMachine')].Properties.StateMachineName).toBe('AprLambdaBench-benchmark');
  });

  test('Prepare may list the executions of the benchmark state machine (one run at a time), nothing else of Step Functions', () => {
    expect(allowed(role('Benchmark/TaskFunctions/Prepare/Role')).filter((a) => a.action.startsWith('states:'))).toEqual([
      { action: 'states:ListExecutions', resources: ['arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:stateMachine:AprLambdaBench-benchmark'], conditions: undefined },
    ]);
  });

  test('the waiter state machine invokes the framework\'s two functions and sets up log delivery; it writes no log stream itself', () => {
    const waiter = allowed(role('RunOnDeploy/Provider/waiter-state-machine/Role'));
    expect(waiter.filter((a) => a.action.startsWith('logs:')).map((a) => a.action).sort()).toEqual([...STATE_MACHINE_LOG_DELIVERY_ACTIONS].sort());
    expect(waiter.filter((a) => !a.action.startsWith('logs:')).map((a) => a.action)).toEqual(['lambda:InvokeFunction']);
  });
});

describe('the results bucket', () => {
  test('encrypted with S3-managed keys, public access blocked, TLS required, access logged, deleted and emptied with the stack', () => {
    const bucketId = idAtPath(s.json, 'Results/Bucket');
    const logsId = idAtPath(s.json, 'Results/AccessLogs');
    const bucket = resources[bucketId];
    expect(bucket.Properties).toMatchObject({
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      LoggingConfiguration: { DestinationBucketName: ref(logsId), LogFilePrefix: 'results-bucket/' },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
    });
    expect(bucket.DeletionPolicy).toBe('Delete');
    for (const id of [bucketId, logsId]) {
      t.hasResourceProperties('AWS::S3::BucketPolicy', {
        Bucket: ref(id),
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      });
      t.hasResourceProperties('Custom::S3AutoDeleteObjects', { BucketName: ref(id) });
    }
  });

  test('the bucket-emptying function logs to a log group of the stack, so nothing is left after destroy', () => {
    const handler = idsOfType(s.json, 'AWS::Lambda::Function').find((id) => id.startsWith('CustomS3AutoDeleteObjectsCustomResourceProviderHandler'))!;
    expect(resources[handler].Properties.LoggingConfig.LogGroup).toEqual(ref(idAtPath(s.json, 'AutoDeleteObjectsLogGroup')));
  });
});

describe('the benchmark state machine', () => {
  let definition: any;
  let states: Record<string, any>;
  beforeAll(() => {
    const sm = resources[idAtPath(s.json, 'Benchmark/StateMachine')];
    const text = (sm.Properties.DefinitionString['Fn::Join'][1] as unknown[])
      .map((p) => (typeof p === 'string' ? p : JSON.stringify(p).replace(/"/g, "'")))
      .join('');
    definition = JSON.parse(text);
    states = {};
    const walk = (st: Record<string, any>) => {
      for (const [name, state] of Object.entries(st)) {
        states[name] = state;
        if (state.ItemProcessor) walk(state.ItemProcessor.States);
        if (state.Iterator) walk(state.Iterator.States);
      }
    };
    walk(definition.States);
  });

  test('standard workflow, JSONPath (not JSONata), logging ALL with execution data, X-Ray tracing', () => {
    const sm = resources[idAtPath(s.json, 'Benchmark/StateMachine')];
    expect(sm.Properties.StateMachineType).toBe('STANDARD');
    expect(sm.Properties.LoggingConfiguration).toMatchObject({ Level: 'ALL', IncludeExecutionData: true });
    expect(sm.Properties.TracingConfiguration).toEqual({ Enabled: true });
    expect(definition.QueryLanguage ?? 'JSONPath').toBe('JSONPath');
    expect(JSON.stringify(definition)).not.toMatch(/JSONata|\{%/);
  });

  test('per function: forced cold starts one at a time (force, then invoke each target\'s coldStartConcurrency at once), then the warm invocations, then the REPORT lines', () => {
    expect(definition.StartAt).toBe('Prepare');
    expect(states.MeasureTargets).toMatchObject({ Type: 'Map', ItemsPath: '$.targets', MaxConcurrency: 1 });
    // One Map item per forced update, stepping by the target's concurrency (Prepare sets it, 1 by default).
    expect(states.PlanColdStarts.Parameters['coldStarts.$']).toBe('States.ArrayRange(1, $.config.coldStarts, $.target.coldStartConcurrency)');
    expect(states.ColdStarts).toMatchObject({ Type: 'Map', ItemsPath: '$.coldStarts', MaxConcurrency: 1 });
    expect(states.ColdStarts.ItemProcessor.StartAt).toBe('ForceColdStart');
    expect(states.ForceColdStart.Next).toBe('InvokeCold');
    expect(states.ColdStarts.Next).toBe('InvokeWarm');
    expect(states.InvokeWarm.Next).toBe('CollectReports');
    expect(states.Aggregate.Next).toBe('Done');
  });

  test('every Task calls a task function through lambda:invoke, with a timeout and retries on throttling and service errors', () => {
    const tasks = Object.entries(states).filter(([, st]) => st.Type === 'Task');
    expect(tasks.map(([n]) => n).sort()).toEqual(
      ['Aggregate', 'CollectRemainingReports', 'CollectReports', 'ForceColdStart', 'InvokeCold', 'InvokeWarm', 'Prepare', 'RecordFailure', 'RecordTargetError'].sort(),
    );
    for (const [name, st] of tasks) {
      expect([name, st.Resource]).toEqual([name, expect.stringMatching(/:states:::lambda:invoke$/)]);
      expect(st.TimeoutSeconds).toBeGreaterThan(30);
      const errors = (st.Retry as any[]).flatMap((r) => r.ErrorEquals);
      expect(errors).toEqual(expect.arrayContaining(['Lambda.TooManyRequestsException', 'Lambda.ServiceException']));
      expect(errors).toEqual(expect.arrayContaining(['TooManyRequestsException', 'ResourceConflictException', 'ServiceException']));
      for (const r of st.Retry) expect(r.BackoffRate).toBeGreaterThan(1);
    }
  });

  test('REPORT collection: ReportsNotYetIngested is retried with back-off for about six minutes, then the rest is recorded as missing', () => {
    const retry = states.CollectReports.Retry.find((r: any) => r.ErrorEquals.includes('ReportsNotYetIngested'));
    expect(retry).toMatchObject({ IntervalSeconds: 5, BackoffRate: 1.5, MaxAttempts: 10, MaxDelaySeconds: 60 });
    let total = 0;
    for (let i = 0; i < retry.MaxAttempts; i++) total += Math.min(retry.MaxDelaySeconds, retry.IntervalSeconds * retry.BackoffRate ** i);
    expect(total).toBeGreaterThan(300);
    expect(states.CollectReports.Catch).toEqual([{ ErrorEquals: ['ReportsNotYetIngested'], Next: 'CollectRemainingReports', ResultPath: null }]);
    expect(states.CollectRemainingReports.Parameters.Payload.final).toBe(true);
    expect(states.CollectReports.Parameters.Payload.final).toBe(false);
  });

  test('a target that fails is recorded and the run goes on; a run that fails writes failure.json and ends failed', () => {
    for (const name of ['ColdStarts', 'InvokeWarm']) {
      expect(states[name].Catch).toEqual([{ ErrorEquals: ['States.ALL'], Next: 'RecordTargetError', ResultPath: '$.error' }]);
    }
    expect(states.RecordTargetError.Next).toBe('CollectReports');
    for (const name of ['Prepare', 'MeasureTargets', 'Aggregate']) {
      expect(states[name].Catch).toEqual([{ ErrorEquals: ['States.ALL'], Next: `${name}Failed`, ResultPath: '$.failure' }]);
      expect(states[`${name}Failed`]).toMatchObject({ Type: 'Pass', Parameters: { failedState: name }, Next: 'RecordFailure' });
    }
    expect(states.RecordFailure.Next).toBe('RunFailed');
    expect(states.RunFailed).toEqual({ Type: 'Fail', ErrorPath: '$.error.Error', CausePath: '$.error.Cause' });
  });

  test('Prepare starts from the cdk.json settings (in its input, from the definition) and the two deployed functions (in its environment)', () => {
    const prepare = resources[idAtPath(s.json, 'Benchmark/TaskFunctions/Prepare/Function')];
    const env = prepare.Properties.Environment.Variables;
    expect(env.BENCH_DEFAULTS).toBeUndefined();
    const targets = JSON.stringify(env.BENCH_TARGETS);
    expect(targets).toContain(idAtPath(s.json, 'Apr/Function'));
    expect(targets).toContain(idAtPath(s.json, 'Pytorch/Function'));
    expect(targets).not.toContain('payload');
    const parameters = states.Prepare.Parameters.Payload;
    expect(JSON.parse(parameters.defaultConfig)).toEqual({ coldStarts: 30, warmInvocations: 100, payload: REFERENCE_PAYLOAD });
    expect(parameters).toMatchObject({ 'stateMachineArn.$': '$$.StateMachine.Id', 'executionArn.$': '$$.Execution.Id' });
  });

  test('both state machines log under /aws/vendedlogs/states/ (no resource policy entry per log group)', () => {
    for (const id of idsOfType(s.json, 'AWS::StepFunctions::StateMachine')) {
      const logGroup = resources[resources[id].Properties.LoggingConfiguration.Destinations[0].CloudWatchLogsLogGroup.LogGroupArn['Fn::GetAtt'][0]];
      expect([id, logGroup.Properties.LogGroupName]).toEqual([id, expect.stringMatching(/^\/aws\/vendedlogs\/states\/AprLambdaBench-/)]);
    }
  });

  test('a forced cold start\'s two waits for a configuration update fit the ForceColdStart function\'s timeout', () => {
    const force = resources[idAtPath(s.json, 'Benchmark/TaskFunctions/ForceColdStart/Function')];
    expect(force.Properties.Timeout).toBe(FORCE_COLD_START_TIMEOUT_SECONDS);
    expect(2 * MAX_FUNCTION_UPDATE_TIMEOUT_SECONDS).toBeLessThan(force.Properties.Timeout);
    expect(MAX_FUNCTION_UPDATE_TIMEOUT_SECONDS).toBeGreaterThanOrEqual(resolveConfig({}).functionUpdateTimeoutSeconds);
  });
});

describe('the deploy-time trigger', () => {
  test('a custom resource whose properties change with either function\'s code or the benchmark settings', () => {
    const [id] = idsOfType(s.json, 'Custom::BenchmarkRun');
    const props = resources[id].Properties;
    expect(props.AprCode).toBe(resources[idAtPath(s.json, 'Apr/Function')].Properties.Code.S3Key);
    expect(props.PytorchImage).toEqual(resources[idAtPath(s.json, 'Pytorch/Function')].Properties.Code.ImageUri);
    // Every benchmarked function's code, by result key.
    for (const d of s.stack.targets) {
      const code = resources[idAtPath(s.json, `${constructIdOf(d.planned.key)}/Function`)].Properties.Code;
      expect([d.planned.key, props.TargetCode[d.planned.key]]).toEqual([d.planned.key, code.S3Key ?? code.ImageUri]);
    }
    expect(props.ConfigHash).toBe(settingsHash(s.config));
  });

  test('the provider framework\'s functions log at INFO (their request and outcome lines), not FATAL', () => {
    const framework = idsOfType(s.json, 'AWS::Lambda::Function').filter((id) => String(resources[id].Properties.Handler).startsWith('framework.'));
    expect(framework).toHaveLength(3);
    for (const id of framework) expect([id, resources[id].Properties.LoggingConfig.ApplicationLogLevel]).toEqual([id, 'INFO']);
  });

  test('the wait is bounded: the handler gives up at deployWaitMinutes, the provider five minutes later', () => {
    const isComplete = resources[idAtPath(s.json, 'RunOnDeploy/IsComplete/Function')];
    expect(isComplete.Properties.Environment.Variables.DEPLOY_WAIT_MS).toBe(String(30 * 60_000));
    const waiter = resources[idAtPath(s.json, 'RunOnDeploy/Provider/waiter-state-machine')];
    const text = JSON.stringify(waiter.Properties.DefinitionString);
    // queryInterval 30 s, totalTimeout 35 min: 70 attempts.
    expect(text).toContain('\\"IntervalSeconds\\":30');
    expect(text).toContain('\\"MaxAttempts\\":70');
  });

  test('stack outputs: where the results are and the headline ratios', () => {
    const outputs = Object.keys(s.json.Outputs).sort();
    expect(outputs).toEqual(
      [
        ...s.stack.targets.map((d) => `${constructIdOf(d.planned.key)}FunctionName`),
        'BenchmarkExecutionArn',
        'BenchmarkStatus',
        'ColdStartInitP50Ratio',
        'MaxMemoryRatio',
        'PackageSizeRatio',
        'Report',
        'ResultsBucketName',
        'ResultsLocation',
        'StateMachineArn',
        'WarmDurationP50Ratio',
      ].sort(),
    );
    const [trigger] = idsOfType(s.json, 'Custom::BenchmarkRun');
    expect(s.json.Outputs.ColdStartInitP50Ratio.Value).toEqual({ 'Fn::GetAtt': [trigger, 'ColdStartInitP50Ratio'] });
    expect(s.json.Outputs.StateMachineArn.Value).toEqual(ref(idAtPath(s.json, 'Benchmark/StateMachine')));
  });
});

describe('variants', () => {
  test('runOnDeploy=false: no trigger, no run outputs; the state machine is still there', () => {
    const v = synth({ runOnDeploy: false });
    expect(idsOfType(v.json, 'Custom::BenchmarkRun')).toEqual([]);
    const functions = v.stack.targets.map((d) => `${constructIdOf(d.planned.key)}FunctionName`);
    expect(functions).toEqual(expect.arrayContaining(['AprFunctionName', 'PytorchFunctionName']));
    expect(Object.keys(v.json.Outputs).sort()).toEqual([...functions, 'ResultsBucketName', 'StateMachineArn'].sort());
    expect(idsOfType(v.json, 'AWS::StepFunctions::StateMachine')).toHaveLength(1);
  });

  test('an existing image by ARN and tag: no image is built, and Prepare may describe images of that repository only', () => {
    const v = synth({ pytorchImage: 'arn:aws:ecr:us-east-1:123456789012:repository/wine-pytorch:v7' });
    expect(v.manifest.dockerImages ?? {}).toEqual({});
    const fn = v.json.Resources[idAtPath(v.json, 'Pytorch/Function')];
    expect(JSON.stringify(fn.Properties.Code.ImageUri)).toContain('123456789012.dkr.ecr.us-east-1.');
    expect(JSON.stringify(fn.Properties.Code.ImageUri)).toContain('/wine-pytorch:v7');
    const prepare = auditTemplate(v.json).roles.find((r) => r.name === 'Benchmark/TaskFunctions/Prepare/Role')!;
    const ecr = prepare.statements.filter((st) => st.actions.some((a) => a.startsWith('ecr:')));
    expect(ecr).toEqual([{ effect: 'Allow', actions: ['ecr:DescribeImages'], resources: ['arn:aws:ecr:us-east-1:123456789012:repository/wine-pytorch'] }]);
    expect(auditTemplate(v.json).outsideTheStack.join('\n')).toContain('runs an existing image');
  });

  test('changing a benchmark setting changes the trigger\'s ConfigHash, and nothing about the code', () => {
    const a = synth({ coldStarts: 5 });
    const b = synth({ coldStarts: 6 });
    const props = (x: Synthesized) => x.json.Resources[idsOfType(x.json, 'Custom::BenchmarkRun')[0]].Properties;
    expect(props(a).ConfigHash).not.toBe(props(b).ConfigHash);
    expect(props(a).PytorchImage).toEqual(props(b).PytorchImage);
  });

  test('logRetentionDays reaches every log group and the access-log expiry', () => {
    const v = synth({ logRetentionDays: 7 });
    for (const id of idsOfType(v.json, 'AWS::Logs::LogGroup')) expect(v.json.Resources[id].Properties.RetentionInDays).toBe(7);
    expect(v.json.Resources[idAtPath(v.json, 'Results/AccessLogs')].Properties.LifecycleConfiguration.Rules[0].ExpirationInDays).toBe(7);
  });

  test('a bad context value stops the synth with the key named', () => {
    expect(() => synth({ coldStarts: 'many' })).toThrow('context key "coldStarts": got "many"; allowed: an integer from 1 to 500');
  });
});

describe('the handler bundle that is deployed', () => {
  test('loads on its own (SDK inside) and its trigger handler starts an execution over the wire', async () => {
    const { startFakeAws, TEST_CREDENTIALS } = await import('./fake-aws');
    const fn = resources[idAtPath(s.json, 'RunOnDeploy/OnEvent/Function')];
    const asset = Object.values(s.manifest.files as Record<string, any>).find((f) =>
      Object.values(f.destinations as Record<string, any>).some((d) => d.objectKey === fn.Properties.Code.S3Key),
    );
    const bundle = path.join(s.outdir, asset.source.path, 'index.js');
    expect(readFileSync(bundle, 'utf8')).toContain('StartExecutionCommand');
    const fake = await startFakeAws((req) =>
      req.operation === 'StartExecution' ? { body: { executionArn: 'arn:aws:states:us-east-1:123456789012:execution:sm:x', startDate: 0 } } : undefined,
    );
    const saved = { ...process.env };
    Object.assign(process.env, {
      AWS_REGION: 'us-east-1',
      AWS_ENDPOINT_URL_SFN: fake.endpoint,
      AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
      STATE_MACHINE_ARN: 'arn:aws:states:us-east-1:123456789012:stateMachine:sm',
      RESULTS_BUCKET: 'results',
      DEPLOY_WAIT_MS: '60000',
    });
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const handlers = require(bundle);
      expect(Object.keys(handlers).sort()).toEqual(
        ['aggregate', 'collectReports', 'forceColdStart', 'invokeCold', 'invokeWarm', 'prepare', 'recordFailure', 'recordTargetError', 'triggerIsComplete', 'triggerOnEvent'].sort(),
      );
      const out = await handlers.triggerOnEvent({ RequestType: 'Create', ResourceProperties: {} });
      expect(out.Data.ExecutionArn).toBe('arn:aws:states:us-east-1:123456789012:execution:sm:x');
      expect(JSON.parse(fake.requests[0].body).stateMachineArn).toBe('arn:aws:states:us-east-1:123456789012:stateMachine:sm');
    } finally {
      for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
      Object.assign(process.env, saved);
      await fake.close();
    }
  });
});
