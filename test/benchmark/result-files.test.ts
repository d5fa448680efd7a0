import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { aggregate, invocationRows } from '../../lib/benchmark/aggregate';
import { createBenchmarkClients } from '../../lib/benchmark/clients';
import {
  buildResultFiles,
  checkFileName,
  DirectorySink,
  nodeFileOps,
  RESULT_FILE_NAMES,
  S3Sink,
  writeResultFiles,
  type SinkFileOps,
} from '../../lib/benchmark/result-files';
import { FakeAws, TEST_CREDENTIALS } from './fake-aws';
import { syntheticRun } from './synthetic-run';
import { parseSvg } from './xml-check';

describe('result files', () => {
  const run = syntheticRun();
  const results = aggregate({ run, backend: 'local', environment: { limitsApplied: false } });
  const files = buildResultFiles(results, invocationRows(run));
  let dir: string;

  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'bench-results-'));
  });
  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  test('the set of files, results.json last, each parseable', () => {
    expect(files.map((f) => f.name)).toEqual([
      'cold-start.svg', 'cold-init-distribution.svg', 'warm-duration-distribution.svg', 'invocations.csv', 'report.md', 'results.json',
    ]);
    expect(Object.fromEntries(files.map((f) => [f.name, f.contentType]))).toMatchObject({
      'results.json': 'application/json', 'invocations.csv': 'text/csv; charset=utf-8', 'report.md': 'text/markdown; charset=utf-8', 'cold-start.svg': 'image/svg+xml',
    });
    const byName = Object.fromEntries(files.map((f) => [f.name, f.body]));
    expect(JSON.parse(byName['results.json'])).toEqual(results);
    expect(byName['invocations.csv'].trimEnd().split('\r\n')).toHaveLength(1 + 35);
    for (const svg of files.filter((f) => f.name.endsWith('.svg'))) {
      expect(parseSvg(svg.body).tag).toBe('{http://www.w3.org/2000/svg}svg');
    }
    // The report links the charts that are in the set.
    for (const chart of ['cold-start.svg', 'cold-init-distribution.svg', 'warm-duration-distribution.svg']) {
      expect(byName['report.md']).toContain(`](${chart})`);
    }
  });

  test('DirectorySink creates the directory and writes every file whole', async () => {
    const target = path.join(dir, 'nested', 'run-1');
    await writeResultFiles(new DirectorySink(target), files);
    expect((await fs.readdir(target)).sort()).toEqual(Object.values(RESULT_FILE_NAMES).sort());
    for (const f of files) {
      expect(await fs.readFile(path.join(target, f.name), 'utf8')).toBe(f.body);
    }
  });

  test('a write failing half way leaves no partial file and no temp file; the previous version survives', async () => {
    const sink = new DirectorySink(dir);
    await sink.put('results.json', '{"version":1}\n', 'application/json');
    let tempSeen = '';
    const failing: SinkFileOps = {
      ...nodeFileOps,
      async writeNewFile(file, body) {
        tempSeen = file;
        // Half the bytes reach the disk, then the device fills up.
        await fs.writeFile(file, String(body).slice(0, String(body).length / 2));
        const err = new Error('ENOSPC: no space left on device') as NodeJS.ErrnoException;
        err.code = 'ENOSPC';
        throw err;
      },
    };
    const big = JSON.stringify({ version: 2, padding: 'x'.repeat(100_000) });
    await expect(new DirectorySink(dir, failing).put('results.json', big, 'application/json')).rejects.toThrow(/writing .*results\.json failed: ENOSPC/);
    expect(path.dirname(tempSeen)).toBe(dir); // same directory: the rename is atomic
    expect(await fs.readdir(dir)).toEqual(['results.json']);
    expect(await fs.readFile(path.join(dir, 'results.json'), 'utf8')).toBe('{"version":1}\n');
  });

  test('a failing rename also cleans up its temp file', async () => {
    const failing: SinkFileOps = { ...nodeFileOps, rename: async () => Promise.reject(new Error('EXDEV')) };
    await expect(new DirectorySink(dir, failing).put('report.md', '# r', 'text/markdown')).rejects.toThrow(/EXDEV/);
    expect(await fs.readdir(dir)).toEqual([]);
  });

  test('file names must be plain names', () => {
    for (const bad of ['../x.json', 'a/b.json', '.hidden', '', 'a..b']) {
      expect(() => checkFileName(bad)).toThrow(/plain file name/);
    }
    expect(() => checkFileName('results.json')).not.toThrow();
  });

  test('S3Sink puts each file under the prefix with its content type (S3 wire protocol)', async () => {
    const fake = new FakeAws();
    const endpoint = await fake.start();
    const clients = createBenchmarkClients({ region: 'us-east-1', endpoint, credentials: TEST_CREDENTIALS });
    try {
      const sink = new S3Sink(clients.s3, 'bench-results', 'runs/2026-01-01T00-00-00Z');
      await writeResultFiles(sink, files);
      expect([...fake.objects.keys()].sort()).toEqual(files.map((f) => `bench-results/runs/2026-01-01T00-00-00Z/${f.name}`).sort());
      const json = fake.objects.get('bench-results/runs/2026-01-01T00-00-00Z/results.json')!;
      expect(json.contentType).toBe('application/json');
      expect(JSON.parse(json.body.toString('utf8'))).toEqual(results);
      expect(fake.objects.get('bench-results/runs/2026-01-01T00-00-00Z/cold-start.svg')!.contentType).toBe('image/svg+xml');
      expect(new S3Sink(clients.s3, 'b', '').key('x.json')).toBe('x.json');
      expect(new S3Sink(clients.s3, 'b', 'p/').key('x.json')).toBe('p/x.json');
    } finally {
      clients.s3.destroy();
      await fake.stop();
    }
  });
});
