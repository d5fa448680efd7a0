import { ConfigError, DEFAULTS, LIMITS, resolveAppConfigFromObject } from '../../lib/config/app-config';
import { REFERENCE_PAYLOAD } from '../../lib/benchmark/reference-payload';

function errorOf(context: Record<string, unknown>): ConfigError {
  try {
    resolveAppConfigFromObject(context);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error(`no error for ${JSON.stringify(context)}`);
}

describe('resolveAppConfig', () => {
  test('defaults: 30 cold starts, 100 warm invocations, the reference payload, run on deploy, 30-day logs', () => {
    const c = resolveAppConfigFromObject({});
    expect(c).toEqual({
      stackName: 'AprLambdaBench',
      benchmark: { coldStarts: 30, warmInvocations: 100, payload: { ...REFERENCE_PAYLOAD } },
      runOnDeploy: true,
      deployWaitMinutes: DEFAULTS.deployWaitMinutes,
      // The run on deploy measures the original comparison's two functions; no cost ceiling.
      runOnDeployTargets: ['apr', 'pytorch'],
      logRetentionDays: 30,
      architectures: ['x86_64', 'arm64'],
    });
    expect(c.maxRunCostUsd).toBeUndefined();
    expect(c.pytorchImage).toBeUndefined();
    // No targets and no memory sizes given: every target that can be built, each at its own size.
    expect(c.targets).toBeUndefined();
    expect(c.memorySizes).toBeUndefined();
  });

  test('targets: "all", a list, or comma-separated text; an unknown key is named', () => {
    expect(resolveAppConfigFromObject({ targets: 'all' }).targets).toBeUndefined();
    expect(resolveAppConfigFromObject({ targets: ['numpy', 'apr'] }).targets).toEqual(['numpy', 'apr']);
    expect(resolveAppConfigFromObject({ targets: 'apr, pytorch' }).targets).toEqual(['apr', 'pytorch']);
    expect(resolveAppConfigFromObject({ targets: '["node"]' }).targets).toEqual(['node']);
    expect(() => resolveAppConfigFromObject({ targets: ['apr', 'tensorflow'] })).toThrow(
      /^context key "targets": got \["apr","tensorflow"\]; allowed: "all", or a list of target keys from apr, apr-runtime-crate, python, numpy, onnx, pytorch, node \(unknown: "tensorflow"\)$/,
    );
    expect(() => resolveAppConfigFromObject({ targets: [] })).toThrow('context key "targets"');
    expect(() => resolveAppConfigFromObject({ targets: ['apr', 'apr'] })).toThrow('"apr" appears twice');
    expect(() => resolveAppConfigFromObject({ targets: 7 })).toThrow('context key "targets": got 7');
  });

  test('maxRunCostUsd: a positive number of dollars, or its text; negative, zero and non-numeric values name the setting', () => {
    expect(resolveAppConfigFromObject({ maxRunCostUsd: 2 }).maxRunCostUsd).toBe(2);
    expect(resolveAppConfigFromObject({ maxRunCostUsd: '0.50' }).maxRunCostUsd).toBe(0.5);
    expect(resolveAppConfigFromObject({ maxRunCostUsd: null }).maxRunCostUsd).toBeUndefined();
    for (const bad of [-1, '-1', 0, 'ten', '1e3', Number.NaN, Number.POSITIVE_INFINITY, true, [1]]) {
      const err = errorOf({ maxRunCostUsd: bad });
      expect(err.key).toBe('maxRunCostUsd');
      expect(err.message).toMatch(/^context key "maxRunCostUsd": got .*; allowed: a positive number of US dollars/);
    }
  });

  test('runOnDeployTargets: "all" or deployed functions\' keys, as the deployment names them', () => {
    expect(resolveAppConfigFromObject({ runOnDeployTargets: 'all' }).runOnDeployTargets).toBe('all');
    expect(resolveAppConfigFromObject({ runOnDeployTargets: 'apr,numpy-arm64,pytorch-1024' }).runOnDeployTargets).toEqual(['apr', 'numpy-arm64', 'pytorch-1024']);
    expect(resolveAppConfigFromObject({ runOnDeployTargets: ['apr-runtime-crate'] }).runOnDeployTargets).toEqual(['apr-runtime-crate']);
    const err = errorOf({ runOnDeployTargets: ['apr', 'tensorflow'] });
    expect(err.message).toContain('(not one: "tensorflow")');
    expect(errorOf({ runOnDeployTargets: [] }).key).toBe('runOnDeployTargets');
  });

  test('memorySizes: integers Lambda accepts (128 to 10,240 MB), each once', () => {
    expect(resolveAppConfigFromObject({ memorySizes: [128, 1769] }).memorySizes).toEqual([128, 1769]);
    expect(resolveAppConfigFromObject({ memorySizes: '128,256' }).memorySizes).toEqual([128, 256]);
    expect(() => resolveAppConfigFromObject({ memorySizes: [64] })).toThrow(/context key "memorySizes".*integers from 128 to 10240 \(not one: 64\)/);
    expect(() => resolveAppConfigFromObject({ memorySizes: [10241] })).toThrow('not one: 10241');
    expect(() => resolveAppConfigFromObject({ memorySizes: [512.5] })).toThrow('not one: 512.5');
    expect(() => resolveAppConfigFromObject({ memorySizes: '128,big' })).toThrow('not one: "big"');
    expect(() => resolveAppConfigFromObject({ memorySizes: [128, 128] })).toThrow('128 appears twice');
  });

  test('architectures: x86_64 and arm64 by default, or a list of them', () => {
    expect(resolveAppConfigFromObject({ architectures: 'x86_64' }).architectures).toEqual(['x86_64']);
    expect(() => resolveAppConfigFromObject({ architectures: ['x86_64', 'aarch64'] })).toThrow('(unknown: "aarch64")');
  });

  test('values given on the CDK command line arrive as strings and are read as their types', () => {
    const c = resolveAppConfigFromObject({
      coldStarts: '5',
      warmInvocations: '0',
      runOnDeploy: 'false',
      logRetentionDays: '7',
      payload: '{"fixed_acidity": 1}',
      deployWaitMinutes: '12',
    });
    expect(c.benchmark).toEqual({ coldStarts: 5, warmInvocations: 0, payload: { fixed_acidity: 1 } });
    expect(c.runOnDeploy).toBe(false);
    expect(c.logRetentionDays).toBe(7);
    expect(c.deployWaitMinutes).toBe(12);
  });

  test.each([
    [{ coldStarts: 0 }, 'coldStarts', 'an integer from 1 to 500'],
    [{ coldStarts: 501 }, 'coldStarts', 'an integer from 1 to 500'],
    [{ coldStarts: 2.5 }, 'coldStarts', 'an integer from 1 to 500'],
    [{ coldStarts: 'ten' }, 'coldStarts', 'an integer from 1 to 500'],
    [{ coldStarts: '-3' }, 'coldStarts', 'an integer from 1 to 500'],
    [{ warmInvocations: -1 }, 'warmInvocations', 'an integer from 0 to 5000'],
    [{ warmInvocations: 5001 }, 'warmInvocations', 'an integer from 0 to 5000'],
    [{ runOnDeploy: 'yes' }, 'runOnDeploy', 'true or false'],
    [{ runOnDeploy: 1 }, 'runOnDeploy', 'true or false'],
    [{ logRetentionDays: 2 }, 'logRetentionDays', 'one of 1, 3, 5, 7, 14, 30'],
    [{ logRetentionDays: 9999 }, 'logRetentionDays', 'one of 1, 3, 5'],
    [{ deployWaitMinutes: 51 }, 'deployWaitMinutes', 'an integer from 1 to 50'],
    [{ payload: '[1,2]' }, 'payload', 'a JSON object'],
    [{ payload: 'not json' }, 'payload', 'a JSON object'],
    [{ payload: 42 }, 'payload', 'a JSON object'],
    [{ payload: { big: 'x'.repeat(LIMITS.payloadBytes) } }, 'payload', `at most ${LIMITS.payloadBytes} bytes`],
    [{ stackName: '1stack' }, 'stackName', 'a CloudFormation stack name'],
    [{ stackName: 'has_underscore' }, 'stackName', 'a CloudFormation stack name'],
    // The state machine is named "<stack>-benchmark", and Step Functions allows 80 characters.
    [{ stackName: `S${'a'.repeat(64)}` }, 'stackName', 'at most 64 characters'],
  ])('%j is refused, naming the key, the value and what is allowed', (context, key, allowed) => {
    const err = errorOf(context);
    expect(err.key).toBe(key);
    expect(err.message).toContain(`context key "${key}"`);
    expect(err.message).toContain(JSON.stringify((context as Record<string, unknown>)[key]).slice(0, 100));
    expect(err.message).toContain(allowed);
  });

  describe('pytorchImage', () => {
    test.each([
      ['wine-pytorch:v1', { repositoryName: 'wine-pytorch', tag: 'v1' }],
      ['team/wine-pytorch:2024.06', { repositoryName: 'team/wine-pytorch', tag: '2024.06' }],
      [
        `wine@sha256:${'a'.repeat(64)}`,
        { repositoryName: 'wine', digest: `sha256:${'a'.repeat(64)}` },
      ],
      [
        'arn:aws:ecr:eu-west-1:123456789012:repository/wine-pytorch:v1',
        { repositoryArn: 'arn:aws:ecr:eu-west-1:123456789012:repository/wine-pytorch', repositoryName: 'wine-pytorch', tag: 'v1' },
      ],
      [
        '123456789012.dkr.ecr.us-east-1.amazonaws.com/wine-pytorch:latest',
        { repositoryArn: 'arn:aws:ecr:us-east-1:123456789012:repository/wine-pytorch', repositoryName: 'wine-pytorch', tag: 'latest' },
      ],
      [
        { repository: 'arn:aws:ecr:us-east-1:123456789012:repository/x', digest: `sha256:${'0'.repeat(64)}` },
        { repositoryArn: 'arn:aws:ecr:us-east-1:123456789012:repository/x', repositoryName: 'x', digest: `sha256:${'0'.repeat(64)}` },
      ],
    ])('%j is read as %j', (value, expected) => {
      expect(resolveAppConfigFromObject({ pytorchImage: value }).pytorchImage).toEqual(expected);
    });

    test.each([null, '', false, 'false'])('%j means: build the image', (value) => {
      expect(resolveAppConfigFromObject({ pytorchImage: value }).pytorchImage).toBeUndefined();
    });

    test.each([
      'wine-pytorch',
      'Wine:v1',
      'wine:',
      'wine@sha256:abc',
      { repository: 'wine', tag: 'v1', digest: `sha256:${'a'.repeat(64)}` },
      { repository: 'wine' },
      ['wine:v1'],
      'arn:aws:ecr:us-east-1:123:repository/x:v1',
    ])('%j is refused', (value) => {
      const err = errorOf({ pytorchImage: value });
      expect(err.key).toBe('pytorchImage');
      expect(err.message).toContain('"<repository>:<tag>"');
    });
  });
});
