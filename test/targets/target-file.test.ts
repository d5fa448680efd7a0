import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseTargetFile, readTargetFile, targetFilesUnder, TargetFileError } from '../../lib/targets/target-file';

const FILE = '/work/targets/mine.json';
const VALID = {
  functionName: 'my-fn',
  runtime: 'python3.12',
  packageType: 'Zip',
  handler: 'app.handler',
  memorySizeMB: 256,
  timeoutSeconds: 5,
  command: '.venv/bin/python',
  args: ['-m', 'awslambdaric', 'app.handler'],
  payload: { hello: 'world' },
  packageBytes: 1234,
};

function parse(json: unknown) {
  return parseTargetFile(json, { file: FILE });
}

function errorOf(json: unknown): string {
  try {
    parse(json);
  } catch (error) {
    expect(error).toBeInstanceOf(TargetFileError);
    return (error as Error).message;
  }
  throw new Error('expected a TargetFileError');
}

describe('target file', () => {
  it('turns a valid file into the service definition, resolving paths against its folder', () => {
    const t = parse(VALID);
    expect(t.definition).toEqual({
      functionName: 'my-fn',
      runtime: 'python3.12',
      packageType: 'Zip',
      command: '/work/targets/.venv/bin/python',
      args: ['-m', 'awslambdaric', 'app.handler'],
      cwd: '/work/targets',
      handler: 'app.handler',
      memorySizeMB: 256,
      timeoutSeconds: 5,
      environment: {},
      codeSizeBytes: 1234,
    });
    expect(t.runtimeLabel).toBe('python3.12');
    expect(t.architecture).toBe('x86_64');
    expect(t.payload).toEqual({ hello: 'world' });
    expect(t.packageBytes).toBe(1234);
    expect(t.calibration).toBeUndefined();
  });

  it('keeps a bare command name for PATH look-up, and defaults payload, timeout and cwd', () => {
    const { payload: _p, timeoutSeconds: _t, packageBytes: _b, ...rest } = VALID;
    const t = parse({ ...rest, command: 'java', cwd: 'app', packageType: 'Image', architecture: 'arm64' });
    expect(t.definition.command).toBe('java');
    expect(t.definition.cwd).toBe('/work/targets/app');
    expect(t.definition.timeoutSeconds).toBe(3);
    expect(t.definition.packageType).toBe('Image');
    expect(t.architecture).toBe('arm64');
    expect(t.payload).toEqual({});
    expect(t.packageBytes).toBeUndefined();
  });

  it.each([
    [{ memorySizeMB: 100 }, '"memorySizeMB" must be an integer from 128 to 10240 (MB), got 100'],
    [{ memorySizeMB: 512.5 }, '"memorySizeMB" must be an integer from 128 to 10240 (MB), got 512.5'],
    [{ memorySizeMB: '512' }, '"memorySizeMB" must be an integer from 128 to 10240 (MB), got "512"'],
    [{ timeoutSeconds: 901 }, '"timeoutSeconds" must be an integer from 1 to 900 (seconds), got 901'],
    [{ packageType: 'zip' }, '"packageType" must be "Zip" or "Image", got "zip"'],
    [{ architecture: 'x86' }, '"architecture" must be "x86_64" or "arm64", got "x86"'],
    [{ functionName: 'has space' }, '"functionName" must be 1 to 64 letters, digits, - or _'],
    [{ handler: '' }, '"handler" must be a non-empty string'],
    [{ command: 42 }, '"command" must be a non-empty string, got 42'],
    [{ args: ['-m', 1] }, '"args" must be an array of strings'],
    [{ cwd: '' }, '"cwd" must be a non-empty string'],
    [{ environment: { AWS_REGION: 'x' } }, '"environment" is not valid: Lambda was unable to configure your environment variables'],
    [{ environment: { OK: 1 } }, '"environment" is not valid: Environment variable OK must be a string'],
    [{ packageBytes: -1 }, '"packageBytes" must be a non-negative integer, got -1'],
    [{ packagePath: 'x.zip' }, '"packageBytes" cannot be given together with "packagePath"'],
    [{ payloadFile: 'e.json' }, '"payloadFile" cannot be given together with "payload"'],
    [{ memorySize: 128 }, '"memorySize" is not a known field'],
    [{ calibration: { lambdaPerfRuntime: '' } }, '"calibration.lambdaPerfRuntime" must be a non-empty string'],
    [{ calibration: { runtime: 'x' } }, '"calibration.runtime" is not a known field'],
    [{ holdOut: { lambdaPerfRuntime: 7 } }, '"holdOut.lambdaPerfRuntime" must be a non-empty string, got 7'],
    [{ holdOut: ['go (prov.al2023)'] }, '"holdOut" must be an object'],
    [{ calibration: { lambdaPerfRuntime: 'python3.12' }, holdOut: { lambdaPerfRuntime: 'go (prov.al2023)' } }, '"holdOut" cannot stand beside "calibration": a hold-out is never fitted on'],
    [{ packagePaths: [] }, '"packagePaths" must be a non-empty array of paths (files or folders relative to the file), got []'],
    [{ packagePaths: 'handler.py' }, '"packagePaths" must be a non-empty array of paths (files or folders relative to the file), got "handler.py"'],
    [{ packagePaths: ['handler.py', ''] }, '"packagePaths" must be a non-empty array of paths (files or folders relative to the file), got ["handler.py",""]'],
  ])('names the field: %j', (change, message) => {
    expect(errorOf({ ...VALID, ...change })).toContain(`target file mine.json: ${message}`);
  });

  it.each(['functionName', 'runtime', 'handler', 'memorySizeMB', 'command'])('requires %s', (field) => {
    const json: Record<string, unknown> = { ...VALID };
    delete json[field];
    expect(errorOf(json)).toBe(`target file mine.json: "${field}" is required`);
  });

  it('refuses what is not an object', () => {
    expect(errorOf([1])).toBe('target file mine.json: must be a JSON object');
  });

  describe('on disk', () => {
    let dir: string;
    beforeEach(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'target-file-'));
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it('reads the payload file and sizes the package path (a file, or every file below a folder)', () => {
      fs.writeFileSync(path.join(dir, 'event.json'), '{"n": 7}');
      fs.mkdirSync(path.join(dir, 'pkg', 'sub'), { recursive: true });
      fs.writeFileSync(path.join(dir, 'pkg', 'a'), Buffer.alloc(100));
      fs.writeFileSync(path.join(dir, 'pkg', 'sub', 'b'), Buffer.alloc(23));
      const { payload: _p, packageBytes: _b, ...rest } = VALID;
      fs.writeFileSync(path.join(dir, 't.json'), JSON.stringify({ ...rest, payloadFile: 'event.json', packagePath: 'pkg' }));
      const t = readTargetFile(path.join(dir, 't.json'));
      expect(t.payload).toEqual({ n: 7 });
      expect(t.packageBytes).toBe(123);
      expect(t.definition.codeSizeBytes).toBe(123);
      expect(t.definition.cwd).toBe(dir);
    });

    it('resolves package paths against its folder into the definition; each must exist, and one that does not is named', () => {
      fs.mkdirSync(path.join(dir, 'pkg'));
      fs.writeFileSync(path.join(dir, 'bootstrap'), 'x');
      const { payload: _p, packageBytes: _b, ...rest } = VALID;
      fs.writeFileSync(path.join(dir, 't.json'), JSON.stringify({ ...rest, packagePaths: ['pkg', './bootstrap'] }));
      expect(readTargetFile(path.join(dir, 't.json')).definition.packagePaths).toEqual([path.join(dir, 'pkg'), path.join(dir, 'bootstrap')]);
      fs.writeFileSync(path.join(dir, 'u.json'), JSON.stringify({ ...rest, packagePaths: ['pkg', 'layer/lib'] }));
      expect(() => readTargetFile(path.join(dir, 'u.json'))).toThrow(
        `target file ${path.relative(process.cwd(), path.join(dir, 'u.json'))}: "packagePaths" names "layer/lib", which does not exist (${path.join(dir, 'layer/lib')})`,
      );
      // Without the field, no package paths: the footprint then has no package figure.
      fs.writeFileSync(path.join(dir, 'v.json'), JSON.stringify(rest));
      expect(readTargetFile(path.join(dir, 'v.json')).definition.packagePaths).toBeUndefined();
    });

    it('names the field whose file is missing or not JSON, and a file that is not JSON', () => {
      const { payload: _p, packageBytes: _b, ...rest } = VALID;
      fs.writeFileSync(path.join(dir, 'a.json'), JSON.stringify({ ...rest, payloadFile: 'nope.json' }));
      expect(() => readTargetFile(path.join(dir, 'a.json'))).toThrow(/"payloadFile" cannot be read \(.*nope\.json\): ENOENT/);
      fs.writeFileSync(path.join(dir, 'bad-event.json'), '{');
      fs.writeFileSync(path.join(dir, 'b.json'), JSON.stringify({ ...rest, payloadFile: 'bad-event.json' }));
      expect(() => readTargetFile(path.join(dir, 'b.json'))).toThrow(/"payloadFile" is not valid JSON/);
      fs.writeFileSync(path.join(dir, 'c.json'), JSON.stringify({ ...rest, packagePath: 'missing.zip' }));
      expect(() => readTargetFile(path.join(dir, 'c.json'))).toThrow(/"packagePath" cannot be read \(.*missing\.zip\): ENOENT/);
      fs.writeFileSync(path.join(dir, 'd.json'), '{"functionName": ');
      expect(() => readTargetFile(path.join(dir, 'd.json'))).toThrow(/d\.json: not valid JSON/);
      expect(() => readTargetFile(path.join(dir, 'none.json'))).toThrow(/none\.json: cannot be read: ENOENT/);
    });
  });

  /** Every target file of a folder of functions, described validly whether built or not: sizes and paths not looked at. */
  const describedUnder = (folder: string) => {
    const files = targetFilesUnder(path.resolve(__dirname, '..', '..', folder));
    return { files, targets: files.map((f) => readTargetFile(f, { sizeOf: () => 0, exists: () => true })) };
  };

  it('every calibration function is described by a valid target file naming its lambda-perf runtime', () => {
    const { files, targets } = describedUnder('calibration');
    expect(files.length).toBeGreaterThanOrEqual(4);
    for (const t of targets) expect(t.calibration?.lambdaPerfRuntime).toEqual(expect.any(String));
  });

  it('every hold-out is described by a valid target file naming its lambda-perf runtime, and none is a calibration function', () => {
    const { files, targets } = describedUnder('holdout');
    expect(files.length).toBeGreaterThanOrEqual(2);
    for (const t of targets) {
      expect(t.holdOut?.lambdaPerfRuntime).toEqual(expect.any(String));
      expect(t.calibration).toBeUndefined();
    }
  });

  it('the calibration functions of the first four families name their own package, inside their folder and apart from the runtime; once built, each path exists', () => {
    const root = path.resolve(__dirname, '..', '..', 'calibration');
    // The runtime's own files: the interpreters' venvs, node and its runtime client, the JDK and the Java client's jars.
    const RUNTIME = /(^|\/)(\.venv[^/]*|node_modules|\.jdk[^/]*|target\/lib)(\/|$)/;
    const expected: [string, string[]][] = [
      ['rust/target.json', ['dist/bootstrap']],
      ...['3.10', '3.11', '3.12', '3.13'].map((v): [string, string[]] => [`python/target-${v}.json`, ['handler.py']]),
      ['node/target.json', ['index.mjs']],
      ['node/target-24.json', ['index.mjs']],
      ['java/target.json', ['target/classes']],
    ];
    for (const [name, paths] of expected) {
      const file = path.join(root, name);
      const json = JSON.parse(fs.readFileSync(file, 'utf8'));
      const t = parseTargetFile(json, { file, sizeOf: () => 0, exists: () => true });
      const own = t.definition.packagePaths ?? [];
      expect([name, own.map((p) => path.relative(path.dirname(file), p))]).toEqual([name, paths]);
      for (const p of own) expect(path.relative(root, p)).not.toMatch(RUNTIME);
      // Built (its zip is there): then every package path exists, as readTargetFile requires.
      if (fs.existsSync(path.resolve(path.dirname(file), json.packagePath))) {
        expect(readTargetFile(file).definition.packagePaths).toEqual(own);
      }
    }
  });
});
