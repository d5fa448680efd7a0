import { AssetHashType, DockerImage, Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { stackLogGroup } from './log-group';

/** Writes the function's deployment files (the `bootstrap` executable) into `outputDir`. */
export type AprBundler = (outputDir: string) => void;

export interface AprFunctionProps {
  /** lambda-apr/, the Rust crate; its path only names the asset, the bundler does the build. */
  sourceDir: string;
  bundler: AprBundler;
  logRetentionDays: number;
}

/** Memory and architecture of the reference benchmark's .apr function; the comparison is about them. */
export const APR_MEMORY_MB = 128;
export const APR_ARCHITECTURE = lambda.Architecture.X86_64;
export const APR_RUNTIME_LABEL = 'provided.al2023';

/**
 * The .apr function: a static Rust binary on the OS-only runtime, 128 MB, x86_64.
 *
 * Its code is built on this machine by the project's build script through CDK's local bundling hook:
 * no Docker engine is needed for `cdk synth` or `cdk deploy`. The asset hash is that of the build
 * output, so the deployed code changes exactly when the binary does.
 */
export class AprFunction extends Construct {
  readonly function: lambda.Function;
  readonly logGroup: logs.LogGroup;
  /** Writes to its own log group (and, for an image, pulls it); nothing else. */
  readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: AprFunctionProps) {
    super(scope, id);
    this.logGroup = stackLogGroup(this, 'LogGroup', props.logRetentionDays);
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Execution role of the .apr function: writes its own log group only',
    });
    this.logGroup.grantWrite(this.role);
    const bundler = props.bundler;
    const code = lambda.Code.fromAsset(props.sourceDir, {
      assetHashType: AssetHashType.OUTPUT,
      bundling: {
        // Required by the type; never pulled, because local bundling always succeeds or throws.
        image: DockerImage.fromRegistry('local-bundling-only'),
        local: {
          tryBundle(outputDir: string): boolean {
            bundler(outputDir);
            return true;
          },
        },
      },
    });
    this.function = new lambda.Function(this, 'Function', {
      description: 'Wine-quality model served from an Aprender .apr file by a static Rust binary',
      runtime: lambda.Runtime.PROVIDED_AL2023,
      handler: 'bootstrap',
      architecture: APR_ARCHITECTURE,
      memorySize: APR_MEMORY_MB,
      timeout: Duration.seconds(10),
      code,
      role: this.role,
      logGroup: this.logGroup,
      // REPORT lines in the classic text format; the benchmark's collector reads both formats.
      loggingFormat: lambda.LoggingFormat.TEXT,
    });
  }
}
