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
import {
  initPackageFileMB,
  initPackageFileMBByRequest,
  initRuntimeFileMB,
  type InitFootprint,
  isUnderPackage,
  packageBytesOfSmaps,
  packageMappings,
  packageRoots,
  pageSize,
  residentFileBytes,
  sampleInitFootprint,
} from '../../lib/local-lambda/init-footprint';
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

/**
 * The function's own package's share of the footprint: pages of files mapped from under its package
 * paths. The real .apr bootstrap (static: it maps no file but itself) copied into a package folder of its
 * own; the fixture runtime mapping a file from a package folder in a child process; and one reading a
 * file there, which /proc cannot attribute to the package.
 */
describe('init footprint: the package\'s own files', () => {
  const BOOTSTRAP = path.resolve(__dirname, '../../lambda-apr/dist/bootstrap');
  let dir: string;
  let pkg: string;
  let elsewhere: string;
  let service: LocalLambdaService;
  let lambda: ReturnType<typeof clients>['lambda'];

  const footprintOf = async (name: string): Promise<InitFootprint> => {
    const cold = await invoke(lambda, name, {});
    expect(cold.report['Init Duration']).toBeDefined();
    return service.initFootprints(name).get(cold.report.RequestId)!;
  };

  beforeAll(async () => {
    if (!fs.existsSync(BOOTSTRAP)) throw new Error(`${BOOTSTRAP} is missing (build it with \`npm run build:apr\`)`);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'init-footprint-package-'));
    pkg = path.join(dir, 'task');
    elsewhere = path.join(dir, 'elsewhere');
    fs.mkdirSync(pkg);
    fs.mkdirSync(elsewhere);
    fs.copyFileSync(BOOTSTRAP, path.join(pkg, 'bootstrap'));
    fs.chmodSync(path.join(pkg, 'bootstrap'), 0o755);
    // The package named through a symbolic link: the kernel names mappings by their real path.
    fs.symlinkSync(pkg, path.join(dir, 'task-link'));
    fs.writeFileSync(path.join(pkg, 'mapped.bin'), Buffer.from(Array.from({ length: 6 * MB }, (_, i) => (i * 40503) >>> 8)));
    fs.writeFileSync(path.join(pkg, 'read.bin'), Buffer.from(Array.from({ length: 4 * MB }, (_, i) => (i * 2654435761) >>> 24)));
    service = await LocalLambdaService.start({ limits: 'off' });
    const apr = (functionName: string, packagePaths?: string[]) =>
      fixtureFunction(functionName, { command: path.join(pkg, 'bootstrap'), args: [], cwd: pkg, handler: 'bootstrap', memorySizeMB: 128, ...(packagePaths ? { packagePaths } : {}) });
    service.register(apr('apr-own', [pkg]));
    service.register(apr('apr-linked', [path.join(dir, 'task-link', 'bootstrap')]));
    service.register(apr('apr-elsewhere', [elsewhere]));
    service.register(apr('apr-unnamed'));
    service.register(fixtureFunction('maps-package', { packagePaths: [pkg], environment: { FIXTURE_INIT_MAP: path.join(pkg, 'mapped.bin') } }));
    service.register(fixtureFunction('reads-package', { packagePaths: [pkg], environment: { FIXTURE_INIT_READ: path.join(pkg, 'read.bin') } }));
    ({ lambda } = clients(service.endpoint));
  }, 30_000);

  afterAll(async () => {
    lambda?.destroy();
    await service?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('a static bootstrap in its package: every file page it has is the package\'s but the vDSO\'s, whether the path is its folder or a link to the file', async () => {
    const own = await footprintOf('apr-own');
    expect(own.processes).toBe(1);
    expect(own.packageFileBytes).toBeGreaterThan(100 * 1024);
    // A static binary maps no file but itself; RssFile also counts the vDSO's page (no file: not the package's).
    const VDSO_BYTES = 8 * 1024;
    expect(own.fileBackedBytes - own.packageFileBytes!).toBeGreaterThanOrEqual(0);
    expect(own.fileBackedBytes - own.packageFileBytes!).toBeLessThanOrEqual(VDSO_BYTES);
    expect(initPackageFileMB(own)).toBeCloseTo(own.packageFileBytes! / MB, 9);
    expect(initRuntimeFileMB(own)).toBeCloseTo((own.fileBackedBytes - own.packageFileBytes! + own.readBytes) / MB, 9);
    const linked = await footprintOf('apr-linked');
    expect(linked.fileBackedBytes - linked.packageFileBytes!).toBeLessThanOrEqual(VDSO_BYTES);
  }, 30_000);

  test('a package path the process maps nothing from counts nothing; a function without package paths has no package figure', async () => {
    const elsewhereFootprint = await footprintOf('apr-elsewhere');
    expect(elsewhereFootprint.fileBackedBytes).toBeGreaterThan(100 * 1024);
    expect(elsewhereFootprint.packageFileBytes).toBe(0);
    const unnamed = await footprintOf('apr-unnamed');
    expect(unnamed.packageFileBytes).toBeUndefined();
    expect(initPackageFileMB(unnamed)).toBeUndefined();
    expect(initRuntimeFileMB(unnamed)).toBeUndefined();
    const byRequest = initPackageFileMBByRequest(service.initFootprints('apr-unnamed'));
    expect(byRequest).toEqual({});
  }, 30_000);

  test('a package file a child process maps counts as the package\'s; the runtime binary (node) does not', async () => {
    const m = await footprintOf('maps-package');
    expect(m.processes).toBe(2);
    expect(m.packageFileBytes!).toBeGreaterThanOrEqual(6 * MB);
    // node and its libraries are mapped too, outside the package: the runtime's.
    expect(m.fileBackedBytes - m.packageFileBytes!).toBeGreaterThan(4 * MB);
    const [requestId] = [...service.initFootprints('maps-package').keys()];
    expect(initPackageFileMBByRequest(service.initFootprints('maps-package'))[requestId]).toBeCloseTo(m.packageFileBytes! / MB, 3);
  }, 30_000);

  test('bytes a package file gives through read(2) are not the package\'s: /proc cannot tell whose they were', async () => {
    const r = await footprintOf('reads-package');
    expect(r.readBytes).toBeGreaterThanOrEqual(4 * MB);
    expect(r.packageFileBytes).toBe(0);
  }, 30_000);

  test('a relative package path is refused by name', () => {
    expect(() => service.register(fixtureFunction('relative', { packagePaths: ['task/bootstrap'] }))).toThrow(
      'packagePaths must be an array of absolute paths (function relative), got ["task/bootstrap"]',
    );
  });
});

