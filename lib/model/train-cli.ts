/**
 * `npm run train`: fits the wine model on the committed UCI red-wine data and writes
 * lambda-apr/model/wine.apr. Deterministic: running it twice writes byte-identical files.
 */
import { join } from 'node:path';
import { Command } from 'commander';
import { loadWineCsv } from './wine-data';
import { trainWineModel } from './train';
import { encodeApr } from './apr-pack';
import { writeFileAtomic } from '../util/atomic-write';

const ROOT = join(__dirname, '..', '..');

const program = new Command()
  .name('train')
  .description('Train the wine-quality linear model and write it in Aprender .apr format')
  .option('--data <csv>', 'red-wine CSV', join(ROOT, 'data', 'wine', 'winequality-red.csv'))
  .option('--out <file>', '.apr file to write', join(ROOT, 'lambda-apr', 'model', 'wine.apr'))
  .parse();
const options = program.opts<{ data: string; out: string }>();

const model = trainWineModel(loadWineCsv(options.data));
const bytes = encodeApr(model);
writeFileAtomic(options.out, bytes);

const { rmse, r2, cv10Rmse, samples } = model.metrics;
console.log(`trained on ${samples} red wines (ordinary least squares, Householder QR, float64)`);
console.log(`  training RMSE   ${rmse.toFixed(4)}`);
console.log(`  training R²     ${r2.toFixed(4)}`);
console.log(`  10-fold CV RMSE ${cv10Rmse.toFixed(4)}`);
console.log(`wrote ${options.out} (${bytes.length} bytes, apr-format v1)`);
