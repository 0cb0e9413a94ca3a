// fclocal's Node.js language engine: the `engine-function` exports of
// `fclocal:function/language-engine` (runtime/wit/engine.wit).
//
// The component is built once (build.sh); Wizer snapshots it after this
// module's top level ran, so globals and the common polyfills are ready in
// every instance. What belongs to an instance (environment, the user's
// modules) is set up on its first call.

import { stdio } from './globals.js';
import { environment } from 'fclocal:function/engine-host@0.1.0';
import { preloadCommonBuiltins } from './builtins.js';
import { makeRequest, makeResponse } from './http.js';
import { errorBody } from './errors.js';
import { completeOnPromise, run } from './invocation.js';
import { lookupHandler } from './loader.js';

preloadCommonBuiltins();

const { Buffer } = globalThis;
const encoder = new TextEncoder();

let instanceStarted = false;

/** First call of an instance: the instance's own environment. */
function startInstance() {
  if (instanceStarted) return;
  instanceStarted = true;
  const env = {};
  for (const [name, value] of environment()) env[name] = value;
  globalThis.process.env = env;
  stdio.setLogLevel(env.ALIYUN_FC_LOG_LEVEL);
}

function makeLogger(requestId) {
  const { format } = require('./node/format.js');
  const write = (level, toStderr) => (...args) => stdio.writeTagged(level, format(...args), toStderr);
  return {
    requestId,
    debug: write('DEBUG', false),
    verbose: write('DEBUG', false),
    silly: write('DEBUG', false),
    info: write('INFO', false),
    log: write('INFO', false),
    warn: write('WARN', true),
    error: write('ERROR', true),
    setLogLevel: (level) => stdio.setLogLevel(level),
  };
}

/** FC's `context` from the WIT record. */
function makeContext(ctx) {
  const fn = ctx.function;
  const service = ctx.service;
  return {
    requestId: ctx.requestId,
    credentials: {
      accessKeyId: ctx.credentials.accessKeyId,
      accessKeySecret: ctx.credentials.accessKeySecret,
      securityToken: ctx.credentials.securityToken,
    },
    function: {
      name: fn.name,
      handler: fn.handler,
      memory: fn.memory,
      timeout: fn.timeout,
      initializer: fn.initializer,
      initializationTimeout: fn.initializationTimeout,
    },
    service: {
      name: service.name,
      logProject: service.logProject,
      logStore: service.logStore,
      qualifier: service.qualifier,
      versionId: service.versionId,
    },
    region: ctx.region,
    accountId: ctx.accountId,
    logger: makeLogger(ctx.requestId),
    retryCount: 0,
    tracing: {
      openTracingSpanContext: '',
      jaegerEndpoint: '',
      openTracingSpanBaggages: {},
      parseOpenTracingBaggages: () => ({}),
    },
  };
}

function asBytes(value) {
  return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
}

/** FC's result conversion: Buffer as is, string as UTF-8, anything else as JSON. */
function resultBytes(value) {
  if (value === undefined || value === null) return new Uint8Array(0);
  if (value instanceof Uint8Array) return asBytes(value);
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  if (ArrayBuffer.isView(value)) return asBytes(value);
  if (typeof value === 'string') return encoder.encode(value);
  const json = JSON.stringify(value);
  return encoder.encode(json === undefined ? String(value) : json);
}

function unwrap(outcome) {
  // An Error that is not a `handler-error` payload rejects the export's
  // promise, which componentize-js turns into a trap: the instance is gone.
  if (outcome.fatal) throw new Error('fclocal: the instance ran out of memory');
  if (outcome.err) throw { payload: outcome.err };
  return outcome.ok;
}

export const engineFunction = {
  async initialize(ctx) {
    startInstance();
    const spec = ctx.function.initializer || '';
    const timeout = ctx.function.initializationTimeout || ctx.function.timeout;
    unwrap(
      await run(timeout, async (invocation) => {
        if (spec === '') {
          await lookupHandler(ctx.function.handler);
          invocation.succeed(undefined);
          return;
        }
        const initializer = await lookupHandler(spec);
        const callback = (error) => (error ? invocation.fail(error, false) : invocation.succeed(undefined));
        const returned = initializer(makeContext(ctx), callback);
        completeOnPromise(invocation, returned, () => invocation.succeed(undefined));
      }),
    );
  },

  async invoke(event, ctx) {
    startInstance();
    const outcome = await run(ctx.function.timeout, async (invocation) => {
      const handler = await lookupHandler(ctx.function.handler);
      const callback = (error, result) => (error ? invocation.fail(error, false) : invocation.succeed(result));
      const input = Buffer.from(event.buffer, event.byteOffset, event.byteLength);
      const returned = handler(input, makeContext(ctx), callback);
      completeOnPromise(invocation, returned, (value) => invocation.succeed(value));
    });
    const result = unwrap(outcome);
    try {
      return resultBytes(result);
    } catch (error) {
      // A result JSON cannot represent (a cycle, a BigInt).
      throw { payload: { body: errorBody(error), unhandled: true } };
    }
  },

  async handleHttp(wire, ctx) {
    startInstance();
    const response = unwrap(
      await run(ctx.function.timeout, async (invocation) => {
        const handler = await lookupHandler(ctx.function.handler);
        const request = makeRequest(wire);
        const res = makeResponse(
          (value) => invocation.succeed(value),
          (error) => invocation.fail(error, true),
        );
        const returned = handler(request, res, makeContext(ctx));
        completeOnPromise(invocation, returned, null);
      }),
    );
    return {
      status: response.status,
      headers: response.headers,
      body: asBytes(response.body),
    };
  },
};
