// Node's built-in modules, from npm polyfills (bundled at build time) and
// small modules of ours. `require('x')` and `require('node:x')` of user code
// land here; so do the bundled polyfills' own requires (build.mjs points
// their `process`, `stream`, ... at the same objects).

import fs from './node/fs.js';
import { chunk } from './chunks.js';
import { moduleBuiltin } from './loader.js';

const ENGINE = "fclocal's WebAssembly Node.js engine";

function notSupported(what, hint) {
  const error = new Error(what + ' is not supported in ' + ENGINE + (hint ? '; ' + hint : ''));
  error.code = 'ERR_NOT_SUPPORTED_IN_FCLOCAL';
  return error;
}

/** A module whose every function fails with a clear message when called. */
function unsupportedModule(name, hint, partial = {}) {
  return new Proxy(partial, {
    get(target, prop) {
      if (prop in target) return target[prop];
      if (typeof prop === 'symbol' || prop === '__esModule' || prop === 'then') return undefined;
      return function unsupported() {
        throw notSupported("require('" + name + "')." + String(prop) + '()', hint);
      };
    },
  });
}

function isIPv4(input) {
  return /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/.test(String(input));
}
function isIPv6(input) {
  const s = String(input);
  if (!/^[0-9a-fA-F:.]+$/.test(s) || s.split('::').length > 2 || !s.includes(':')) return false;
  try {
    new URL('http://[' + s + ']/');
    return true;
  } catch (_) {
    return false;
  }
}

function httpModule(name) {
  const statuses = require('statuses');
  class Agent {
    constructor(options) {
      this.options = options || {};
      this.maxSockets = this.options.maxSockets || Infinity;
      this.keepAlive = !!this.options.keepAlive;
      this.sockets = {};
      this.freeSockets = {};
      this.requests = {};
    }
    destroy() {}
  }
  const hint = 'use fetch() for outbound HTTP';
  const fail = (what) => () => {
    throw notSupported(name + '.' + what + '()', hint);
  };
  return {
    STATUS_CODES: { ...statuses.message },
    METHODS: ['ACL', 'BIND', 'CHECKOUT', 'CONNECT', 'COPY', 'DELETE', 'GET', 'HEAD', 'LINK', 'LOCK', 'M-SEARCH', 'MERGE', 'MKACTIVITY', 'MKCALENDAR', 'MKCOL', 'MOVE', 'NOTIFY', 'OPTIONS', 'PATCH', 'POST', 'PROPFIND', 'PROPPATCH', 'PURGE', 'PUT', 'REBIND', 'REPORT', 'SEARCH', 'SOURCE', 'SUBSCRIBE', 'TRACE', 'UNBIND', 'UNLINK', 'UNLOCK', 'UNSUBSCRIBE'],
    Agent,
    globalAgent: new Agent(),
    request: fail('request'),
    get: fail('get'),
    createServer: fail('createServer'),
    Server: class Server {
      constructor() {
        throw notSupported(name + '.Server', hint);
      }
    },
    IncomingMessage: class IncomingMessage {},
    ServerResponse: class ServerResponse {},
    OutgoingMessage: class OutgoingMessage {},
    ClientRequest: class ClientRequest {},
    maxHeaderSize: 16384,
    validateHeaderName() {},
    validateHeaderValue() {},
  };
}

function cryptoModule() {
  const crypto = { ...chunk('crypto') };
  const web = globalThis.crypto;
  crypto.webcrypto = web;
  crypto.subtle = web && web.subtle;
  crypto.getRandomValues = (array) => web.getRandomValues(array);
  crypto.randomUUID = () => {
    if (web && typeof web.randomUUID === 'function') return web.randomUUID();
    const b = crypto.randomBytes(16);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const h = b.toString('hex');
    return h.slice(0, 8) + '-' + h.slice(8, 12) + '-' + h.slice(12, 16) + '-' + h.slice(16, 20) + '-' + h.slice(20);
  };
  crypto.randomInt = (min, max, callback) => {
    if (max === undefined || typeof max === 'function') {
      callback = max;
      max = min;
      min = 0;
    }
    const range = max - min;
    const value = min + Math.floor((web.getRandomValues(new Uint32Array(1))[0] / 2 ** 32) * range);
    if (typeof callback === 'function') {
      globalThis.process.nextTick(() => callback(null, value));
      return undefined;
    }
    return value;
  };
  crypto.timingSafeEqual = (a, b) => {
    if (a.byteLength !== b.byteLength) {
      const error = new RangeError('Input buffers must have the same byte length');
      error.code = 'ERR_CRYPTO_TIMING_SAFE_EQUAL_LENGTH';
      throw error;
    }
    const x = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
    const y = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
    let diff = 0;
    for (let i = 0; i < x.length; i++) diff |= x[i] ^ y[i];
    return diff === 0;
  };
  return crypto;
}

