// Node's module system over engine-host `read-file`/`stat`: CommonJS
// `require` with Node's resolution (relative files, directories with
// package.json `main`, node_modules walked upwards, package `exports` and
// `imports`), JSON, ES modules (transformed to CommonJS with sucrase; `.mjs`
// or `"type": "module"`), FC's preinstalled packages, and a clear error for
// native addons. One registry per instance: modules load once and stay
// (FC keeps module state between invocations of an instance).

import { readFile, stat } from 'fclocal:function/engine-host@0.1.0';
import path from 'path-browserify';
import { builtin, builtinName, builtinNames } from './builtins.js';
import { chunk } from './chunks.js';
import { registerWrapper } from './errors.js';

const CODE = '/code';
const ENGINE = "fclocal's WebAssembly Node.js engine";

// ---- host access, cached for the instance's life (an instance sees one
// version of the code, as a started FC instance does).
const kinds = new Map();
function kindOf(file) {
  let kind = kinds.get(file);
  if (kind === undefined) {
    kind = file === CODE || file.startsWith(CODE + '/') ? stat(file) : 'missing';
    kinds.set(file, kind);
  }
  return kind;
}

const decoder = new TextDecoder('utf-8');
function readText(file) {
  let text = decoder.decode(readFile(file));
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  return text;
}

const packageJsons = new Map();
function readPackageJson(dir) {
  if (packageJsons.has(dir)) return packageJsons.get(dir);
  const file = dir + '/package.json';
  let pkg = null;
  if (kindOf(file) === 'file') {
    try {
      pkg = JSON.parse(readText(file));
    } catch (error) {
      error.message = 'Error parsing ' + file + ': ' + error.message;
      throw error;
    }
    if (pkg === null || typeof pkg !== 'object') pkg = {};
  }
  packageJsons.set(dir, pkg);
  return pkg;
}

/** The nearest package.json scope of a file: `{dir, pkg}` or null. */
function packageScope(file) {
  let dir = path.dirname(file);
  for (;;) {
    const pkg = readPackageJson(dir);
    if (pkg) return { dir, pkg };
    if (dir === '/' || path.basename(dir) === 'node_modules') return null;
    dir = path.dirname(dir);
  }
}

// ---- errors
// Packages FC's nodejs18/20 runtimes preinstall that the engine does not
// bundle (it bundles raw-body and body): a function relying on one gets a
// hint with the "Cannot find module" error.
const FC_PREINSTALLED = new Set(['co', 'gm', 'ali-oss', 'aliyun-sdk', '@alicloud/fc2', 'tablestore', 'ali-mns', '@alicloud/pop-core']);
function preinstalledHint(request) {
  const name = request.startsWith('@') ? request.split('/').slice(0, 2).join('/') : request.split('/')[0];
  if (!FC_PREINSTALLED.has(name)) return '';
  return "\n'" + name + "' is preinstalled on FC's Node.js runtimes but not in " + ENGINE +
    ": add it to your package.json and `npm install` it into the function's CodeUri (it deploys the same way)";
}

function notFound(request, parent) {
  const stack = [];
  for (let m = parent; m && m.filename; m = m.parent) stack.push('- ' + m.filename);
  const error = new Error("Cannot find module '" + request + "'" + (stack.length ? '\nRequire stack:\n' + stack.join('\n') : '') + preinstalledHint(request));
  error.code = 'MODULE_NOT_FOUND';
  error.requireStack = stack.map((line) => line.slice(2));
  return error;
}

/** The npm package a file belongs to (`sharp`, `@scope/pkg`), or null. */
function packageOf(file) {
  const at = file.lastIndexOf('/node_modules/');
  if (at < 0) return null;
  const parts = file.slice(at + '/node_modules/'.length).split('/');
  return parts[0].startsWith('@') ? parts[0] + '/' + parts[1] : parts[0];
}

export function nativeAddonError(what, file) {
  const pkg = file && packageOf(file);
  const error = new Error(
    'native addon ' + what + (pkg ? " (package '" + pkg + "')" : '') + " cannot run in " + ENGINE + '; use a pure-JS package' + (pkg ? " instead of '" + pkg + "'" : ''),
  );
  error.code = 'ERR_NATIVE_ADDON_NOT_SUPPORTED';
  return error;
}

