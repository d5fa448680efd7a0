import type { AwsCall } from '../handlers/aws-call';
import { HANDLER_AWS_CALLS } from '../handlers/all-aws-calls';
import { TemplateView } from './template';
import { TemplateValues } from './template-values';

/**
 * Every AWS request the stack's principals make, read from a synthesized template: the handlers'
 * own calls (declared next to their code, lib/handlers/aws-call.ts), the CDK provider framework's
 * calls, what Lambda does with a function's role (its log stream), and what a state machine's role
 * is used for (invoking its Task functions, log delivery, X-Ray). Placeholders are filled with the
 * template's values (template-values.ts).
 */

export interface ConcreteCall {
  /** Logical id of the role whose policies decide. */
  roleId: string;
  /** Who uses the role: "<construct path> (<handler>)". */
  principal: string;
  call: string;
  action: string;
  resource: string;
  context: Record<string, string | string[]>;
  /** Logical id of a resource policy that also decides (a bucket policy), where the grant is there. */
  resourcePolicyId?: string;
}

/**
 * The CDK's bucket-emptying function (Custom::S3AutoDeleteObjects, aws-cdk-lib's
 * aws-s3/auto-delete-objects-handler): its S3 permissions are granted by the bucket's policy.
 */
const AUTO_DELETE_CALLS: { call: string; action: string; on: 'bucket' | 'object' }[] = [
  { call: 'GetBucketTagging', action: 's3:GetBucketTagging', on: 'bucket' },
  { call: 'GetBucketPolicy', action: 's3:GetBucketPolicy', on: 'bucket' },
  { call: 'PutBucketPolicy (refuses new objects while it empties)', action: 's3:PutBucketPolicy', on: 'bucket' },
  { call: 'ListObjectVersions', action: 's3:ListBucketVersions', on: 'bucket' },
  { call: 'DeleteObjects', action: 's3:DeleteObject', on: 'object' },
  { call: 'DeleteObjects (versions)', action: 's3:DeleteObjectVersion', on: 'object' },
];

/** A run and an execution name, as the benchmark's executions are named. */
export const PLACEHOLDER_RUN = 'deploy-20240601-120000-abcdef';

/** Log delivery of a state machine: set up and changed with its role (deploy-trigger.ts cites the sources). */
const LOG_DELIVERY = [
  'logs:CreateLogDelivery',
  'logs:GetLogDelivery',
  'logs:UpdateLogDelivery',
  'logs:DeleteLogDelivery',
  'logs:ListLogDeliveries',
  'logs:PutResourcePolicy',
  'logs:DescribeResourcePolicies',
  'logs:DescribeLogGroups',
];
/** What Step Functions' X-Ray tracing needs (Step Functions developer guide, AWS X-Ray and Step Functions). */
const XRAY = ['xray:PutTraceSegments', 'xray:PutTelemetryRecords', 'xray:GetSamplingRules', 'xray:GetSamplingTargets'];

/**
 * The CDK provider framework's own functions (aws-cdk-lib/custom-resources, runtime/framework.js):
 * onEvent invokes the user's onEvent function and starts the waiter state machine; isComplete
 * invokes the user's isComplete function; onTimeout calls nothing.
 */
const FRAMEWORK_CALLS: Record<string, { call: string; action: string; envArn: string }[]> = {
  'framework.onEvent': [
    { call: 'lambda Invoke (the user\'s onEvent handler)', action: 'lambda:InvokeFunction', envArn: 'USER_ON_EVENT_FUNCTION_ARN' },
    { call: 'states StartExecution (the waiter)', action: 'states:StartExecution', envArn: 'WAITER_STATE_MACHINE_ARN' },
  ],
  'framework.isComplete': [{ call: 'lambda Invoke (the user\'s isComplete handler)', action: 'lambda:InvokeFunction', envArn: 'USER_IS_COMPLETE_FUNCTION_ARN' }],
  'framework.onTimeout': [],
};

interface Target {
  key: string;
  functionName: string;
  logGroupName: string;
  repository?: string;
}

function roleIdOf(view: TemplateView, value: unknown, owner: string): string {
  const id = view.referenced(value);
  if (!id) throw new Error(`${owner}: its role is not a role of the template (${JSON.stringify(value)})`);
  return id;
}

