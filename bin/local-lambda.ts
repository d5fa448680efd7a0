/**
 * Runs the local Lambda service standalone and prints its endpoint, for use with any AWS SDK or the AWS
 * CLI (`--endpoint-url`). It serves the registry's targets (lib/targets/registry.ts) and any target
 * file's function, chosen as `npm run bench` chooses them: `--targets` names registry keys (default:
 * every one that can run here, the others listed with why and the command that builds them; a named one
 * that cannot run stops it), `--target-file` adds functions described in JSON (lib/targets/target-file.ts).
 * Runs until Ctrl-C.
 *
 *   npm run local-lambda -- [--targets apr,python|none] [--target-file FILE] [--port 9001] [--limits auto|on|off]
 */
import * as path from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { LocalLambdaService, type LocalFunctionDefinition } from '../lib/local-lambda';
import { targetFileArgument, targetList } from '../lib/local-bench/options';
import { checkTargetFiles, chooseRegistryTargets, registryLocalDefinition } from '../lib/targets/local-targets';
import { TARGET_KEYS, type TargetKey } from '../lib/targets/registry';
import type { TargetFile } from '../lib/targets/target-file';

function port(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isInteger(n) || n > 65535) throw new InvalidArgumentError(`a port is an integer from 0 to 65535, got ${value}`);
  return n;
}

interface LocalLambdaOptions {
  host: string;
  port: number;
  limits: 'auto' | 'on' | 'off';
  region: string;
  targets: TargetKey[];
  targetFile: TargetFile[];
}

function buildCommand(): Command {
  return new Command()
    .name('local-lambda')
    .description('Local AWS Lambda service (Lambda and CloudWatch Logs APIs) serving the registry\'s targets and target files\' functions')
    .option('--targets <list>', `registry targets to serve, comma-separated (${TARGET_KEYS.join(',')}), or none (default: every one that can run here)`, targetList, [...TARGET_KEYS])
    .option('--target-file <file>', 'a JSON target file describing another function to serve (lib/targets/target-file.ts); repeatable, or a comma-separated list', targetFileArgument, [])
    .option('--host <host>', 'interface to listen on', '127.0.0.1')
    .option('--port <port>', 'port to listen on (0 picks a free one)', port, 0)
    .addOption(new Option('--limits <mode>', 'cgroup memory/CPU limits').choices(['auto', 'on', 'off']).default('auto'))
    .option('--region <region>', 'region in ARNs and AWS_REGION', 'us-east-1');
}

/** What the service registers, checked before it starts; a problem ends the command with its usage error. */
function chooseFunctions(command: Command, opts: LocalLambdaOptions, root: string): { definitions: LocalFunctionDefinition[]; notes: string[] } {
  if (opts.targets.length === 0 && opts.targetFile.length === 0) command.error('error: --targets none needs at least one --target-file');
  try {
    checkTargetFiles(opts.targetFile);
  } catch (error) {
    command.error(`error: option '--target-file <file>': ${(error as Error).message}`);
  }
  let chosen: { ready: TargetKey[]; skipped: { key: string; reason: string; command: string }[] };
  try {
    chosen = chooseRegistryTargets(opts.targets, command.getOptionValueSource('targets') === 'cli', root);
  } catch (error) {
    command.error(`error: option '--targets <list>': ${(error as Error).message}`);
  }
  const notes = chosen.skipped.map((s) => `skipped ${s.key}: ${s.reason} (build it with \`${s.command}\`)`);
  const definitions = [...chosen.ready.map((key) => registryLocalDefinition(key, root)), ...opts.targetFile.map((tf) => tf.definition)];
  if (definitions.length === 0) command.error('error: no registry target can run here and no --target-file was given; build one (above) or give a target file');
  return { definitions, notes };
}

async function main(): Promise<void> {
  const command = buildCommand().parse();
  const opts = command.opts<LocalLambdaOptions>();
  const root = path.resolve(__dirname, '..');
  const { definitions, notes } = chooseFunctions(command, opts, root);
  for (const note of notes) process.stdout.write(`${note}\n`);
  const service = await LocalLambdaService.start({ host: opts.host, port: opts.port, limits: opts.limits, region: opts.region });
  for (const definition of definitions) {
    service.register(definition);
    process.stdout.write(`function ${definition.functionName}: ${definition.runtime}, ${definition.memorySizeMB} MB, ${definition.timeoutSeconds} s\n`);
  }
  process.stdout.write(`limits: ${service.limits.applied ? 'applied' : 'not applied'} (${service.limits.reason})\n`);
  process.stdout.write(`endpoint: ${service.endpoint}\n`);
  process.stdout.write('Ctrl-C stops the service and every execution environment.\n');
  const shutdown = (): void => {
    service.stop().then(
      () => process.exit(0),
      (e: unknown) => {
        process.stderr.write(`local-lambda: stopping failed: ${(e as Error).message}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

main().catch((e: unknown) => {
  process.stderr.write(`local-lambda: ${(e as Error).message}\n`);
  process.exit(1);
});
