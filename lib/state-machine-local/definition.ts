/**
 * Reading the benchmark state machine out of a synthesized CloudFormation template, so that the local
 * run executes exactly what `cdk deploy` would create, not a copy of it.
 *
 * CDK writes the definition as DefinitionString: {"Fn::Join": ["", [text, {"Fn::GetAtt": [fn, "Arn"]},
 * text, {"Ref": "AWS::Partition"}, ...]]}. The references are replaced by local stand-ins: a Task
 * function's ARN becomes arn:aws:lambda:<region>:<account>:function:<logical id>, which is how the
 * runner later recognises which handler a Task calls.
 */

export interface CfnTemplate {
  Resources: Record<string, { Type: string; Properties?: Record<string, unknown>; Metadata?: Record<string, unknown> }>;
}

export interface AslState {
  Type: string;
  Resource?: string;
  Parameters?: Record<string, unknown>;
  States?: Record<string, AslState>;
  Iterator?: { StartAt: string; States: Record<string, AslState> };
  ItemProcessor?: { StartAt: string; States: Record<string, AslState> };
  Branches?: { StartAt: string; States: Record<string, AslState> }[];
  [key: string]: unknown;
}

export interface AslDefinition {
  StartAt: string;
  States: Record<string, AslState>;
  Comment?: string;
  TimeoutSeconds?: number;
  QueryLanguage?: string;
  [key: string]: unknown;
}

export class DefinitionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DefinitionError';
  }
}

export const LOCAL_ACCOUNT = '000000000000';

export interface ResolveContext {
  region: string;
  accountId?: string;
}

/** The stand-in ARN of a template's Lambda function. */
export function localFunctionArn(logicalId: string, ctx: ResolveContext): string {
  return `arn:aws:lambda:${ctx.region}:${ctx.accountId ?? LOCAL_ACCOUNT}:function:${logicalId}`;
}

const PSEUDO: Record<string, (ctx: ResolveContext) => string> = {
  'AWS::Partition': () => 'aws',
  'AWS::Region': (ctx) => ctx.region,
  'AWS::AccountId': (ctx) => ctx.accountId ?? LOCAL_ACCOUNT,
  'AWS::URLSuffix': () => 'amazonaws.com',
};

/** Resolves the intrinsic functions CDK uses in a definition string; anything else is refused by name. */
export function resolveIntrinsic(value: unknown, template: CfnTemplate, ctx: ResolveContext): string {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const [fn, args] = Object.entries(value as Record<string, unknown>)[0] ?? [];
    if (fn === 'Fn::Join' && Array.isArray(args) && typeof args[0] === 'string' && Array.isArray(args[1])) {
      return (args[1] as unknown[]).map((part) => resolveIntrinsic(part, template, ctx)).join(args[0]);
    }
    if (fn === 'Ref' && typeof args === 'string') {
      if (PSEUDO[args]) return PSEUDO[args](ctx);
      if (template.Resources[args]) return args;
      throw new DefinitionError(`the definition refers to ${args}, which is not a resource of the template`);
    }
    if (fn === 'Fn::GetAtt' && Array.isArray(args) && args.length === 2 && args[1] === 'Arn') {
      const resource = template.Resources[args[0] as string];
      if (!resource) throw new DefinitionError(`the definition refers to ${String(args[0])}.Arn, which is not a resource of the template`);
      if (resource.Type !== 'AWS::Lambda::Function') {
        throw new DefinitionError(`the definition refers to the ARN of ${String(args[0])} (${resource.Type}); only Lambda functions can be stood in for locally`);
      }
      return localFunctionArn(args[0] as string, ctx);
    }
    throw new DefinitionError(`cannot resolve ${JSON.stringify(value).slice(0, 200)} locally`);
  }
  throw new DefinitionError(`unexpected value in a definition string: ${JSON.stringify(value)}`);
}

export interface ExtractedStateMachine {
  logicalId: string;
  definition: AslDefinition;
}

/**
 * The state machine of the template whose definition starts at `startAt` (the template also holds
 * CDK's provider framework waiter, which is not ours to run).
 */
export function extractStateMachine(template: CfnTemplate, startAt: string, ctx: ResolveContext): ExtractedStateMachine {
  if (!template || typeof template !== 'object' || !template.Resources) {
    throw new DefinitionError('not a CloudFormation template: no Resources');
  }
  const found: ExtractedStateMachine[] = [];
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    if (resource.Type !== 'AWS::StepFunctions::StateMachine') continue;
    const props = resource.Properties ?? {};
    if (props.DefinitionString === undefined) continue;
    const text = resolveIntrinsic(props.DefinitionString, template, ctx);
    let definition: AslDefinition;
    try {
      definition = JSON.parse(text) as AslDefinition;
    } catch (err) {
      throw new DefinitionError(`the definition of ${logicalId} is not JSON once resolved: ${(err as Error).message}`);
    }
    if (definition.StartAt === startAt) found.push({ logicalId, definition });
  }
  if (found.length !== 1) {
    throw new DefinitionError(`expected one state machine starting at ${startAt} in the template, found ${found.length}`);
  }
  return found[0];
}

export interface TaskBinding {
  stateName: string;
  /** Logical id of the Task's Lambda function in the template. */
  functionLogicalId: string;
  /** The function's handler export (the part after "index."). */
  handler: string;
}

const LAMBDA_INVOKE = /^arn:aws:states:::lambda:invoke$/;
const LOCAL_ARN = /^arn:aws:lambda:[^:]+:\d{12}:function:([A-Za-z0-9]+)$/;

/** Every Task state, at any depth, with the handler it calls. A Task that cannot be bound is an error, never a call to AWS. */
export function bindTasks(definition: AslDefinition, template: CfnTemplate): TaskBinding[] {
  const bindings: TaskBinding[] = [];
  const walk = (states: Record<string, AslState>) => {
    for (const [name, state] of Object.entries(states)) {
      if (state.Type === 'Task') {
        if (!state.Resource || !LAMBDA_INVOKE.test(state.Resource)) {
          throw new DefinitionError(`Task ${name} uses ${state.Resource}; the local runner supports arn:aws:states:::lambda:invoke only`);
        }
        const arn = state.Parameters?.FunctionName;
        const m = typeof arn === 'string' ? LOCAL_ARN.exec(arn) : null;
        if (!m) throw new DefinitionError(`Task ${name} has no FunctionName that refers to a function of the template`);
        const fn = template.Resources[m[1]];
        const handler = fn?.Properties?.Handler;
        if (typeof handler !== 'string' || !handler.startsWith('index.')) {
          throw new DefinitionError(`Task ${name} calls ${m[1]}, whose handler ${JSON.stringify(handler)} is not one of the benchmark's handlers`);
        }
        bindings.push({ stateName: name, functionLogicalId: m[1], handler: handler.slice('index.'.length) });
      }
      if (state.Iterator) walk(state.Iterator.States);
      if (state.ItemProcessor) walk(state.ItemProcessor.States);
      for (const branch of state.Branches ?? []) walk(branch.States);
    }
  };
  walk(definition.States);
  return bindings;
}