/** The targets as Prepare's BENCH_TARGETS names them, completed with each image function's repository. */
function targetsOf(view: TemplateView, values: TemplateValues): Target[] {
  for (const [, fn] of view.ofType('AWS::Lambda::Function')) {
    const raw = fn.Properties?.Environment?.Variables?.BENCH_TARGETS;
    if (raw === undefined) continue;
    const specs = JSON.parse(values.text(raw, 'BENCH_TARGETS')) as { key: string; functionName: string; logGroupName: string }[];
    return specs.map((spec) => {
      const target: Target = { key: spec.key, functionName: spec.functionName, logGroupName: spec.logGroupName };
      const resource = view.ofType('AWS::Lambda::Function').find(([id]) => values.physicalName(id) === spec.functionName)?.[1];
      const image = resource?.Properties?.Code?.ImageUri;
      if (image !== undefined) {
        // <account>.dkr.ecr.<region>.<suffix>/<repository>:<tag> or @<digest>
        const m = /^[^/]+\/([^:@]+)[:@]/.exec(values.text(image, 'ImageUri'));
        if (m) target.repository = m[1];
      }
      return target;
    });
  }
  return [];
}

/** Names of the Lambda functions a state machine definition invokes, as ARNs. */
function invokedFunctionArns(definition: unknown): string[] {
  const out = new Set<string>();
  const walk = (states: Record<string, any>) => {
    for (const state of Object.values(states ?? {})) {
      if (state.Type === 'Task') {
        const resource = String(state.Resource ?? '');
        if (/^arn:[^:]+:lambda:/.test(resource)) out.add(resource);
        else if (/^arn:[^:]+:states:::lambda:invoke/.test(resource)) {
          const name = state.Parameters?.FunctionName ?? state.Arguments?.FunctionName;
          if (typeof name === 'string') out.add(name);
        }
      }
      if (state.ItemProcessor?.States) walk(state.ItemProcessor.States);
      if (state.Iterator?.States) walk(state.Iterator.States);
      for (const branch of state.Branches ?? []) walk(branch.States);
    }
  };
  walk((definition as { States?: Record<string, any> })?.States ?? {});
  return [...out];
}

function definitionOf(values: TemplateValues, sm: { Properties?: Record<string, any> }): unknown {
  const p = sm.Properties ?? {};
  if (p.Definition !== undefined) return values.resolve(p.Definition);
  return JSON.parse(values.text(p.DefinitionString, 'DefinitionString'));
}

function fill(call: AwsCall, vars: Record<string, string>, target?: Target): { resource: string; context: Record<string, string | string[]> } {
  const all: Record<string, string> = { ...vars };
  if (target) {
    all['target.key'] = target.key;
    all['target.functionName'] = target.functionName;
    all['target.logGroupName'] = target.logGroupName;
    if (target.repository) all['target.repository'] = target.repository;
  }
  const sub = (text: string) =>
    text.replace(/\{([a-zA-Z.]+)\}/g, (_m, name: string) => {
      if (!(name in all)) throw new Error(`${call.call} (${call.action}): no value for {${name}} in the template`);
      return all[name];
    });
  const context: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(call.context ?? {})) context[k] = Array.isArray(v) ? v.map(sub) : sub(v);
  return { resource: sub(call.resource), context };
}

