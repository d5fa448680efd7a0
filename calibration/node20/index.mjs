// A hello world, as lambda-perf deploys one for every runtime: it answers every event at once.
export const handler = async () => ({ statusCode: 200, body: 'hello world' });
