/**
 * The AWS requests a handler makes, declared next to the code that makes them. lib/audit/iam-simulation.ts
 * evaluates each against the calling role's policies in the synthesized template, and a test checks
 * that every SDK command in the handlers' code is declared here: a new call without a permission
 * fails the test suite, not the first deployment.
 *
 * Resources are ARNs in the form AWS authorizes them, with placeholders the simulation fills from
 * the template:
 *   {partition} {region} {account}   the stack's environment
 *   {bucket}                         the results bucket (the function's RESULTS_BUCKET)
 *   {run}                            a run (execution) name
 *   {stateMachineName}               the benchmark state machine
 *   {execution}                      an execution name
 *   {target.key} {target.functionName} {target.logGroupName} {target.repository}
 *                                    each benchmarked function (a call naming them is checked once per target)
 */
export interface AwsCall {
  /** What sends it: the SDK command, or what AWS does on the handler's behalf ("implicit: ..."). */
  call: string;
  /** The IAM action AWS authorizes. */
  action: string;
  resource: string;
  /** Condition keys AWS sets on the request (e.g. s3:prefix for ListObjectsV2 with a Prefix). */
  context?: Record<string, string | string[]>;
  /** Only for targets deployed as a container image (ECR calls). */
  imageTargetsOnly?: boolean;
  /** Why, where it is not obvious. */
  note?: string;
}

const OBJECT = 'arn:{partition}:s3:::{bucket}/runs/{run}';
const TARGET_RAW = `${OBJECT}/raw/{target.key}`;

/** Shared spellings, so that each handler's list reads as what it does. */
export const S3_CALLS = {
  put: (key: string): AwsCall => ({ call: 'PutObjectCommand', action: 's3:PutObject', resource: `${OBJECT}/${key}` }),
  get: (key: string): AwsCall => ({ call: 'GetObjectCommand', action: 's3:GetObject', resource: `${OBJECT}/${key}` }),
  putTarget: (file: string): AwsCall => ({ call: 'PutObjectCommand', action: 's3:PutObject', resource: `${TARGET_RAW}/${file}` }),
  getTarget: (file: string): AwsCall => ({ call: 'GetObjectCommand', action: 's3:GetObject', resource: `${TARGET_RAW}/${file}` }),
  /** ListObjectsV2 with a Prefix: authorized as s3:ListBucket on the bucket, with s3:prefix set. */
  listTarget: (dir: string): AwsCall => ({
    call: 'ListObjectsV2Command',
    action: 's3:ListBucket',
    resource: 'arn:{partition}:s3:::{bucket}',
    context: { 's3:prefix': `runs/{run}/raw/{target.key}/${dir}` },
  }),
  /**
   * GetObject of a key that may not exist: S3 answers 404 only to a caller with s3:ListBucket on
   * the bucket, 403 otherwise (https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html).
   * Which request context that check sees is not documented, so it is checked with none.
   */
  missingKeyCheck: (what: string): AwsCall => ({
    call: 'implicit: GetObject of a missing key',
    action: 's3:ListBucket',
    resource: 'arn:{partition}:s3:::{bucket}',
    note: `${what} may not exist yet`,
  }),
};

export const LAMBDA_TARGET = 'arn:{partition}:lambda:{region}:{account}:function:{target.functionName}';
