// Bundles src/ with esbuild and turns the bundle into the engine component
// with componentize-js. Run by build.sh from the work dir (which holds a copy
// of this directory and its node_modules): `node build.mjs OUT.wasm WIT_DIR`.

import { componentize } from '@bytecodealliance/componentize-js';
import * as esbuild from 'esbuild';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';

const [out, witDir] = process.argv.slice(2);
const here = process.cwd();
const require = createRequire(join(here, 'package.json'));
const step = (message) => process.stderr.write(`fclocal node engine: ${message}\n`);

// Node built-ins that bundled polyfills require, pointed at the same modules
// user code gets from src/builtins.js.
const ALIASES = {
  process: join(here, 'src/node/process.js'),
  'process/': join(here, 'src/node/process.js'),
  stream: require.resolve('readable-stream/lib/stream.js'),
  async_hooks: join(here, 'src/node/async_hooks.js'),
  path: require.resolve('path-browserify'),
  querystring: require.resolve('querystring-es3'),
  crypto: require.resolve('crypto-browserify'),
  zlib: require.resolve('browserify-zlib'),
  os: join(here, 'src/node/os.js'),
};

const builtinsPlugin = {
  name: 'fclocal-node-builtins',
  setup(build) {
    build.onResolve({ filter: /^node:/ }, (args) =>
      build.resolve(args.path.slice(5), { kind: args.kind, resolveDir: args.resolveDir }),
    );
    // iconv-lite's browser field drops its stream support, then calls it
    // anyway because our `process.versions.node` says Node: keep the files.
    build.onResolve({ filter: /^\.\/(streams|extend-node)$/ }, (args) =>
      /[/\\]iconv-lite[/\\]/.test(args.importer) ? { path: join(args.resolveDir, args.path + '.js') } : undefined,
    );
    const names = Object.keys(ALIASES).map((name) => name.replace(/[/]/g, '\\/'));
    build.onResolve({ filter: new RegExp(`^(${names.join('|')})$`) }, (args) => ({ path: ALIASES[args.path] }));
  },
};

// JSON files (iconv-lite's code tables, ...) become `JSON.parse('...')`:
// StarlingMonkey compiles the bundle with full parsing, and a large object
// literal costs many times its size in bytecode; a string costs its length.
const jsonPlugin = {
  name: 'fclocal-json-as-string',
  setup(build) {
    build.onLoad({ filter: /\.json$/ }, (args) => ({
      contents: `module.exports = JSON.parse(${JSON.stringify(JSON.stringify(JSON.parse(readFileSync(args.path, 'utf8'))))});`,
      loader: 'js',
    }));
  },
};

// Large libraries that few handlers use (crypto-browserify and its tree,
// browserify-zlib, sucrase for ES modules) are bundled separately and kept
// in the engine as source strings, compiled on first `require` (see
// src/chunks.js). StarlingMonkey compiles the engine's module with full
// parsing, so every bundled function costs its bytecode in every instance's
// memory; a string costs its length. They share the engine's Buffer, streams,
// events, util... (`require` of a built-in from a chunk is the engine's).
const CHUNKS = {
  crypto: "module.exports = require('crypto-browserify');",
  zlib: "module.exports = require('browserify-zlib');",
  sucrase: "module.exports = { transform: require('sucrase').transform };",
};
const SHARED = /^(node:)?(buffer|events|stream|string_decoder|util|process|assert|path|url|querystring|os|fs|timers|async_hooks|vm)\/?$/;
const sharedPlugin = {
  name: 'fclocal-shared-builtins',
  setup(build) {
    build.onResolve({ filter: SHARED }, (args) => ({ path: args.path, external: true }));
  },
};

const started = Date.now();
mkdirSync('build', { recursive: true });
const chunks = {};
for (const [name, contents] of Object.entries(CHUNKS)) {
  const result = await esbuild.build({
    stdin: { contents, resolveDir: here, sourcefile: name + '.js' },
    write: false,
    bundle: true,
    format: 'iife',
    globalName: '__chunk',
    platform: 'browser',
    target: 'es2022',
    plugins: [sharedPlugin, jsonPlugin, builtinsPlugin],
    define: { global: 'globalThis' },
    minifyWhitespace: true,
    minifySyntax: true,
    keepNames: true,
    legalComments: 'none',
    charset: 'ascii',
    logLevel: 'warning',
  });
  chunks[name] = result.outputFiles[0].text;
}
const chunkPlugin = {
  name: 'fclocal-chunks',
  setup(build) {
    build.onResolve({ filter: /^fclocal-chunk:/ }, (args) => ({ path: args.path.slice(14), namespace: 'fclocal-chunk' }));
    build.onLoad({ filter: /.*/, namespace: 'fclocal-chunk' }, (args) => ({
      contents: `module.exports = ${JSON.stringify(chunks[args.path])};`,
      loader: 'js',
    }));
  },
};

const bundle = join(here, 'build/fclocal-node-engine.js');
await esbuild.build({
  entryPoints: [join(here, 'src/entry.js')],
  outfile: bundle,
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  external: ['fclocal:function/*'],
  plugins: [chunkPlugin, builtinsPlugin, jsonPlugin],
  define: { global: 'globalThis' },
  minifyWhitespace: true,
  minifySyntax: true,
  keepNames: true,
  legalComments: 'none',
  charset: 'ascii',
  logLevel: 'warning',
});
const chunkKiB = Object.values(chunks).reduce((sum, text) => sum + text.length, 0) / 1024;
step(
  `bundled ${(readFileSync(bundle).length / 1024).toFixed(0)} KiB of JavaScript, ${chunkKiB.toFixed(0)} KiB of it compiled on first use (${Date.now() - started} ms)`,
);

// The WIT package split over several files may carry a doc comment on each
// `package` line; the WIT parser inside componentize-js refuses that, so the
// copy it reads keeps documentation off the `package` lines.
const wit = join(here, 'build/wit');
mkdirSync(wit, { recursive: true });
for (const name of readdirSync(witDir).filter((file) => file.endsWith('.wit'))) {
  const lines = readFileSync(join(witDir, name), 'utf8').split('\n');
  const at = lines.findIndex((line) => /^package\s/.test(line));
  let first = at;
  while (first > 0 && /^\s*\/\/\//.test(lines[first - 1])) first--;
  if (at >= 0) lines.splice(first, at - first);
  writeFileSync(join(wit, name), lines.join('\n'));
}

const componentizing = Date.now();
const { component } = await componentize({
  sourcePath: bundle,
  witPath: wit,
  worldName: 'language-engine',
  // No wasi:http/incoming-handler export: the engine exports engine-function
  // only. `fetch` (outbound wasi:http) stays available to handlers.
  disableFeatures: ['fetch-event'],
});
mkdirSync(dirname(resolve(out)), { recursive: true });
writeFileSync(resolve(out), component);
step(`componentized ${(component.length / 1024 / 1024).toFixed(1)} MiB (${Date.now() - componentizing} ms) -> ${out}`);
