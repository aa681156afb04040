'use strict';
/**
 * S5 relation XML for 100,000 VVols / 25,000 VMs: one pass of RelationService
 * (the daemon's interval pass; `vvolctl relation write` runs the same) in its own
 * process over the store, timed, with the process's peak RSS. Every timed pass finds a
 * configuration change (the state file is removed before it), so it writes both arrays'
 * files and zips the previous ones, as a pass after a change does. One untimed pass
 * first, so every timed pass also archives. The provider is not running meanwhile (its
 * own pass would contend for the same folders); S6 starts it on this store.
 * Baseline: the same bytes written, fsynced and renamed, with no store behind them.
 */
const fs = require('node:fs');
const path = require('node:path');
const { copyDir, runNodeJson } = require('../lib/util');
const { bigStore } = require('./big-store');

async function run(ctx) {
  const { run: r, reps, log, figures } = ctx;
  const tpl = await bigStore(r, log);
  const dataDir = path.join(r.sub('relation'), 'data');
  copyDir(tpl.dataDir, dataDir);
  const script = path.join(__dirname, '..', 'lib', 'relation-writer.js');
  const stateFile = path.join(dataDir, 'latestRelationBetweenVMandVVOL', '.state.json');
  const warm = await runNodeJson(script, [dataDir]);
  log(`  untimed first pass: ${(warm.ms / 1000).toFixed(2)} s, ${(warm.bytes / 1048576).toFixed(1)} MB in ${warm.written} files`);
  const res = { p: [], b: [] };
  for (let rep = 0; rep < reps; rep++) {
    fs.rmSync(stateFile, { force: true });
    await new Promise((ok) => setTimeout(ok, 1100)); // file names carry the second
    const p = await runNodeJson(script, [dataDir]);
    if (p.errors.length) throw new Error(`relation pass failed: ${p.errors.join('; ')}`);
    const b = await runNodeJson(script, [dataDir, 'baseline', String(p.bytes), String(p.written)]);
    res.p.push(p);
    res.b.push(b);
    log(`  rep ${rep + 1}: ${(p.ms / 1000).toFixed(2)} s, peak RSS ${p.peakRssMB.toFixed(0)} MB (${p.written} files, ${(p.bytes / 1048576).toFixed(1)} MB, ${p.zipped} zipped); baseline ${(b.ms / 1000).toFixed(2)} s, ${b.peakRssMB.toFixed(0)} MB`);
  }
  figures.add('one relation pass, 100,000 VVols / 25,000 VMs (2 arrays): time', 's', res.p.map((x) => x.ms / 1000), res.b.map((x) => x.ms / 1000), { text: '≤ 3 s', on: 'provider', op: '<=', value: 3 }, 2);
  figures.add('peak RSS of the writing process', 'MB', res.p.map((x) => x.peakRssMB), res.b.map((x) => x.peakRssMB), { text: '≤ 300 MB', on: 'provider', op: '<=', value: 300 }, 0);
  figures.add('XML written', 'MB', res.p.map((x) => x.bytes / 1048576), null, null, 1);
  fs.rmSync(path.dirname(dataDir), { recursive: true, force: true });
  return { setup: tpl, warm, ...res };
}

module.exports = {
  id: 'relation', number: 5, title: 'S5 relation XML at 100,000 VVols', run,
  describe: 'One RelationService pass (write both arrays\' XML, zip the previous ones) in its own process over a store of 100,000 VVols in 25,000 VMs on two M710 arrays.',
};
