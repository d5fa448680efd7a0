import { DescribeImagesCommand, type ECRClient } from '@aws-sdk/client-ecr';
import { GetFunctionCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import type { Architecture, TargetSpec } from '../benchmark/types';

/**
 * Completes a target from what is deployed rather than from what the stack asked for: memory,
 * architecture and the package size come from Lambda (GetFunction), and for a container image from
 * ECR, since Lambda does not report an image's size.
 */

const IMAGE_URI = /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?\/([^@:]+)@(sha256:[a-f0-9]{64})$/;

export interface DescribeClients {
  lambda: Pick<LambdaClient, 'send'>;
  ecr: Pick<ECRClient, 'send'>;
}

function megabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(bytes < 10e6 ? 2 : 1)} MB`;
}

export async function describeTarget(clients: DescribeClients, spec: TargetSpec): Promise<TargetSpec> {
  const fn = await clients.lambda.send(new GetFunctionCommand({ FunctionName: spec.functionName }));
  const conf = fn.Configuration;
  if (!conf) throw new Error(`GetFunction ${spec.functionName} returned no configuration`);
  const architecture = (conf.Architectures?.[0] ?? spec.architecture) as Architecture;
  const out: TargetSpec = {
    ...spec,
    memorySizeMB: conf.MemorySize ?? spec.memorySizeMB,
    architecture,
    logFormat: conf.LoggingConfig?.LogFormat === 'JSON' ? 'JSON' : 'Text',
  };
  if (conf.LoggingConfig?.LogGroup) out.logGroupName = conf.LoggingConfig.LogGroup;
  if (conf.PackageType === 'Image') {
    const resolved = fn.Code?.ResolvedImageUri ?? '';
    const m = IMAGE_URI.exec(resolved);
    if (!m) throw new Error(`${spec.functionName}: cannot read the image's repository and digest from ${JSON.stringify(resolved)}`);
    const images = await clients.ecr.send(
      new DescribeImagesCommand({ registryId: m[1], repositoryName: m[3], imageIds: [{ imageDigest: m[4] }] }),
    );
    const size = images.imageDetails?.[0]?.imageSizeInBytes;
    if (typeof size !== 'number') throw new Error(`ECR reports no size for ${resolved}`);
    out.packageBytes = size;
    out.packageLabel = `${megabytes(size)} container image (compressed, as stored in ECR)`;
    out.runtimeLabel = 'container-image';
  } else {
    out.packageBytes = conf.CodeSize ?? 0;
    out.packageLabel = `${megabytes(out.packageBytes)} zip`;
    if (conf.Runtime) out.runtimeLabel = conf.Runtime;
  }
  return out;
}
