/**
 * Reading a synthesized CloudFormation template for people: resource names from CDK's construct
 * paths, intrinsic functions rendered as readable references.
 */

export interface TemplateResource {
  Type: string;
  Properties?: Record<string, any>;
  Metadata?: Record<string, any>;
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
  DependsOn?: string | string[];
}

export interface Template {
  Resources: Record<string, TemplateResource>;
  Outputs?: Record<string, { Value: unknown; Description?: string }>;
}

export class TemplateView {
  constructor(readonly template: Template) {
    if (!template || typeof template !== 'object' || !template.Resources) {
      throw new Error('not a CloudFormation template: it has no Resources');
    }
  }

  get resources(): [string, TemplateResource][] {
    return Object.entries(this.template.Resources);
  }

  ofType(type: string): [string, TemplateResource][] {
    return this.resources.filter(([, r]) => r.Type === type);
  }

  resource(id: string): TemplateResource | undefined {
    return this.template.Resources[id];
  }

  /** The construct path without the stack and the trailing /Resource, or the logical id. */
  name(id: string): string {
    const path = this.template.Resources[id]?.Metadata?.['aws:cdk:path'];
    if (typeof path !== 'string') return id;
    return path.split('/').slice(1).filter((p, i, all) => !(i === all.length - 1 && p === 'Resource')).join('/') || id;
  }

  /** Logical id a value refers to by Ref or GetAtt, if any. */
  referenced(value: unknown): string | undefined {
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      const v = value as Record<string, unknown>;
      if (typeof v.Ref === 'string' && this.template.Resources[v.Ref]) return v.Ref;
      const att = v['Fn::GetAtt'];
      if (Array.isArray(att) && typeof att[0] === 'string' && this.template.Resources[att[0]]) return att[0];
    }
    return undefined;
  }

  /** A value as text: `<Apr/Function ARN>`, `${AWS::Region}`, joins concatenated. */
  render(value: unknown): string {
    if (value === null || value === undefined) return String(value);
    if (typeof value !== 'object') return String(value);
    if (Array.isArray(value)) return value.map((v) => this.render(v)).join(', ');
    const v = value as Record<string, unknown>;
    if (typeof v.Ref === 'string') {
      if (v.Ref.startsWith('AWS::')) return `\${${v.Ref}}`;
      return this.template.Resources[v.Ref] ? `<${this.name(v.Ref)}>` : `<parameter ${v.Ref}>`;
    }
    const att = v['Fn::GetAtt'];
    if (Array.isArray(att)) {
      const [id, attribute] = att as [string, string];
      return this.template.Resources[id] ? `<${this.name(id)} ${attribute === 'Arn' ? 'ARN' : attribute}>` : `<${id}.${attribute}>`;
    }
    const join = v['Fn::Join'];
    if (Array.isArray(join) && Array.isArray(join[1])) return (join[1] as unknown[]).map((p) => this.render(p)).join(String(join[0]));
    const sub = v['Fn::Sub'];
    if (typeof sub === 'string') return sub;
    if (Array.isArray(sub) && typeof sub[0] === 'string') return sub[0];
    return JSON.stringify(value);
  }

  /** What a resource's Tags say, as a map. */
  tags(id: string): Record<string, string> {
    const out: Record<string, string> = {};
    for (const t of (this.template.Resources[id]?.Properties?.Tags ?? []) as { Key: string; Value: unknown }[]) out[t.Key] = String(t.Value);
    return out;
  }
}

export function asArray<T>(value: T | T[] | undefined): T[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}
