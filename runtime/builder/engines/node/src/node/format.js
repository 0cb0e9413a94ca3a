'use strict';
// util.format / util.inspect with Node's semantics for the cases handlers
// use: %s %d %i %f %j %o %O %c %%, extra arguments appended, errors printed
// with their stack. Object rendering is the `util` package's inspect.

const util = require('util/');

function inspect(value, options) {
  if (value instanceof Error) return errorToString(value);
  return util.inspect(value, options);
}

function errorToString(error) {
  let stack;
  try {
    stack = error.stack;
  } catch (_) {
    stack = undefined;
  }
  if (typeof stack === 'string' && stack !== '') return stack;
  try {
    return '[' + Error.prototype.toString.call(error) + ']';
  } catch (_) {
    return '[Error]';
  }
}

function formatString(value) {
  switch (typeof value) {
    case 'string':
      return value;
    case 'bigint':
      return value + 'n';
    case 'symbol':
      return value.toString();
    case 'object':
      if (value === null) return 'null';
      if (value instanceof Error) return errorToString(value);
      if (
        typeof value.toString === 'function' &&
        value.toString !== Object.prototype.toString &&
        value.toString !== Array.prototype.toString
      ) {
        try {
          return String(value);
        } catch (_) {
          // fall through to inspect
        }
      }
      return inspect(value, { depth: 0 });
    default:
      return String(value);
  }
}

function formatNumber(value, parse) {
  if (typeof value === 'bigint') return value + 'n';
  if (typeof value === 'symbol') return 'NaN';
  return String(parse(value));
}

function safeJson(value) {
  try {
    return JSON.stringify(value);
  } catch (error) {
    if (error instanceof TypeError && /circular/i.test(error.message)) return '[Circular]';
    throw error;
  }
}

function format(...args) {
  if (args.length === 0) return '';
  const first = args[0];
  const parts = [];
  let next = 0;
  if (typeof first === 'string') {
    next = 1;
    let out = '';
    let last = 0;
    for (let i = 0; i < first.length - 1; i++) {
      if (first.charCodeAt(i) !== 37) continue; // '%'
      const code = first[i + 1];
      if (code === '%') {
        out += first.slice(last, i) + '%';
        last = i + 2;
        i++;
        continue;
      }
      if (next >= args.length) continue;
      let replacement;
      const arg = args[next];
      switch (code) {
        case 's':
          replacement = formatString(arg);
          break;
        case 'd':
          replacement = formatNumber(arg, Number);
          break;
        case 'i':
          replacement = formatNumber(arg, (v) => parseInt(v, 10));
          break;
        case 'f':
          replacement = formatNumber(arg, parseFloat);
          break;
        case 'j':
          replacement = safeJson(arg);
          break;
        case 'o':
          replacement = inspect(arg, { showHidden: true, depth: 4 });
          break;
        case 'O':
          replacement = inspect(arg);
          break;
        case 'c':
          replacement = '';
          break;
        default:
          continue;
      }
      out += first.slice(last, i) + replacement;
      last = i + 2;
      i++;
      next++;
    }
    parts.push(out + first.slice(last));
  }
  for (; next < args.length; next++) {
    const value = args[next];
    parts.push(typeof value === 'string' ? value : inspect(value));
  }
  return parts.join(' ');
}

exports.format = format;
exports.inspect = inspect;
