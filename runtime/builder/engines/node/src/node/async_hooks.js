'use strict';
// A stub of async_hooks: enough for raw-body (AsyncResource.bind) and for
// code that uses AsyncLocalStorage synchronously. There is no async context
// propagation across awaits or timers.

class AsyncResource {
  constructor(type) {
    this.type = type;
  }
  runInAsyncScope(fn, thisArg, ...args) {
    return fn.apply(thisArg, args);
  }
  bind(fn, thisArg) {
    return thisArg === undefined ? fn : fn.bind(thisArg);
  }
  emitDestroy() {
    return this;
  }
  asyncId() {
    return 1;
  }
  triggerAsyncId() {
    return 0;
  }
  static bind(fn, type, thisArg) {
    return new AsyncResource(type || 'bound-anonymous-fn').bind(fn, thisArg);
  }
}

class AsyncLocalStorage {
  constructor() {
    this._store = undefined;
    this._enabled = false;
  }
  getStore() {
    return this._enabled ? this._store : undefined;
  }
  run(store, callback, ...args) {
    const previous = this._store;
    const wasEnabled = this._enabled;
    this._store = store;
    this._enabled = true;
    try {
      return callback(...args);
    } finally {
      this._store = previous;
      this._enabled = wasEnabled;
    }
  }
  exit(callback, ...args) {
    const wasEnabled = this._enabled;
    this._enabled = false;
    try {
      return callback(...args);
    } finally {
      this._enabled = wasEnabled;
    }
  }
  enterWith(store) {
    this._store = store;
    this._enabled = true;
  }
  disable() {
    this._enabled = false;
    this._store = undefined;
  }
  static bind(fn) {
    return fn;
  }
  static snapshot() {
    return (fn, ...args) => fn(...args);
  }
}

module.exports = {
  AsyncResource,
  AsyncLocalStorage,
  executionAsyncId: () => 1,
  triggerAsyncId: () => 0,
  executionAsyncResource: () => ({}),
  createHook: () => ({
    enable() {
      return this;
    },
    disable() {
      return this;
    },
  }),
  asyncWrapProviders: {},
};
