import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { synthApp } from '../../bin/app';
import { loadCdkJsonContext } from '../../lib/config/cdk-json';
import { formatSeconds, formatUsd } from '../../lib/plan';
import { createApp, REPO_ROOT } from '../../lib/stacks/app';
import { deployedCostCeiling } from '../../lib/handlers/prepare';

/** `cdk synth` runs bin/app.ts: its synthApp prints the plan (stdout) before writing the template; refusals go to stderr. */
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function run(context: Record<string, unknown>): { code: number; stdout: string; stderr: string; outdir: string } {
  const outdir = mkdtempSync(path.join(os.tmpdir(), 'apr-bench-plan-synth-'));
  dirs.push(outdir);
  let stdout = '';
  let stderr = '';
  const code = synthApp(
    {
      // cdk.json's context, bundling skipped: the plan does not depend on any function's code.
      context: { ...loadCdkJsonContext(REPO_ROOT), 'aws:cdk:bundling-stacks': [], ...context },
      outdir,
      aprBundler: () => {
        throw new Error('bundling should have been skipped');
      },
    },
    {
      out: (text) => {
        stdout += text;
      },
      err: (text) => {
        stderr += text;
      },
    },
  );
  return { code, stdout, stderr, outdir };
}

test('synth prints the plan of the run on deploy and of a full run, with cost by service, sources, and the wait verdict', () => {
  const { code, stdout, stderr, outdir } = run({});
  expect(code).toBe(0);
  expect(stderr).toBe('');
  // The same plans the app computed, in the text.
  const { runPlans } = createApp({
    context: { ...loadCdkJsonContext(REPO_ROOT), 'aws:cdk:bundling-stacks': [] },
    outdir: mkdtempSync(path.join(os.tmpdir(), 'apr-bench-plan-synth-')),
    aprBundler: () => {
      throw new Error('no bundling');
    },
  });
  const onDeploy = runPlans.onDeploy!;
  expect(stdout).toContain('Plan of the run on deploy (runOnDeployTargets: apr, pytorch) on AWS: 2 functions');
  expect(stdout).toContain(`duration: about ${formatSeconds(onDeploy.seconds.typical)} (${formatSeconds(onDeploy.seconds.low)} to ${formatSeconds(onDeploy.seconds.high)})`);
  expect(stdout).toContain(`AWS cost of one run: about ${formatUsd(onDeploy.cost!.usd.typical)}`);
  for (const source of ['https://aws.amazon.com/lambda/pricing/', 'https://aws.amazon.com/step-functions/pricing/', 'https://aws.amazon.com/cloudwatch/pricing/', 'https://aws.amazon.com/s3/pricing/']) {
    expect(stdout).toContain(`(${source}, read 2026-12-07)`);
  }
  expect(stdout).toContain('the run fits even at the plan\'s high estimate');
  expect(stdout).toContain(`Plan of a full run (\`npm run bench:aws\`, every deployed function) on AWS: ${runPlans.full.functions.length} function`);
  // And the template was written after it.
  expect(readFileSync(path.join(outdir, 'AprLambdaBench.template.json'), 'utf8')).toContain('"RunTargets": "apr,pytorch"');
}, 180_000);

test('a run on deploy that cannot finish within the wait is said at synth, with the command that follows it', () => {
  const { code, stdout } = run({ runOnDeployTargets: 'all', coldStarts: 150, deployWaitMinutes: 10 });
  expect(code).toBe(0);
  expect(stdout).toMatch(/The run cannot finish within the deployment's 10 min wait \(plan about \d+ h \d+ min\)/);
  expect(stdout).toContain('npm run bench:aws -- --execution-arn <BenchmarkExecutionArn from the stack outputs>');
}, 180_000);

test('a run on deploy over maxRunCostUsd stops the synth with the plan\'s figures; bad values name the setting', () => {
  const over = run({ maxRunCostUsd: 0.001 });
  expect(over.code).toBe(1);
  expect(over.stderr).toMatch(/^error: the run on deploy is refused: its plan costs up to \$0\.\d+ on AWS .* over maxRunCostUsd \$0\.0010\. The plan: 2 functions \(apr, pytorch\)/);
  expect(over.stdout).toBe('');
  for (const bad of [-2, 'cheap']) {
    const r = run({ maxRunCostUsd: bad });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: context key "maxRunCostUsd": got .*; allowed: a positive number of US dollars/);
  }
}, 180_000);

test('maxRunCostUsd reaches Prepare as BENCH_MAX_RUN_COST_USD, and only when it is set', () => {
  const envOfPrepare = (outdir: string) => {
    const json = JSON.parse(readFileSync(path.join(outdir, 'AprLambdaBench.template.json'), 'utf8'));
    const prepare = Object.values(json.Resources as Record<string, any>).find(
      (r) => r.Type === 'AWS::Lambda::Function' && r.Properties?.Environment?.Variables?.BENCH_TARGETS !== undefined,
    );
    return prepare.Properties.Environment.Variables as Record<string, unknown>;
  };
  const withCeiling = run({ maxRunCostUsd: '5' });
  expect(withCeiling.code).toBe(0);
  expect(envOfPrepare(withCeiling.outdir).BENCH_MAX_RUN_COST_USD).toBe('5');
  const without = run({});
  expect(envOfPrepare(without.outdir)).not.toHaveProperty('BENCH_MAX_RUN_COST_USD');
  // What Prepare's handler reads from it (lib/handlers/lambda/index.ts).
  expect(deployedCostCeiling('5')).toBe(5);
  expect(deployedCostCeiling(undefined)).toBeUndefined();
  expect(() => deployedCostCeiling('-1')).toThrow('prepare: BENCH_MAX_RUN_COST_USD must be a positive number of US dollars, got "-1"');
}, 180_000);

test('the plan is printed before any function is built', () => {
  let stdout = '';
  let printedBeforeBuild: boolean | undefined;
  const outdir = mkdtempSync(path.join(os.tmpdir(), 'apr-bench-plan-synth-'));
  dirs.push(outdir);
  // Bundling on: the first function's build is the .apr bundler, which stops the synth here.
  expect(() =>
    synthApp(
      {
        context: { ...loadCdkJsonContext(REPO_ROOT) },
        outdir,
        aprBundler: () => {
          printedBeforeBuild = stdout.includes('Plan of the run on deploy');
          throw new Error('stop at the first build');
        },
      },
      { out: (text) => (stdout += text), err: () => undefined },
    ),
  ).toThrow('stop at the first build');
  expect(printedBeforeBuild).toBe(true);
}, 180_000);
