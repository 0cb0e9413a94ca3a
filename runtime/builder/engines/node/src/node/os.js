'use strict';
// A minimal `os`: what FC's Linux x86_64 runtime would answer, as far as a
// WebAssembly instance can know.

module.exports = {
  EOL: '\n',
  devNull: '/dev/null',
  platform: () => 'linux',
  type: () => 'Linux',
  arch: () => 'x64',
  machine: () => 'x86_64',
  release: () => '5.10.0',
  version: () => '#1 SMP',
  hostname: () => 'fclocal',
  homedir: () => '/tmp',
  tmpdir: () => '/tmp',
  endianness: () => 'LE',
  uptime: () => Math.floor(performance.now() / 1000),
  loadavg: () => [0, 0, 0],
  totalmem: () => {
    const mb = Number(globalThis.process && globalThis.process.env.FC_FUNCTION_MEMORY_SIZE);
    return (mb > 0 ? mb : 128) * 1024 * 1024;
  },
  freemem: () => 0,
  cpus: () => [{ model: 'fclocal wasm', speed: 0, times: { user: 0, nice: 0, sys: 0, idle: 0, irq: 0 } }],
  availableParallelism: () => 1,
  networkInterfaces: () => ({}),
  userInfo: () => ({ uid: 0, gid: 0, username: 'root', homedir: '/tmp', shell: null }),
  getPriority: () => 0,
  setPriority: () => {},
  constants: { signals: {}, errno: {}, priority: {} },
};
