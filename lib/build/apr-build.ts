/**
 * Builds the .apr Lambda function (lambda-apr/) into a static `bootstrap` and, optionally, the zip
 * Lambda receives plus a build-info.json describing both.
 *
 * One synchronous function serves `npm run build:apr`, the tests, the benchmark and CDK's local
 * bundling (ILocalBundling.tryBundle is synchronous).
 *
 * Target: x86_64-unknown-linux-musl where that target's standard library is installed in the
 * toolchain's sysroot; otherwise x86_64-unknown-linux-gnu with `+crt-static`, because a binary
 * linked dynamically against this machine's glibc may not start on Lambda's older one. Either way
 * the binary is linked non-PIE (`relocation-model=static`): `file` then says "statically linked"
 * and the kernel maps it without the self-relocation pass a static-pie needs at every start.
 *
 * The zip is deterministic: one entry `bootstrap`, mode 0755, a fixed timestamp, no extra fields,
 * so the same binary always gives the same zip bytes.
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

export const MUSL_TARGET = 'x86_64-unknown-linux-musl';
export const GNU_TARGET = 'x86_64-unknown-linux-gnu';
/** 1980-01-01T00:00:00Z, the earliest time a zip entry can carry: every entry gets it. */
export const ZIP_ENTRY_TIME = new Date(Date.UTC(1980, 0, 1, 0, 0, 0));

export interface AprBuildOptions {
  /** Where `bootstrap` (and, with `packageZip`, bootstrap.zip and build-info.json) is written. */
  outputDir: string;
  /** The Rust crate. Default: lambda-apr/ of this repository. */
  crateDir?: string;
  /**
   * Also write bootstrap.zip and build-info.json. Default true. CDK bundling passes false: its
   * output directory becomes the asset and must hold the deployment files only.
   */
  packageZip?: boolean;
  /** Cargo's target directory. Default: <crateDir>/target. Variants built side by side use their own. */
  targetDir?: string;
  /** Build without the crate's default features (e.g. to measure our own .apr reader). */
  noDefaultFeatures?: boolean;
  /** Extra cargo features. */
  features?: string[];
  /** Release-profile settings to override, e.g. `{ 'opt-level': 's' }` (CARGO_PROFILE_RELEASE_*). */
  profileOverrides?: Record<string, string>;
  /**
   * Link a static-pie instead of a non-PIE executable. Default false; the benchmark sets it to
   * measure what the non-PIE choice buys.
   */
  positionIndependent?: boolean;
  /** Environment for cargo, rustc, file and zip. Default: this process's environment. */
  env?: NodeJS.ProcessEnv;
  /** Where cargo's progress goes: this process's stderr, or captured (and shown only on failure). */
  cargoOutput?: 'inherit' | 'capture';
  cargo?: string;
  rustc?: string;
}

export interface FileDigest {
  path: string;
  bytes: number;
  sha256: string;
}

export interface AprBuildInfo {
  target: string;
  /** Why this target: which sysroot was looked in for the musl standard library. */
  targetReason: string;
  rustflags: string;
  cargoFeatures: { noDefaultFeatures: boolean; features: string[] };
  profileOverrides: Record<string, string>;
  /** No ELF interpreter (PT_INTERP): the kernel runs it without a dynamic loader. */
  staticallyLinked: boolean;
  /** What `file` says about the binary, or null where `file` is not installed. */
  fileDescription: string | null;
  rustc: string;
  bootstrap: FileDigest;
  zip: FileDigest | null;
  model: FileDigest;
}

export interface AprBuildResult {
  info: AprBuildInfo;
  bootstrapPath: string;
  zipPath: string | null;
  buildInfoPath: string | null;
}

export class AprBuildError extends Error {}

const DEFAULT_CRATE_DIR = path.resolve(__dirname, '..', '..', 'lambda-apr');

