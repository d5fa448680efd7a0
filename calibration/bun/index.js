// A hello world, as lambda-perf deploys one for every runtime: it answers every event at once. Bun's Lambda
// runtime calls the module's fetch function (Bun's server shape) with each event as a Request.
export default {
  fetch() {
    return Response.json({ statusCode: 200, body: 'hello world' });
  },
};
