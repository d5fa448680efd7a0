// The Lambda runtime loop of the Bun calibration function, compiled with the Bun binary into one executable,
// `dist/bootstrap` (`bun build --compile runtime.ts`), as lambda-perf builds its `bun (prov.al2)` function:
// it compiles Bun's own Lambda runtime (packages/bun-lambda/runtime.ts in github.com/oven-sh/bun) the same
// way and zips that bootstrap with the handler. That file is not on any package registry, so this is our own
// loop with the same start-up path: read the Runtime API address, the handler and the task root from the
// environment, import the handler module from the task root, take its `fetch` function (Bun's server
// shape: a Request in, a Response out), then ask for the next event with `fetch`. What it leaves out
// (API Gateway and WebSocket event mapping, the AWS request signer) runs per event or not at all for a
// hello world, not during init.

type FetchHandler = (request: Request) => Response | Promise<Response>;

function env(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') {
    console.error(`Runtime failed to find the '${name}' environment variable`);
    process.exit(1);
  }
  return value;
}

const runtimeApi = `http://${env('AWS_LAMBDA_RUNTIME_API')}/2018-06-01/runtime/`;

async function post(path: string, body: string, headers: Record<string, string> = {}): Promise<void> {
  const response = await fetch(runtimeApi + path, { method: 'POST', body, headers });
  if (!response.ok) {
    console.error(`Runtime API answered ${response.status} to POST ${path}`);
    process.exit(1);
  }
}

function errorBody(error: unknown): string {
  return error instanceof Error
    ? JSON.stringify({ errorType: error.name, errorMessage: error.message, stackTrace: error.stack?.split('\n') ?? [] })
    : JSON.stringify({ errorType: 'Error', errorMessage: String(error) });
}

const errorHeaders = (type: string) => ({ 'Content-Type': 'application/vnd.aws.lambda.error+json', 'Lambda-Runtime-Function-Error-Type': `Bun.${type}` });

/** Imports `<task root>/<file>` for a handler `<file>.<name>` and returns its fetch function. */
async function loadHandler(): Promise<FetchHandler> {
  const handler = env('_HANDLER');
  const dot = handler.lastIndexOf('.');
  const file = dot < 0 ? handler : handler.slice(0, dot);
  const name = (dot < 0 ? '' : handler.slice(dot + 1)) || 'fetch';
  const module = await import(`${env('LAMBDA_TASK_ROOT')}/${file}`);
  const exported = module.default ?? module[name];
  const fn = typeof exported === 'function' ? exported : exported?.[name];
  if (typeof fn !== 'function') throw new TypeError(`${file} does not export a function named '${name}' (or a default export with one)`);
  return fn.bind(exported);
}

/** A Lambda response from the handler's Response: status, headers and body, base64 unless it is text or JSON. */
async function lambdaResponse(response: Response): Promise<string> {
  const headers = Object.fromEntries(response.headers.entries());
  const mime = headers['content-type'] ?? '';
  const isBase64Encoded = !mime.startsWith('text/') && !mime.startsWith('application/json');
  const body = isBase64Encoded ? Buffer.from(await response.arrayBuffer()).toString('base64') : await response.text();
  return JSON.stringify({ statusCode: response.status, headers, isBase64Encoded, body });
}

let handler: FetchHandler;
try {
  handler = await loadHandler();
} catch (error) {
  console.error(error);
  await post('init/error', errorBody(error), errorHeaders('InitError'));
  process.exit(1);
}

for (;;) {
  const next = await fetch(runtimeApi + 'invocation/next');
  if (!next.ok) {
    console.error(`Runtime API answered ${next.status} to GET invocation/next`);
    process.exit(1);
  }
  const requestId = next.headers.get('Lambda-Runtime-Aws-Request-Id') ?? '';
  const event = await next.text();
  try {
    // An event that is not an HTTP request reaches the handler as a POST of its JSON, as in Bun's runtime.
    const request = new Request('https://lambda/', { method: 'POST', body: event, headers: { 'Content-Type': 'application/json;charset=utf-8', 'x-amzn-requestid': requestId } });
    await post(`invocation/${requestId}/response`, await lambdaResponse(await handler(request)));
  } catch (error) {
    console.error(error);
    await post(`invocation/${requestId}/error`, errorBody(error), errorHeaders('RequestError'));
  }
}
