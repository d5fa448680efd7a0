import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

export interface ResultsBucketProps {
  /** Days the server access logs are kept. */
  accessLogRetentionDays: number;
}

/** Every benchmark run writes under `runs/<execution name>/`; the task functions may write nowhere else. */
export const RESULTS_PREFIX = 'runs/';

/**
 * Where the benchmark results go, and the bucket that receives its server access logs.
 *
 * Encryption is S3-managed (SSE-S3): the data are benchmark numbers meant to be published, so a
 * customer managed KMS key would add cost and a key policy to audit without protecting anything
 * secret, and a KMS key cannot be deleted at once (7 to 30 days pending deletion), so `cdk destroy`
 * would leave it behind. Both buckets refuse plain HTTP, block every form of public access, and are
 * emptied and deleted with the stack.
 */
export class ResultsBucket extends Construct {
  readonly bucket: s3.Bucket;
  readonly accessLogs: s3.Bucket;

  constructor(scope: Construct, id: string, props: ResultsBucketProps) {
    super(scope, id);
    // Not logged itself: it is the log target (cdk-nag's S1 accepts a bucket that receives access logs).
    this.accessLogs = new s3.Bucket(this, 'AccessLogs', {
      // Server access log delivery supports only SSE-S3 on the target bucket.
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      removalPolicy: RemovalPolicy.DESTROY,
      autoDeleteObjects: true,
      lifecycleRules: [{ expiration: Duration.days(props.accessLogRetentionDays) }],
    });
    this.bucket = new s3.Bucket(this, 'Bucket', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: false,
      serverAccessLogsBucket: this.accessLogs,
      serverAccessLogsPrefix: 'results-bucket/',
      removalPolicy: RemovalPolicy.DESTROY,
      autoDeleteObjects: true,
    });
  }
}
