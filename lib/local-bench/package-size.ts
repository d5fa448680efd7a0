import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

export interface PackageSize {
  bytes: number;
  label: string;
}

/**
 * Locally there is no container image, so the PyTorch function's package size is the installed size of
 * what it actually loads (interpreter, imported packages with torch whole, mapped native libraries),
 * measured by importing the handler as awslambdaric does. Labelled as such wherever it is shown.
 */
export function measurePytorchFootprint(python: string, functionDir: string): PackageSize {
  const script = join(__dirname, 'pytorch_footprint.py');
  let out: string;
  try {
    out = execFileSync(python, [script, 'lambda_function'], { cwd: functionDir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 });
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr?.trim().split('\n').slice(-3).join(' ') ?? '';
    throw new Error(`measuring the PyTorch function's installed size failed: ${stderr || (error as Error).message}`);
  }
  // The handler logs a line at import; the probe's JSON is the last line.
  const result = JSON.parse(out.trim().split('\n').pop() ?? '{}') as { bytes?: number; torch?: string };
  if (typeof result.bytes !== 'number') throw new Error(`the PyTorch footprint probe printed no size: ${out}`);
  return { bytes: result.bytes, label: `installed files the function loads (Python, torch ${result.torch ?? '?'}, native libraries); no image locally` };
}
