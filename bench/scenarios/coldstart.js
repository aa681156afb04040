'use strict';
/**
 * S6 cold start with 100,000 LDs in the store: the provider process is spawned on the
 * S5 store (account and the client certificate registered before, as after a restart);
 * the load generator, already polling, measures from the spawn to the first answered
 * GET /version.xml and to the first answered queryArrays (after setContext as vCenter).
 * Baseline: the bare server spawned the same way, to its first answers.
 */
const path = require('node:path');
const { Loadgen, startProvider, startBaseline } = require('../lib/procs');
const { copyDir, freePort } = require('../lib/util');
const { bigStore } = require('./big-store');

async function run(ctx) {
  const { run: r, reps, log, figures } = ctx;
  const tpl = await bigStore(r, log);
  const dataDir = path.join(r.sub('coldstart'), 'data');
  copyDir(tpl.dataDir, dataDir);
  const conf = r.conf();
  const lg = await Loadgen.start(r);
  const res = { p: [], b: [] };
  try {
    for (let rep = 0; rep < reps + 1; rep++) {
      // The first start on a copied folder is not counted (it is the first ever start of that folder).
      const port = await freePort();
      const waiting = lg.rpc('coldstart', { target: { port } });
      const prov = await startProvider(r, { dataDir, confDir: conf, port, wait: false });
      let cs;
      try {
        cs = await waiting;
      } finally {
        await prov.stop();
      }
      const p = { versionMs: cs.versionAt - prov.spawnedAt, arraysMs: cs.arraysAt - prov.spawnedAt, arrays: cs.arrays };
      if (rep === 0) {
        log(`  first start of the copied folder (not counted): version.xml ${p.versionMs.toFixed(0)} ms, queryArrays ${p.arraysMs.toFixed(0)} ms`);
        continue;
      }
      const bport = await freePort();
      const bwait = lg.rpc('coldstart', { target: { port: bport }, canned: { 'queryArrays:0': cs.queryArraysBytes } });
      const base = await startBaseline(r, { port: bport, wait: false });
      let bcs;
      try {
        bcs = await bwait;
      } finally {
        await base.stop();
      }
      const b = { versionMs: bcs.versionAt - base.spawnedAt, arraysMs: bcs.arraysAt - base.spawnedAt };
      res.p.push(p);
      res.b.push(b);
      log(`  rep ${rep}: version.xml ${p.versionMs.toFixed(0)} ms, queryArrays ${p.arraysMs.toFixed(0)} ms (${p.arrays} arrays); baseline ${b.versionMs.toFixed(0)} / ${b.arraysMs.toFixed(0)} ms`);
    }
  } finally {
    await lg.stop();
  }
  figures.add('spawn to first answered version.xml (100,000 LDs)', 'ms', res.p.map((x) => x.versionMs), res.b.map((x) => x.versionMs), { text: '≤ 2000 ms', on: 'provider', op: '<=', value: 2000 }, 0);
  figures.add('spawn to first answered queryArrays', 'ms', res.p.map((x) => x.arraysMs), res.b.map((x) => x.arraysMs), { text: '≤ 600 ms', on: 'provider', op: '<=', value: 600 }, 0);
  return { ...res };
}

module.exports = {
  id: 'coldstart', number: 6, title: 'S6 cold start with 100,000 LDs', run,
  describe: 'Spawn node dist/main.js on a store of 100,000 VVols; time to the first answered version.xml and the first queryArrays (setContext as vCenter first).',
};
