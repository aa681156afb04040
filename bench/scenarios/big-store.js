'use strict';
/**
 * The store of 100,000 VVols shared by S5 and S6 (made once per run): two M710 arrays
 * (an M510/M710 holds at most 65,535 LDs) with two Storage Containers each, 25,000 VMs
 * of 4 VVols (config, two disks, swap) spread over the four containers, created through
 * the engine in one transaction by the setup process. The provider account and the
 * load generator's client certificate are in place, as after an earlier registration.
 */
const path = require('node:path');
const { USER, PASSWORD } = require('../lib/procs');

async function bigStore(run, log) {
  if (run.templates.has('big')) return run.templates.get('big');
  log('  setup: 2 x M710, 25,000 VMs x 4 VVols = 100,000 VVols through the engine (one transaction)');
  const s = await run.setup({
    arrays: 'big',
    account: { user: USER, password: PASSWORD },
    trust: [run.client.cert],
    groups: [{ tag: 'big', vms: 25_000, disks: ['config', 'data', 'data', 'swap'], pools: [0, 1] }],
  });
  log(`  setup: ${s.created} VVols in ${(s.createMs / 1000).toFixed(1)} s (${s.perVvolUs.toFixed(0)} µs each)`);
  const t = { dataDir: s.dataDir, dir: path.dirname(s.dataDir), created: s.created, createMs: s.createMs, perVvolUs: s.perVvolUs };
  run.templates.set('big', t);
  return t;
}

module.exports = { bigStore };
