'use strict';
/**
 * S4 snapshot and fast clone of a 16-disk VM (16 GB disks) on the demo array
 * (conf/demo-array.jsonc as shipped): per iteration prepareToSnapshotVirtualVolume for each of the 16 data
 * VVols, one snapshotVirtualVolume of all 16, then fastCloneVirtualVolume of each disk
 * (a linked clone of the VM). Every disk holds 1 GiB of written guest data (1,024
 * chunks), so snapshots and clones share real chunk maps. Provider time per call is
 * what the provider logs for the call (`vasa <op> … <ms>ms`); the client latency is
 * reported beside it.
 */
const { Loadgen, startProvider, startBaseline, hosts, providerCallTimes, USER, PASSWORD } = require('../lib/procs');
const { latency } = require('../lib/util');

const DISKS = 16;
const ITERATIONS = 4;
const OPS = [
  ['prepareToSnapshotVirtualVolume', 'prepareToSnapshotVirtualVolume (per disk)'],
  ['snapshotVirtualVolume', 'snapshotVirtualVolume (16 disks in one call)'],
  ['fastCloneVirtualVolume', 'fastCloneVirtualVolume (per disk)'],
];

async function run(ctx) {
  const { run: r, reps, log, figures } = ctx;
  // 16 GB disks: every fast clone takes the source's logical size from Pool0000's 8 TB
  // logical limit (12 clones of 16 x 40 GB would not fit).
  log(`  setup: demo array as shipped, one VM with config, swap and ${DISKS} data VVols of 16 GB, 1 GiB written on each`);
  const s = await r.setup({ arrays: 'demo', groups: [{ tag: 'vm16', vms: 1, disks: ['config', ...Array(DISKS).fill('data'), 'swap'], pools: [0], writeChunks: 1024, sizeBytes: 16 * 1024 ** 3 }] });
  const vm = s.ids.vm16[0];
  const disks = vm.vvols.slice(1, 1 + DISKS);
  const prov = await startProvider(r, { dataDir: s.dataDir });
  const base = await startBaseline(r);
  const lg = await Loadgen.start(r);
  const res = { p: [], b: [] };
  try {
    await lg.rpc('register', { target: prov.target, user: USER, password: PASSWORD });
    const clients = hosts(1, 'esx-snap');
    await lg.rpc('connect', { key: 'p', target: prov.target, clients, sockets: 1 });
    await lg.rpc('connect', { key: 'b', target: base.target, clients, sockets: 1, canned: {} });
    const job = { disks, vmName: vm.vmName, container: vm.container, iterations: ITERATIONS };
    for (let rep = 0; rep < reps; rep++) {
      const pr = await lg.rpc('snapshot', { key: 'p', ...job });
      const br = await lg.rpc('snapshot', { key: 'b', ...job, canned: pr.sizes });
      res.p.push(pr);
      res.b.push(br);
      log(`  rep ${rep + 1}: client p50 prepare ${pr.latency.prepareToSnapshotVirtualVolume.p50.toFixed(1)} ms, snapshot ${pr.latency.snapshotVirtualVolume.p50.toFixed(1)} ms, fastClone ${pr.latency.fastCloneVirtualVolume.p50.toFixed(1)} ms${Object.keys(pr.faults).length ? `; faults ${JSON.stringify(pr.faults)}` : ''}`);
    }
  } finally {
    await lg.stop();
    await prov.stop();
    await base.stop();
  }
  // Provider-side durations from its log, split into the repetitions (calls are sequential).
  const logged = providerCallTimes(s.dataDir);
  const perRep = {};
  for (const [op] of OPS) {
    const all = (logged[op] || []).map((x) => x.ms);
    const n = Math.floor(all.length / reps);
    perRep[op] = Array.from({ length: reps }, (_, i) => latency(all.slice(i * n, (i + 1) * n)));
  }
  for (const [op, label] of OPS) {
    figures.add(`${label}: provider time, max`, 'ms', perRep[op].map((x) => x.max), null, { text: '≤ 50 ms each', on: 'provider', op: '<=', value: 50 });
    figures.add(`${label}: provider time, median`, 'ms', perRep[op].map((x) => x.p50), null);
    figures.add(`${label}: client latency, median`, 'ms', res.p.map((x) => x.latency[op].p50), res.b.map((x) => x.latency[op].p50));
  }
  const faults = res.p.reduce((n, x) => n + Object.values(x.faults).reduce((a, b) => a + b, 0), 0);
  if (faults) figures.note(`${faults} snapshot/clone calls failed (see JSON).`);
  figures.note(`${reps} x ${ITERATIONS} iterations: ${reps * ITERATIONS * DISKS} prepares, ${reps * ITERATIONS} snapshot batches, ${reps * ITERATIONS * DISKS} fast clones; each disk ends with ${reps * ITERATIONS} snapshot generations and fast clones.`);
  return { setup: { created: s.created, chunks: s.chunks }, providerLog: perRep, ...res };
}

module.exports = {
  id: 'snapshot', number: 4, title: 'S4 snapshot and fast clone of a 16-disk VM', run,
  describe: `Demo array as shipped; per iteration 16 x prepareToSnapshotVirtualVolume, 1 x snapshotVirtualVolume (16 disks), 16 x fastCloneVirtualVolume; ${ITERATIONS} iterations per repetition, sequential.`,
};
