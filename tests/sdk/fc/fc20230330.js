// FC 3.0's Node.js SDK (@alicloud/fc20230330) against fclocal.
//
// Endpoint `127.0.0.1:PORT` with protocol `http`, signed with
// ACS3-HMAC-SHA256 by the SDK. Prints one JSON line of what each call
// answered; the Rust test asserts on it.
'use strict';

const { Readable } = require('stream');
const FC = require('@alicloud/fc20230330');
const { $OpenApiUtil } = require('@alicloud/openapi-core');
const $dara = require('@darabonba/typescript');

const Client = FC.default;

function client(secret) {
  return new Client(
    new $OpenApiUtil.Config({
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

async function text(stream) {
  const chunks = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks).toString();
}

async function invoke(fc, name, event, headers = {}, qualifier) {
  return fc.invokeFunctionWithOptions(
    name,
    new FC.InvokeFunctionRequest({ body: Readable.from(Buffer.from(event)), qualifier }),
    new FC.InvokeFunctionHeaders(headers),
    new $dara.RuntimeOptions({}),
  );
}

async function main() {
  const fc = client(process.env.FCLOCAL_ACCESS_KEY_SECRET);
  const found = {};

  const sync = await invoke(fc, 'demo$hostile', '{"action":"echo","n":5}', {}, 'LATEST');
  found.sync = { status: sync.statusCode, body: await text(sync.body) };

  const tail = await invoke(fc, 'worker', '{"action":"stderr"}', { xFcLogType: 'Tail' });
  found.tail = {
    request_id: tail.headers['x-fc-request-id'],
    log: Buffer.from(tail.headers['x-fc-log-result'], 'base64').toString(),
  };

  const error = await invoke(fc, 'worker', '{"action":"error"}');
  found.error = {
    status: error.statusCode,
    type: error.headers['x-fc-error-type'],
    body: JSON.parse(await text(error.body)),
  };

  const queued = await invoke(fc, 'worker', '{"action":"ok"}', {
    xFcInvocationType: 'Async',
    xFcAsyncTaskId: 'task-node-1',
  });
  found.async = {
    status: queued.statusCode,
    request_id: queued.headers['x-fc-request-id'],
    task_id: queued.headers['x-fc-async-task-id'],
  };

  const pages = [];
  let nextToken;
  for (;;) {
    const page = (await fc.listFunctions(new FC.ListFunctionsRequest({ limit: 5, nextToken }))).body;
    pages.push(page.functions.map((f) => f.functionName));
    nextToken = page.nextToken;
    if (!nextToken) break;
  }
  found.pages = pages;
  const fn = (await fc.getFunction('other$hostile', new FC.GetFunctionRequest({}))).body;
  found.function = { name: fn.functionName, arn: fn.functionArn, memorySize: fn.memorySize };
  found.triggers = (await fc.listTriggers('web', new FC.ListTriggersRequest({}))).body.triggers.map(
    (t) => [t.triggerName, t.triggerType, t.httpTrigger.urlInternet],
  );
  found.trigger = JSON.parse((await fc.getTrigger('ticker', 'tick')).body.triggerConfig);

  found.missing = await failure(() => fc.getFunction('nope', new FC.GetFunctionRequest({})));
  found.write = await failure(() => fc.deleteFunction('worker'));
  found.wrong_secret = await failure(() =>
    client('not-the-secret').listFunctions(new FC.ListFunctionsRequest({})),
  );

  console.log(JSON.stringify(found));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
