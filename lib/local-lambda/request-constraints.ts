/**
 * What Lambda checks of a request before it looks anything up: each member against the constraints of
 * Lambda's service model, every violation listed in one message, as AWS's request validation words it.
 *
 * Source of the constraints: botocore 1.44.18, botocore/data/lambda/2015-03-31/service-2.json:
 *   - Invoke, GetFunction, GetFunctionConfiguration: FunctionName is a NamespacedFunctionName, 1-256
 *     characters, the pattern NAMESPACED_FUNCTION_NAME below (names may contain ".");
 *   - UpdateFunctionConfiguration: FunctionName is a FunctionName, 1-140 characters, no ".";
 *   - Qualifier (query string): NumericLatestPublishedOrAliasQualifier, 1-128 characters;
 *   - X-Amz-Invocation-Type: enum [Event, RequestResponse, DryRun]; X-Amz-Log-Type: enum [None, Tail].
 * A name alone is at most 64 characters (the API reference: "The length constraint applies only to the
 * full ARN. If you specify only the function name, it is limited to 64 characters in length"); no
 * function can have a longer one, so such a name that fits the model is simply not found (404).
 *
 * How Lambda answers a violation: 400, `x-amzn-ErrorType: ValidationException`, body {"message": "1
 * validation error detected: Value '<value>' at 'functionName' failed to satisfy constraint: Member must
 * satisfy regular expression pattern: <pattern>"} (clients' reports of real responses, e.g.
 * awslabs/aws-gov-cloud-import#21 "Status Code: 400; Error Code: ValidationException" for Invoke's
 * functionName; aarondfrancis/sidecar#147 shows the raw body, {"message":"1 validation error detected:
 * ..."}; LocalStack, whose Lambda tests are recorded against AWS, raises ValidationException for every
 * operation but CreateFunction). ValidationException is not in the service model: the AWS SDK raises its
 * generic LambdaServiceException named ValidationException. The patterns are matched whole (AWS refused
 * 'Not Installed', whose "Not" alone would match).
 *
 * One deliberate difference: a value longer than SHOWN_VALUE_CHARS is echoed cut short, with its length,
 * so that a 5,000-character name does not come back whole in the message.
 */
import { LambdaApiError } from './aws-errors';

export interface StringConstraint {
  /** The member's name as Lambda's messages spell it. */
  member: string;
  max: number;
  /** The model's pattern, verbatim: it is quoted in the message. */
  pattern: string;
}

const NAME_PREFIX = '(arn:(aws[a-zA-Z-]*)?:lambda:)?((eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?';

/** Invoke's, GetFunction's and GetFunctionConfiguration's FunctionName (NamespacedFunctionName). */
export const NAMESPACED_FUNCTION_NAME: StringConstraint = {
  member: 'functionName',
  max: 256,
  pattern: `${NAME_PREFIX}([a-zA-Z0-9-_\\.]+)(:(\\$LATEST(\\.PUBLISHED)?|[a-zA-Z0-9-_]+))?`,
};

/** UpdateFunctionConfiguration's FunctionName. */
export const FUNCTION_NAME: StringConstraint = {
  member: 'functionName',
  max: 140,
  pattern: `${NAME_PREFIX}([a-zA-Z0-9-_]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?`,
};

/** The Qualifier query parameter (NumericLatestPublishedOrAliasQualifier). */
export const QUALIFIER: StringConstraint = {
  member: 'qualifier',
  max: 128,
  pattern: '\\$(LATEST(\\.PUBLISHED)?)|[a-zA-Z0-9-_$]+',
};

export const INVOCATION_TYPES = ['Event', 'RequestResponse', 'DryRun'] as const;
export const LOG_TYPES = ['None', 'Tail'] as const;

/** Values longer than this are echoed cut short in a validation message. */
export const SHOWN_VALUE_CHARS = 256;

function shown(value: string): string {
  return value.length <= SHOWN_VALUE_CHARS ? value : `${value.slice(0, 64)}...(${value.length} characters)`;
}

function violation(value: string, member: string, constraint: string): string {
  return `Value '${shown(value)}' at '${member}' failed to satisfy constraint: ${constraint}`;
}

/** The violations of one string member (none when it satisfies the model). */
export function checkString(value: string, c: StringConstraint): string[] {
  const out: string[] = [];
  if (value.length < 1) out.push(violation(value, c.member, 'Member must have length greater than or equal to 1'));
  if (value.length > c.max) out.push(violation(value, c.member, `Member must have length less than or equal to ${c.max}`));
  // A value over the length limit is not also run through the pattern: the length already refuses it.
  else if (value.length >= 1 && !new RegExp(`^(?:${c.pattern})$`).test(value)) {
    out.push(violation(value, c.member, `Member must satisfy regular expression pattern: ${c.pattern}`));
  }
  return out;
}

/** The violation of an enum member, if its value is not one of `allowed`. */
export function checkEnum(value: string | undefined, member: string, allowed: readonly string[]): string[] {
  if (value === undefined || allowed.includes(value)) return [];
  return [violation(value, member, `Member must satisfy enum value set: [${allowed.join(', ')}]`)];
}

/** Throws Lambda's ValidationException listing every violation, when there is any. */
export function throwIfInvalid(violations: readonly string[]): void {
  if (violations.length === 0) return;
  const n = violations.length;
  throw new LambdaApiError('ValidationException', `${n} validation error${n > 1 ? 's' : ''} detected: ${violations.join('; ')}`);
}

export interface FunctionReference {
  name: string;
  qualifier?: string;
  /** The region a full ARN names; absent for a name or a partial ARN. */
  region?: string;
  /** The account an ARN or a partial ARN names. */
  accountId?: string;
}

// The same shape as the model's patterns, with the parts named: what a reference that passed them names.
const REFERENCE =
  /^(?:arn:(?:aws[a-zA-Z-]*)?:lambda:)?(?:(?<region>(?:eusc-)?[a-z]{2}(?:(?:-gov)|(?:-iso(?:[a-z]?)))?-[a-z]+-\d{1}):)?(?:(?<account>\d{12}):)?(?:function:)?(?<name>[a-zA-Z0-9-_.]+)(?::(?<qualifier>\$LATEST(?:\.PUBLISHED)?|[a-zA-Z0-9-_]+))?$/;

/**
 * A FunctionName as Lambda accepts it: a name, a partial ARN (account:function:name) or an ARN, each with
 * an optional :qualifier, checked against `constraint` (with the Qualifier parameter, if given) first.
 */
export function parseFunctionReference(raw: string, qualifierParam?: string, constraint: StringConstraint = NAMESPACED_FUNCTION_NAME): FunctionReference {
  throwIfInvalid([...checkString(raw, constraint), ...(qualifierParam !== undefined ? checkString(qualifierParam, QUALIFIER) : [])]);
  const m = REFERENCE.exec(raw);
  // Unreachable for a value that passed the model's pattern; kept so that a change of one is caught.
  if (!m?.groups) throw new LambdaApiError('ServiceException', `the local Lambda service could not read the function name ${shown(raw)}`);
  const fromName = m.groups.qualifier;
  if (fromName !== undefined && qualifierParam !== undefined && fromName !== qualifierParam) {
    throw new LambdaApiError('InvalidParameterValueException', 'The derived qualifier from the function name does not match the specified qualifier.');
  }
  const qualifier = fromName ?? qualifierParam;
  const { region, account } = m.groups;
  return {
    name: m.groups.name,
    ...(qualifier !== undefined ? { qualifier } : {}),
    ...(region !== undefined ? { region } : {}),
    ...(account !== undefined ? { accountId: account } : {}),
  };
}
