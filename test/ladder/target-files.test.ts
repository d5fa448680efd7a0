/**
 * Each ladder function has a target file (lib/targets/target-file.ts) beside it, so that
 * `npm run bench -- --target-file <file>` measures it: the file describes the same function as
 * test/ladder/ladder-targets.ts (command, arguments, folder, runtime, handler, memory), sends the reference
 * payload, and names the zip for the package size.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REFERENCE_PAYLOAD } from '../../lib/benchmark/reference-payload';
import { parseTargetFile } from '../../lib/targets/target-file';
import { LADDER_KEYS, ladderRungs, type LadderKey } from './ladder-targets';

const ROOT = path.resolve(__dirname, '..', '..');
const RUNGS = ladderRungs(ROOT);
const FILES: Record<LadderKey, string> = {
  'apr-runtime-crate': 'lambda-apr-runtime-crate/target.json',
  python: 'baselines/python-wine/target.json',
  numpy: 'baselines/numpy-wine/target.json',
  onnx: 'baselines/onnx-wine/target.json',
  node: 'baselines/node-wine/target.json',
};

test.each(LADDER_KEYS.map((key) => [key]))('the target file of %s describes the function the ladder runs', (key) => {
  const file = path.join(ROOT, FILES[key]);
  let sized = '';
  // The package need not be built for the description to be checked; its path must be the rung's zip.
  const target = parseTargetFile(JSON.parse(fs.readFileSync(file, 'utf8')), { file, sizeOf: (p) => { sized = p; return 1; } });
  const expected = RUNGS[key];
  const { definition } = target;
  const resolveArg = (arg: string): string => (arg.includes('/') ? path.resolve(definition.cwd, arg) : arg);
  expect({
    functionName: definition.functionName,
    runtime: definition.runtime,
    packageType: definition.packageType,
    command: definition.command,
    args: definition.args.map(resolveArg),
    cwd: definition.cwd,
    handler: definition.handler,
    memorySizeMB: definition.memorySizeMB,
    timeoutSeconds: definition.timeoutSeconds,
  }).toEqual({
    functionName: expected.definition.functionName,
    runtime: expected.definition.runtime,
    packageType: expected.definition.packageType,
    command: expected.definition.command,
    args: expected.definition.args.map((arg) => (arg.includes('/') ? path.resolve(expected.definition.cwd, arg) : arg)),
    cwd: expected.definition.cwd,
    handler: expected.definition.handler,
    memorySizeMB: expected.definition.memorySizeMB,
    timeoutSeconds: expected.definition.timeoutSeconds,
  });
  expect(target.architecture).toBe('x86_64');
  expect(target.payload).toEqual(REFERENCE_PAYLOAD);
  expect(sized).toBe(expected.zipFile);
});
