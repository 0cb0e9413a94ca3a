'use strict';
// Node's timers over StarlingMonkey's: Timeout objects (ref/unref/refresh,
// usable as numbers), setImmediate, and no exception ever escaping into the
// engine's event loop (a throwing callback is an uncaught exception of the
// running invocation, as a crash would be in Node).

const { reportUncaught } = require('./uncaught.js');

const nativeSetTimeout = globalThis.setTimeout;
const nativeClearTimeout = globalThis.clearTimeout;
const nativeSetInterval = globalThis.setInterval;
const nativeClearInterval = globalThis.clearInterval;
const nativeQueueMicrotask = globalThis.queueMicrotask;

const MAX_DELAY = 2 ** 31 - 1;
const active = new Map();

function normalizeDelay(delay) {
  delay = Number(delay);
  if (!(delay >= 1 && delay <= MAX_DELAY)) return 1;
  return Math.trunc(delay);
}

class Timeout {
  constructor(callback, delay, args, repeat) {
    this._onTimeout = callback;
    this._idleTimeout = delay;
    this._args = args;
    this._repeat = repeat;
    this._destroyed = false;
    this._schedule();
  }

  _schedule() {
    const fire = () => {
      if (!this._repeat) {
        active.delete(this._id);
        this._destroyed = true;
      }
      try {
        this._onTimeout(...this._args);
      } catch (error) {
        reportUncaught(error);
      }
    };
    this._id = this._repeat
      ? nativeSetInterval(fire, this._idleTimeout)
      : nativeSetTimeout(fire, this._idleTimeout);
    active.set(this._id, this);
  }

  _clear() {
    active.delete(this._id);
    if (this._repeat) nativeClearInterval(this._id);
    else nativeClearTimeout(this._id);
  }

  ref() {
    return this;
  }
  unref() {
    return this;
  }
  hasRef() {
    return true;
  }
  refresh() {
    if (!this._destroyed) {
      this._clear();
      this._schedule();
    }
    return this;
  }
  close() {
    this._clear();
    this._destroyed = true;
    return this;
  }
  [Symbol.toPrimitive]() {
    return this._id;
  }
}

class Immediate {
  constructor(callback, args) {
    this._timeout = new Timeout(callback, 0, args, false);
  }
  ref() {
    return this;
  }
  unref() {
    return this;
  }
  hasRef() {
    return true;
  }
}

function checkCallback(callback) {
  if (typeof callback !== 'function') {
    const error = new TypeError('The "callback" argument must be of type function. Received ' + typeof callback);
    error.code = 'ERR_INVALID_ARG_TYPE';
    throw error;
  }
}

function setTimeout(callback, delay, ...args) {
  checkCallback(callback);
  return new Timeout(callback, normalizeDelay(delay), args, false);
}

function setInterval(callback, delay, ...args) {
  checkCallback(callback);
  return new Timeout(callback, normalizeDelay(delay), args, true);
}

function clearTimeout(timer) {
  if (timer === null || timer === undefined) return;
  if (timer instanceof Timeout) {
    timer.close();
  } else if (timer instanceof Immediate) {
    timer._timeout.close();
  } else {
    const found = active.get(Number(timer));
    if (found) found.close();
  }
}

function setImmediate(callback, ...args) {
  checkCallback(callback);
  return new Immediate(callback, args);
}

function clearImmediate(immediate) {
  if (immediate instanceof Immediate) immediate._timeout.close();
}

function queueMicrotask(callback) {
  checkCallback(callback);
  nativeQueueMicrotask(() => {
    try {
      callback();
    } catch (error) {
      reportUncaught(error);
    }
  });
}

const promises = {
  setTimeout: (delay, value) => new Promise((resolve) => setTimeout(resolve, delay, value)),
  setImmediate: (value) => new Promise((resolve) => setImmediate(resolve, value)),
  async *setInterval(delay, value) {
    for (;;) {
      yield await new Promise((resolve) => setTimeout(resolve, delay, value));
    }
  },
  scheduler: {
    wait: (delay) => new Promise((resolve) => setTimeout(resolve, delay)),
    yield: () => new Promise((resolve) => setImmediate(resolve)),
  },
};

module.exports = {
  setTimeout,
  clearTimeout,
  setInterval,
  clearInterval: clearTimeout,
  setImmediate,
  clearImmediate,
  queueMicrotask,
  promises,
  /** The engine's own timers (keep-alive), not visible to handlers. */
  native: { setTimeout: nativeSetTimeout, clearTimeout: nativeClearTimeout },
};