// Loaders of prebuilt native addons: requiring them works, using them fails
// with the native-addon error naming the package that wanted one.
const ADDON_LOADERS = new Set(['bindings', 'node-gyp-build', 'node-gyp-build-optional-packages', '@mapbox/node-pre-gyp', 'node-pre-gyp', 'prebuild-install', 'nan', 'node-addon-api']);
function addonLoader(request, parent) {
  const where = parent && parent.filename;
  const fail = (name) => {
    throw nativeAddonError(name ? "'" + name + "'" : 'loaded through ' + request, where);
  };
  const loader = (arg) => fail(typeof arg === 'string' && arg.endsWith('.node') ? arg : null);
  loader.find = () => fail(null);
  loader.path = () => fail(null);
  loader.resolve = () => fail(null);
  return loader;
}

// ---- FC's preinstalled packages (nodejs runtimes' NODE_PATH), bundled.
const PRELOADED_DIR = '/usr/local/lib/node_modules';
const preinstalled = {
  'raw-body': () => require('raw-body'),
  body: () => require('body'),
  'body/json': () => require('body/json'),
  'body/form': () => require('body/form'),
  'body/any': () => require('body/any'),
};
function preinstalledFile(request) {
  return Object.prototype.hasOwnProperty.call(preinstalled, request) ? PRELOADED_DIR + '/' + request + '.js' : null;
}

// ---- resolution
const EXTENSIONS = ['.js', '.json', '.node'];

function loadAsFile(file) {
  if (kindOf(file) === 'file') return file;
  for (const ext of EXTENSIONS) {
    if (kindOf(file + ext) === 'file') return file + ext;
  }
  return null;
}

function loadIndex(dir) {
  for (const ext of EXTENSIONS) {
    if (kindOf(dir + '/index' + ext) === 'file') return dir + '/index' + ext;
  }
  return null;
}

function loadAsDirectory(dir) {
  if (kindOf(dir) !== 'directory') return null;
  const pkg = readPackageJson(dir);
  if (pkg && typeof pkg.main === 'string' && pkg.main !== '') {
    const main = path.resolve(dir, pkg.main);
    const found = loadAsFile(main) || loadIndex(main);
    if (found) return found;
  }
  return loadIndex(dir);
}

function conditionsFor(parent) {
  return parent && parent.isESM ? ['node', 'import', 'module', 'default'] : ['node', 'require', 'default'];
}
function fallbackConditions(parent) {
  return parent && parent.isESM ? ['node', 'require', 'default'] : ['node', 'import', 'module', 'default'];
}

function resolveTarget(dir, target, match, conditions) {
  if (typeof target === 'string') {
    if (!target.startsWith('./')) return undefined;
    return path.join(dir, match === null ? target : target.split('*').join(match));
  }
  if (Array.isArray(target)) {
    for (const item of target) {
      const found = resolveTarget(dir, item, match, conditions);
      if (found) return found;
    }
    return undefined;
  }
  if (target && typeof target === 'object') {
    for (const key of Object.keys(target)) {
      if (key === 'default' || conditions.includes(key)) {
        const found = resolveTarget(dir, target[key], match, conditions);
        if (found !== undefined) return found;
      }
    }
    return undefined;
  }
  return target === null ? null : undefined;
}

/** Resolves `subpath` (`.`, `./x`, `#x`) in an `exports`/`imports` map. */
function resolveMap(dir, map, subpath, conditions) {
  if (Object.prototype.hasOwnProperty.call(map, subpath) && !subpath.includes('*')) {
    return resolveTarget(dir, map[subpath], null, conditions);
  }
  let best = null;
  let bestMatch = null;
  for (const key of Object.keys(map)) {
    const star = key.indexOf('*');
    if (star >= 0) {
      const prefix = key.slice(0, star);
      const suffix = key.slice(star + 1);
      if (subpath.startsWith(prefix) && subpath.endsWith(suffix) && subpath.length >= key.length - 1) {
        if (best === null || prefix.length > best.indexOf('*')) {
          best = key;
          bestMatch = subpath.slice(prefix.length, subpath.length - suffix.length);
        }
      }
    } else if (key.endsWith('/') && subpath.startsWith(key) && best === null) {
      const found = resolveTarget(dir, map[key], null, conditions);
      if (typeof found === 'string') return found + subpath.slice(key.length);
    }
  }
  return best === null ? undefined : resolveTarget(dir, map[best], bestMatch, conditions);
}

