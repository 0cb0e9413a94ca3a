'use strict';
// Where an exception nobody caught goes: a throwing timer, nextTick or
// microtask callback, an 'error' event without listener. Node would crash the
// process; FC would report the request as failed. The invocation module
// installs the handler that fails the running invocation instead (the engine
// must never let an exception reach StarlingMonkey's event loop, which would
// abort the whole instance).

let handler = null;

exports.setUncaughtHandler = function setUncaughtHandler(fn) {
  handler = fn;
};

exports.reportUncaught = function reportUncaught(error) {
  if (handler) {
    handler(error);
    return;
  }
  // Only reachable before the engine is set up (build time).
  console.error('Uncaught exception: ' + (error && error.stack ? error.stack : String(error)));
};
