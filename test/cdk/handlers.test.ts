import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ECRClient } from '@aws-sdk/client-ecr';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import { REFERENCE_PAYLOAD } from '../../lib/benchmark/reference-payload';
import type { TargetSpec } from '../../lib/benchmark/types';
import { dropTraceContext } from '../../lib/handlers/clients';
import { describeCaught } from '../../lib/handlers/collect';
import { describeTarget } from '../../lib/handlers/describe-target';
import { resolveConfig } from '../../lib/benchmark/config';
import { coldRound, invokeColdTask } from '../../lib/handlers/measure';
import { SFNClient } from '@aws-sdk/client-sfn';
import { deployedDefaults, ExecutionInputError, mergeConfig, prepareRun } from '../../lib/handlers/prepare';
import { MAX_FUNCTION_UPDATE_TIMEOUT_SECONDS } from '../../lib/handlers/measure';
import { ensureOnlyRun, RunInProgressError, runAhead } from '../../lib/handlers/single-run';
import { recordTargetErrorTask } from '../../lib/handlers/collect';
import { recordFailureTask } from '../../lib/handlers/record-failure';
import { checkRunName, layout } from '../../lib/handlers/run-layout';
import { checkKey, DirectoryRunStore, RunStoreAccessDeniedError, S3RunStore } from '../../lib/handlers/run-store';
import { startFakeAws, TEST_CREDENTIALS } from './fake-aws';

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(path.join(os.tmpdir(), 'apr-bench-handlers-'));
  dirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const spec = (key: string, functionName: string): TargetSpec => ({
  key,
  functionName,
  logGroupName: `/x/${functionName}`,
  runtimeLabel: 'provided.al2023',
  memorySizeMB: 128,
  architecture: 'x86_64',
  packageBytes: 0,
  packageLabel: 'unknown',
  logFormat: 'Text',
});

