// The fc2 Node.js SDK (@alicloud/fc2, FC's 2016-08-15 API) against fclocal.
//
// Endpoint `http://127.0.0.1:PORT`; the SDK signs with FC's own signature,
// its `get`/`post` sign HTTP-trigger requests under `/proxy/`. Prints one
// JSON line of what each call answered; the Rust test asserts on it.
'use strict';

const FC = require('@alicloud/fc2');

function client(secret) {
  return new FC('1234567890', {
    accessKeyID: process.env.FCLOCAL_ACCESS_KEY_ID,
    accessKeySecret: secret,
    region: 'cn-hangzhou',
    endpoint: process.env.FCLOCAL_URL,
  });
}

// The SDK's error for a call that must fail.
async function failure(call) {
  try {
    await call();
  } catch (error) {
    return { code: error.code, message: error.message };
  }
  throw new Error('the call succeeded');
}

async function main() {
  const fc = client(process.env.FCLOCAL_ACCESS_KEY_SECRET);
  const found = {};

  const sync = await fc.invokeFunction('demo', 'hostile', '{"action":"echo","n":4}', {}, 'LATEST');
  found.sync = sync.data;

  const tail = await fc.invokeFunction('demo', 'hostile', '{"action":"stderr"}', {
    'x-fc-log-type': 'Tail',
  });
  found.tail = {
    request_id: tail.headers['x-fc-request-id'],
    log: Buffer.from(tail.headers['x-fc-log-result'], 'base64').toString(),
  };

  const error = await fc.invokeFunction('demo', 'hostile', '{"action":"error"}');
  found.error = { type: error.headers['x-fc-error-type'], body: error.data };

  const queued = await fc.invokeFunction('other', 'worker', '{"action":"ok"}', {
    'x-fc-invocation-type': 'Async',
  });
  found.async = { request_id: queued.headers['x-fc-request-id'] };

  found.services = (await fc.listServices()).data.services.map((s) => s.serviceName);
  found.service = (await fc.getService('demo')).data.description;
  const pages = [];
  let nextToken;
  for (;;) {
    const options = nextToken ? { limit: 3, nextToken } : { limit: 3 };
    const page = (await fc.listFunctions('demo', options)).data;
    pages.push(page.functions.map((f) => f.functionName));
    nextToken = page.nextToken;
    if (!nextToken) break;
  }
  found.pages = pages;
  const fn = (await fc.getFunction('demo', 'hostile')).data;
  found.function = { name: fn.functionName, timeout: fn.timeout, handler: fn.handler };
  found.triggers = (await fc.listTriggers('demo', 'web')).data.triggers.map((t) => [
    t.triggerName,
    JSON.parse(t.triggerConfig).authType,
  ]);
  found.trigger = (await fc.getTrigger('demo', 'secure', 'signed')).data.urlInternet;

  // The SDK signs requests to the HTTP trigger (FUNCTION auth).
  const echo = await fc.post('/proxy/demo/secure/echo', 'fc2 node body', {}, { b: '2', a: '1' });
  found.http_trigger = echo.data;
  found.http_trigger_wrong_secret = await failure(() =>
    client('not-the-secret').get('/proxy/demo/secure/echo', { q: '1' }),
  );

  found.missing = await failure(() => fc.getFunction('demo', 'nope'));
  found.write = await failure(() => fc.createService('new'));
  found.wrong_secret = await failure(() => client('not-the-secret').listServices());

  console.log(JSON.stringify(found));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
