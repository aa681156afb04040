'use strict';
/**
 * S1 steady calls at 16 concurrent: 4 simulated ESXi hosts x 4 outstanding calls, each
 * operation in a closed loop for a fixed time: queryVirtualVolumeInfo (1 VVol),
 * bindVirtualVolume with 1 and with 64 fresh VVols (every bind binds a VVol the host
 * had not bound), getEvents from the host's last event id. Each repetition runs the
 * provider and then the baseline with the same clients, the same requests and answers
 * of the sizes the provider gave; for queryVirtualVolumeInfo also the node-soap anchor
 * (issue 12: our WSDL on node-soap, the same VVols from an in-memory map) with the same
 * clients and requests.
 */
const fs = require('node:fs');
const path = require('node:path');
const { Loadgen, startProvider, startBaseline, startSoapAnchor, hosts, cpuMs, USER, PASSWORD } = require('../lib/procs');
const { sleep } = require('../lib/util');

const DISKS = ['config', 'data', 'data', 'swap'];
const ANCHOR = 'node-soap anchor';
// anchor: also measured against the node-soap anchor (the only operation it implements besides setContext).
// minRatio: issue 12's throughput goal against the baseline (issue 5 asked 0.8× of the single-VVol calls; issue 12 set
// these, and a p99 of at most 3× the baseline's for every operation, where issue 5 asked 2×).
const ALL_OPS = [
  { op: 'queryVirtualVolumeInfo', label: 'queryVirtualVolumeInfo (1 VVol)', minRatio: 0.5, anchor: true },
  { op: 'bind1', label: 'bindVirtualVolume (batch of 1)', minRatio: 0.3, vvolsPerRep: 1200 },
  { op: 'bind64', label: 'bindVirtualVolume (batch of 64)', vvolsPerRep: 4800 },
  { op: 'getEvents', label: 'getEvents (from last id)', minRatio: 0.5 },
];
// BENCH_STEADY_OPS=queryVirtualVolumeInfo,getEvents measures only those (for a profile of one operation).
const only = (process.env.BENCH_STEADY_OPS || '').split(',').filter(Boolean);
const OPS = only.length ? ALL_OPS.filter((o) => only.includes(o.op)) : ALL_OPS;

/** Waits for the provider's first relation pass (15 s after start), so it does not land in a measurement. */
async function waitFirstRelationPass(dataDir, log) {
  const dir = path.join(dataDir, 'latestRelationBetweenVMandVVOL');
  const until = Date.now() + 40_000;
  while (Date.now() < until) {
    try {
      const xml = fs.readdirSync(dir, { recursive: true }).some((f) => String(f).endsWith('.xml'));
      if (xml) return;
    } catch {
      /* not yet */
    }
    await sleep(250);
  }
  log('  (the first relation pass did not appear within 40 s; measuring anyway)');
}

/**
 * The anchor's in-memory map: the metadata bench/lib/setup.js gave each VVol of `ids`
 * (the same values as its metadata(); keep the two alike), by VVol id.
 */
function anchorVvols(vms, disks, ids) {
  const out = {};
  for (const vm of vms) {
    let dataIndex = 0;
    vm.vvols.forEach((id, k) => {
      const type = disks[k];
      const diskIndex = type === 'data' ? dataIndex++ : 0;
      if (!ids.has(id)) return;
      const label = { config: 'Config', data: 'Data', swap: 'Swap', memory: 'Memory', other: 'Other' }[type];
      const name = type === 'config' ? vm.vmName : type === 'swap' ? `${vm.vmName}-${vm.vmId.slice(0, 8)}.vswp` : `${vm.vmName}${diskIndex ? `_${diskIndex}` : ''}.vmdk`;
      const c = vm.container.replace(/-/g, '');
      out[id] = {
        VMW_VmID: vm.vmId, VMW_VVolType: label, VMW_VVolName: name,
        VMW_VVolNamespace: `/vmfs/volumes/vvol:${c.slice(0, 16)}-${c.slice(16)}/${vm.vmId}`, VMW_ContainerId: vm.container,
      };
    });
  }
  return out;
}

