// Libraries kept as source in the engine and compiled on first use (see
// build.mjs): `require('fclocal-chunk:NAME')` is the chunk's source text.

import { builtin, builtinName } from './builtins.js';

const sources = {
  crypto: () => require('fclocal-chunk:crypto'),
  zlib: () => require('fclocal-chunk:zlib'),
  sucrase: () => require('fclocal-chunk:sucrase'),
};

/** The engine's built-ins, for the chunks' own `require` calls. */
function chunkRequire(request) {
  const name = builtinName(request.replace(/\/$/, ''));
  if (name === null) throw new Error('fclocal engine chunk requires unknown module ' + request);
  return builtin(name);
}

const loaded = new Map();

export function chunk(name) {
  let exports = loaded.get(name);
  if (exports === undefined) {
    const source = sources[name]();
    const factory = (0, eval)(
      '(function (require) {' + source + '\nreturn __chunk;\n})\n//# sourceURL=fclocal-node-engine/' + name + '.js',
    );
    exports = factory(chunkRequire);
    loaded.set(name, exports);
  }
  return exports;
}
