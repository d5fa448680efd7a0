import { Duration } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as ecrAssets from 'aws-cdk-lib/aws-ecr-assets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { ExistingImage } from '../config/app-config';
import { stackLogGroup } from './log-group';

export interface PytorchFunctionProps {
  /** The repository root: the image's build context. */
  repoRoot: string;
  /** The Dockerfile, relative to repoRoot. */
  dockerfile: string;
  /** Deploy this image instead of building the Dockerfile. */
  existingImage?: ExistingImage;
  logRetentionDays: number;
}

export const PYTORCH_MEMORY_MB = 512;
export const PYTORCH_ARCHITECTURE = lambda.Architecture.X86_64;
export const PYTORCH_RUNTIME_LABEL = 'container-image';

/**
 * Directories of the repository that no image needs: excluded from the build context on top of the
 * root .dockerignore, so that `cdk synth` never copies node_modules or build trees into cdk.out
 * even while that file is being edited.
 */
const NEVER_IN_CONTEXT = ['node_modules', '.git', 'cdk.out', 'bench-results', 'lambda-apr/target', 'tools/apr-pack/target', '**/.venv'];

/**
 * The PyTorch function: a container image, 512 MB, x86_64.
 *
 * Built from baselines/pytorch-wine/Dockerfile with the repository root as context by `cdk deploy`
 * (where Docker runs; `cdk synth` only stages the context), or taken from an existing ECR image.
 */
export class PytorchFunction extends Construct {
  readonly function: lambda.DockerImageFunction;
  readonly logGroup: logs.LogGroup;
  /** Writes to its own log group (and, for an image, pulls it); nothing else. */
  readonly role: iam.Role;
  /** The repository the image lives in: the prepare step reads the image's size from it. */
  readonly repository: ecr.IRepository;

  constructor(scope: Construct, id: string, props: PytorchFunctionProps) {
    super(scope, id);
    this.logGroup = stackLogGroup(this, 'LogGroup', props.logRetentionDays);
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Execution role of the PyTorch function: writes its own log group only',
    });
    this.logGroup.grantWrite(this.role);
    let code: lambda.DockerImageCode;
    if (props.existingImage) {
      const image = props.existingImage;
      this.repository = image.repositoryArn
        ? ecr.Repository.fromRepositoryAttributes(this, 'Repository', {
            repositoryArn: image.repositoryArn,
            repositoryName: image.repositoryName,
          })
        : ecr.Repository.fromRepositoryName(this, 'Repository', image.repositoryName);
      code = lambda.DockerImageCode.fromEcr(this.repository, { tagOrDigest: image.digest ?? image.tag });
    } else {
      // The same as DockerImageCode.fromImageAsset(repoRoot, { file }), with the asset kept in
      // hand so that its repository can be named in the prepare step's permissions.
      const asset = new ecrAssets.DockerImageAsset(this, 'Image', {
        directory: props.repoRoot,
        file: props.dockerfile,
        platform: ecrAssets.Platform.LINUX_AMD64,
        exclude: NEVER_IN_CONTEXT,
      });
      this.repository = asset.repository;
      code = lambda.DockerImageCode.fromEcr(asset.repository, { tagOrDigest: asset.imageTag });
    }
    this.function = new lambda.DockerImageFunction(this, 'Function', {
      description: 'Wine-quality model served by PyTorch from a container image',
      code,
      architecture: PYTORCH_ARCHITECTURE,
      memorySize: PYTORCH_MEMORY_MB,
      // Init is capped at 10 s by Lambda; the rest is headroom for a slow first answer. The local
      // service runs it with the same timeout (lib/targets).
      timeout: Duration.seconds(30),
      role: this.role,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.TEXT,
    });
  }
}
