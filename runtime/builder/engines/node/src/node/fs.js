// `fs`: the function's code read-only (through engine-host `read-file`,
// `stat` and `read-dir`, like FC's read-only /code), plus an in-memory `/tmp` private to the
// instance (FC gives every instance a writable /tmp; ours lives in the
// instance's memory and counts against MemorySize). Everything else fails
// with Node-style errors (EROFS, ENOSYS).

import { readDir as hostReadDir, readFile as hostReadFile, stat as hostStat } from 'fclocal:function/engine-host@0.1.0';
import pathModule from 'path-browserify';
import { builtin } from '../builtins.js';

const { Buffer } = globalThis;
const ENGINE = "fclocal's WebAssembly Node.js engine";

const tmpFiles = new Map(); // absolute path -> Buffer
const tmpDirs = new Set(['/tmp']);

function fsError(code, errno, syscall, path, description) {
  const error = new Error(code + ': ' + description + ', ' + syscall + (path === undefined ? '' : " '" + path + "'"));
  error.code = code;
  error.errno = errno;
  error.syscall = syscall;
  if (path !== undefined) error.path = path;
  return error;
}
const enoent = (syscall, path) => fsError('ENOENT', -2, syscall, path, 'no such file or directory');
const eisdir = (syscall, path) => fsError('EISDIR', -21, syscall, path, 'illegal operation on a directory');
const enotdir = (syscall, path) => fsError('ENOTDIR', -20, syscall, path, 'not a directory');
const erofs = (syscall, path) => fsError('EROFS', -30, syscall, path, 'read-only file system');
const eexist = (syscall, path) => fsError('EEXIST', -17, syscall, path, 'file already exists');
const enosys = (syscall, path) =>
  fsError('ENOSYS', -38, syscall, path, 'function not implemented in ' + ENGINE);

function toPath(path) {
  if (typeof path === 'string') return path;
  if (path instanceof Uint8Array) return Buffer.from(path).toString();
  if (path && typeof path === 'object' && path.href !== undefined && path.protocol === 'file:') {
    return decodeURIComponent(path.pathname);
  }
  if (typeof path === 'number') throw enosys('fd', String(path));
  throw new TypeError('The "path" argument must be of type string or an instance of Buffer or URL');
}

function absolute(path) {
  return pathModule.resolve('/code', toPath(path));
}

const underTmp = (p) => p === '/tmp' || p.startsWith('/tmp/');

/** 'file' | 'directory' | 'missing' */
function kindOf(p) {
  if (underTmp(p)) {
    if (tmpFiles.has(p)) return 'file';
    if (tmpDirs.has(p)) return 'directory';
    return 'missing';
  }
  if (p !== '/code' && !p.startsWith('/code/')) return 'missing';
  return hostStat(p);
}