function utilModule() {
  const util = require('util/');
  const { format, inspect } = require('./node/format.js');
  const ours = Object.assign((value, options) => inspect(value, options), util.inspect);
  ours.custom = Symbol.for('nodejs.util.inspect.custom');
  ours.defaultOptions = { depth: 2, colors: false, showHidden: false };
  return {
    ...util,
    format,
    formatWithOptions: (_options, ...args) => format(...args),
    inspect: ours,
    TextEncoder,
    TextDecoder,
    isDeepStrictEqual: (a, b) => {
      try {
        require('assert/').deepStrictEqual(a, b);
        return true;
      } catch (_) {
        return false;
      }
    },
    stripVTControlCharacters: (s) => String(s).replace(/\u001b\[[0-9;]*[A-Za-z]/g, ''),
    toUSVString: (s) => String(s).toWellFormed ? String(s).toWellFormed() : String(s),
  };
}

function urlModule() {
  const url = require('url/');
  return {
    ...url,
    URL,
    URLSearchParams,
    fileURLToPath(input) {
      const parsed = typeof input === 'string' ? new URL(input) : input;
      if (parsed.protocol !== 'file:') {
        const error = new TypeError('The URL must be of scheme file');
        error.code = 'ERR_INVALID_URL_SCHEME';
        throw error;
      }
      return decodeURIComponent(parsed.pathname);
    },
    pathToFileURL(path) {
      const resolved = require('path-browserify').resolve('/code', String(path));
      return new URL('file://' + resolved.split('/').map(encodeURIComponent).join('/'));
    },
    domainToASCII: (domain) => new URL('http://' + domain).hostname,
    domainToUnicode: (domain) => String(domain),
  };
}

function pathModule() {
  const path = require('path-browserify');
  const posix = { ...path };
  posix.posix = posix;
  posix.win32 = posix;
  return posix;
}

function vmModule() {
  const runInThisContext = (code) => (0, eval)(String(code));
  class Script {
    constructor(code, options) {
      this.code = String(code);
      this.filename = options && (typeof options === 'string' ? options : options.filename);
    }
    runInThisContext() {
      return runInThisContext(this.code);
    }
    runInNewContext() {
      throw notSupported('vm.Script.runInNewContext()');
    }
    runInContext() {
      throw notSupported('vm.Script.runInContext()');
    }
  }
  return unsupportedModule('vm', null, {
    runInThisContext,
    Script,
    isContext: () => false,
  });
}

function diagnosticsChannelModule() {
  const channels = new Map();
  const channel = (name) => {
    if (!channels.has(name)) {
      const subscribers = new Set();
      channels.set(name, {
        name,
        get hasSubscribers() {
          return subscribers.size > 0;
        },
        publish(message) {
          for (const fn of subscribers) fn(message, name);
        },
        subscribe(fn) {
          subscribers.add(fn);
        },
        unsubscribe(fn) {
          return subscribers.delete(fn);
        },
      });
    }
    return channels.get(name);
  };
  return {
    channel,
    hasSubscribers: (name) => channels.has(name) && channel(name).hasSubscribers,
    subscribe: (name, fn) => channel(name).subscribe(fn),
    unsubscribe: (name, fn) => channel(name).unsubscribe(fn),
    tracingChannel: () => ({
      start: channel('start'),
      end: channel('end'),
      asyncStart: channel('asyncStart'),
      asyncEnd: channel('asyncEnd'),
      error: channel('error'),
      traceSync: (fn, _ctx, thisArg, ...args) => fn.apply(thisArg, args),
      tracePromise: (fn, _ctx, thisArg, ...args) => fn.apply(thisArg, args),
      traceCallback: (fn, _pos, _ctx, thisArg, ...args) => fn.apply(thisArg, args),
    }),
  };
}

const stream = () => require('readable-stream/lib/stream.js');

const factories = {
  assert: () => require('assert/'),
  'assert/strict': () => require('assert/').strict,
  async_hooks: () => require('./node/async_hooks.js'),
  buffer: () => require('buffer/'),
  child_process: () => unsupportedModule('child_process'),
  cluster: () => unsupportedModule('cluster', null, { isMaster: true, isPrimary: true, isWorker: false }),
  console: () => globalThis.console,
  constants: () => ({}),
  crypto: cryptoModule,
  dgram: () => unsupportedModule('dgram'),
  diagnostics_channel: diagnosticsChannelModule,
  dns: () => unsupportedModule('dns'),
  'dns/promises': () => unsupportedModule('dns/promises'),
  domain: () => unsupportedModule('domain'),
  events: () => require('events/'),
  fs: () => fs,
  'fs/promises': () => fs.promises,
  http: () => httpModule('http'),
  http2: () => unsupportedModule('http2'),
  https: () => httpModule('https'),
  inspector: () => unsupportedModule('inspector'),
  module: moduleBuiltin,
  net: () => unsupportedModule('net', null, { isIP: (s) => (isIPv4(s) ? 4 : isIPv6(s) ? 6 : 0), isIPv4, isIPv6 }),
  os: () => require('./node/os.js'),
  path: pathModule,
  'path/posix': pathModule,
  perf_hooks: () => ({
    performance: globalThis.performance,
    PerformanceObserver: class PerformanceObserver {
      observe() {}
      disconnect() {}
    },
    monitorEventLoopDelay: () => ({ enable() {}, disable() {}, percentile: () => 0, mean: 0, max: 0, min: 0 }),
  }),
  process: () => globalThis.process,
  querystring: () => require('querystring-es3'),
  readline: () => unsupportedModule('readline'),
  repl: () => unsupportedModule('repl'),
  stream,
  'stream/promises': () => require('readable-stream/lib/stream/promises.js'),
  'stream/web': () => ({
    ReadableStream: globalThis.ReadableStream,
    WritableStream: globalThis.WritableStream,
    TransformStream: globalThis.TransformStream,
  }),
  _stream_readable: () => stream().Readable,
  _stream_writable: () => stream().Writable,
  _stream_duplex: () => stream().Duplex,
  _stream_transform: () => stream().Transform,
  _stream_passthrough: () => stream().PassThrough,
  string_decoder: () => require('string_decoder/'),
  sys: utilModule,
  timers: () => require('./node/timers.js'),
  'timers/promises': () => require('./node/timers.js').promises,
  tls: () => unsupportedModule('tls'),
  tty: () => ({
    isatty: () => false,
    ReadStream: class ReadStream {},
    WriteStream: class WriteStream {},
  }),
  url: urlModule,
  util: utilModule,
  'util/types': () => builtin('util').types,
  v8: () => unsupportedModule('v8', null, { getHeapStatistics: () => ({ total_heap_size: 0, used_heap_size: 0, heap_size_limit: 0 }) }),
  vm: vmModule,
  wasi: () => unsupportedModule('wasi'),
  worker_threads: () =>
    unsupportedModule('worker_threads', null, {
      isMainThread: true,
      parentPort: null,
      workerData: null,
      threadId: 0,
      resourceLimits: {},
    }),
  zlib: () => chunk('zlib'),
};

export const builtinNames = Object.keys(factories).filter((name) => !name.startsWith('_'));

const loaded = new Map();

/** The name of a built-in module `request` names (`fs`, `node:fs`), or null. */
export function builtinName(request) {
  const name = request.startsWith('node:') ? request.slice(5) : request;
  return Object.prototype.hasOwnProperty.call(factories, name) ? name : null;
}

/** A built-in module by name (without `node:`), created on first use. */
export function builtin(name) {
  let value = loaded.get(name);
  if (value === undefined) {
    value = factories[name]();
    loaded.set(name, value);
  }
  return value;
}

/** Loads the modules nearly every handler uses, so they are in the snapshot. */
export function preloadCommonBuiltins() {
  for (const name of ['buffer', 'events', 'util', 'stream', 'path', 'string_decoder', 'querystring', 'url', 'timers', 'async_hooks']) {
    builtin(name);
  }
}