async function run(ctx) {
  const { run: r, reps, log, figures } = ctx;
  const durationMs = ctx.options.steadyMs;
  const warmupMs = 500;
  const bindVvols = OPS.reduce((n, o) => n + (o.vvolsPerRep || 0) * reps, 0);
  const vms = Math.ceil((bindVvols + 2000) / 4);
  log(`  setup: demo array, ${vms * 4} VVols in Pool0000`);
  const s = await r.setup({ arrays: 'demo-large', groups: [{ tag: 'steady', vms, disks: DISKS, pools: [0] }] });
  const all = s.ids.steady.flatMap((v) => v.vvols);
  const querySet = all.slice(0, 2000);
  let next = 2000;
  const anchorFile = path.join(path.dirname(s.dataDir), 'anchor-vvols.json');
  fs.writeFileSync(anchorFile, JSON.stringify(anchorVvols(s.ids.steady, DISKS, new Set(querySet))));
  const prov = await startProvider(r, { dataDir: s.dataDir });
  const base = await startBaseline(r);
  let anchor;
  try {
    anchor = await startSoapAnchor(r, { vvolsFile: anchorFile });
  } catch (e) {
    await prov.stop();
    await base.stop();
    throw e;
  }
  const lg = await Loadgen.start(r);
  const raw = { setup: { created: s.created, perVvolUs: s.perVvolUs }, ops: {} };
  try {
    await lg.rpc('register', { target: prov.target, user: USER, password: PASSWORD });
    const clients = hosts(4, 'esx-steady');
    await lg.rpc('connect', { key: 'p', target: prov.target, clients, sockets: 4 });
    await lg.rpc('connect', { key: 'b', target: base.target, clients, sockets: 4, canned: {} });
    // The anchor: setContext only (it has no event or alarm feed).
    await lg.rpc('connect', { key: 'a', target: anchor.target, clients, sockets: 4, feeds: false });
    // Warm-up of the servers (JIT, caches) with every operation they serve, not measured.
    log('  warm-up');
    for (const o of OPS) {
      const supply = o.vvolsPerRep ? all.slice(next, (next += 400)) : querySet;
      const pr = await lg.rpc('steady', { key: 'p', op: o.op, perClient: 4, durationMs: 800, supply });
      await lg.rpc('steady', { key: 'b', op: o.op, perClient: 4, durationMs: 800, supply, canned: pr.sizes });
      if (o.anchor) {
        const ar = await lg.rpc('steady', { key: 'a', op: o.op, perClient: 4, durationMs: 800, supply });
        const bad = Object.entries(ar.faults);
        if (bad.length) throw new Error(`the ${ANCHOR} answered ${o.op} with faults: ${bad.map(([k, v]) => `${k}=${v}`).join(' ')}`);
      }
    }
    await waitFirstRelationPass(s.dataDir, log);
    for (const o of OPS) {
      const res = o.anchor ? { p: [], b: [], a: [] } : { p: [], b: [] };
      for (let rep = 0; rep < reps; rep++) {
        const supply = o.vvolsPerRep ? all.slice(next, (next += o.vvolsPerRep)) : querySet;
        const job = { op: o.op, perClient: 4, durationMs, warmupMs, supply };
        const c0 = cpuMs(prov.proc.pid);
        const pr = await lg.rpc('steady', { key: 'p', ...job });
        pr.serverCpuMsPerCall = (cpuMs(prov.proc.pid) - c0) / Math.max(1, pr.completed);
        const c1 = cpuMs(base.proc.pid);
        const br = await lg.rpc('steady', { key: 'b', ...job, canned: pr.sizes });
        br.serverCpuMsPerCall = (cpuMs(base.proc.pid) - c1) / Math.max(1, br.completed);
        res.p.push(pr);
        res.b.push(br);
        let anchorText = '';
        if (o.anchor) {
          // Same load generator, clients, concurrency and requests (the same VVol ids), same repetition.
          const c2 = cpuMs(anchor.proc.pid);
          const ar = await lg.rpc('steady', { key: 'a', ...job });
          ar.serverCpuMsPerCall = (cpuMs(anchor.proc.pid) - c2) / Math.max(1, ar.completed);
          res.a.push(ar);
          const aBad = Object.entries(ar.faults).map(([k, v]) => `${k}=${v}`).join(' ');
          anchorText = `; ${ANCHOR} ${ar.throughput.toFixed(0)}/s p99 ${ar.latency.p99.toFixed(1)} ms${aBad ? ` (faults ${aBad})` : ''}`;
        }
        const bad = Object.entries(pr.faults).map(([k, v]) => `${k}=${v}`).join(' ');
        log(`  ${o.op} rep ${rep + 1}: provider ${pr.throughput.toFixed(0)}/s p99 ${pr.latency.p99.toFixed(1)} ms; baseline ${br.throughput.toFixed(0)}/s p99 ${br.latency.p99.toFixed(1)} ms${anchorText}${bad ? `; faults ${bad}` : ''}${pr.itemFaults ? `; item faults ${pr.itemFaults}` : ''}${pr.exhausted ? '; ran out of fresh VVols' : ''}`);
      }
      raw.ops[o.op] = res;
      const tp = (x) => x.throughput;
      figures.add(`${o.label}: throughput`, 'calls/s', res.p.map(tp), res.b.map(tp),
        o.minRatio ? { text: `≥ ${o.minRatio}× baseline`, on: 'ratio', op: '>=', value: o.minRatio } : null, 0);
      figures.add(`${o.label}: p50 latency`, 'ms', res.p.map((x) => x.latency.p50), res.b.map((x) => x.latency.p50));
      figures.add(`${o.label}: p99 latency`, 'ms', res.p.map((x) => x.latency.p99), res.b.map((x) => x.latency.p99), { text: '≤ 3× baseline p99', on: 'ratio', op: '<=', value: 3 });
      figures.add(`${o.label}: server CPU per call`, 'ms', res.p.map((x) => x.serverCpuMsPerCall), res.b.map((x) => x.serverCpuMsPerCall), null, 3);
      const faults = res.p.reduce((n, x) => n + Object.values(x.faults).reduce((a, b) => a + b, 0) + x.itemFaults, 0);
      if (faults) figures.note(`${o.label}: ${faults} faults or failed items over the repetitions (see JSON).`);
      if (res.p.some((x) => x.exhausted)) figures.note(`${o.label}: a repetition ran out of fresh VVols before its time was up (its throughput is over the shorter window).`);
      if (o.anchor) {
        // "X ÷ Y" rows: X in the provider column, Y in the baseline column, the ratio is X / Y.
        const cpu = (x) => x.serverCpuMsPerCall;
        const p99 = (x) => x.latency.p99;
        figures.add(`${o.label}: throughput, ${ANCHOR} ÷ baseline`, 'calls/s', res.a.map(tp), res.b.map(tp), null, 0);
        figures.add(`${o.label}: p99 latency, ${ANCHOR} ÷ baseline`, 'ms', res.a.map(p99), res.b.map(p99));
        figures.add(`${o.label}: server CPU per call, ${ANCHOR} ÷ baseline`, 'ms', res.a.map(cpu), res.b.map(cpu), null, 3);
        figures.add(`${o.label}: throughput, provider ÷ ${ANCHOR}`, 'calls/s', res.p.map(tp), res.a.map(tp), null, 0);
        figures.add(`${o.label}: p99 latency, provider ÷ ${ANCHOR}`, 'ms', res.p.map(p99), res.a.map(p99));
        figures.add(`${o.label}: server CPU per call, provider ÷ ${ANCHOR}`, 'ms', res.p.map(cpu), res.a.map(cpu), null, 3);
        const aFaults = res.a.reduce((n, x) => n + Object.values(x.faults).reduce((m, v) => m + v, 0), 0);
        if (aFaults) figures.note(`${o.label}: the ${ANCHOR} answered ${aFaults} faults over the repetitions (see JSON).`);
        const size = (x) => x.sizes[`${o.op}:1`];
        figures.note(`${o.label}: answer size ${size(res.p[0])} bytes from the provider, ${size(res.a[0])} from the ${ANCHOR} (the same Body content; the two envelopes declare different sets of namespaces).`);
      }
    }
  } finally {
    await lg.stop();
    await prov.stop();
    await base.stop();
    await anchor.stop();
  }
  return raw;
}

module.exports = {
  id: 'steady', number: 1, title: 'S1 steady calls, 16 concurrent', run,
  describe: '4 hosts x 4 outstanding, closed loop per operation for a fixed time (after 0.5 s not counted): queryVirtualVolumeInfo (1 VVol; also against the node-soap anchor), bindVirtualVolume of 1 and 64 fresh VVols, getEvents from the last id.',
};
