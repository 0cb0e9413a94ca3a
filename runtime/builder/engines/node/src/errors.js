// Errors as Node (V8) shows them, on SpiderMonkey.
//
// SpiderMonkey's `error.stack` is `fn@file:line:col` lines without the
// message; Node code (and FC's `stackTrace`) expects V8's
// `Error: message\n    at fn (file:line:col)`. `installStackFormat` makes
// `stack` V8-shaped for every error, supports `Error.prepareStackTrace` with
// V8-like CallSite objects (depd, http-errors and friends need them) and
// wraps `Error.captureStackTrace` the same way.

const BINDING_FRAME = /\/sources\/initializer\.js:\d+:\d+$/;

// The engine's own code shows as Node's internals do.
const ENGINE_FILE = /^(build\/)?fclocal-node-engine(\/([\w-]+))?\.js$/;
function displayFile(file) {
  const engine = ENGINE_FILE.exec(file);
  if (!engine) return file;
  return engine[3] ? 'node:internal/fclocal/' + engine[3] : 'node:internal/fclocal';
}

// Modules run inside a one-line function wrapper: columns on their first
// line are shifted by its length.
const wrappers = new Map();
export function registerWrapper(file, length) {
  wrappers.set(file, length);
}

/** Parses SpiderMonkey's stack text into frames. */
export function parseFrames(raw) {
  const frames = [];
  for (const text of String(raw || '').split('\n')) {
    if (text === '') continue;
    const at = text.lastIndexOf('@');
    if (at < 0) continue;
    const location = text.slice(at + 1);
    if (BINDING_FRAME.test(location)) continue;
    let name = text.slice(0, at);
    let isAsync = false;
    if (name.startsWith('async*')) {
      isAsync = true;
      name = name.slice(6);
    }
    // SpiderMonkey names anonymous inner functions `outer/<`, `outer/inner<`.
    name = name.replace(/\/<+$/, '').replace(/<+$/, '');
    const slash = name.lastIndexOf('/');
    if (slash >= 0) name = name.slice(slash + 1);
    const match = /^(.*):(\d+):(\d+)$/.exec(location);
    const file = match ? match[1] : location;
    const line = match ? Number(match[2]) : null;
    let column = match ? Number(match[3]) : null;
    if (line === 1 && wrappers.has(file)) column = Math.max(1, column - wrappers.get(file));
    frames.push({ name, isAsync, file: displayFile(file), line, column });
  }
  return frames;
}

function frameLine(frame) {
  const where = frame.line === null ? frame.file : frame.file + ':' + frame.line + ':' + frame.column;
  const prefix = frame.isAsync ? '    at async ' : '    at ';
  return frame.name ? prefix + frame.name + ' (' + where + ')' : prefix + where;
}

function header(error) {
  try {
    return Error.prototype.toString.call(error);
  } catch (_) {
    return 'Error';
  }
}

function callSite(frame) {
  return {
    getThis: () => undefined,
    getTypeName: () => null,
    getFunction: () => undefined,
    getFunctionName: () => frame.name || null,
    getMethodName: () => null,
    getFileName: () => frame.file,
    getLineNumber: () => frame.line,
    getColumnNumber: () => frame.column,
    getEvalOrigin: () => undefined,
    getScriptNameOrSourceURL: () => frame.file,
    getScriptHash: () => '',
    getEnclosingColumnNumber: () => null,
    getEnclosingLineNumber: () => null,
    getPosition: () => 0,
    getPromiseIndex: () => null,
    isToplevel: () => !frame.name,
    isEval: () => false,
    isNative: () => false,
    isConstructor: () => false,
    isAsync: () => frame.isAsync,
    isPromiseAll: () => false,
    toString: () => frameLine(frame).slice(7),
  };
}

let preparing = false;

function render(error, raw) {
  const frames = parseFrames(raw);
  const prepare = Error.prepareStackTrace;
  if (typeof prepare === 'function' && !preparing) {
    preparing = true;
    try {
      return prepare(error, frames.map(callSite));
    } finally {
      preparing = false;
    }
  }
  return [header(error), ...frames.map(frameLine)].join('\n');
}

function defineStack(target, value) {
  try {
    Object.defineProperty(target, 'stack', {
      value,
      writable: true,
      configurable: true,
      enumerable: false,
    });
  } catch (_) {
    // frozen error: leave it
  }
}

export function installStackFormat() {
  const native = Object.getOwnPropertyDescriptor(Error.prototype, 'stack');
  if (native && typeof native.get === 'function') {
    Object.defineProperty(Error.prototype, 'stack', {
      configurable: true,
      enumerable: false,
      get() {
        let raw;
        try {
          raw = native.get.call(this);
        } catch (_) {
          return undefined;
        }
        if (typeof raw !== 'string') return raw;
        const formatted = render(this, raw);
        defineStack(this, formatted);
        return formatted;
      },
      set(value) {
        defineStack(this, value);
      },
    });
  }

  const nativeCapture = Error.captureStackTrace;
  Error.captureStackTrace = function captureStackTrace(target, constructorOpt) {
    if (target === null || (typeof target !== 'object' && typeof target !== 'function')) {
      throw new TypeError('Invalid argument');
    }
    let raw;
    if (typeof nativeCapture === 'function') {
      try {
        nativeCapture.call(Error, target, constructorOpt);
        const own = Object.getOwnPropertyDescriptor(target, 'stack');
        raw = own && (own.get ? own.get.call(target) : own.value);
      } catch (_) {
        raw = undefined;
      }
    }
    if (typeof raw !== 'string') {
      // No native capture: take a fresh stack and drop this function's frame.
      const lines = String(native && native.get ? native.get.call(new Error()) : '').split('\n');
      raw = lines.slice(1).join('\n');
    }
    defineStack(target, render(target, raw));
  };
  if (typeof Error.stackTraceLimit !== 'number') Error.stackTraceLimit = 10;
}

/** `errorType` for FC's body. */
function errorType(error) {
  if (typeof error.name === 'string' && error.name !== '') return error.name;
  if (error.constructor && typeof error.constructor.name === 'string' && error.constructor.name) {
    return error.constructor.name;
  }
  return 'Error';
}

function describe(value) {
  if (value === undefined) return 'undefined';
  try {
    const json = JSON.stringify(value);
    return json === undefined ? String(value) : json;
  } catch (_) {
    return String(value);
  }
}

/**
 * FC's Node.js error body for what a handler reported or threw:
 * `{"errorMessage","errorType","stackTrace"}` for errors,
 * `{"errorMessage"}` for anything else.
 */
export function errorBody(error) {
  if (error instanceof Error || (error && typeof error === 'object' && typeof error.message === 'string' && 'stack' in error)) {
    let stack;
    try {
      stack = error.stack;
    } catch (_) {
      stack = undefined;
    }
    const body = { errorMessage: String(error.message), errorType: errorType(error) };
    if (typeof stack === 'string' && stack !== '') {
      body.stackTrace = stack.split('\n');
    }
    return JSON.stringify(body);
  }
  if (typeof error === 'string') return JSON.stringify({ errorMessage: error });
  return JSON.stringify({ errorMessage: describe(error) });
}

/** A plain `{"errorMessage": ...}` body (module/handler lookup failures). */
export function messageBody(message) {
  return JSON.stringify({ errorMessage: message });
}