export function callsOfTemplate(template: object, handlerCalls: { readonly [handler: string]: readonly AwsCall[] } = HANDLER_AWS_CALLS): ConcreteCall[] {
  const view = new TemplateView(template as never);
  const values = new TemplateValues(template as never);
  const { partition, region, account } = values.env;
  const targets = targetsOf(view, values);
  const calls: ConcreteCall[] = [];
  const stateMachines = view.ofType('AWS::StepFunctions::StateMachine').map(([id, sm]) => ({ id, sm, invokes: invokedFunctionArns(definitionOf(values, sm)) }));

  for (const [id, fn] of view.ofType('AWS::Lambda::Function')) {
    const p = fn.Properties ?? {};
    const roleId = roleIdOf(view, p.Role, view.name(id));
    const handler = String(p.Handler ?? '');
    const principal = `${view.name(id)} (${handler || p.PackageType || 'function'})`;
    const env = (p.Environment?.Variables ?? {}) as Record<string, unknown>;
    const push = (call: string, action: string, resource: string, context: Record<string, string | string[]> = {}) =>
      calls.push({ roleId, principal, call, action, resource, context });

    // Lambda writes the function's log stream with the function's role.
    const logGroup = p.LoggingConfig?.LogGroup !== undefined ? values.text(p.LoggingConfig.LogGroup, 'LogGroup') : `/aws/lambda/${values.physicalName(id)}`;
    if (p.LoggingConfig?.LogGroup === undefined) push('Lambda: its default log group', 'logs:CreateLogGroup', `arn:${partition}:logs:${region}:${account}:log-group:${logGroup}`);
    const stream = `arn:${partition}:logs:${region}:${account}:log-group:${logGroup}:log-stream:2024/06/01/[$LATEST]0123456789abcdef`;
    push('Lambda: the function\'s log stream', 'logs:CreateLogStream', stream);
    push('Lambda: the function\'s log events', 'logs:PutLogEvents', stream);

    for (const f of FRAMEWORK_CALLS[handler] ?? []) {
      if (env[f.envArn] === undefined) continue;
      push(`provider framework: ${f.call}`, f.action, values.text(env[f.envArn], f.envArn));
    }

    for (const [, cr] of view.ofType('Custom::S3AutoDeleteObjects')) {
      if (view.referenced(cr.Properties?.ServiceToken) !== id) continue;
      const bucketId = view.referenced(cr.Properties?.BucketName);
      if (!bucketId) continue;
      const bucketArn = values.getAtt(bucketId, 'Arn');
      const policyId = view.ofType('AWS::S3::BucketPolicy').find(([, bp]) => view.referenced(bp.Properties?.Bucket) === bucketId)?.[0];
      for (const c of AUTO_DELETE_CALLS) {
        calls.push({
          roleId,
          principal,
          call: `emptying ${view.name(bucketId)}: ${c.call}`,
          action: c.action,
          resource: c.on === 'bucket' ? bucketArn : `${bucketArn}/runs/${PLACEHOLDER_RUN}/report.md`,
          context: {},
          ...(policyId ? { resourcePolicyId: policyId } : {}),
        });
      }
    }

    const exported = handler.startsWith('index.') ? handler.slice('index.'.length) : undefined;
    const declared = exported !== undefined ? handlerCalls[exported] : undefined;
    if (!declared) continue;
    const arn = values.getAtt(id, 'Arn');
    const invoking = stateMachines.find((s) => s.invokes.includes(arn));
    const stateMachineArn = env.STATE_MACHINE_ARN !== undefined ? values.text(env.STATE_MACHINE_ARN, 'STATE_MACHINE_ARN') : invoking ? values.ref(invoking.id) : undefined;
    const vars: Record<string, string> = { partition, region, account, run: PLACEHOLDER_RUN, execution: PLACEHOLDER_RUN };
    if (env.RESULTS_BUCKET !== undefined) vars.bucket = values.text(env.RESULTS_BUCKET, 'RESULTS_BUCKET');
    if (stateMachineArn) vars.stateMachineName = stateMachineArn.split(':').pop()!;
    for (const call of declared) {
      const perTarget = /\{target\./.test(call.resource) || Object.values(call.context ?? {}).some((v) => /\{target\./.test(String(v)));
      const which = perTarget ? targets.filter((t) => !call.imageTargetsOnly || t.repository) : [undefined];
      if (perTarget && which.length === 0 && !call.imageTargetsOnly) throw new Error(`${principal}: ${call.call} names a target, and the template has no BENCH_TARGETS`);
      for (const target of which) {
        const { resource, context } = fill(call, vars, target);
        push(call.call, call.action, resource, context);
      }
    }
  }

  for (const { id, sm, invokes } of stateMachines) {
    const p = sm.Properties ?? {};
    const roleId = roleIdOf(view, p.RoleArn, view.name(id));
    const principal = `${view.name(id)} (state machine)`;
    for (const fnArn of invokes) calls.push({ roleId, principal, call: 'Task state: invoke', action: 'lambda:InvokeFunction', resource: fnArn, context: {} });
    if (p.LoggingConfiguration?.Destinations?.length) {
      for (const action of LOG_DELIVERY) calls.push({ roleId, principal, call: 'log delivery to CloudWatch Logs', action, resource: '*', context: {} });
    }
    if (p.TracingConfiguration?.Enabled) {
      for (const action of XRAY) calls.push({ roleId, principal, call: 'X-Ray tracing', action, resource: '*', context: {} });
    }
  }
  return calls;
}