describe('init footprint: reading smaps', () => {
  test('this process\'s own mappings: the node binary\'s resident file pages, by pagemap and by smaps alike, and nothing under a folder it maps nothing from', () => {
    const [node] = packageRoots([process.execPath]);
    const maps = fs.readFileSync('/proc/self/maps', 'latin1');
    const mappings = packageMappings(maps, [node]);
    expect(mappings.length).toBeGreaterThan(0);
    for (const m of mappings) expect((m.end - m.start) % pageSize()).toBe(0);
    const byPagemap = residentFileBytes(process.pid, mappings)!;
    const bySmaps = packageBytesOfSmaps(fs.readFileSync('/proc/self/smaps', 'latin1'), [node]);
    expect(byPagemap).toBeGreaterThan(1 * MB);
    // Read a moment apart: the binary's pages may come and go a little between the two reads.
    expect(Math.abs(byPagemap - bySmaps)).toBeLessThan(0.02 * bySmaps);
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'init-footprint-empty-'));
    try {
      expect(packageMappings(maps, packageRoots([empty]))).toEqual([]);
      expect(packageBytesOfSmaps(fs.readFileSync('/proc/self/smaps', 'latin1'), packageRoots([empty]))).toBe(0);
    } finally {
      fs.rmSync(empty, { recursive: true, force: true });
    }
    // Every file mapping is under "/": smaps' count of its resident file pages is RssFile's, give or take
    // pages that came and went between the two reads and the vDSO's page.
    const everything = packageBytesOfSmaps(fs.readFileSync('/proc/self/smaps', 'latin1'), ['/']);
    const rssFile = Number(/^RssFile:\s+(\d+) kB$/m.exec(fs.readFileSync('/proc/self/status', 'latin1'))![1]) * 1024;
    expect(Math.abs(everything - rssFile)).toBeLessThan(0.05 * rssFile);
    // sampleInitFootprint with "/" takes RssFile whole: an image's files are all its own.
    const self = sampleInitFootprint([process.pid], ['/'])!;
    expect(self.packageFileBytes).toBe(self.fileBackedBytes);
  });

  test('the page size is the kernel\'s (AT_PAGESZ)', () => {
    expect([4096, 16384, 65536]).toContain(pageSize());
  });

  test('a folder\'s prefix is not the folder: /opt/task does not hold /opt/task2/lib.so', () => {
    expect(isUnderPackage('/opt/task2/lib.so', ['/opt/task'])).toBe(false);
    expect(isUnderPackage('/opt/task/lib.so', ['/opt/task'])).toBe(true);
    expect(isUnderPackage('/opt/task', ['/opt/task'])).toBe(true);
    expect(isUnderPackage('/usr/lib/x.so', ['/'])).toBe(true);
  });
});
