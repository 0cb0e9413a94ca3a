// npm @alicloud/log against fclocal's SLS API, as the README tells users to
// point it: endpoint `localhost:PORT` plus the hosts line fclocal's banner
// prints (`127.0.0.1 sdk-project.localhost`); the SDK always connects to
// `{project}.{endpoint}`. Editing /etc/hosts needs root, so this script
// stands in for that one line by answering lookups of `*.localhost` with
// 127.0.0.1 (all else goes to the real resolver); every request still goes
// over a real socket to fclocal. Prints its findings as JSON on the last line.
'use strict';

const dns = require('dns');
const realLookup = dns.lookup;
dns.lookup = function lookup(hostname, options, callback) {
  if (typeof options === 'function') {
    callback = options;
    options = {};
  }
  if (hostname.endsWith('.localhost')) {
    if (options && options.all) return process.nextTick(callback, null, [{ address: '127.0.0.1', family: 4 }]);
    return process.nextTick(callback, null, '127.0.0.1', 4);
  }
  return realLookup.call(dns, hostname, options, callback);
};

const SLS = require('@alicloud/log');

const PROJECT = 'sdk-project';
const STORE = 'sdk-store';
const RUN = process.env.FCLOCAL_RUN || 'run';

async function main() {
  const client = new SLS({
    accessKeyId: process.env.FCLOCAL_ACCESS_KEY_ID,
    accessKeySecret: process.env.FCLOCAL_WRONG_SECRET ? 'not-the-secret' : process.env.FCLOCAL_ACCESS_KEY_SECRET,
    endpoint: `localhost:${process.env.FCLOCAL_PORT}`,
  });
  if (process.env.FCLOCAL_WRONG_SECRET) {
    try {
      await client.listLogStore(PROJECT);
      console.log(JSON.stringify({ error: null }));
    } catch (error) {
      console.log(JSON.stringify({ error: error.code }));
    }
    return;
  }

  const found = {};
  found.logstores = (await client.listLogStore(PROJECT)).logstores.sort();
  found.shardCount = (await client.getLogStore(PROJECT, STORE)).shardCount;

  const now = Math.floor(Date.now() / 1000);
  await client.postLogStoreLogs(PROJECT, STORE, {
    logs: [
      { timestamp: now, content: { method: 'GET', status: '200', run: RUN } },
      { timestamp: now, content: { method: 'POST', status: '502', run: RUN } },
    ],
    tags: [{ env: 'test' }],
    topic: 'alicloud-log',
    source: '10.0.0.8',
  });

  const from = new Date((now - 60) * 1000);
  const to = new Date((now + 60) * 1000);
  const search = await client.getLogs(PROJECT, STORE, from, to, { query: `run: ${RUN} and status >= 500` });
  found.search = search.map((log) => [log.method, log.status, log.__topic__, log.__source__]);
  const sql = await client.getLogs(PROJECT, STORE, from, to, {
    query: `run: ${RUN} | select method, count(*) as n group by method order by method`,
  });
  found.sql = sql.map((row) => [row.method, Number(row.n)]);
  const histograms = await client.getHistograms(PROJECT, STORE, from, to, { query: `run: ${RUN}` });
  found.histogramTotal = histograms.reduce((total, bucket) => total + bucket.count, 0);
  console.log(JSON.stringify(found));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
