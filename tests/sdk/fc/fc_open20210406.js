// The FC Open API Node.js SDK (@alicloud/fc-open20210406, 2021-04-06)
// against fclocal.
//
// Endpoint `127.0.0.1:PORT` with protocol `http`, signed with
// ACS3-HMAC-SHA256 by the SDK (which signs `host`, `content-type` and the
// `x-acs-*` headers). Prints one JSON line of what each call answered; the
// Rust test asserts on it.
'use strict';

const FC = require('@alicloud/fc-open20210406');
const $OpenApi = require('@alicloud/openapi-client');
const $Util = require('@alicloud/tea-util');

const Client = FC.default;

function client(secret) {
  return new Client(
    new $OpenApi.Config({
      accessKeyId: process.env.FCLOCAL_ACCESS_KEY_ID,
      accessKeySecret: secret,
      endpoint: `${process.env.FCLOCAL_HOST}:${process.env.FCLOCAL_PORT}`,
      protocol: 'http',
    }),
  );
}

async function failure(call) {
  try {
    await call();
  } catch (error) {
    return { status: error.statusCode, code: error.code, message: error.message };
  }
  throw new Error('the call succeeded');
}

async function invoke(fc, service, fn, event, headers = {}, qualifier) {
  return fc.invokeFunctionWithOptions(
    service,
    fn,
    new FC.InvokeFunctionRequest({ body: Buffer.from(event), qualifier }),
    new FC.InvokeFunctionHeaders(headers),
    new $Util.RuntimeOptions({}),
  );
}

async function main() {
  const fc = client(process.env.FCLOCAL_ACCESS_KEY_SECRET);
  const found = {};

  const sync = await invoke(fc, 'demo', 'hostile', '{"action":"echo","n":6}', {}, 'LATEST');
  found.sync = { status: sync.statusCode, body: Buffer.from(sync.body).toString() };

  const tail = await invoke(fc, 'demo', 'hostile', '{"action":"stderr"}', { xFcLogType: 'Tail' });
  found.tail = {
    request_id: tail.headers['x-fc-request-id'],
    log: Buffer.from(tail.headers['x-fc-log-result'], 'base64').toString(),
  };

  const error = await invoke(fc, 'demo', 'hostile', '{"action":"error"}');
  found.error = {
    status: error.statusCode,
    type: error.headers['x-fc-error-type'],
    body: JSON.parse(Buffer.from(error.body).toString()),
  };

  const queued = await invoke(fc, 'other', 'worker', '{"action":"ok"}', {
    xFcInvocationType: 'Async',
    xFcStatefulAsyncInvocationId: 'stateful-node-1',
  });
  found.async = {
    status: queued.statusCode,
    request_id: queued.headers['x-fc-request-id'],
    task_id: queued.headers['x-fc-stateful-async-invocation-id'],
  };

  const services = (await fc.listServices(new FC.ListServicesRequest({ limit: 1 }))).body;
  found.services = { names: services.services.map((s) => s.serviceName), nextToken: services.nextToken };
  found.service = (await fc.getService('other', new FC.GetServiceRequest({}))).body.serviceName;
  const pages = [];
  let nextToken;
  for (;;) {
    const request = new FC.ListFunctionsRequest({ limit: 3, nextToken });
    const page = (await fc.listFunctions('demo', request)).body;
    pages.push(page.functions.map((f) => f.functionName));
    nextToken = page.nextToken;
    if (!nextToken) break;
  }
  found.pages = pages;
  const fn = (await fc.getFunction('demo', 'hostile', new FC.GetFunctionRequest({}))).body;
  found.function = { name: fn.functionName, env: fn.environmentVariables, id: fn.functionId };
  found.triggers = (await fc.listTriggers('demo', 'ticker', new FC.ListTriggersRequest({}))).body.triggers.map(
    (t) => [t.triggerName, t.triggerType],
  );
  found.trigger = (await fc.getTrigger('demo', 'secure', 'signed')).body.urlInternet;

  found.missing = await failure(() => fc.getService('nope', new FC.GetServiceRequest({})));
  found.write = await failure(() =>
    fc.updateFunction('demo', 'hostile', new FC.UpdateFunctionRequest({ timeout: 9 })),
  );
  found.wrong_secret = await failure(() =>
    client('not-the-secret').listServices(new FC.ListServicesRequest({})),
  );

  console.log(JSON.stringify(found));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