describe('one run at a time', () => {
  const SM = 'arn:aws:states:us-east-1:123456789012:stateMachine:Bench-benchmark';
  const exec = (name: string) => `arn:aws:states:us-east-1:123456789012:execution:Bench-benchmark:${name}`;
  const at = (iso: string) => new Date(iso);

  test('runAhead: the earliest start goes first, ties by name, never itself', () => {
    const me = { executionArn: exec('b'), name: 'b', startDate: at('2024-06-01T12:00:00Z') };
    expect(runAhead(me, [me])).toBeUndefined();
    expect(runAhead(me, [me, { executionArn: exec('c'), name: 'c', startDate: at('2024-06-01T12:05:00Z') }])).toBeUndefined();
    expect(runAhead(me, [me, { executionArn: exec('z'), name: 'z', startDate: at('2024-06-01T11:00:00Z') }])?.name).toBe('z');
    expect(runAhead(me, [me, { executionArn: exec('a'), name: 'a', startDate: at('2024-06-01T12:00:00Z') }])?.name).toBe('a');
    // Of two runs that see each other, exactly one goes on.
    const other = { executionArn: exec('a'), name: 'a', startDate: at('2024-06-01T12:00:00Z') };
    expect([runAhead(me, [me, other]), runAhead(other, [me, other])].filter(Boolean)).toHaveLength(1);
  });

  test('ensureOnlyRun on the wire: lists RUNNING executions of the state machine across pages, refuses when another goes first', async () => {
    let pages: object[] = [];
    const fake = await startFakeAws((req) => {
      if (req.operation !== 'ListExecutions') return undefined;
      const body = JSON.parse(req.body);
      expect(body).toMatchObject({ stateMachineArn: SM, statusFilter: 'RUNNING' });
      const page = body.nextToken ? pages[Number(body.nextToken)] : pages[0];
      return { body: page };
    });
    const sfn = new SFNClient({ endpoint: fake.endpoint, region: 'us-east-1', credentials: TEST_CREDENTIALS, maxAttempts: 1 });
    const self = { stateMachineArn: SM, executionArn: exec('deploy-2'), startTime: '2024-06-01T12:30:00.000Z' };
    try {
      pages = [
        { executions: [{ executionArn: exec('deploy-2'), stateMachineArn: SM, name: 'deploy-2', status: 'RUNNING', startDate: Date.parse(self.startTime) / 1000 }], nextToken: '1' },
        { executions: [{ executionArn: exec('manual-1'), stateMachineArn: SM, name: 'manual-1', status: 'RUNNING', startDate: Date.parse('2024-06-01T12:00:00Z') / 1000 }] },
      ];
      const err = await ensureOnlyRun(sfn, self).catch((e) => e);
      expect(err).toBeInstanceOf(RunInProgressError);
      expect(err.message).toContain('another benchmark run is in progress (manual-1, started 2024-06-01T12:00:00.000Z)');
      expect(err.message).toContain(`--execution-arn ${exec('manual-1')}`);
      expect(fake.requests.filter((r) => r.operation === 'ListExecutions')).toHaveLength(2);
      pages = [{ executions: [{ executionArn: exec('deploy-2'), stateMachineArn: SM, name: 'deploy-2', status: 'RUNNING', startDate: Date.parse(self.startTime) / 1000 }] }];
      await expect(ensureOnlyRun(sfn, self)).resolves.toBeUndefined();
    } finally {
      sfn.destroy();
      await fake.close();
    }
  });

  test('prepareRun asks before it writes anything: a refused run leaves no run.json', async () => {
    const root = tempDir();
    const asked: unknown[] = [];
    const input = { executionName: 'r2', startTime: '2024-06-01T12:30:00.000Z', input: {}, stateMachineArn: SM, executionArn: exec('r2') };
    const deps = {
      store: new DirectoryRunStore(root),
      defaults: { config: {}, targets: [spec('apr', 'fa')] },
      ensureOnlyRun: async (self: unknown) => {
        asked.push(self);
        throw new RunInProgressError({ executionArn: exec('r1'), name: 'r1', startDate: new Date('2024-06-01T12:00:00Z') });
      },
    };
    await expect(prepareRun(input, deps)).rejects.toThrow(RunInProgressError);
    expect(asked).toEqual([{ stateMachineArn: SM, executionArn: exec('r2'), startTime: input.startTime }]);
    expect(existsSync(path.join(root, 'runs/r2/raw/run.json'))).toBe(false);
    await expect(prepareRun({ ...input, stateMachineArn: undefined }, deps)).rejects.toThrow('$$.StateMachine.Id');
  });
});