function resolveExports(dir, exports, subpath, parent) {
  let map = exports;
  if (typeof map === 'string' || Array.isArray(map) || !Object.keys(map).some((key) => key.startsWith('.'))) {
    map = { '.': map };
  }
  let found = resolveMap(dir, map, subpath, conditionsFor(parent));
  if (!found) found = resolveMap(dir, map, subpath, fallbackConditions(parent));
  if (!found) {
    const error = new Error(
      "Package subpath '" + subpath + "' is not defined by \"exports\" in " + dir + '/package.json' + (parent && parent.filename ? ' imported from ' + parent.filename : ''),
    );
    error.code = 'ERR_PACKAGE_PATH_NOT_EXPORTED';
    throw error;
  }
  return found;
}

function splitPackageName(request) {
  const parts = request.split('/');
  const count = request.startsWith('@') ? 2 : 1;
  return [parts.slice(0, count).join('/'), parts.length > count ? './' + parts.slice(count).join('/') : '.'];
}

/** `node_modules` directories searched from `dir`, nearest first (within /code). */
function nodeModulePaths(dir) {
  const paths = [];
  for (let d = dir; d === CODE || d.startsWith(CODE + '/'); d = path.dirname(d)) {
    if (path.basename(d) !== 'node_modules') paths.push(d + '/node_modules');
  }
  return paths;
}

function resolvePackage(modulesDir, request, parent) {
  const [name, subpath] = splitPackageName(request);
  const dir = modulesDir + '/' + name;
  if (kindOf(dir) !== 'directory') return null;
  const pkg = readPackageJson(dir);
  if (pkg && pkg.exports !== undefined && pkg.exports !== null) {
    const found = resolveExports(dir, pkg.exports, subpath, parent);
    return kindOf(found) === 'file' ? found : null;
  }
  const full = modulesDir + '/' + request;
  return loadAsFile(full) || loadAsDirectory(full);
}

function resolveImports(request, parent) {
  const scope = parent && parent.filename ? packageScope(parent.filename) : null;
  if (scope && scope.pkg.imports) {
    const found = resolveMap(scope.dir, scope.pkg.imports, request, conditionsFor(parent)) ||
      resolveMap(scope.dir, scope.pkg.imports, request, fallbackConditions(parent));
    if (typeof found === 'string') return found;
    if (typeof scope.pkg.imports[request] === 'string' && !scope.pkg.imports[request].startsWith('./')) {
      return scope.pkg.imports[request];
    }
  }
  return null;
}

function resolveFilename(request, parent) {
  if (typeof request !== 'string' || request === '') {
    const error = new TypeError('The "id" argument must be a non-empty string');
    error.code = 'ERR_INVALID_ARG_VALUE';
    throw error;
  }
  const name = builtinName(request);
  if (name !== null) return request.startsWith('node:') ? request : name;
  if (request.startsWith('node:')) throw notFound(request, parent);
  const base = parent && parent.filename ? path.dirname(parent.filename) : CODE;
  if (request.startsWith('file://')) request = decodeURIComponent(new URL(request).pathname);
  if (request.startsWith('#')) {
    const mapped = resolveImports(request, parent);
    if (mapped && mapped.startsWith('/')) {
      if (kindOf(mapped) === 'file') return mapped;
    } else if (mapped) {
      return resolveFilename(mapped, parent);
    }
    throw notFound(request, parent);
  }
  if (request === '.' || request === '..' || request.startsWith('./') || request.startsWith('../') || request.startsWith('/')) {
    const target = path.resolve(base, request);
    const found = loadAsFile(target) || loadAsDirectory(target);
    if (found) return found;
    throw notFound(request, parent);
  }
  for (const modulesDir of nodeModulePaths(base)) {
    const found = resolvePackage(modulesDir, request, parent);
    if (found) return found;
  }
  const fallback = preinstalledFile(request);
  if (fallback) return fallback;
  throw notFound(request, parent);
}

