// One invocation: start the handler, run until it completes (callback,
// resolved promise, response.send) or fails, and report FC's outcome.
//
// The event loop: componentize-js wraps every export in an async function
// and, inside the export call, runs StarlingMonkey's event loop (microtasks,
// then timers and other host-pollable tasks) until the promise the export
// returned settles. So the export just returns a promise that settles when
// the handler completes; timers, nextTick, raw-body's callbacks all run
// within the same export call. A keep-alive timer set past the function's
// timeout keeps that loop alive when a handler never completes and nothing
// else is pending (StarlingMonkey would otherwise abort with "event loop
// error"), so fclocal's timeout ends the call, as FC's would.

import { errorBody, messageBody } from './errors.js';
import { HandlerLookupError } from './loader.js';
import { format } from './node/format.js';

const stdio = require('./node/stdio.js');
const timers = require('./node/timers.js');
const { setUncaughtHandler } = require('./node/uncaught.js');

let current = null;

/**
 * SpiderMonkey reports a failed allocation (the host refused to grow memory
 * past MemorySize) as a catchable "out of memory" exception. The instance's
 * heap is exhausted: like FC's killed process it must not serve again, so the
 * export traps (see entry.js) and fclocal reports OutOfMemory.
 */
function isOutOfMemory(error) {
  return error === 'out of memory' || (error instanceof Error && error.name === 'InternalError' && error.message === 'out of memory');
}

function outcomeBody(error) {
  if (error instanceof HandlerLookupError) return messageBody(error.message);
  if (error instanceof globalThis.process.ProcessExit) {
    return messageBody('Process exited unexpectedly before completing request (exit code ' + error.exitCode + ')');
  }
  return errorBody(error);
}

setUncaughtHandler((error) => {
  const process = globalThis.process;
  if (!(error instanceof process.ProcessExit) && process.listenerCount('uncaughtException') > 0) {
    try {
      process.emit('uncaughtException', error, 'uncaughtException');
      return;
    } catch (again) {
      error = again;
    }
  }
  if (!(error instanceof process.ProcessExit)) {
    stdio.writeTagged('ERROR', 'Uncaught ' + format(error), true);
  }
  if (current) current.fail(error, true);
});

/**
 * Runs `start(invocation)` and resolves with `{ok: value}` or
 * `{err: {body, unhandled}}` once the invocation completes; only the first
 * completion counts.
 */
export function run(timeoutSeconds, start) {
  return new Promise((resolve) => {
    let settled = false;
    let keepAlive = null;
    const invocation = {
      get settled() {
        return settled;
      },
      succeed(value) {
        settle({ ok: value });
      },
      fail(error, unhandled) {
        if (isOutOfMemory(error)) {
          settle({ fatal: error });
          return;
        }
        let body;
        try {
          body = outcomeBody(error);
        } catch (_) {
          body = messageBody(String(error));
        }
        settle({ err: { body, unhandled } });
      },
    };
    function settle(outcome) {
      if (settled) return;
      settled = true;
      if (keepAlive !== null) timers.native.clearTimeout(keepAlive);
      if (current === invocation) current = null;
      stdio.flushAll();
      resolve(outcome);
    }
    const seconds = timeoutSeconds > 0 ? timeoutSeconds : 60;
    keepAlive = timers.native.setTimeout(() => {
      settle({ err: { body: messageBody('Function timed out after ' + seconds + ' seconds'), unhandled: true } });
    }, seconds * 1000 + 2000);
    current = invocation;
    Promise.resolve()
      .then(() => start(invocation))
      .catch((error) => invocation.fail(error, true));
  });
}

/** Calls `fn` and, when it returns a promise, completes with its outcome. */
export function completeOnPromise(invocation, returned, onValue) {
  if (returned !== null && (typeof returned === 'object' || typeof returned === 'function') && typeof returned.then === 'function') {
    returned.then(
      (value) => {
        if (onValue) onValue(value);
      },
      (error) => invocation.fail(error, true),
    );
  }
}
