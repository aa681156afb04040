#!/usr/bin/env node
/**
 * The workload of group-commit.test.ts (not a test itself). On the compiled engine in
 * dist/, it binds VVols the way the VASA face does under a boot storm: many binds at
 * once, each through engine.grouped (Store.group: one savepoint each in a shared write
 * transaction, answered after its COMMIT). Every bind binds one VVol that was never
 * bound before, so each VVol is bound at most once over the whole test. Journal, one
 * write(2) per line:
 *
 *   {"t":"intent","vvolId":...,"host":...}   before the call
 *   {"t":"ack","vvolId":...,"host":...}      after its promise resolved: acknowledged
 *
 *   node group-child.js <dataDir> <journalFile> <concurrency>
 */
'use strict';

const fs = require('node:fs');
const path = require('node:path');

const DIST = process.env.DURABILITY_DIST || path.resolve(__dirname, '..', '..', 'dist');
const { Store } = require(path.join(DIST, 'store', 'db'));
const { DiskArrayEngine } = require(path.join(DIST, 'array', 'engine'));
const { ManualClock } = require(path.join(DIST, 'array', 'clock'));
const { bootstrapArray } = require(path.join(DIST, 'array', 'bootstrap'));
const { GiB, LICENCES } = require(path.join(DIST, 'array', 'models'));

const [dataDir, journalFile, concurrencyArg] = process.argv.slice(2);
const concurrency = Number(concurrencyArg) || 16;
const VVOLS = 15000;
const HOSTS = ['esx01', 'esx02', 'esx03', 'esx04'];

const store = Store.open(dataDir);
store.setGroupPolicy({ more: () => true, maxItems: 64, maxTurns: 4 });
const engine = new DiskArrayEngine(store, new ManualClock(Date.UTC(2026, 0, 1)));
if (engine.listArrays().length === 0) {
  bootstrapArray(engine, {
    name: 'Storage001', serial: '0000000991007777', wwn: '00255CDB05310000', model: 'M510', ip: '192.0.2.10', licences: [...LICENCES],
    pools: [{ poolNo: 0, name: 'Pool0000', virtual: true, container: true, raid: 'RAID6', pdType: 'NLSAS', capacityGB: 4096, threshold: 80 }],
    ssv: { pool: 0 }, pes: [{ pool: 0, hosts: HOSTS }],
  });
  store.tx(() => {
    for (let i = 0; i < VVOLS; i++) engine.createVvol('Storage001', { pool: 0, type: 'data', sizeBytes: GiB, metadata: { VMW_VmID: `vm-${i}` } });
  });
}
const fd = fs.openSync(journalFile, 'a');
const journal = (o) => fs.writeSync(fd, `${JSON.stringify(o)}\n`);

// The VVols never bound (nor asked to be: an intent without an ack may have happened).
const asked = new Set();
for (const line of fs.existsSync(journalFile) ? fs.readFileSync(journalFile, 'utf8').split('\n') : []) {
  if (!line) continue;
  try {
    asked.add(JSON.parse(line).vvolId);
  } catch { /* a line cut by the kill */ }
}
const free = store.all("SELECT vvol_id AS id FROM lds WHERE kind = 'vvol' AND vvol_id IS NOT NULL ORDER BY id").map((r) => r.id).filter((id) => !asked.has(id));
process.stdout.write('ready\n');

let next = 0;
async function one() {
  const vvolId = free[next++];
  if (!vvolId) return false;
  const host = HOSTS[next % HOSTS.length];
  journal({ t: 'intent', vvolId, host });
  const [r] = await engine.grouped(() => engine.bindVvols(host, [vvolId]));
  if (!r.ok) throw new Error(`bind of ${vvolId} failed: ${r.error.message}`);
  journal({ t: 'ack', vvolId, host });
  return true;
}

(async () => {
  for (;;) {
    const started = [];
    for (let i = 0; i < concurrency; i++) started.push(one());
    const done = await Promise.all(started);
    if (!done.some(Boolean)) break;
  }
  process.stdout.write('done\n');
})().catch((e) => {
  process.stderr.write(`${e.stack}\n`);
  process.exit(1);
});
