import { CfnResource, Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * Helpers to acknowledge cdk-nag findings precisely: one rule, one finding, one resource, one reason.
 * cdk-nag v3 names a wildcard-resource finding after the resource as written in the template, with
 * `<LogicalId.Arn>` standing for a GetAtt; these helpers build that name from the construct, so an
 * acknowledgement follows the resource if its logical id changes.
 */

export function logicalIdOf(construct: IConstruct): string {
  const cfn = CfnResource.isCfnResource(construct) ? construct : (construct.node.defaultChild as CfnResource | undefined);
  if (!cfn || !CfnResource.isCfnResource(cfn)) throw new Error(`${construct.node.path} has no CloudFormation resource`);
  return Stack.of(cfn).resolve(cfn.logicalId) as string;
}

/** The DefaultPolicy of a role (what grants write to), where cdk-nag reports IAM5 findings. */
export function defaultPolicyOf(role: IConstruct): IConstruct {
  const policy = role.node.tryFindChild('DefaultPolicy');
  if (!policy) throw new Error(`${role.node.path} has no DefaultPolicy`);
  return policy;
}

/** AwsSolutions-IAM5 for `<resource.Arn><suffix>` (e.g. suffix ':*' for a function's versions, '/runs/*' for objects). */
export function acknowledgeWildcardOnArn(policy: IConstruct, resource: IConstruct, suffix: string, reason: string): void {
  Validations.of(policy).acknowledge({ id: `AwsSolutions-IAM5[Resource::<${logicalIdOf(resource)}.Arn>${suffix}]`, reason });
}

export function acknowledge(scope: IConstruct, id: string, reason: string): void {
  Validations.of(scope).acknowledge({ id, reason });
}