function readBytes(p, syscall = 'open') {
  const kind = kindOf(p);
  if (kind === 'missing') throw enoent(syscall, p);
  if (kind === 'directory') throw eisdir('read', undefined);
  if (underTmp(p)) return tmpFiles.get(p);
  let bytes;
  try {
    bytes = hostReadFile(p);
  } catch (error) {
    throw enoent(syscall, p);
  }
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function encodingOf(options) {
  if (typeof options === 'string') return options;
  return options && options.encoding ? options.encoding : null;
}

class Stats {
  constructor(kind, size) {
    this._kind = kind;
    const epoch = new Date(0);
    Object.assign(this, {
      dev: 0,
      ino: 0,
      mode: kind === 'directory' ? 0o40555 : 0o100444,
      nlink: 1,
      uid: 0,
      gid: 0,
      rdev: 0,
      size,
      blksize: 4096,
      blocks: Math.ceil(size / 512),
      atimeMs: 0,
      mtimeMs: 0,
      ctimeMs: 0,
      birthtimeMs: 0,
      atime: epoch,
      mtime: epoch,
      ctime: epoch,
      birthtime: epoch,
    });
  }
  isFile() {
    return this._kind === 'file';
  }
  isDirectory() {
    return this._kind === 'directory';
  }
  isSymbolicLink() {
    return false;
  }
  isBlockDevice() {
    return false;
  }
  isCharacterDevice() {
    return false;
  }
  isFIFO() {
    return false;
  }
  isSocket() {
    return false;
  }
}

function statSync(path, options) {
  const p = absolute(path);
  const kind = kindOf(p);
  if (kind === 'missing') {
    if (options && options.throwIfNoEntry === false) return undefined;
    throw enoent('stat', p);
  }
  const size = kind === 'file' ? readBytes(p, 'stat').length : 4096;
  return new Stats(kind, size);
}

function readFileSync(path, options) {
  const bytes = readBytes(absolute(path));
  const encoding = encodingOf(options);
  // A copy, so callers may modify what they read.
  const copy = Buffer.from(bytes);
  return encoding ? copy.toString(encoding) : copy;
}

function existsSync(path) {
  try {
    return kindOf(absolute(path)) !== 'missing';
  } catch (_) {
    return false;
  }
}

const constants = { F_OK: 0, R_OK: 4, W_OK: 2, X_OK: 1, O_RDONLY: 0, O_WRONLY: 1, O_RDWR: 2 };

function accessSync(path, mode = 0) {
  const p = absolute(path);
  if (kindOf(p) === 'missing') throw enoent('access', p);
  if (mode & constants.W_OK && !underTmp(p)) throw erofs('access', p);
}

function realpathSync(path) {
  const p = absolute(path);
  if (kindOf(p) === 'missing') throw enoent('realpath', p);
  return p;
}
realpathSync.native = realpathSync;

function writableTmp(path, syscall) {
  const p = absolute(path);
  if (!underTmp(p)) throw erofs(syscall, p);
  if (!tmpDirs.has(pathModule.dirname(p))) throw enoent(syscall, p);
  if (tmpDirs.has(p)) throw eisdir(syscall, p);
  return p;
}

function toBytes(data, options) {
  if (typeof data === 'string') return Buffer.from(data, encodingOf(options) || 'utf8');
  if (data instanceof Uint8Array) return Buffer.from(data);
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  throw new TypeError('The "data" argument must be of type string or an instance of Buffer, TypedArray, or DataView');
}

function writeFileSync(path, data, options) {
  const p = writableTmp(path, 'open');
  const flag = options && typeof options === 'object' && options.flag;
  if (flag && flag.startsWith('a') && tmpFiles.has(p)) {
    tmpFiles.set(p, Buffer.concat([tmpFiles.get(p), toBytes(data, options)]));
  } else {
    tmpFiles.set(p, toBytes(data, options));
  }
}

function appendFileSync(path, data, options) {
  const p = writableTmp(path, 'open');
  const before = tmpFiles.get(p) || Buffer.alloc(0);
  tmpFiles.set(p, Buffer.concat([before, toBytes(data, options)]));
}

function unlinkSync(path) {
  const p = absolute(path);
  if (!underTmp(p)) throw erofs('unlink', p);
  if (!tmpFiles.delete(p)) throw enoent('unlink', p);
}

function mkdirSync(path, options) {
  const p = absolute(path);
  if (!underTmp(p)) {
    if (kindOf(p) !== 'missing') {
      if (options && options.recursive) return undefined;
      throw eexist('mkdir', p);
    }
    throw erofs('mkdir', p);
  }
  const recursive = options && typeof options === 'object' && options.recursive;
  if (tmpDirs.has(p)) {
    if (recursive) return undefined;
    throw eexist('mkdir', p);
  }
  if (tmpFiles.has(p)) throw eexist('mkdir', p);
  const parent = pathModule.dirname(p);
  if (!tmpDirs.has(parent)) {
    if (!recursive) throw enoent('mkdir', p);
    mkdirSync(parent, options);
  }
  tmpDirs.add(p);
  return recursive ? p : undefined;
}

function direntsOrNames(p, entries, options) {
  if (!(options && options.withFileTypes)) return entries.map(([name]) => name);
  return entries.map(([name, kind]) => {
    const dirent = new Stats(kind, 0);
    dirent.name = name;
    dirent.path = p;
    dirent.parentPath = p;
    return dirent;
  });
}

/** A directory of the function's code, through engine-host `read-dir`. */
function readCodeDir(p, options) {
  const kind = kindOf(p);
  if (kind === 'missing') throw enoent('scandir', p);
  if (kind === 'file') throw enotdir('scandir', p);
  let entries;
  try {
    entries = hostReadDir(p);
  } catch (_) {
    throw enoent('scandir', p);
  }
  return direntsOrNames(p, entries, options);
}

function readdirSync(path, options) {
  const p = absolute(path);
  if (!underTmp(p)) return readCodeDir(p, options);
  if (!tmpDirs.has(p)) throw tmpFiles.has(p) ? enotdir('scandir', p) : enoent('scandir', p);
  const names = new Set();
  const prefix = p + '/';
  for (const entry of [...tmpFiles.keys(), ...tmpDirs]) {
    if (entry.startsWith(prefix) && !entry.slice(prefix.length).includes('/')) names.add(entry.slice(prefix.length));
  }
  const sorted = [...names].sort();
  return direntsOrNames(
    p,
    sorted.map((name) => [name, tmpDirs.has(prefix + name) ? 'directory' : 'file']),
    options,
  );
}

function rmSync(path, options) {
  const p = absolute(path);
  if (!underTmp(p) || p === '/tmp') throw erofs('rm', p);
  if (tmpFiles.delete(p)) return;
  if (tmpDirs.has(p)) {
    const prefix = p + '/';
    for (const f of [...tmpFiles.keys()]) if (f.startsWith(prefix)) tmpFiles.delete(f);
    for (const d of [...tmpDirs]) if (d === p || d.startsWith(prefix)) tmpDirs.delete(d);
    return;
  }
  if (!(options && options.force)) throw enoent('rm', p);
}

function renameSync(from, to) {
  const a = absolute(from);
  const b = writableTmp(to, 'rename');
  if (!underTmp(a)) throw erofs('rename', a);
  if (!tmpFiles.has(a)) throw enoent('rename', a);
  tmpFiles.set(b, tmpFiles.get(a));
  tmpFiles.delete(a);
}

function copyFileSync(from, to) {
  const bytes = readBytes(absolute(from), 'copyfile');
  tmpFiles.set(writableTmp(to, 'copyfile'), Buffer.from(bytes));
}

const sync = {
  accessSync,
  appendFileSync,
  copyFileSync,
  existsSync,
  lstatSync: statSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  realpathSync,
  renameSync,
  rmSync,
  rmdirSync: rmSync,
  statSync,
  unlinkSync,
  writeFileSync,
};

// Callback and promise forms of the above.
function callbackForm(fn) {
  return function (...args) {
    const callback = typeof args[args.length - 1] === 'function' ? args.pop() : null;
    let result;
    let error = null;
    try {
      result = fn(...args);
    } catch (e) {
      error = e;
    }
    if (callback) {
      globalThis.process.nextTick(() => (error ? callback(error) : callback(null, result)));
    } else if (error) {
      throw error;
    }
  };
}

function promiseForm(fn) {
  return (...args) =>
    new Promise((resolve, reject) => {
      try {
        resolve(fn(...args));
      } catch (error) {
        reject(error);
      }
    });
}

const fs = { constants, Stats, ...constants };
const promises = { constants };
for (const [name, fn] of Object.entries(sync)) {
  const base = name.slice(0, -4);
  fs[name] = fn;
  fs[base] = callbackForm(fn);
  promises[base] = promiseForm(fn);
}
fs.exists = (path, callback) => globalThis.process.nextTick(() => callback(existsSync(path)));
fs.rmdir = fs.rm;
fs.promises = promises;

fs.createReadStream = function createReadStream(path, options) {
  const { Readable } = builtin('stream');
  const p = absolute(path);
  const encoding = encodingOf(options);
  let done = false;
  const stream = new Readable({
    read() {
      if (done) return;
      done = true;
      let bytes;
      try {
        bytes = Buffer.from(readBytes(p));
      } catch (error) {
        this.destroy(error);
        return;
      }
      const start = options && options.start !== undefined ? options.start : 0;
      const end = options && options.end !== undefined ? options.end + 1 : bytes.length;
      const slice = bytes.subarray(start, end);
      if (slice.length) this.push(encoding ? slice.toString(encoding) : slice);
      this.push(null);
    },
  });
  stream.path = p;
  return stream;
};

fs.createWriteStream = function createWriteStream(path, options) {
  const { Writable } = builtin('stream');
  const p = writableTmp(path, 'open');
  const append = options && typeof options === 'object' && options.flags && options.flags.startsWith('a');
  if (!append || !tmpFiles.has(p)) tmpFiles.set(p, Buffer.alloc(0));
  const stream = new Writable({
    write(chunk, encoding, callback) {
      tmpFiles.set(p, Buffer.concat([tmpFiles.get(p) || Buffer.alloc(0), toBytes(chunk, encoding)]));
      callback();
    },
  });
  stream.path = p;
  return stream;
};

for (const name of ['open', 'openSync', 'close', 'closeSync', 'read', 'readSync', 'write', 'writeSync', 'fstat', 'fstatSync', 'watch', 'watchFile', 'symlink', 'symlinkSync', 'link', 'linkSync', 'chmod', 'chmodSync', 'chown', 'chownSync', 'utimes', 'utimesSync', 'opendir', 'opendirSync', 'mkdtemp', 'mkdtempSync', 'readlink', 'readlinkSync']) {
  fs[name] = () => {
    throw enosys(name.replace(/Sync$/, ''), undefined);
  };
}

export default fs;
