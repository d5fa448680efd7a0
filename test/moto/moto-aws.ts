/**
 * Setting up, in moto, what the stack would have created in AWS: the functions' role and functions,
 * the results bucket, log groups, a state machine. Only the handlers under test talk to moto through
 * our code; this set-up uses the SDK's own commands (and IAM's query protocol, for which the project
 * has no SDK client).
 */
import { CloudWatchLogsClient, CreateLogGroupCommand, CreateLogStreamCommand, PutLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { CreateFunctionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateStateMachineCommand, SFNClient } from '@aws-sdk/client-sfn';
import { MOTO_ACCOUNT, MOTO_CREDENTIALS, MOTO_REGION } from './moto';

export interface MotoClients {
  lambda: LambdaClient;
  logs: CloudWatchLogsClient;
  s3: S3Client;
  sfn: SFNClient;
}

export function motoClients(endpoint: string): MotoClients {
  const config = { endpoint, region: MOTO_REGION, credentials: MOTO_CREDENTIALS, maxAttempts: 1 };
  return {
    lambda: new LambdaClient(config),
    logs: new CloudWatchLogsClient(config),
    s3: new S3Client({ ...config, forcePathStyle: true }),
    sfn: new SFNClient(config),
  };
}

export function destroyClients(clients: MotoClients): void {
  for (const c of Object.values(clients)) c.destroy();
}

export const ROLE_NAME = 'bench-function-role';
export const ROLE_ARN = `arn:aws:iam::${MOTO_ACCOUNT}:role/${ROLE_NAME}`;

/** IAM CreateRole over the query protocol: moto's Lambda refuses a function whose role does not exist. */
export async function createRole(endpoint: string, roleName = ROLE_NAME): Promise<string> {
  const trust = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] });
  const body = new URLSearchParams({ Action: 'CreateRole', Version: '2010-05-08', RoleName: roleName, AssumeRolePolicyDocument: trust });
  const res = await fetch(endpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      // moto routes a request by the service named in its credential scope.
      authorization: `AWS4-HMAC-SHA256 Credential=moto/20260101/${MOTO_REGION}/iam/aws4_request, SignedHeaders=host, Signature=0`,
    },
    body,
  });
  if (!res.ok) throw new Error(`IAM CreateRole answered ${res.status}: ${await res.text()}`);
  return `arn:aws:iam::${MOTO_ACCOUNT}:role/${roleName}`;
}

/** The smallest valid zip archive: an end-of-central-directory record and nothing else. */
export const EMPTY_ZIP = Buffer.concat([Buffer.from('PK\x05\x06', 'latin1'), Buffer.alloc(18)]);

export async function createZipFunction(lambda: LambdaClient, name: string, options: { memorySizeMB?: number; variables?: Record<string, string> } = {}): Promise<void> {
  await lambda.send(
    new CreateFunctionCommand({
      FunctionName: name,
      Runtime: 'provided.al2023',
      Handler: 'bootstrap',
      Role: ROLE_ARN,
      Code: { ZipFile: EMPTY_ZIP },
      MemorySize: options.memorySizeMB ?? 128,
      Architectures: ['x86_64'],
      LoggingConfig: { LogFormat: 'Text', LogGroup: `/aws/lambda/${name}` },
      ...(options.variables ? { Environment: { Variables: options.variables } } : {}),
    }),
  );
}

export async function createBucket(s3: S3Client, bucket: string): Promise<void> {
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
}

/** Writes log events the way Lambda delivers a function's output: into a stream of its log group. */
export async function putLogLines(logs: CloudWatchLogsClient, group: string, events: { timestamp: number; message: string }[]): Promise<void> {
  await logs.send(new CreateLogGroupCommand({ logGroupName: group })).catch((err: Error) => {
    if (err.name !== 'ResourceAlreadyExistsException') throw err;
  });
  const stream = `2026/01/01/[$LATEST]${Math.random().toString(16).slice(2)}`;
  await logs.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: stream }));
  // PutLogEvents wants events in timestamp order.
  const sorted = [...events].sort((a, b) => a.timestamp - b.timestamp);
  await logs.send(new PutLogEventsCommand({ logGroupName: group, logStreamName: stream, logEvents: sorted }));
}

export async function createStateMachine(sfn: SFNClient, name: string, definition: object): Promise<string> {
  const out = await sfn.send(
    new CreateStateMachineCommand({ name, definition: JSON.stringify(definition), roleArn: `arn:aws:iam::${MOTO_ACCOUNT}:role/state-machine-role` }),
  );
  if (!out.stateMachineArn) throw new Error('CreateStateMachine returned no ARN');
  return out.stateMachineArn;
}

/** moto runs a state machine's definition only when told to (its stepfunctions.execute_state_machine setting). */
export async function setMotoExecutesStateMachines(endpoint: string, execute: boolean): Promise<void> {
  const res = await fetch(`${endpoint}/moto-api/config`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ stepfunctions: { execute_state_machine: execute } }),
  });
  if (!res.ok) throw new Error(`moto config answered ${res.status}`);
}
