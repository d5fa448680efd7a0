// The `node` function of the ladder: Node.js without dependencies on the managed nodejs22.x runtime, reading
// wine.apr itself at init (apr-reader.mjs) and answering under docs/CONTRACT.md (wine-rules.mjs).
import { readFileSync } from 'node:fs';
import { readApr } from './apr-reader.mjs';
import { evaluate, FEATURE_NAMES, predictFloat32, render } from './wine-rules.mjs';

const loadStarted = process.hrtime.bigint();
const apr = readApr(new Uint8Array(readFileSync(new URL('./wine.apr', import.meta.url))), FEATURE_NAMES);
const model = {
  coefficients: apr.coefficients,
  featureMeans: apr.statistics.featureMeans,
  featureMins: apr.statistics.featureMins,
  featureMaxs: apr.statistics.featureMaxs,
  predict: (x) => predictFloat32(apr.coefficients, apr.intercept, x),
};
const modelLoadUs = Number(process.hrtime.bigint() - loadStarted) / 1000;
console.log(`wine model: Node.js ${process.version}, wine.apr read in ${modelLoadUs.toFixed(0)} us`);

export const handler = async (event) => {
  const started = process.hrtime.bigint();
  const outcome = evaluate(event, model);
  const inferenceUs = Number(process.hrtime.bigint() - started) / 1000;
  return render(outcome, { runtime: 'node', inference_us: inferenceUs, model_load_us: modelLoadUs });
};