describe('prepare', () => {
  test('deployedDefaults: the settings from the Task input\'s JSON text, the targets from BENCH_TARGETS', () => {
    const payload = { x: 'y'.repeat(30_000), 'path.$': 'not a path' };
    const d = deployedDefaults({ defaultConfig: JSON.stringify({ coldStarts: 4, payload }) }, JSON.stringify([spec('apr', 'fa')]));
    expect(d.config).toEqual({ coldStarts: 4, payload });
    expect(d.targets).toEqual([spec('apr', 'fa')]);
    expect(deployedDefaults({}, '[]').config).toEqual({});
    expect(() => deployedDefaults({ defaultConfig: '{' }, '[]')).toThrow('"defaultConfig" is not JSON text');
    expect(() => deployedDefaults({ defaultConfig: '[1]' }, '[]')).toThrow('must be the JSON text of an object');
    expect(() => deployedDefaults({}, '{}')).toThrow('BENCH_TARGETS must be a JSON array');
  });

  test('the deployment\'s settings, overridden by the execution\'s input, nested blocks field by field', () => {
    const c = mergeConfig({ coldStarts: 30, warmInvocations: 100, payload: { ...REFERENCE_PAYLOAD } }, { coldStarts: 2, bootstrap: { iterations: 500 } });
    expect(c.coldStarts).toBe(2);
    expect(c.warmInvocations).toBe(100);
    expect(c.payload).toEqual(REFERENCE_PAYLOAD);
    expect(c.bootstrap.iterations).toBe(500);
    expect(c.bootstrap.seed).toBeGreaterThanOrEqual(0);
  });

  test.each([
    [{ coldStart: 2 }, '"config.coldStart" is not a setting'],
    [{ coldStarts: 0 }, 'coldStarts must be an integer >= 1'],
    [{ coldStarts: 501 }, 'above 500'],
    [{ warmInvocations: 5001 }, 'above 5000'],
    [{ bootstrap: 3 }, '"config.bootstrap" must be an object'],
    [{ payload: { x: 'y'.repeat(40_000) } }, 'larger than 32768 bytes'],
    [{ functionUpdateTimeoutSeconds: MAX_FUNCTION_UPDATE_TIMEOUT_SECONDS + 1 }, `functionUpdateTimeoutSeconds ${MAX_FUNCTION_UPDATE_TIMEOUT_SECONDS + 1} is above ${MAX_FUNCTION_UPDATE_TIMEOUT_SECONDS}`],
    ['fast', '"config" must be an object'],
  ])('override #%# is refused: %s', (override, message) => {
    expect(() => mergeConfig({}, override)).toThrow(ExecutionInputError);
    expect(() => mergeConfig({}, override)).toThrow(message);
  });

  test('writes raw/run.json before anything is measured, with the targets as described', async () => {
    const store = new DirectoryRunStore(tempDir());
    const described: string[] = [];
    const out = await prepareRun(
      { executionName: 'run-1', startTime: '2024-06-01T00:00:00.000Z', input: { config: { coldStarts: 3 }, trigger: { source: 'test' } } },
      {
        store,
        defaults: { config: { warmInvocations: 7 }, targets: [spec('apr', 'fa'), spec('pytorch', 'fb')] },
        describeTarget: async (t) => {
          described.push(t.functionName);
          return { ...t, packageBytes: 1234, packageLabel: '1.2 kB zip' };
        },
      },
    );
    expect(described).toEqual(['fa', 'fb']);
    expect(out.run).toBe('run-1');
    expect(out.config).toMatchObject({ coldStarts: 3, warmInvocations: 7 });
    const manifest = await store.getJson<any>(layout.runManifest('run-1'));
    expect(manifest).toMatchObject({ schemaVersion: 1, run: 'run-1', startedAt: '2024-06-01T00:00:00.000Z', trigger: { source: 'test' } });
    expect(manifest.targets.map((t: TargetSpec) => t.packageBytes)).toEqual([1234, 1234]);
    // The state machine plans cold-start rounds from this field: Prepare makes it explicit.
    expect(out.targets.map((t) => t.coldStartConcurrency)).toEqual([1, 1]);
  });

  test('a configured cold-start concurrency is kept, and one the benchmark cannot use is refused with the field named', async () => {
    const deps = (targets: TargetSpec[]) => ({ store: new DirectoryRunStore(tempDir()), defaults: { config: {}, targets } });
    const out = await prepareRun({ executionName: 'r', startTime: 't', input: {} }, deps([spec('apr', 'fa'), { ...spec('pytorch', 'fb'), coldStartConcurrency: 3 }]));
    expect(out.targets.map((t) => t.coldStartConcurrency)).toEqual([1, 3]);
    await expect(prepareRun({ executionName: 'r', startTime: 't', input: {} }, deps([{ ...spec('apr', 'fa'), coldStartConcurrency: 11 }])))
      .rejects.toThrow('targets[0] (apr).coldStartConcurrency must be at most 10, got 11');
  });

  test.each([
    [{ config: {}, extra: 1 }, 'unknown key "extra"'],
    [[1], 'must be a JSON object'],
  ])('execution input %j is refused: %s', async (input, message) => {
    const deps = { store: new DirectoryRunStore(tempDir()), defaults: { config: {}, targets: [spec('apr', 'fa')] } };
    await expect(prepareRun({ executionName: 'r', startTime: 't', input }, deps)).rejects.toThrow(message);
  });

  test('a run name that cannot name files is refused before anything is written', async () => {
    const dir = tempDir();
    const deps = { store: new DirectoryRunStore(dir), defaults: { config: {}, targets: [spec('apr', 'fa')] } };
    await expect(prepareRun({ executionName: '../escape', startTime: 't', input: {} }, deps)).rejects.toThrow('cannot name files');
    expect(existsSync(path.join(dir, 'runs'))).toBe(false);
  });
});

