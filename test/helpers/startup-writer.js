#!/usr/bin/env node
/**
 * A stand-in for the daemon's writes in the start-up tests (test/security/startup*):
 * opens the store as the daemon does (synchronous FULL), makes the demo-shaped array,
 * creates <count> VVols and prints "acked <n>" after each (each one acknowledged: its
 * transaction returned), then "done", and then, as <then> says: "wait" to be killed,
 * "kill" itself with SIGKILL (a crash at a known point, for spawnSync), or "close" the
 * store and exit 0. Plain CommonJS on the compiled engine in dist/, like
 * test/durability/child.js.
 *
 *   node startup-writer.js <dataDir> <count> [wait|kill|close]
 */
'use strict';

const path = require('node:path');

const DIST = path.resolve(__dirname, '..', '..', 'dist');
const { Store } = require(path.join(DIST, 'store', 'db'));
const { DiskArrayEngine } = require(path.join(DIST, 'array', 'engine'));
const { ManualClock } = require(path.join(DIST, 'array', 'clock'));
const { bootstrapArray } = require(path.join(DIST, 'array', 'bootstrap'));
const { loadDemoArrays } = require(path.join(DIST, 'config', 'demo-array'));
const { GiB } = require(path.join(DIST, 'array', 'models'));

const [dataDir, countArg, then = 'wait'] = process.argv.slice(2);
const count = Number(countArg);
const store = Store.open(dataDir);
const engine = new DiskArrayEngine(store, new ManualClock(Date.UTC(2026, 0, 1)));
const [spec] = loadDemoArrays();
bootstrapArray(engine, spec);
for (let i = 1; i <= count; i++) {
  engine.createVvol(spec.name, { pool: 0, type: 'data', sizeBytes: GiB, metadata: { VMW_VmID: `vm-${i}` } });
  process.stdout.write(`acked ${i}\n`);
}
process.stdout.write('done\n');
if (then === 'kill') process.kill(process.pid, 'SIGKILL');
else if (then === 'close') store.close();
else setInterval(() => {}, 60_000);
