/**
 * Runs the local Lambda service standalone with both benchmark targets registered (`apr`, `pytorch`) and
 * prints its endpoint, for use with any AWS SDK or the AWS CLI (`--endpoint-url`). Runs until Ctrl-C.
 *
 *   npm run local-lambda -- [--port 9001] [--limits auto|on|off]
 */
import * as path from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { LocalLambdaService } from '../lib/local-lambda';
import { localTargets, missingTargetFiles } from '../lib/targets/local-targets';

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError(`a port is an integer from 0 to 65535, got ${value}`);
  return n;
}

async function main(): Promise<void> {
  const program = new Command()
    .name('local-lambda')
    .description('Local AWS Lambda service (Lambda and CloudWatch Logs APIs) with the apr and pytorch functions registered')
    .option('--host <host>', 'interface to listen on', '127.0.0.1')
    .option('--port <port>', 'port to listen on (0 picks a free one)', port, 0)
    .addOption(new Option('--limits <mode>', 'cgroup memory/CPU limits').choices(['auto', 'on', 'off']).default('auto'))
    .option('--region <region>', 'region in ARNs and AWS_REGION', 'us-east-1')
    .parse();
  const opts = program.opts<{ host: string; port: number; limits: 'auto' | 'on' | 'off'; region: string }>();
  const root = path.resolve(__dirname, '..');
  const service = await LocalLambdaService.start({ host: opts.host, port: opts.port, limits: opts.limits, region: opts.region });
  const targets = localTargets(root);
  for (const target of [targets.apr, targets.pytorch]) {
    service.register(target);
    const missing = missingTargetFiles(target, root);
    process.stdout.write(`function ${target.functionName}: ${target.memorySizeMB} MB, ${target.timeoutSeconds} s${missing ? ` (not runnable yet: ${missing})` : ''}\n`);
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
