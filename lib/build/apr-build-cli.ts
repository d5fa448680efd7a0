/**
 * `npm run build:apr`: builds lambda-apr/dist/bootstrap, bootstrap.zip and build-info.json and
 * says which target it built.
 */
import * as path from 'node:path';
import { Command } from 'commander';
import { AprBuildError, buildAprFunction } from './apr-build';

const program = new Command()
  .name('build:apr')
  .description('Build the .apr Lambda function (lambda-apr/) into a static bootstrap and its deployment zip')
  .option('--output-dir <dir>', 'where bootstrap, bootstrap.zip and build-info.json go', path.resolve(__dirname, '..', '..', 'lambda-apr', 'dist'))
  .option('--json', 'print build-info.json to stdout instead of a summary')
  .parse();

const options = program.opts<{ outputDir: string; json?: boolean }>();

try {
  const { info, bootstrapPath, zipPath, buildInfoPath } = buildAprFunction({
    outputDir: options.outputDir,
    env: process.env,
    cargoOutput: 'inherit',
  });
  if (options.json) {
    process.stdout.write(JSON.stringify(info, null, 2) + '\n');
  } else {
    const lines = [
      `target: ${info.target} (${info.targetReason})`,
      `static: ${info.staticallyLinked ? 'yes' : 'no'}${info.fileDescription ? ` (file: ${info.fileDescription})` : ''}`,
      `rustc: ${info.rustc}`,
      `bootstrap: ${bootstrapPath} (${info.bootstrap.bytes} bytes, sha256 ${info.bootstrap.sha256})`,
      `zip: ${zipPath} (${info.zip?.bytes} bytes, sha256 ${info.zip?.sha256})`,
      `build info: ${buildInfoPath}`,
    ];
    process.stdout.write(lines.join('\n') + '\n');
  }
} catch (error) {
  if (error instanceof AprBuildError) {
    process.stderr.write(`build:apr: ${error.message}\n`);
    process.exit(1);
  }
  throw error;
}
