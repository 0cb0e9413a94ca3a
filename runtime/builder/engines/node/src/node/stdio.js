'use strict';
// Output primitives. StarlingMonkey's own console.log/console.error print one
// argument verbatim plus a newline to stdout/stderr and flush: every record we
// emit goes through them, captured here before the global console is replaced.
// fclocal's host reads one log record per line and takes its level from a
// leading `[INFO] `/`[WARN] `/`[ERROR] `/`[DEBUG] ` tag.

const EventEmitter = require('events/');

const rawOut = console.log.bind(console);
const rawErr = console.error.bind(console);

const LEVELS = { DEBUG: 0, INFO: 1, WARN: 2, ERROR: 3 };
let minimumLevel = 0;

/** `ALIYUN_FC_LOG_LEVEL` (debug < info < warn < error) filters console/logger output. */
exports.setLogLevel = function setLogLevel(name) {
  const level = LEVELS[String(name || '').toUpperCase()];
  minimumLevel = level === undefined ? 0 : level;
};

function splitLines(text) {
  return text.split(/\r?\n/);
}

/** One console/logger record: every line carries the level tag. */
exports.writeTagged = function writeTagged(level, text, toStderr) {
  if (LEVELS[level] < minimumLevel) return;
  const out = toStderr ? stderr : stdout;
  out._flushPartial();
  const tag = '[' + level + '] ';
  const lines = splitLines(text);
  (toStderr ? rawErr : rawOut)(tag + lines.join('\n' + tag));
};

// process.stdout / process.stderr: verbatim, line-buffered. A partial line is
// kept until its newline, or until the invocation ends (flushAll).
class Output extends EventEmitter {
  constructor(fd) {
    super();
    this.fd = fd;
    this.isTTY = false;
    this.writable = true;
    this.columns = 80;
    this.rows = 24;
    this._partial = '';
    this._decoder = new TextDecoder('utf-8');
    this._raw = fd === 2 ? rawErr : rawOut;
  }

  write(chunk, encoding, callback) {
    if (typeof encoding === 'function') {
      callback = encoding;
      encoding = undefined;
    }
    let text;
    if (typeof chunk === 'string') {
      text = chunk;
    } else if (chunk instanceof Uint8Array) {
      text = this._decoder.decode(chunk, { stream: true });
    } else {
      throw new TypeError('The "chunk" argument must be of type string or an instance of Buffer or Uint8Array');
    }
    const lines = splitLines(this._partial + text);
    this._partial = lines.pop();
    for (const line of lines) this._raw(line);
    if (typeof callback === 'function') queueMicrotask(() => callback(null));
    return true;
  }

  _flushPartial() {
    if (this._partial !== '') {
      const line = this._partial;
      this._partial = '';
      this._raw(line);
    }
  }

  end(chunk, encoding, callback) {
    if (typeof chunk === 'function') {
      callback = chunk;
      chunk = undefined;
    }
    if (chunk !== undefined && chunk !== null) this.write(chunk, encoding);
    this._flushPartial();
    if (typeof callback === 'function') queueMicrotask(() => callback(null));
    return this;
  }

  cork() {}
  uncork() {}
  setDefaultEncoding() {
    return this;
  }
  getWindowSize() {
    return [this.columns, this.rows];
  }
  hasColors() {
    return false;
  }
  getColorDepth() {
    return 1;
  }
}

const stdout = new Output(1);
const stderr = new Output(2);
exports.stdout = stdout;
exports.stderr = stderr;

/** Ends the invocation's output: partial lines become records now. */
exports.flushAll = function flushAll() {
  stdout._flushPartial();
  stderr._flushPartial();
};
