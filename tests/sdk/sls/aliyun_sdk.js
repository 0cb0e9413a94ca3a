// npm aliyun-sdk (ALY.SLS) against fclocal's SLS API, as the README tells
// users to point it: endpoint `http://127.0.0.1:PORT`. With an IP endpoint
// the SDK connects to it as given; fclocal takes the project from the
// request (or its first LogConfig project). PutLogs goes deflate-compressed,
// PullLogs (batchGetLogs) comes back raw. Prints its findings as JSON on the
// last line.
'use strict';

const ALY = require('aliyun-sdk');

const PROJECT = 'sdk-project';
const STORE = 'sdk-store';
const RUN = process.env.FCLOCAL_RUN || 'run';

const sls = new ALY.SLS({
  accessKeyId: process.env.FCLOCAL_ACCESS_KEY_ID,
  secretAccessKey: process.env.FCLOCAL_WRONG_SECRET ? 'not-the-secret' : process.env.FCLOCAL_ACCESS_KEY_SECRET,
  endpoint: `http://${process.env.FCLOCAL_HOST}:${process.env.FCLOCAL_PORT}`,
  apiVersion: '2015-06-01',
});

function call(operation, params) {
  return new Promise((resolve, reject) => {
    sls[operation](params, (error, data) => (error ? reject(error) : resolve(data)));
  });
}

async function main() {
  if (process.env.FCLOCAL_WRONG_SECRET) {
    try {
      await call('listLogStores', { projectName: PROJECT });
      console.log(JSON.stringify({ error: null }));
    } catch (error) {
      console.log(JSON.stringify({ error: error.code, status: error.statusCode }));
    }
    return;
  }

  const found = {};
  found.logstores = (await call('listLogStores', { projectName: PROJECT })).body.logstores.sort();
  const now = Math.floor(Date.now() / 1000);
  await call('putLogs', {
    projectName: PROJECT,
    logStoreName: STORE,
    logGroup: {
      logs: [
        { time: now, contents: [{ key: 'method', value: 'GET' }, { key: 'run', value: RUN }] },
        { time: now, contents: [{ key: 'method', value: 'PUT' }, { key: 'run', value: RUN }] },
      ],
      topic: 'aliyun-sdk',
      source: '10.0.0.7',
    },
  });

  const search = await call('getLogs', {
    projectName: PROJECT,
    logStoreName: STORE,
    from: now - 60,
    to: now + 60,
    query: `run: ${RUN} and method: PUT`,
  });
  // The SDK hands JSON arrays over as objects keyed by index.
  found.search = Object.values(search.body).map((log) => [log.method, log.__topic__]);

  // The SDK hands JSON arrays over as objects keyed by index.
  const shards = Object.values((await call('listShards', { projectName: PROJECT, logStoreName: STORE })).body);
  found.shards = shards.length;
  let pulled = 0;
  for (const shard of shards) {
    const cursor = (await call('getCursor', { projectName: PROJECT, logStoreName: STORE, ShardId: shard.shardID, FromTime: now - 3600 })).body.cursor;
    const batch = await call('batchGetLogs', { projectName: PROJECT, logStoreName: STORE, ShardId: shard.shardID, cursor, count: 100 });
    for (const group of batch.body.logGroupList || []) {
      for (const log of group.logs) {
        if (log.contents.some((pair) => pair.key === 'run' && pair.value === RUN)) pulled += 1;
      }
    }
  }
  found.pulled = pulled;
  console.log(JSON.stringify(found));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