export function buildAprFunction(options: AprBuildOptions): AprBuildResult {
  const crateDir = path.resolve(options.crateDir ?? DEFAULT_CRATE_DIR);
  const outputDir = path.resolve(options.outputDir);
  const targetDir = path.resolve(options.targetDir ?? path.join(crateDir, 'target'));
  const env = options.env ?? process.env;
  const cargo = options.cargo ?? 'cargo';
  const rustc = options.rustc ?? 'rustc';
  const packageZip = options.packageZip ?? true;
  const features = options.features ?? [];
  const profileOverrides = options.profileOverrides ?? {};

  const rustcVersion = run(rustc, ['--version'], { env }).stdout.trim();
  const { target, reason } = chooseTarget(rustc, env);
  const relocationModel = options.positionIndependent ? 'pie' : 'static';
  const rustflags = ['-C', 'target-feature=+crt-static', '-C', `relocation-model=${relocationModel}`].join(' ');

  const cargoArgs = ['build', '--release', '--locked', '--bin', 'bootstrap', '--target', target, '--manifest-path', path.join(crateDir, 'Cargo.toml')];
  if (options.noDefaultFeatures) cargoArgs.push('--no-default-features');
  if (features.length > 0) cargoArgs.push('--features', features.join(','));
  const cargoEnv: NodeJS.ProcessEnv = { ...env, RUSTFLAGS: rustflags, CARGO_TARGET_DIR: targetDir };
  // Our flags replace, not extend, any inherited ones, so that a build is the same wherever it runs.
  delete cargoEnv.CARGO_ENCODED_RUSTFLAGS;
  for (const [key, value] of Object.entries(profileOverrides)) {
    cargoEnv[`CARGO_PROFILE_RELEASE_${key.toUpperCase().replace(/-/g, '_')}`] = value;
  }
  run(cargo, cargoArgs, { env: cargoEnv, stdio: options.cargoOutput ?? 'capture' });

  const built = path.join(targetDir, target, 'release', 'bootstrap');
  fs.mkdirSync(outputDir, { recursive: true });
  const bootstrapPath = path.join(outputDir, 'bootstrap');
  copyAtomic(built, bootstrapPath, 0o755);

  const staticallyLinked = !elfHasInterpreter(fs.readFileSync(bootstrapPath));
  const fileDescription = describeWithFile(bootstrapPath, env);
  if (!staticallyLinked) {
    throw new AprBuildError(`${bootstrapPath} is dynamically linked (${fileDescription ?? 'has an ELF interpreter'}); Lambda's provided.al2023 needs a static binary`);
  }

  let zipPath: string | null = null;
  let buildInfoPath: string | null = null;
  if (packageZip) {
    zipPath = path.join(outputDir, 'bootstrap.zip');
    writeDeterministicZip(bootstrapPath, zipPath, env);
  }
  const info: AprBuildInfo = {
    target,
    targetReason: reason,
    rustflags,
    cargoFeatures: { noDefaultFeatures: options.noDefaultFeatures ?? false, features },
    profileOverrides,
    staticallyLinked,
    fileDescription,
    rustc: rustcVersion,
    bootstrap: digest(bootstrapPath, outputDir),
    zip: zipPath ? digest(zipPath, outputDir) : null,
    model: digest(path.join(crateDir, 'model', 'wine.apr'), crateDir),
  };
  if (packageZip) {
    buildInfoPath = path.join(outputDir, 'build-info.json');
    writeAtomic(buildInfoPath, JSON.stringify(info, null, 2) + '\n');
  }
  return { info, bootstrapPath, zipPath, buildInfoPath };
}

/** musl where its standard library is installed in the sysroot, else glibc linked statically. */
export function chooseTarget(rustc: string, env: NodeJS.ProcessEnv): { target: string; reason: string } {
  const sysroot = run(rustc, ['--print', 'sysroot'], { env }).stdout.trim();
  const known = run(rustc, ['--print', 'target-list'], { env }).stdout.split('\n').map((line) => line.trim());
  const muslLib = path.join(sysroot, 'lib', 'rustlib', MUSL_TARGET, 'lib');
  if (known.includes(MUSL_TARGET) && fs.existsSync(muslLib)) {
    return { target: MUSL_TARGET, reason: `${MUSL_TARGET} is installed (${muslLib})` };
  }
  return {
    target: GNU_TARGET,
    reason: `${MUSL_TARGET} is not installed (no ${muslLib}); glibc linked statically with +crt-static`,
  };
}