// ---- modules
const cache = Object.create(null);
let mainModule;

function isESMFile(file) {
  if (file.endsWith('.mjs')) return true;
  if (file.endsWith('.cjs')) return false;
  const scope = packageScope(file);
  return !!(scope && scope.pkg.type === 'module');
}

// CommonJS modules get Node's five wrapper arguments. ES modules (after
// sucrase) only need `exports`, `require` and `import.meta`: they may declare
// `__filename`, `__dirname` and friends themselves.
const CJS_PARAMS = 'exports, require, module, __filename, __dirname';
const ESM_PARAMS = 'exports, require, __fclocal_import_meta';

function looksLikeESM(source) {
  return /(^|[\n;])\s*(import\s*[\w*{'"]|export\s+(default|const|let|var|function|class|async|\{|\*))/.test(source);
}

function toCommonJS(source, file) {
  const replaced = source
    .replace(/\bimport\s*\.\s*meta\b/g, '__fclocal_import_meta')
    // `const require = createRequire(import.meta.url)` would shadow the
    // `require` the transformed imports call; the module's own require is
    // the same function, so the declaration is renamed out of the way.
    .replace(/\b(const|let|var)(\s+)require(\s*=)/g, '$1$2__fclocal_own_require$3');
  return chunk('sucrase').transform(replaced, { transforms: ['imports'], filePath: file }).code;
}

function evaluate(source, file, esm, isAsync) {
  const head = (isAsync ? '(async function (' : '(function (') + (esm ? ESM_PARAMS : CJS_PARAMS) + ') {';
  const sourceUrl = esm ? 'file://' + file : file;
  registerWrapper(sourceUrl, head.length);
  return (0, eval)(head + source + '\n})\n//# sourceURL=' + sourceUrl);
}

function describeSyntaxError(error, file) {
  if (error instanceof SyntaxError && !String(error.message).includes(file)) {
    const line = typeof error.lineNumber === 'number' ? ':' + error.lineNumber : '';
    error.message = file + line + ': ' + error.message;
  }
  return error;
}

function compile(module, source) {
  const file = module.filename;
  if (source.startsWith('#!')) source = '//' + source.slice(2);
  let esm = isESMFile(file);
  let code = esm ? toCommonJS(source, file) : source;
  let fn;
  let isAsync = false;
  try {
    fn = evaluate(code, file, esm, false);
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    if (!esm && looksLikeESM(source)) {
      // Node 22 detects ES module syntax in `.js` files; so do we.
      esm = true;
      code = toCommonJS(source, file);
    }
    try {
      fn = evaluate(code, file, esm, false);
    } catch (again) {
      if (!(again instanceof SyntaxError) || !esm || !/\bawait\b/.test(code)) throw describeSyntaxError(again, file);
      // Top-level await.
      isAsync = true;
      try {
        fn = evaluate(code, file, true, true);
      } catch (last) {
        throw describeSyntaxError(last, file);
      }
    }
  }
  module.isESM = esm;
  const meta = esm
    ? {
        url: 'file://' + file,
        filename: file,
        dirname: path.dirname(file),
        resolve: (specifier) => 'file://' + resolveFilename(specifier, module),
      }
    : undefined;
  const result = esm
    ? fn.call(undefined, module.exports, module.require, meta)
    : fn.call(module.exports, module.exports, module.require, module, file, path.dirname(file));
  if (isAsync) module.evaluation = result;
}

export class Module {
  constructor(id = '', parent = null) {
    this.id = id;
    this.filename = id;
    this.path = path.dirname(id);
    this.exports = {};
    this.parent = parent;
    this.loaded = false;
    this.children = [];
    this.paths = nodeModulePaths(this.path);
    this.isESM = false;
    this.evaluation = null;
    this.require = makeRequire(this);
  }
}

function loadFile(module) {
  const file = module.filename;
  if (file.startsWith(PRELOADED_DIR + '/')) {
    module.exports = preinstalled[file.slice(PRELOADED_DIR.length + 1, -3)]();
    return;
  }
  if (file.endsWith('.node')) throw nativeAddonError("'" + file + "'", file);
  if (file.endsWith('.json')) {
    const text = readText(file);
    try {
      module.exports = JSON.parse(text);
    } catch (error) {
      error.message = file + ': ' + error.message;
      throw error;
    }
    return;
  }
  compile(module, readText(file));
}

function load(request, parent) {
  const name = builtinName(request);
  if (name !== null) return builtin(name);
  if (ADDON_LOADERS.has(request)) return addonLoader(request, parent);
  const file = Module._resolveFilename(request, parent);
  const builtinTarget = builtinName(file);
  if (builtinTarget !== null) return builtin(builtinTarget);
  const cached = cache[file];
  if (cached) {
    if (parent && !parent.children.includes(cached)) parent.children.push(cached);
    return cached.exports;
  }
  const module = new Module(file, parent);
  if (!parent) mainModule = mainModule || module;
  cache[file] = module;
  if (parent) parent.children.push(module);
  try {
    loadFile(module);
  } catch (error) {
    delete cache[file];
    if (parent) parent.children.splice(parent.children.indexOf(module), 1);
    throw error;
  }
  module.loaded = true;
  return module.exports;
}

function makeRequire(module) {
  const require = (request) => Module._load(request, module);
  require.resolve = (request) => {
    const file = Module._resolveFilename(request, module);
    return file;
  };
  require.resolve.paths = (request) => (builtinName(request) !== null ? null : module.paths);
  require.cache = cache;
  require.extensions = Module._extensions;
  Object.defineProperty(require, 'main', { get: () => mainModule, enumerable: true });
  return require;
}

Module._cache = cache;
Module._load = load;
Module._resolveFilename = resolveFilename;
Module._nodeModulePaths = nodeModulePaths;
Module._extensions = { '.js': () => {}, '.json': () => {}, '.node': () => {} };
Module.builtinModules = builtinNames;
Module.isBuiltin = (request) => builtinName(request) !== null;
Module.wrap = (source) => '(function (exports, require, module, __filename, __dirname) { ' + source + '\n});';
Module.createRequire = (filename) => {
  let file = String(filename && filename.href !== undefined ? filename.href : filename);
  if (file.startsWith('file://')) file = decodeURIComponent(new URL(file).pathname);
  const module = new Module(file.endsWith('/') ? file + 'noop.js' : file, null);
  return module.require;
};
Module.Module = Module;

export function moduleBuiltin() {
  return Module;
}

// ---- handlers
const handlers = new Map();

/** Why a handler could not be found: reported as `{"errorMessage": ...}`. */
export class HandlerLookupError extends Error {}

/**
 * The function FC's `Handler`/`Initializer` string names (`index.handler`,
 * `src/app.main`: split at the last dot, `/code/<path>.js` or `.mjs`),
 * loading its module on first use. A module that fails to load is not kept:
 * the next call tries again.
 */
export async function lookupHandler(spec) {
  const known = handlers.get(spec);
  if (known) return known;
  const dot = spec.lastIndexOf('.');
  if (dot <= 0 || dot === spec.length - 1) {
    throw new HandlerLookupError("Invalid handler '" + spec + "': expected <file>.<function>, e.g. index.handler");
  }
  const modulePath = spec.slice(0, dot);
  const exportName = spec.slice(dot + 1);
  const base = path.resolve(CODE, modulePath);
  const file = ['.js', '.mjs', '.cjs'].map((ext) => base + ext).find((f) => kindOf(f) === 'file');
  if (!file) throw new HandlerLookupError("Cannot find module '" + base + ".js'");
  const exports = load(file, null);
  const module = cache[file];
  if (module && module.evaluation) await module.evaluation;
  const fn = exports == null ? undefined : exports[exportName];
  if (typeof fn !== 'function') {
    throw new HandlerLookupError("Handler '" + exportName + "' missing on module '" + modulePath + "'");
  }
  handlers.set(spec, fn);
  return fn;
}
