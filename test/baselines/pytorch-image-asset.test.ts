/**
 * The PyTorch image's build context as CDK stages and hashes it (the same ignore rules Docker applies):
 * `fromImageAsset(repoRoot, { file: 'baselines/pytorch-wine/Dockerfile' })` must send exactly the files the
 * Dockerfile copies (plus the Dockerfile and .dockerignore), and the asset hash must follow those files only.
 */
import { mkdtempSync, mkdirSync, copyFileSync, readdirSync, rmSync, statSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, relative } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { DockerImageCode, DockerImageFunction } from 'aws-cdk-lib/aws-lambda';

const REPO = join(__dirname, '..', '..');
const DOCKERFILE = 'baselines/pytorch-wine/Dockerfile';

/** The sources of every COPY instruction (continuation lines joined, destination dropped). */
function copySources(dockerfile: string): string[] {
  const joined = dockerfile.replace(/\\\n/g, ' ');
  return joined
    .split('\n')
    .filter((line) => /^COPY\s/.test(line))
    .flatMap((line) => line.trim().split(/\s+/).slice(1, -1));
}

function listFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else out.push(relative(root, path));
    }
  };
  walk(root);
  return out.sort();
}

interface DockerImageAssetManifest {
  dockerImages: Record<string, { source: { directory: string; dockerFile?: string } }>;
}

/**
 * Synthesizes a function built from the image, as the stack does; returns the staged build context's
 * files and the asset hash (from the cloud assembly's asset manifest).
 */
function stage(contextRoot: string): { files: string[]; hash: string } {
  const outdir = mkdtempSync(join(tmpdir(), 'pytorch-asset-'));
  try {
    const app = new App({ outdir });
    const stack = new Stack(app, 'PytorchAssetTest');
    new DockerImageFunction(stack, 'Function', {
      code: DockerImageCode.fromImageAsset(contextRoot, { file: DOCKERFILE }),
    });
    app.synth();
    const manifest = JSON.parse(readFileSync(join(outdir, `${stack.artifactId}.assets.json`), 'utf8')) as DockerImageAssetManifest;
    const images = Object.entries(manifest.dockerImages);
    expect(images).toHaveLength(1);
    const [hash, { source }] = images[0];
    expect(source.dockerFile).toBe(DOCKERFILE);
    return { files: listFiles(join(outdir, source.directory)), hash };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

describe('PyTorch image build context', () => {
  const sources = copySources(readFileSync(join(REPO, DOCKERFILE), 'utf8'));

  test('the Dockerfile copies the function code and wine.apr', () => {
    expect(sources).toContain('lambda-apr/model/wine.apr');
    expect(sources).toContain('baselines/pytorch-wine/lambda_function.py');
  });

  test('CDK stages exactly the copied files, the Dockerfile and .dockerignore from the repository root', () => {
    const { files } = stage(REPO);
    expect(files).toEqual([...sources, DOCKERFILE, '.dockerignore'].sort());
  });

  test('the asset hash ignores other files and follows the copied ones and the Dockerfile', () => {
    const copy = mkdtempSync(join(tmpdir(), 'pytorch-context-'));
    try {
      for (const path of [...sources, DOCKERFILE, '.dockerignore']) {
        mkdirSync(dirname(join(copy, path)), { recursive: true });
        copyFileSync(join(REPO, path), join(copy, path));
      }
      const base = stage(copy).hash;
      expect(stage(REPO).hash).toBe(base);

      mkdirSync(join(copy, 'baselines/pytorch-wine/.venv'), { recursive: true });
      writeFileSync(join(copy, 'baselines/pytorch-wine/model.pt'), 'built locally');
      writeFileSync(join(copy, 'baselines/pytorch-wine/.venv/marker'), 'x');
      writeFileSync(join(copy, 'README.md'), 'docs');
      expect(stage(copy).hash).toBe(base);

      writeFileSync(join(copy, DOCKERFILE), readFileSync(join(REPO, DOCKERFILE), 'utf8') + '\n# changed\n');
      const dockerfileChanged = stage(copy).hash;
      expect(dockerfileChanged).not.toBe(base);

      const model = readFileSync(join(REPO, 'lambda-apr/model/wine.apr'));
      model[model.length - 1] ^= 1;
      writeFileSync(join(copy, 'lambda-apr/model/wine.apr'), model);
      expect(stage(copy).hash).not.toBe(dockerfileChanged);
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });
});