/** Whether an ELF file names an interpreter (PT_INTERP), i.e. needs a dynamic loader to start. */
export function elfHasInterpreter(elf: Buffer): boolean {
  if (elf.length < 64 || elf.readUInt32BE(0) !== 0x7f454c46) throw new AprBuildError('not an ELF file');
  if (elf[4] !== 2 || elf[5] !== 1) throw new AprBuildError('not a little-endian 64-bit ELF file');
  const programHeaders = Number(elf.readBigUInt64LE(0x20));
  const entrySize = elf.readUInt16LE(0x36);
  const count = elf.readUInt16LE(0x38);
  for (let i = 0; i < count; i++) {
    const offset = programHeaders + i * entrySize;
    if (offset + 4 > elf.length) throw new AprBuildError('truncated ELF program headers');
    const PT_INTERP = 3;
    if (elf.readUInt32LE(offset) === PT_INTERP) return true;
  }
  return false;
}

function describeWithFile(file: string, env: NodeJS.ProcessEnv): string | null {
  const result = spawnSync('file', ['-b', file], { env, encoding: 'utf8' });
  if (result.error || result.status !== 0) return null;
  return result.stdout.trim();
}

/**
 * Zips `bootstrap` alone with the `zip` command: staged under a fixed name with mode 0755 and a
 * fixed time (zip stores local time, hence TZ=UTC), no extra attributes (-X), no directory entries.
 */
export function writeDeterministicZip(bootstrapPath: string, zipPath: string, env: NodeJS.ProcessEnv): void {
  const staging = fs.mkdtempSync(path.join(path.dirname(zipPath), '.bootstrap-zip-'));
  try {
    const staged = path.join(staging, 'bootstrap');
    fs.copyFileSync(bootstrapPath, staged);
    fs.chmodSync(staged, 0o755);
    fs.utimesSync(staged, ZIP_ENTRY_TIME, ZIP_ENTRY_TIME);
    const temporaryZip = path.join(staging, 'bootstrap.zip');
    run('zip', ['-X', '-D', '-9', '-q', temporaryZip, 'bootstrap'], { env: { ...env, TZ: 'UTC' }, cwd: staging }, 'install it with: apt-get install zip');
    fs.renameSync(temporaryZip, zipPath);
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}

function digest(file: string, relativeTo: string): FileDigest {
  const content = fs.readFileSync(file);
  return {
    path: path.relative(relativeTo, file),
    bytes: content.length,
    sha256: createHash('sha256').update(content).digest('hex'),
  };
}

function copyAtomic(from: string, to: string, mode: number): void {
  const temporary = `${to}.${process.pid}.tmp`;
  try {
    fs.copyFileSync(from, temporary);
    fs.chmodSync(temporary, mode);
    fs.renameSync(temporary, to);
  } catch (error) {
    fs.rmSync(temporary, { force: true });
    throw error;
  }
}

function writeAtomic(file: string, content: string): void {
  const temporary = `${file}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(temporary, content);
    fs.renameSync(temporary, file);
  } catch (error) {
    fs.rmSync(temporary, { force: true });
    throw error;
  }
}

interface RunOptions {
  env: NodeJS.ProcessEnv;
  cwd?: string;
  stdio?: 'inherit' | 'capture';
}

function run(command: string, args: string[], options: RunOptions, hint?: string): SpawnSyncReturns<string> {
  const result = spawnSync(command, args, {
    env: options.env,
    cwd: options.cwd,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    // cargo writes its progress to stderr; 'inherit' sends it to ours, never to our stdout.
    stdio: options.stdio === 'inherit' ? ['ignore', 'pipe', 'inherit'] : ['ignore', 'pipe', 'pipe'],
  });
  const shown = `${command} ${args.join(' ')}`;
  if (result.error) {
    const missing = (result.error as NodeJS.ErrnoException).code === 'ENOENT';
    throw new AprBuildError(missing ? `${command} is not installed or not on PATH${hint ? `; ${hint}` : ''}` : `${shown}: ${result.error.message}`);
  }
  if (result.status !== 0) {
    const stderr = (result.stderr ?? '').trim().split('\n').slice(-30).join('\n');
    throw new AprBuildError(`${shown} failed (exit ${result.status ?? result.signal})${stderr ? `:\n${stderr}` : ''}`);
  }
  return result;
}
