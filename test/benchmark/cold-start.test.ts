import { createBenchmarkClients, type BenchmarkClients } from '../../lib/benchmark/clients';
import { COLD_START_MARKER_VARIABLE, ColdStartError, forceColdStart } from '../../lib/benchmark/cold-start';
import { FakeAws, TEST_CREDENTIALS } from './fake-aws';

describe('forceColdStart over the Lambda wire protocol', () => {
  const fake = new FakeAws();
  let clients: BenchmarkClients;

  beforeAll(async () => {
    const endpoint = await fake.start();
    clients = createBenchmarkClients({ region: 'us-east-1', endpoint, credentials: TEST_CREDENTIALS });
  });
  afterAll(async () => {
    clients.lambda.destroy();
    await fake.stop();
  });

  test('sets the marker, keeps every other variable, and waits until the update is done', async () => {
    const fn = fake.addFunction('wine', { variables: { MODEL: 'wine.apr', RUST_LOG: 'info' }, onUpdate: 2, warm: true });
    const out = await forceColdStart(clients.lambda, 'wine', 'run1-apr-0', { minDelaySeconds: 0.05 });
    expect(fn.variables).toEqual({ MODEL: 'wine.apr', RUST_LOG: 'info', [COLD_START_MARKER_VARIABLE]: 'run1-apr-0' });
    expect(fn.lastUpdateStatus).toBe('Successful');
    expect(fn.warm).toBe(false);
    expect(out.marker).toBe('run1-apr-0');
    expect(out.previousMarker).toBeUndefined();
    expect(out.updateWaitMs).toBeGreaterThan(0);
    // The waiter polled through the two InProgress answers (one more GET for the Successful one).
    const gets = fake.requests.filter((r) => r.method === 'GET' && r.path.endsWith('/wine/configuration'));
    expect(gets.length).toBe(4);
    const put = fake.requests.find((r) => r.method === 'PUT');
    expect(JSON.parse(put!.body)).toEqual({ Environment: { Variables: fn.variables } });

    const again = await forceColdStart(clients.lambda, 'wine', 'run1-apr-1', { minDelaySeconds: 0.05 });
    expect(again.previousMarker).toBe('run1-apr-0');
    expect(fn.variables[COLD_START_MARKER_VARIABLE]).toBe('run1-apr-1');
  });

  test('waits for an update already in progress before changing anything', async () => {
    const fn = fake.addFunction('busy', { lastUpdateStatus: 'InProgress', pollsUntilUpdated: 1 });
    await forceColdStart(clients.lambda, 'busy', 'm1', { minDelaySeconds: 0.05 });
    expect(fn.variables[COLD_START_MARKER_VARIABLE]).toBe('m1');
  });

  test('refuses a marker equal to the current one (it would not retire the environment)', async () => {
    fake.addFunction('same', { variables: { [COLD_START_MARKER_VARIABLE]: 'm1' } });
    await expect(forceColdStart(clients.lambda, 'same', 'm1')).rejects.toThrow(/already "m1"/);
  });

  test('a failed update is reported with Lambda\'s reason', async () => {
    fake.addFunction('broken', { onUpdate: 'fail' });
    const err = await forceColdStart(clients.lambda, 'broken', 'm1', { minDelaySeconds: 0.05 }).catch((e) => e);
    expect(err).toBeInstanceOf(ColdStartError);
    expect(err.message).toBe('cannot force a cold start of broken: the configuration update failed: Lambda could not apply the configuration');
  });

  test('an update that never finishes is bounded by maxWaitSeconds', async () => {
    fake.addFunction('stuck', { onUpdate: 1_000_000 });
    const t0 = Date.now();
    const err = await forceColdStart(clients.lambda, 'stuck', 'm1', { minDelaySeconds: 0.1, maxWaitSeconds: 1 }).catch((e) => e);
    expect(err).toBeInstanceOf(ColdStartError);
    expect(err.message).toMatch(/did not finish within 1 s/);
    expect(Date.now() - t0).toBeLessThan(5000);
  });

  test('an unknown function fails with the service error', async () => {
    await expect(forceColdStart(clients.lambda, 'absent', 'm1')).rejects.toThrow(/Function not found/);
  });

  test('an empty marker is rejected before any call', async () => {
    await expect(forceColdStart(clients.lambda, 'wine', '')).rejects.toThrow(/non-empty/);
  });
});
