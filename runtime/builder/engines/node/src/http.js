// FC's HTTP-trigger objects for `handler(request, response, context)`.
//
// `request` is a readable stream (its class is named `EventEmitter`, as FC's
// is, which frameworks test for) that emits the body as `data`/`end` once
// read, so `require('raw-body')(request, cb)` works; it also carries
// `path`, `queries`, `headers`, `method`, `url`, `clientIP` and `body`.
// `response` has `setStatusCode`, `setHeader`, `deleteHeader` and `send`.

import { builtin } from './builtins.js';

const { Buffer } = globalThis;

/** Response headers FC ignores (D-74757). */
function ignoredResponseHeader(name) {
  const lower = name.toLowerCase();
  return (
    lower === 'connection' ||
    lower === 'content-length' ||
    lower === 'date' ||
    lower === 'keep-alive' ||
    lower === 'server' ||
    lower === 'upgrade' ||
    lower.startsWith('x-fc-')
  );
}

function decodeComponent(text) {
  const plus = text.replace(/\+/g, ' ');
  try {
    return decodeURIComponent(plus);
  } catch (_) {
    return plus;
  }
}

/** `a=1&a=2&b=x` -> `{a: ['1', '2'], b: 'x'}` (FC's `request.queries`). */
export function parseQueries(query) {
  const queries = {};
  if (!query) return queries;
  for (const part of query.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const key = decodeComponent(eq < 0 ? part : part.slice(0, eq));
    const value = eq < 0 ? '' : decodeComponent(part.slice(eq + 1));
    if (!Object.prototype.hasOwnProperty.call(queries, key)) queries[key] = value;
    else if (Array.isArray(queries[key])) queries[key].push(value);
    else queries[key] = [queries[key], value];
  }
  return queries;
}

/** Node's `req.headers`: lower-case names, repeated values joined (`set-cookie` as an array). */
function headerObject(list) {
  const headers = {};
  for (const [rawName, value] of list) {
    const name = rawName.toLowerCase();
    if (name === 'set-cookie') {
      (headers[name] = headers[name] || []).push(value);
    } else if (Object.prototype.hasOwnProperty.call(headers, name)) {
      headers[name] += (name === 'cookie' ? '; ' : ', ') + value;
    } else {
      headers[name] = value;
    }
  }
  return headers;
}

let RequestClass = null;
function requestClass() {
  if (RequestClass) return RequestClass;
  const { Readable } = builtin('stream');
  // Named EventEmitter: frameworks detect FC's HTTP trigger by
  // `req.constructor.name === 'EventEmitter'`.
  // The body is pushed when a consumer first reads (most handlers of a GET
  // never do): a push at construction costs the stream machinery's
  // bookkeeping and ticks on every request.
  RequestClass = class EventEmitter extends Readable {
    constructor(body) {
      super();
      this._fcBody = body;
    }
    _read() {
      const body = this._fcBody;
      if (body === null) return;
      this._fcBody = null;
      if (body.length) this.push(body);
      this.push(null);
    }
  };
  return RequestClass;
}

export function makeRequest(wire) {
  const body = Buffer.from(wire.body.buffer, wire.body.byteOffset, wire.body.byteLength);
  const Request = requestClass();
  const request = new Request(body);
  const rawHeaders = [];
  for (const [name, value] of wire.headers) rawHeaders.push(name, value);
  Object.assign(request, {
    method: wire.method,
    path: wire.path,
    url: wire.url,
    queries: parseQueries(wire.query),
    headers: headerObject(wire.headers),
    rawHeaders,
    clientIP: wire.clientIp,
    body,
    httpVersion: '1.1',
    httpVersionMajor: 1,
    httpVersionMinor: 1,
  });
  return request;
}

function isReadable(body) {
  return body !== null && typeof body === 'object' && typeof body.on === 'function' && typeof body.pipe === 'function';
}

const encoder = new TextEncoder();

function toBuffer(chunk) {
  if (typeof chunk === 'string') {
    // The engine's native UTF-8 encoder: the Buffer polyfill encodes in JS.
    const bytes = encoder.encode(chunk);
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  throw new TypeError('response stream chunks must be strings or Buffers');
}

/**
 * The response object. `finish({status, headers, body})` is called once,
 * when `send` has the whole body (a stream is read to its end first);
 * `fail(error)` when the body stream fails.
 */
export function makeResponse(finish, fail) {
  let status = 200;
  const headers = new Map(); // lower-case name -> [name, values[]]
  let sent = false;

  function complete(body) {
    const list = [];
    for (const [name, values] of headers.values()) {
      if (ignoredResponseHeader(name)) continue;
      for (const value of values) list.push([name, value]);
    }
    finish({ status, headers: list, body });
  }

  return {
    setStatusCode(code) {
      const n = Number(code);
      if (!Number.isInteger(n) || n < 100 || n > 999) {
        throw new RangeError('Invalid status code: ' + code);
      }
      status = n;
    },
    setHeader(name, value) {
      if (typeof name !== 'string' || name === '') throw new TypeError('Header name must be a non-empty string');
      const values = Array.isArray(value) ? value.map(String) : [String(value)];
      headers.delete(name.toLowerCase());
      headers.set(name.toLowerCase(), [name, values]);
    },
    deleteHeader(name) {
      headers.delete(String(name).toLowerCase());
    },
    getHeader(name) {
      const entry = headers.get(String(name).toLowerCase());
      if (!entry) return undefined;
      return entry[1].length === 1 ? entry[1][0] : entry[1];
    },
    hasHeader(name) {
      return headers.has(String(name).toLowerCase());
    },
    send(body) {
      if (sent) return;
      if (body === undefined || body === null) {
        sent = true;
        complete(new Uint8Array(0));
      } else if (typeof body === 'string' || body instanceof Uint8Array) {
        sent = true;
        complete(toBuffer(body));
      } else if (isReadable(body)) {
        sent = true;
        const chunks = [];
        body.on('data', (chunk) => {
          try {
            chunks.push(toBuffer(chunk));
          } catch (error) {
            fail(error);
          }
        });
        body.on('end', () => complete(Buffer.concat(chunks)));
        body.on('error', (error) => fail(error));
        if (typeof body.resume === 'function') body.resume();
      } else if (body instanceof ArrayBuffer) {
        sent = true;
        complete(Buffer.from(body));
      } else {
        throw new TypeError('response.send(body): body must be a Buffer, a string or a stream.Readable, got ' + typeof body);
      }
    },
  };
}
