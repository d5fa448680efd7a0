/**
 * buildAprFunction builds the real Rust function: a static binary that runs, a deterministic zip with
 * one 0755 entry, and a build-info.json that tells the truth about both.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { buildAprFunction, chooseTarget, elfHasInterpreter, writeDeterministicZip, type AprBuildResult } from '../../lib/build/apr-build';

const BUILD_TIMEOUT_MS = 15 * 60 * 1000;
const REFERENCE_PAYLOAD =
  '{"fixed_acidity":7.0,"volatile_acidity":0.3,"citric_acid":0.3,"residual_sugar":2.0,"chlorides":0.05,"free_sulfur_dioxide":30.0,"total_sulfur_dioxide":100.0,"density":0.995,"pH":3.3,"sulphates":0.6,"alcohol":10.5}';

interface ZipEntry {
  name: string;
  madeByUnix: boolean;
  mode: number;
  dosDate: number;
  dosTime: number;
  extraLength: number;
  method: number;
  crc32: number;
  compressedSize: number;
  uncompressedSize: number;
  localHeaderOffset: number;
}

/** Reads the central directory of a zip file (no zip64, no comment handling beyond the EOCD search). */
function readCentralDirectory(zip: Buffer): ZipEntry[] {
  let eocd = -1;
  for (let i = zip.length - 22; i >= 0; i--) {
    if (zip.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error('no end of central directory');
  const count = zip.readUInt16LE(eocd + 10);
  let offset = zip.readUInt32LE(eocd + 16);
  const entries: ZipEntry[] = [];
  for (let i = 0; i < count; i++) {
    if (zip.readUInt32LE(offset) !== 0x02014b50) throw new Error('bad central directory entry');
    const nameLength = zip.readUInt16LE(offset + 28);
    const extraLength = zip.readUInt16LE(offset + 30);
    const commentLength = zip.readUInt16LE(offset + 32);
    entries.push({
      name: zip.toString('utf8', offset + 46, offset + 46 + nameLength),
      madeByUnix: zip[offset + 5] === 3,
      mode: zip.readUInt32LE(offset + 38) >>> 16,
      method: zip.readUInt16LE(offset + 10),
      dosTime: zip.readUInt16LE(offset + 12),
      dosDate: zip.readUInt16LE(offset + 14),
      crc32: zip.readUInt32LE(offset + 16),
      compressedSize: zip.readUInt32LE(offset + 20),
      uncompressedSize: zip.readUInt32LE(offset + 24),
      extraLength,
      localHeaderOffset: zip.readUInt32LE(offset + 42),
    });
    offset += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

function entryContent(zip: Buffer, entry: ZipEntry): Buffer {
  const local = entry.localHeaderOffset;
  const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
  const data = zip.subarray(start, start + entry.compressedSize);
  return entry.method === 8 ? zlib.inflateRawSync(data) : Buffer.from(data);
}

const sha256 = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

describe('buildAprFunction', () => {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'apr-build-test-'));
  let first: AprBuildResult;
  let second: AprBuildResult;

  beforeAll(() => {
    first = buildAprFunction({ outputDir: path.join(scratch, 'one'), env: process.env });
    second = buildAprFunction({ outputDir: path.join(scratch, 'two'), env: process.env });
  }, BUILD_TIMEOUT_MS);

  afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

  test('the binary is statically linked, as file(1) and its ELF headers say, and runs', () => {
    const description = spawnSync('file', ['-b', first.bootstrapPath], { encoding: 'utf8' }).stdout;
    expect(description).toMatch(/statically linked|static-pie linked/);
    expect(elfHasInterpreter(fs.readFileSync(first.bootstrapPath))).toBe(false);
    expect(fs.statSync(first.bootstrapPath).mode & 0o777).toBe(0o755);
    const run = spawnSync(first.bootstrapPath, ['--event', REFERENCE_PAYLOAD], { encoding: 'utf8', env: {} });
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ runtime: 'apr', category: 'Average' });
  });

  test('the ELF check tells a dynamic binary from a static one', () => {
    expect(elfHasInterpreter(fs.readFileSync(process.execPath))).toBe(true);
    expect(() => elfHasInterpreter(Buffer.from('#!/bin/sh\n'.padEnd(80)))).toThrow('not an ELF file');
  });

  test('the zip holds exactly one entry, bootstrap, mode 0755, fixed time, no extra fields', () => {
    const zip = fs.readFileSync(first.zipPath!);
    const entries = readCentralDirectory(zip);
    expect(entries.map((e) => e.name)).toEqual(['bootstrap']);
    const [entry] = entries;
    expect(entry.madeByUnix).toBe(true);
    expect(entry.mode & 0o170000).toBe(0o100000); // a regular file
    expect(entry.mode & 0o7777).toBe(0o755);
    expect(entry.extraLength).toBe(0);
    // 1980-01-01 00:00:00 in DOS format.
    expect(entry.dosDate).toBe((0 << 9) | (1 << 5) | 1);
    expect(entry.dosTime).toBe(0);
    expect(entryContent(zip, entry).equals(fs.readFileSync(first.bootstrapPath))).toBe(true);
  });

  test('build-info.json describes the files that are there', () => {
    const info = JSON.parse(fs.readFileSync(first.buildInfoPath!, 'utf8'));
    expect(info).toEqual(first.info);
    expect(info.target).toBe(chooseTarget('rustc', process.env).target);
    expect(['x86_64-unknown-linux-musl', 'x86_64-unknown-linux-gnu']).toContain(info.target);
    expect(info.staticallyLinked).toBe(true);
    expect(info.rustc).toBe(spawnSync('rustc', ['--version'], { encoding: 'utf8' }).stdout.trim());
    expect(info.bootstrap).toEqual({ path: 'bootstrap', bytes: fs.statSync(first.bootstrapPath).size, sha256: sha256(first.bootstrapPath) });
    expect(info.zip).toEqual({ path: 'bootstrap.zip', bytes: fs.statSync(first.zipPath!).size, sha256: sha256(first.zipPath!) });
    expect(info.model.sha256).toBe(sha256(path.join(__dirname, '..', '..', 'lambda-apr', 'model', 'wine.apr')));
    expect(info.rustflags).toContain('+crt-static');
  });

  test('two builds give identical binaries and identical zip bytes', () => {
    expect(fs.readFileSync(second.bootstrapPath).equals(fs.readFileSync(first.bootstrapPath))).toBe(true);
    expect(fs.readFileSync(second.zipPath!).equals(fs.readFileSync(first.zipPath!))).toBe(true);
    expect(second.info).toEqual(first.info);
  });

  test('the zip does not depend on the binary file time or mode', () => {
    const copy = path.join(scratch, 'copy-of-bootstrap');
    fs.copyFileSync(first.bootstrapPath, copy);
    fs.chmodSync(copy, 0o700);
    fs.utimesSync(copy, new Date('2031-05-06T07:08:09Z'), new Date('2031-05-06T07:08:09Z'));
    const zipPath = path.join(scratch, 'again.zip');
    writeDeterministicZip(copy, zipPath, process.env);
    expect(fs.readFileSync(zipPath).equals(fs.readFileSync(first.zipPath!))).toBe(true);
  });

  test('without packaging, the output directory holds bootstrap alone (for CDK assets)', () => {
    const outputDir = path.join(scratch, 'asset');
    const result = buildAprFunction({ outputDir, env: process.env, packageZip: false });
    expect(fs.readdirSync(outputDir)).toEqual(['bootstrap']);
    expect(result.zipPath).toBeNull();
    expect(result.info.zip).toBeNull();
  }, BUILD_TIMEOUT_MS);
});