describe('describeTarget, against Lambda and ECR on the wire', () => {
  test('a zip: Lambda\'s CodeSize, and the memory and architecture actually deployed', async () => {
    const fake = await startFakeAws((req) =>
      req.method === 'GET' && req.path === '/2015-03-31/functions/fa'
        ? {
            body: {
              Configuration: { FunctionName: 'fa', MemorySize: 128, Architectures: ['x86_64'], PackageType: 'Zip', CodeSize: 612_345, Runtime: 'provided.al2023', LoggingConfig: { LogFormat: 'Text', LogGroup: '/real/group' } },
              Code: { RepositoryType: 'S3', Location: 'https://example' },
            },
            headers: { 'content-type': 'application/json' },
          }
        : undefined,
    );
    try {
      const lambda = new LambdaClient({ endpoint: fake.endpoint, region: 'us-east-1', credentials: TEST_CREDENTIALS, maxAttempts: 1 });
      const ecr = new ECRClient({ endpoint: fake.endpoint, region: 'us-east-1', credentials: TEST_CREDENTIALS, maxAttempts: 1 });
      const out = await describeTarget({ lambda, ecr }, { ...spec('apr', 'fa'), memorySizeMB: 999 });
      expect(out).toMatchObject({ packageBytes: 612_345, packageLabel: '0.61 MB zip', memorySizeMB: 128, logGroupName: '/real/group', runtimeLabel: 'provided.al2023' });
      expect(fake.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /2015-03-31/functions/fa']);
    } finally {
      await fake.close();
    }
  });

  test('an image: the size ECR reports for the digest Lambda resolved', async () => {
    const digest = `sha256:${'c'.repeat(64)}`;
    const fake = await startFakeAws((req) => {
      if (req.path === '/2015-03-31/functions/fb') {
        return {
          headers: { 'content-type': 'application/json' },
          body: {
            Configuration: { FunctionName: 'fb', MemorySize: 512, Architectures: ['x86_64'], PackageType: 'Image', CodeSize: 0 },
            Code: { RepositoryType: 'ECR', ImageUri: '123456789012.dkr.ecr.us-east-1.amazonaws.com/cdk-assets:tag', ResolvedImageUri: `123456789012.dkr.ecr.us-east-1.amazonaws.com/cdk-assets@${digest}` },
          },
        };
      }
      if (req.operation === 'DescribeImages') {
        const body = JSON.parse(req.body);
        expect(body).toEqual({ registryId: '123456789012', repositoryName: 'cdk-assets', imageIds: [{ imageDigest: digest }] });
        return { headers: { 'content-type': 'application/x-amz-json-1.1' }, body: { imageDetails: [{ imageDigest: digest, imageSizeInBytes: 1_503_000_000 }] } };
      }
      return undefined;
    });
    try {
      const lambda = new LambdaClient({ endpoint: fake.endpoint, region: 'us-east-1', credentials: TEST_CREDENTIALS, maxAttempts: 1 });
      const ecr = new ECRClient({ endpoint: fake.endpoint, region: 'us-east-1', credentials: TEST_CREDENTIALS, maxAttempts: 1 });
      const out = await describeTarget({ lambda, ecr }, spec('pytorch', 'fb'));
      expect(out).toMatchObject({ packageBytes: 1_503_000_000, runtimeLabel: 'container-image', memorySizeMB: 512 });
      expect(out.packageLabel).toBe('1503.0 MB container image (compressed, as stored in ECR)');
    } finally {
      await fake.close();
    }
  });
});

describe('coldRound', () => {
  test('the invocations one forced cold start serves: C from its index, never beyond coldStarts', () => {
    expect(coldRound(1, 1, 30)).toEqual([1]);
    expect(coldRound(4, 3, 30)).toEqual([4, 5, 6]);
    expect(coldRound(28, 3, 30)).toEqual([28, 29, 30]);
    // ArrayRange(1, 5, 2) plans rounds at 1, 3, 5: the last one is short.
    expect(coldRound(5, 2, 5)).toEqual([5]);
    expect(coldRound(6, 2, 5)).toEqual([]);
  });
});

describe('InvokeCold in rounds, against Lambda on the wire', () => {
  test('a round\'s invocations go out at once; those answered are stored even when one of them cannot be recorded', async () => {
    let calls = 0;
    let inFlight = 0;
    let mostAtOnce = 0;
    const fake = await startFakeAws(async (req) => {
      if (req.method !== 'POST' || !req.path.endsWith('/invocations')) return undefined;
      const call = ++calls;
      inFlight++;
      mostAtOnce = Math.max(mostAtOnce, inFlight);
      await new Promise((r) => setTimeout(r, 50));
      inFlight--;
      // The second answer lacks the request id that joins an invocation to its REPORT line.
      return { status: 200, headers: { 'content-type': 'application/json', 'x-amzn-requestid': call === 2 ? '' : `req-${call}` }, body: '{"ok":true}' };
    });
    const lambda = new LambdaClient({ endpoint: fake.endpoint, region: 'us-east-1', credentials: TEST_CREDENTIALS, maxAttempts: 1 });
    try {
      const store = new DirectoryRunStore(tempDir());
      const target = { ...spec('pytorch', 'fb'), coldStartConcurrency: 3 };
      const input = { run: 'r', target, config: resolveConfig({ coldStarts: 3 }), index: 1, forced: { marker: 'm-1', updateWaitMs: 12 } };
      await expect(invokeColdTask(input, { lambda, store })).rejects.toThrow('no x-amzn-RequestId header');
      expect(calls).toBe(3);
      expect(mostAtOnce).toBe(3);
      const stored = await store.list(layout.coldPrefix('r', 'pytorch'));
      expect(stored).toHaveLength(2);
      for (const key of stored) {
        const { record, updateWaitMs } = (await store.getJson<any>(key))!;
        expect(record).toMatchObject({ phase: 'cold', coldStartMarker: 'm-1', statusCode: 200 });
        expect(updateWaitMs).toBe(12);
      }
    } finally {
      lambda.destroy();
      await fake.close();
    }
  });
});

describe('dropTraceContext', () => {
  test('inside a traced Lambda the SDK forwards the trace header; the benchmark\'s client does not', async () => {
    const saved = { name: process.env.AWS_LAMBDA_FUNCTION_NAME, trace: process.env._X_AMZN_TRACE_ID };
    process.env.AWS_LAMBDA_FUNCTION_NAME = 'invoke-task';
    process.env._X_AMZN_TRACE_ID = 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1';
    const fake = await startFakeAws(() => ({ body: {}, headers: { 'content-type': 'application/json' } }));
    try {
      const config = { endpoint: fake.endpoint, region: 'us-east-1', credentials: TEST_CREDENTIALS, maxAttempts: 1 };
      const plain = new LambdaClient(config);
      const benchmark = dropTraceContext(new LambdaClient(config));
      await plain.send(new InvokeCommand({ FunctionName: 'f', Payload: Buffer.from('{}') }));
      await benchmark.send(new InvokeCommand({ FunctionName: 'f', Payload: Buffer.from('{}') }));
      expect(fake.requests[0].headers['x-amzn-trace-id']).toBe(process.env._X_AMZN_TRACE_ID);
      expect(fake.requests[1].headers['x-amzn-trace-id']).toBeUndefined();
      expect(fake.requests[1].headers.authorization).toBeDefined();
    } finally {
      await fake.close();
      for (const [k, v] of [['AWS_LAMBDA_FUNCTION_NAME', saved.name], ['_X_AMZN_TRACE_ID', saved.trace]] as const) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  });
});

describe('run store', () => {
  test('keys stay under runs/<run>/', () => {
    for (const bad of ['x/y.json', 'runs/../etc', 'runs/a/../../b', 'runs//x', 'runs/a b/x', '/runs/a/x']) expect(() => checkKey(bad)).toThrow('not a plain path');
    expect(() => checkKey('runs/a/raw/apr/cold/0001.json')).not.toThrow();
    expect(() => checkRunName('a'.repeat(81))).toThrow('cannot name files');
  });

  test('a directory: JSON round trip, missing keys, sorted listing without temporary files', async () => {
    const root = tempDir();
    const store = new DirectoryRunStore(root);
    await store.putJson('runs/r/raw/apr/cold/0002.json', { n: 2 });
    await store.putJson('runs/r/raw/apr/cold/0001.json', { n: 1 });
    expect(await store.getJson('runs/r/raw/apr/cold/0001.json')).toEqual({ n: 1 });
    expect(await store.getJson('runs/r/raw/apr/nothing.json')).toBeUndefined();
    expect(await store.list('runs/r/raw/apr/cold/')).toEqual(['runs/r/raw/apr/cold/0001.json', 'runs/r/raw/apr/cold/0002.json']);
    expect(await store.list('runs/r/raw/pytorch/')).toEqual([]);
    expect(readFileSync(path.join(root, 'runs/r/raw/apr/cold/0001.json'), 'utf8')).toBe('{"n":1}\n');
  });

  test('S3 on the wire: PutObject, GetObject (NoSuchKey is "absent"), ListObjectsV2 across pages', async () => {
    const objects = new Map<string, string>();
    const fake = await startFakeAws((req) => {
      const key = decodeURIComponent(req.path.replace(/^\/bucket\/?/, ''));
      if (req.method === 'PUT') {
        objects.set(key, req.body);
        return { body: '' };
      }
      if (req.method === 'GET' && req.query.get('list-type') === '2') {
        const all = [...objects.keys()].filter((k) => k.startsWith(req.query.get('prefix') ?? '')).sort();
        const start = Number(req.query.get('continuation-token') ?? 0);
        const page = all.slice(start, start + 1);
        const more = start + 1 < all.length;
        return {
          body: `<?xml version="1.0" encoding="UTF-8"?><ListBucketResult><Name>bucket</Name><KeyCount>${page.length}</KeyCount><IsTruncated>${more}</IsTruncated>${more ? `<NextContinuationToken>${start + 1}</NextContinuationToken>` : ''}${page.map((k) => `<Contents><Key>${k}</Key><Size>1</Size></Contents>`).join('')}</ListBucketResult>`,
        };
      }
      if (req.method === 'GET') {
        const value = objects.get(key);
        return value === undefined
          ? { status: 404, body: '<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>' }
          : { body: value, headers: { 'content-type': 'application/json' } };
      }
      return undefined;
    });
    try {
      const s3 = new S3Client({ endpoint: fake.endpoint, region: 'us-east-1', credentials: TEST_CREDENTIALS, forcePathStyle: true, maxAttempts: 1 });
      const store = new S3RunStore(s3, 'bucket');
      await store.putJson('runs/r/raw/b.json', { b: true });
      await store.putJson('runs/r/raw/a.json', { a: true });
      expect(await store.getJson('runs/r/raw/a.json')).toEqual({ a: true });
      expect(await store.getJson('runs/r/raw/zzz.json')).toBeUndefined();
      expect(await store.list('runs/r/raw/')).toEqual(['runs/r/raw/a.json', 'runs/r/raw/b.json']);
      expect(store.describe('runs/r/x')).toBe('s3://bucket/runs/r/x');
      expect(fake.requests.find((r) => r.method === 'PUT')?.headers['content-type']).toBe('application/json');
    } finally {
      await fake.close();
    }
  });
});

describe('S3 answers a missing key by the caller\'s permissions', () => {
  /**
   * S3 as GetObject's documentation describes it: a missing key is 404 NoSuchKey for a caller with
   * s3:ListBucket on the bucket, 403 AccessDenied for any other.
   */
  async function s3WithListBucket(canList: boolean) {
    const objects = new Map<string, string>();
    const fake = await startFakeAws((req) => {
      const key = decodeURIComponent(req.path.replace(/^\/bucket\/?/, ''));
      if (req.method === 'PUT') {
        objects.set(key, req.body);
        return { body: '' };
      }
      if (req.method === 'GET') {
        const value = objects.get(key);
        if (value !== undefined) return { body: value, headers: { 'content-type': 'application/json' } };
        return canList
          ? { status: 404, body: '<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>' }
          : { status: 403, body: '<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>' };
      }
      return undefined;
    });
    const s3 = new S3Client({ endpoint: fake.endpoint, region: 'us-east-1', credentials: TEST_CREDENTIALS, forcePathStyle: true, maxAttempts: 1 });
    return { fake, objects, store: new S3RunStore(s3, 'bucket') };
  }
  const target = { run: 'r', target: spec('apr', 'fa'), config: resolveConfig({ coldStarts: 1 }) };

  test('with s3:ListBucket: a target\'s first error is recorded (run-errors.json did not exist)', async () => {
    const { fake, objects, store } = await s3WithListBucket(true);
    try {
      await recordTargetErrorTask({ ...target, error: { Error: 'ColdStartError', Cause: '{"errorMessage":"cannot force"}' } }, { store });
      expect(JSON.parse(objects.get('runs/r/raw/apr/run-errors.json')!)).toEqual({ errors: ['ColdStartError: cannot force'] });
    } finally {
      await fake.close();
    }
  });

  test('without it: the 403 is raised as a denial naming the key and the permission, never read as "absent"', async () => {
    const { fake, objects, store } = await s3WithListBucket(false);
    try {
      const err = await recordTargetErrorTask({ ...target, error: { Error: 'ColdStartError' } }, { store }).catch((e) => e);
      expect(err).toBeInstanceOf(RunStoreAccessDeniedError);
      expect(err.message).toContain('s3://bucket/runs/r/raw/apr/run-errors.json');
      expect(err.message).toContain('s3:ListBucket');
      expect(objects.size).toBe(0);
    } finally {
      await fake.close();
    }
  });
});

describe('failure records', () => {
  test('describeCaught reads a Lambda task\'s JSON cause, and keeps other causes as text', () => {
    expect(describeCaught({ Error: 'ColdStartError', Cause: JSON.stringify({ errorType: 'ColdStartError', errorMessage: 'cannot force', trace: [] }) })).toBe('ColdStartError: cannot force');
    expect(describeCaught({ Error: 'States.Timeout', Cause: 'Task timed out' })).toBe('States.Timeout: Task timed out');
    expect(describeCaught({ Error: 'States.Timeout' })).toBe('States.Timeout');
  });

  test('recordFailureTask writes failure.json under the run', async () => {
    const root = tempDir();
    const out = await recordFailureTask(
      { executionName: 'r1', failedState: 'Aggregate', error: { Error: 'SampleError', Cause: '{"errorMessage":"bad sample"}' } },
      { store: new DirectoryRunStore(root), now: () => new Date('2024-06-01T00:00:00Z') },
    );
    expect(out.failureKey).toBe('runs/r1/failure.json');
    expect(JSON.parse(readFileSync(path.join(root, 'runs/r1/failure.json'), 'utf8'))).toEqual({
      schemaVersion: 1,
      run: 'r1',
      status: 'FAILED',
      failedState: 'Aggregate',
      error: 'SampleError',
      message: 'SampleError: bad sample',
      cause: '{"errorMessage":"bad sample"}',
      recordedAt: '2024-06-01T00:00:00.000Z',
      rawRecords: path.join(root, 'runs/r1/raw'),
    });
  });
});
