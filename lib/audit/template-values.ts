/**
 * The values a synthesized template stands for, with placeholders where CloudFormation would pick
 * them: Ref, Fn::GetAtt, Fn::Join, Fn::Sub, Fn::Select and Fn::Split resolved to the strings AWS
 * would see, in a made-up account and region, so that IAM policies and the requests they govern can
 * be compared as text. Generated names follow CloudFormation's pattern <stack>-<logical id>-<suffix>
 * closely enough to be unique; names the template sets are kept.
 */

export interface PlaceholderEnvironment {
  partition: string;
  region: string;
  account: string;
  urlSuffix: string;
  stackName: string;
}

export const PLACEHOLDER_ENVIRONMENT: PlaceholderEnvironment = {
  partition: 'aws',
  region: 'us-east-1',
  account: '123456789012',
  urlSuffix: 'amazonaws.com',
  stackName: 'Stack',
};

interface Resource {
  Type: string;
  Properties?: Record<string, any>;
}

/** The property that holds a type's name when the template sets it. */
const NAME_PROPERTY: Record<string, string> = {
  'AWS::Lambda::Function': 'FunctionName',
  'AWS::Logs::LogGroup': 'LogGroupName',
  'AWS::S3::Bucket': 'BucketName',
  'AWS::StepFunctions::StateMachine': 'StateMachineName',
  'AWS::IAM::Role': 'RoleName',
};

export class UnresolvableError extends Error {
  constructor(what: string) {
    super(`cannot resolve ${what}`);
    this.name = 'UnresolvableError';
  }
}

export class TemplateValues {
  readonly env: PlaceholderEnvironment;

  constructor(
    readonly template: { Resources: Record<string, Resource> },
    env: Partial<PlaceholderEnvironment> = {},
  ) {
    this.env = { ...PLACEHOLDER_ENVIRONMENT, ...env };
  }

  resource(id: string): Resource {
    const r = this.template.Resources[id];
    if (!r) throw new UnresolvableError(`a reference to ${id}, which is not a resource of the template`);
    return r;
  }

  /** The physical name of a resource: the one the template gives, or a generated one. */
  physicalName(id: string): string {
    const r = this.resource(id);
    const property = NAME_PROPERTY[r.Type];
    const given = property ? r.Properties?.[property] : undefined;
    if (given !== undefined) return String(this.resolve(given));
    const generated = `${this.env.stackName}-${id}-PLACEHOLDER`;
    if (r.Type === 'AWS::S3::Bucket') return generated.toLowerCase().slice(0, 63);
    if (r.Type === 'AWS::Lambda::Function') return generated.slice(0, 64);
    return generated;
  }

  private arn(service: string, resource: string, regional = true): string {
    const { partition, region, account } = this.env;
    return `arn:${partition}:${service}:${regional ? region : ''}:${service === 's3' ? '' : account}:${resource}`;
  }

  ref(id: string): string {
    const pseudo: Record<string, string> = {
      'AWS::Partition': this.env.partition,
      'AWS::Region': this.env.region,
      'AWS::AccountId': this.env.account,
      'AWS::URLSuffix': this.env.urlSuffix,
      'AWS::StackName': this.env.stackName,
      'AWS::StackId': `${this.arn('cloudformation', `stack/${this.env.stackName}/00000000-0000-0000-0000-000000000000`)}`,
    };
    if (id in pseudo) return pseudo[id];
    const r = this.resource(id);
    if (r.Type === 'AWS::StepFunctions::StateMachine') return this.arn('states', `stateMachine:${this.physicalName(id)}`);
    return this.physicalName(id);
  }

  getAtt(id: string, attribute: string): string {
    const r = this.resource(id);
    const name = this.physicalName(id);
    switch (`${r.Type}.${attribute}`) {
      case 'AWS::Lambda::Function.Arn':
        return this.arn('lambda', `function:${name}`);
      case 'AWS::Logs::LogGroup.Arn':
        // CloudFormation's Arn of a log group ends with ":*" (CloudWatch Logs API reference, LogGroup.arn).
        return this.arn('logs', `log-group:${name}:*`);
      case 'AWS::S3::Bucket.Arn':
        return `arn:${this.env.partition}:s3:::${name}`;
      case 'AWS::StepFunctions::StateMachine.Arn':
        return this.ref(id);
      case 'AWS::StepFunctions::StateMachine.Name':
        return name;
      case 'AWS::IAM::Role.Arn':
        return `arn:${this.env.partition}:iam::${this.env.account}:role/${name}`;
      default:
        throw new UnresolvableError(`Fn::GetAtt ${id}.${attribute} (${r.Type})`);
    }
  }

  /** A template value with every intrinsic function replaced by the string it stands for. */
  resolve(value: unknown): unknown {
    if (value === null || typeof value !== 'object') return value;
    if (Array.isArray(value)) return value.map((v) => this.resolve(v));
    const v = value as Record<string, unknown>;
    const keys = Object.keys(v);
    if (keys.length === 1) {
      const [fn] = keys;
      const arg = v[fn];
      switch (fn) {
        case 'Ref':
          return this.ref(String(arg));
        case 'Fn::GetAtt': {
          const [id, attribute] = Array.isArray(arg) ? arg : String(arg).split('.');
          return this.getAtt(String(id), String(attribute));
        }
        case 'Fn::Join': {
          const [sep, parts] = arg as [string, unknown[]];
          return (this.resolve(parts) as unknown[]).map(String).join(sep);
        }
        case 'Fn::Select': {
          const [index, list] = arg as [unknown, unknown];
          return (this.resolve(list) as unknown[])[Number(this.resolve(index))];
        }
        case 'Fn::Split': {
          const [sep, text] = arg as [string, unknown];
          return String(this.resolve(text)).split(sep);
        }
        case 'Fn::Sub': {
          const [text, vars] = Array.isArray(arg) ? (arg as [string, Record<string, unknown>]) : [String(arg), {}];
          return text.replace(/\$\{([^}!][^}]*)\}/g, (_m, name: string) => {
            if (vars && name in vars) return String(this.resolve(vars[name]));
            const dot = name.indexOf('.');
            return dot > 0 && !name.startsWith('AWS::') ? this.getAtt(name.slice(0, dot), name.slice(dot + 1)) : this.ref(name);
          });
        }
        default:
          if (fn.startsWith('Fn::')) throw new UnresolvableError(fn);
      }
    }
    return Object.fromEntries(keys.map((k) => [k, this.resolve(v[k])]));
  }

  /** resolve() for a value that must come out as a string. */
  text(value: unknown, what: string): string {
    const out = this.resolve(value);
    if (typeof out !== 'string') throw new UnresolvableError(`${what}: it is not a string`);
    return out;
  }
}
