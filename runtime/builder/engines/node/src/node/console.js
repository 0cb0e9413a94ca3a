'use strict';
// The global console: Node's methods, util.format semantics, and FC's level
// on every line (`console.log` -> `[INFO] `, `console.warn` -> `[WARN] `, ...).

const stdio = require('./stdio.js');
const { format, inspect } = require('./format.js');

function makeConsole() {
  let indent = '';
  const counts = new Map();
  const timers = new Map();

  function emit(level, toStderr, args) {
    let text = format(...args);
    if (indent) text = indent + text.split('\n').join('\n' + indent);
    stdio.writeTagged(level, text, toStderr);
  }

  const c = {
    log: (...args) => emit('INFO', false, args),
    info: (...args) => emit('INFO', false, args),
    debug: (...args) => emit('DEBUG', false, args),
    warn: (...args) => emit('WARN', true, args),
    error: (...args) => emit('ERROR', true, args),
    trace: (...args) => {
      const error = new Error(format(...args));
      error.name = 'Trace';
      const stack = String(error.stack).split('\n');
      stack.splice(1, 1); // this function's own frame
      emit('ERROR', true, [stack.join('\n')]);
    },
    dir: (value, options) => emit('INFO', false, [inspect(value, options)]),
    dirxml: (...args) => emit('INFO', false, args),
    table: (...args) => emit('INFO', false, args),
    assert: (condition, ...args) => {
      if (condition) return;
      if (args.length === 0) emit('ERROR', true, ['Assertion failed']);
      else if (typeof args[0] === 'string') emit('ERROR', true, ['Assertion failed: ' + args[0], ...args.slice(1)]);
      else emit('ERROR', true, ['Assertion failed:', ...args]);
    },
    count: (label = 'default') => {
      const n = (counts.get(String(label)) || 0) + 1;
      counts.set(String(label), n);
      emit('INFO', false, [String(label) + ': ' + n]);
    },
    countReset: (label = 'default') => counts.delete(String(label)),
    time: (label = 'default') => timers.set(String(label), performance.now()),
    timeEnd: (label = 'default') => {
      const started = timers.get(String(label));
      if (started === undefined) return;
      timers.delete(String(label));
      emit('INFO', false, [String(label) + ': ' + (performance.now() - started).toFixed(3) + 'ms']);
    },
    timeLog: (label = 'default', ...args) => {
      const started = timers.get(String(label));
      if (started === undefined) return;
      emit('INFO', false, [String(label) + ': ' + (performance.now() - started).toFixed(3) + 'ms', ...args]);
    },
    group: (...args) => {
      if (args.length) emit('INFO', false, args);
      indent += '  ';
    },
    groupEnd: () => {
      indent = indent.slice(2);
    },
    clear: () => {},
    profile: () => {},
    profileEnd: () => {},
    timeStamp: () => {},
  };
  c.groupCollapsed = c.group;
  return c;
}

// `new console.Console(stream[, errStream])`: plain lines to the streams given.
class Console {
  constructor(stdout, stderr) {
    const options = stdout && typeof stdout.write !== 'function' ? stdout : { stdout, stderr };
    const out = options.stdout;
    const err = options.stderr || out;
    const write = (stream) => (...args) => stream.write(format(...args) + '\n');
    this.log = this.info = this.debug = this.dir = write(out);
    this.warn = this.error = this.trace = write(err);
    this.assert = (condition, ...args) => {
      if (!condition) err.write(format('Assertion failed', ...args) + '\n');
    };
    this.time = this.timeEnd = this.timeLog = this.group = this.groupEnd = this.count = () => {};
  }
}

const console_ = makeConsole();
console_.Console = Console;
module.exports = console_;
