/**
 * The init footprint: what an environment's processes brought in from files by the runtime's first
 * GET /next (the AWS model's second input). Real runtimes, real files: one that reads an 8 MB file during
 * init, one that maps another and touches every page from a child process, one that does neither. Sizes
 * are asserted, never times.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { initFileMB, LocalLambdaService } from '../../lib/local-lambda';
import { sampleInitFootprint } from '../../lib/local-lambda/init-footprint';
import { clients, fixtureFunction, invoke } from './helpers';

const MB = 1048576;

describe('init footprint', () => {
  let dir: string;
  let service: LocalLambdaService;
  let lambda: ReturnType<typeof clients>['lambda'];

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'init-footprint-'));
    // Random bytes, so that no file system can hold them sparse or compressed.
    fs.writeFileSync(path.join(dir, 'read.bin'), Buffer.from(Array.from({ length: 8 * MB }, (_, i) => (i * 2654435761) >>> 24)));
    fs.writeFileSync(path.join(dir, 'mapped.bin'), Buffer.from(Array.from({ length: 12 * MB }, (_, i) => (i * 40503) >>> 8)));
    service = await LocalLambdaService.start({ limits: 'off' });
    service.register(fixtureFunction('plain'));
    service.register(fixtureFunction('reads', { environment: { FIXTURE_INIT_READ: path.join(dir, 'read.bin') } }));
    service.register(fixtureFunction('maps', { environment: { FIXTURE_INIT_MAP: path.join(dir, 'mapped.bin') } }));
    ({ lambda } = clients(service.endpoint));
  }, 30_000);

  afterAll(async () => {
    lambda?.destroy();
    await service?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('a cold start records what its INIT read and mapped, by request id; a warm invocation records nothing', async () => {
    const cold = await invoke(lambda, 'plain', {});
    const warm = await invoke(lambda, 'plain', {});
    expect(cold.report['Init Duration']).toBeDefined();
    expect(warm.report['Init Duration']).toBeUndefined();
    const footprints = service.initFootprints('plain');
    expect([...footprints.keys()]).toEqual([cold.report.RequestId]);
    const f = footprints.get(cold.report.RequestId)!;
    // The Node.js binary and its libraries are mapped before the runtime asks for an event.
    expect(f.fileBackedBytes).toBeGreaterThan(4 * MB);
    expect(f.processes).toBe(1);
    expect(initFileMB(f)).toBeCloseTo((f.fileBackedBytes + f.readBytes) / MB, 9);
  }, 30_000);

  test('bytes read during init count; bytes mapped and touched by a child process count', async () => {
    const plain = [...service.initFootprints('plain').values()][0];
    const reads = await invoke(lambda, 'reads', {});
    const r = service.initFootprints('reads').get(reads.report.RequestId)!;
    expect(r.readBytes - plain.readBytes).toBeGreaterThanOrEqual(8 * MB);
    const maps = await invoke(lambda, 'maps', {});
    const m = service.initFootprints('maps').get(maps.report.RequestId)!;
    expect(m.processes).toBe(2);
    expect(m.fileBackedBytes - plain.fileBackedBytes).toBeGreaterThanOrEqual(12 * MB);
  }, 30_000);

  test('a process that is gone is left out, and none at all gives no footprint', () => {
    expect(sampleInitFootprint([2 ** 22 + 12345])).toBeUndefined();
    const self = sampleInitFootprint([process.pid, 2 ** 22 + 12345])!;
    expect(self.processes).toBe(1);
    expect(self.fileBackedBytes).toBeGreaterThan(0);
  });

  test('an unknown function is refused by name', () => {
    expect(() => service.initFootprints('nope')).toThrow('no function named nope is registered');
  });
});
