'use strict';
// Node's `process`, as far as it makes sense inside one WebAssembly instance.
// It is both the global `process` and what bundled polyfills get for
// `require('process')` (build.mjs aliases it), so `nextTick` is one queue.

const EventEmitter = require('events/');
const { reportUncaught } = require('./uncaught.js');
const stdio = require('./stdio.js');

const NODE_VERSION = '20.0.0';

const process = new EventEmitter();

// ---- nextTick: a FIFO drained from one microtask; a throwing callback is an
// uncaught exception (routed to the running invocation), never an engine abort.
const tickQueue = [];
let tickScheduled = false;
function drainTicks() {
  tickScheduled = false;
  // New ticks queued while draining run in this same drain, as in Node.
  for (let i = 0; i < tickQueue.length; i++) {
    const [fn, args] = tickQueue[i];
    try {
      fn(...args);
    } catch (error) {
      reportUncaught(error);
    }
  }
  tickQueue.length = 0;
}
process.nextTick = function nextTick(fn, ...args) {
  if (typeof fn !== 'function') {
    throw new TypeError('The "callback" argument must be of type function');
  }
  tickQueue.push([fn, args]);
  if (!tickScheduled) {
    tickScheduled = true;
    queueMicrotask(drainTicks);
  }
};

// ---- environment: filled from engine-host `environment()` when an instance
// starts (see entry.js); empty in the build-time snapshot.
process.env = {};

process.title = 'node';
process.version = 'v' + NODE_VERSION;
process.versions = {
  node: NODE_VERSION,
  // What actually runs the code (for the curious).
  starlingmonkey: 'componentize-js 0.23.0',
};
process.release = { name: 'node' };
process.platform = 'linux';
process.arch = 'x64';
process.argv = ['/usr/local/bin/node', '/var/fc/runtime/fclocal/bootstrap'];
process.argv0 = 'node';
process.execArgv = [];
process.execPath = '/usr/local/bin/node';
process.pid = 1;
process.ppid = 0;
process.exitCode = undefined;
process.browser = false;
process.features = {};
process.config = { variables: {} };
process.cwd = () => '/code';
process.chdir = () => {
  throw new Error('process.chdir() is not supported in fclocal\'s WebAssembly Node.js engine');
};
process.umask = () => 0o22;
process.getuid = () => 0;
process.getgid = () => 0;
process.geteuid = () => 0;
process.getegid = () => 0;
process.kill = () => {
  throw new Error('process.kill() is not supported in fclocal\'s WebAssembly Node.js engine');
};

// ---- time
function nowNs() {
  return Math.round(performance.now() * 1e6);
}
process.hrtime = function hrtime(previous) {
  const ns = nowNs();
  let sec = Math.floor(ns / 1e9);
  let nsec = ns - sec * 1e9;
  if (previous) {
    sec -= previous[0];
    nsec -= previous[1];
    if (nsec < 0) {
      sec -= 1;
      nsec += 1e9;
    }
  }
  return [sec, nsec];
};
process.hrtime.bigint = () => BigInt(nowNs());
process.uptime = () => performance.now() / 1000;

// ---- memory: the host measures the instance; JS cannot see its heap size.
process.memoryUsage = function memoryUsage() {
  return { rss: 0, heapTotal: 0, heapUsed: 0, external: 0, arrayBuffers: 0 };
};
process.memoryUsage.rss = () => 0;
process.cpuUsage = () => ({ user: 0, system: 0 });
process.resourceUsage = () => ({});

// ---- exit: FC reports it as a crash of the request; we end the invocation.
class ProcessExit extends Error {
  constructor(code) {
    super('process.exit(' + code + ')');
    this.name = 'ProcessExit';
    this.exitCode = code;
  }
}
process.ProcessExit = ProcessExit;
process.exit = function exit(code) {
  if (code !== undefined) process.exitCode = code;
  try {
    process.emit('exit', process.exitCode || 0);
  } catch (_) {
    // listeners must not stop the exit
  }
  throw new ProcessExit(process.exitCode || 0);
};
process.abort = () => process.exit(134);
process.reallyExit = process.exit;

process.emitWarning = function emitWarning(warning, type) {
  const name = typeof type === 'string' ? type : (warning && warning.name) || 'Warning';
  const message = warning instanceof Error ? warning.message : String(warning);
  stdio.writeTagged('WARN', '(node:1) ' + name + ': ' + message, true);
};

process.binding = (name) => {
  throw new Error('process.binding(' + JSON.stringify(name) + ') is not supported in fclocal\'s WebAssembly Node.js engine');
};

process.stdout = stdio.stdout;
process.stderr = stdio.stderr;
process.stdin = new EventEmitter();
process.stdin.isTTY = false;
process.stdin.fd = 0;

module.exports = process;
