'use strict';
/**
 * After a boot storm, with the provider stopped: reads every binding through the
 * engine and checks that each VVol of the storm is bound exactly once (one PE) for
 * exactly its own host, and that nothing else is bound.
 * Usage: node verify-bindings.js <dataDir> <expected.json>  (expected: { vvolId: hostIqn })
 */
const fs = require('node:fs');
const path = require('node:path');
const { DIST } = require('./util');

const { Store } = require(path.join(DIST, 'store', 'db'));
const { DiskArrayEngine } = require(path.join(DIST, 'array', 'engine'));
const { SystemClock } = require(path.join(DIST, 'array', 'clock'));

const [dataDir, expectedFile] = process.argv.slice(2);
const expected = JSON.parse(fs.readFileSync(expectedFile, 'utf8'));
const store = Store.open(dataDir);
const engine = new DiskArrayEngine(store, new SystemClock());
const seen = new Map();
let extra = 0;
for (const a of engine.listArrays()) {
  for (const b of engine.listBindings(a.name)) {
    if (!(b.vvolId in expected)) {
      extra++;
      continue;
    }
    const list = seen.get(b.vvolId) || [];
    list.push(b);
    seen.set(b.vvolId, list);
  }
}
let once = 0;
let missing = 0;
let duplicated = 0;
let wrongHost = 0;
for (const [id, host] of Object.entries(expected)) {
  const list = seen.get(id) || [];
  if (list.length === 0) missing++;
  else if (list.length > 1) duplicated++;
  else if (list[0].hosts.length !== 1 || list[0].hosts[0] !== host) wrongHost++;
  else once++;
}
const problems = engine.checkInvariants();
store.close();
process.stdout.write(`${JSON.stringify({ expected: Object.keys(expected).length, boundOnce: once, missing, duplicated, wrongHost, extra, invariantProblems: problems.length, firstProblems: problems.slice(0, 3) })}\n`);
