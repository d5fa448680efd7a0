import { join } from 'node:path';
import { runInOwnGroup } from '../process/process-group';

export interface PackageSize {
  bytes: number;
  label: string;
}

export interface FootprintOptions {
  signal?: AbortSignal;
  onGroup?: (pgid: number) => () => void;
}

/**
 * Locally there is no container image, so the PyTorch function's package size is the installed size of
 * what it actually loads (interpreter, imported packages with torch whole, mapped native libraries),
 * measured by importing the handler as awslambdaric does. Labelled as such wherever it is shown.
 * The probe runs in its own process group, so stopping the run stops it.
 */
export async function measurePytorchFootprint(python: string, functionDir: string, options: FootprintOptions = {}): Promise<PackageSize> {
  const script = join(__dirname, 'pytorch_footprint.py');
  const run = await runInOwnGroup(python, [script, 'lambda_function'], { cwd: functionDir, ...options });
  if (run.code !== 0) {
    const stderr = run.stderr.trim().split('\n').slice(-3).join(' ');
    throw new Error(`measuring the PyTorch function's installed size failed: ${stderr || `exit ${run.code ?? run.signal}`}`);
  }
  // The handler logs a line at import; the probe's JSON is the last line.
  const result = JSON.parse(run.stdout.trim().split('\n').pop() ?? '{}') as { bytes?: number; torch?: string };
  if (typeof result.bytes !== 'number') throw new Error(`the PyTorch footprint probe printed no size: ${run.stdout}`);
  return { bytes: result.bytes, label: `installed files the function loads (Python, torch ${result.torch ?? '?'}, native libraries); no image locally` };
}
