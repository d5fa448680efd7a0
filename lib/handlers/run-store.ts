import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { GetObjectCommand, ListObjectsV2Command, NoSuchKey, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { writeFileAtomic } from '../util/atomic-write';

/**
 * Where the Task states keep a run's raw records between steps: per-invocation records are written
 * here instead of being carried in the state machine's state, so the state stays a few KB whatever
 * the number of invocations (Step Functions allows 256 KB).
 *
 * Keys are relative paths under the store's root, always below `runs/<run name>/`. In AWS the root is
 * the results bucket; locally it is a directory, laid out exactly like the bucket.
 */
export interface RunStore {
  putJson(key: string, value: unknown): Promise<void>;
  /** undefined when there is no such object. */
  getJson<T>(key: string): Promise<T | undefined>;
  /** Keys directly or indirectly under `prefix` (which ends with '/'), sorted. */
  list(prefix: string): Promise<string[]>;
  /** Human-readable location of a key, e.g. s3://bucket/key or a file path. */
  describe(key: string): string;
}

/** Refuses keys that could leave the run's prefix or the directory root. */
export function checkKey(key: string): void {
  if (!/^runs\/[A-Za-z0-9_-]+\/[A-Za-z0-9/._-]*$/.test(key) || key.split('/').some((part) => part === '..' || part === '.')) {
    throw new Error(`store key ${JSON.stringify(key)} is not a plain path under runs/<run name>/`);
  }
}

/** S3 refused a read: a permission is missing (GetObject on the key, or ListBucket on the bucket), or a policy denies it. */
export class RunStoreAccessDeniedError extends Error {
  constructor(location: string, cause: Error) {
    super(
      `S3 denied reading ${location} (403 ${cause.name}). S3 also answers 403 for a missing key when the caller lacks ` +
        's3:ListBucket on the bucket, so check that this role has s3:GetObject on the key and s3:ListBucket on the bucket: ' +
        `${cause.message}`,
    );
    this.name = 'RunStoreAccessDeniedError';
  }
}

export class S3RunStore implements RunStore {
  constructor(
    private readonly s3: Pick<S3Client, 'send'>,
    readonly bucket: string,
  ) {}

  async putJson(key: string, value: unknown): Promise<void> {
    checkKey(key);
    await this.s3.send(
      new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: `${JSON.stringify(value)}\n`, ContentType: 'application/json' }),
    );
  }

  /**
   * A missing key is `undefined` only when S3 says so (404 NoSuchKey). S3 answers GetObject of a
   * missing key with 404 only to a caller that may s3:ListBucket the bucket, and with 403
   * AccessDenied to any other (https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html,
   * "Permissions"): every role that reads here holds s3:ListBucket on the results bucket, so a 403 is a
   * real denial and is raised as RunStoreAccessDeniedError, never read as "absent".
   */
  async getJson<T>(key: string): Promise<T | undefined> {
    checkKey(key);
    try {
      const out = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      const text = await out.Body?.transformToString('utf-8');
      return text === undefined ? undefined : (JSON.parse(text) as T);
    } catch (err) {
      if (err instanceof NoSuchKey || (err as Error).name === 'NoSuchKey') return undefined;
      const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
      if (e.name === 'AccessDenied' || e.$metadata?.httpStatusCode === 403) throw new RunStoreAccessDeniedError(this.describe(key), err as Error);
      throw err;
    }
  }

  async list(prefix: string): Promise<string[]> {
    checkKey(prefix);
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.s3.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ...(token ? { ContinuationToken: token } : {}) }),
      );
      for (const item of page.Contents ?? []) if (item.Key) keys.push(item.Key);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return keys.sort();
  }

  describe(key: string): string {
    return `s3://${this.bucket}/${key}`;
  }
}

export class DirectoryRunStore implements RunStore {
  constructor(readonly root: string) {}

  private file(key: string): string {
    checkKey(key);
    return path.join(this.root, ...key.split('/'));
  }

  async putJson(key: string, value: unknown): Promise<void> {
    writeFileAtomic(this.file(key), `${JSON.stringify(value)}\n`);
  }

  async getJson<T>(key: string): Promise<T | undefined> {
    try {
      return JSON.parse(await fs.readFile(this.file(key), 'utf8')) as T;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  async list(prefix: string): Promise<string[]> {
    const dir = this.file(prefix);
    const out: string[] = [];
    const walk = async (abs: string, rel: string): Promise<void> => {
      let entries;
      try {
        entries = await fs.readdir(abs, { withFileTypes: true });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw err;
      }
      for (const e of entries) {
        // Temporary files of writes in progress start with a dot: never part of the data.
        if (e.name.startsWith('.')) continue;
        if (e.isDirectory()) await walk(path.join(abs, e.name), `${rel}${e.name}/`);
        else out.push(`${rel}${e.name}`);
      }
    };
    await walk(dir, prefix);
    return out.sort();
  }

  describe(key: string): string {
    return this.file(key);
  }
}
