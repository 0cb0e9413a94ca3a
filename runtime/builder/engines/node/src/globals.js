// Node's globals, installed before anything else runs (entry.js imports this
// first). The order matters: stdio and timers capture StarlingMonkey's own
// console and timers before they are replaced.

import { installStackFormat } from './errors.js';

const stdio = require('./node/stdio.js');
const timers = require('./node/timers.js');
const { Buffer } = require('buffer/');

globalThis.global = globalThis;
globalThis.Buffer = Buffer;
globalThis.process = require('./node/process.js');
globalThis.setTimeout = timers.setTimeout;
globalThis.clearTimeout = timers.clearTimeout;
globalThis.setInterval = timers.setInterval;
globalThis.clearInterval = timers.clearInterval;
globalThis.setImmediate = timers.setImmediate;
globalThis.clearImmediate = timers.clearImmediate;
globalThis.queueMicrotask = timers.queueMicrotask;
globalThis.console = require('./node/console.js');
installStackFormat();

export { stdio };
