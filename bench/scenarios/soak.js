'use strict';
/**
 * S7 soak: scenario 1's mix for a long time: 4 hosts x 4 workers, each in a closed loop
 * queryVirtualVolumeInfo, getEvents, bind of 1, bind of 64, unbind of those 65 (so the
 * store keeps its size), while GET /health is read every 10 s (RSS, and the event-loop
 * delay histogram of the window, reset at each read). 10 minutes when asked for by name
 * (`npm run bench -- soak`), 4 minutes inside a full run; --soak-seconds sets it.
 * Baseline: the same mix against the bare server for a quarter of the time (at most 60 s).
 */
const { Loadgen, startProvider, startBaseline, hosts, relationFilesWritten, epochMs, USER, PASSWORD } = require('../lib/procs');

/** Least-squares slope of y over x. */
function slope(xs, ys) {
  const n = xs.length;
  if (n < 2) return NaN;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i] - mx) * (ys[i] - my);
    den += (xs[i] - mx) ** 2;
  }
  return den ? num / den : NaN;
}

async function run(ctx) {
  const { run: r, log, figures } = ctx;
  const seconds = ctx.options.soakSeconds;
  // Issue 12: the event-loop goal holds with a relation pass of 100,000 VVols running during the
  // soak. The store is S5's two M710 arrays with 92,000 VVols plus the mix's 8,000 on
  // Storage001's first container (a pool holds at most 32,768 LDs): 100,000 VVols in the
  // relation files. The daemon's first relation pass starts 15 s after its start (in its
  // worker thread) and writes both arrays' files while the mix runs.
  log(`  setup: 2 x M710, 100,000 VVols (92,000 + the mix's 8,000); soak ${seconds} s, baseline ${Math.min(60, Math.round(seconds / 4))} s`);
  const s = await r.setup({
    arrays: 'big',
    groups: [
      { tag: 'bulk', vms: 23_000, disks: ['config', 'data', 'data', 'swap'], pools: [0, 1] },
      { tag: 'soak', array: 'Storage001', vms: 2000, disks: ['config', 'data', 'data', 'swap'], pools: [0] },
    ],
  });
  const supply = s.ids.soak.flatMap((v) => v.vvols);
  const prov = await startProvider(r, { dataDir: s.dataDir });
  const lg = await Loadgen.start(r);
  let pr;
  let br;
  try {
    await lg.rpc('register', { target: prov.target, user: USER, password: PASSWORD });
    const clients = hosts(4, 'esx-soak');
    await lg.rpc('connect', { key: 'p', target: prov.target, clients, sockets: 4 });
    const soakStart = epochMs();
    pr = await lg.rpc('soak', { key: 'p', perClient: 4, durationMs: seconds * 1000, sampleMs: 10_000, supply });
    // The relation files the daemon wrote while the mix ran (its pass of 100,000 VVols, in its worker thread).
    pr.relationFiles = relationFilesWritten(s.dataDir).map((w) => ({ array: w.array, atS: (w.atMs - soakStart) / 1000 })).filter((w) => w.atS >= 0 && w.atS <= seconds);
    await lg.rpc('close', { key: 'p' });
    await prov.stop();
    const base = await startBaseline(r);
    try {
      await lg.rpc('connect', { key: 'b', target: base.target, clients, sockets: 4, canned: {} });
      br = await lg.rpc('soak', { key: 'b', perClient: 4, durationMs: Math.min(60, Math.round(seconds / 4)) * 1000, sampleMs: 10_000, supply, canned: pr.sizes });
    } finally {
      await base.stop();
    }
  } finally {
    await lg.stop();
    await prov.stop();
  }
  const ok = (x) => x.samples.filter((y) => !y.error);
  const ps = ok(pr);
  const bs = ok(br);
  const rss = (x) => x.map((y) => y.rssBytes / 1048576);
  const loop = (x) => x.map((y) => y.eventLoopDelayMs.p99);
  // Trend after the first minute (start-up, JIT, the store's page cache and the first
  // relation pass settle there).
  const late = ps.filter((y) => y.atS > 60);
  const trend = slope(late.map((y) => y.atS / 60), late.map((y) => y.rssBytes / 1048576));
  figures.add(`RSS over ${seconds} s (10-s samples): last sample`, 'MB', [rss(ps).at(-1)], [rss(bs).at(-1)], null, 0);
  figures.add('RSS: highest sample', 'MB', [Math.max(...rss(ps))], [Math.max(...rss(bs))], null, 0);
  figures.add('RSS trend after the first minute (least squares)', 'MB/min', [trend], null, { text: '≤ 1 MB/min (no growth)', on: 'provider', op: '<=', value: 1 }, 2);
  // The warm-up's steps (the allocator keeping the first relation workers' memory) weigh on a line
  // fitted from the first minute; the second half shows whether RSS still grows.
  const half = ps.filter((y) => y.atS > seconds / 2);
  if (half.length >= 3) figures.add('RSS trend over the second half (least squares)', 'MB/min', [slope(half.map((y) => y.atS / 60), half.map((y) => y.rssBytes / 1048576))], null, null, 2);
  figures.add('event-loop delay p99, worst 10-s window', 'ms', [Math.max(...loop(ps))], [Math.max(...loop(bs))], { text: '≤ 20 ms', on: 'provider', op: '<=', value: 20 }, 1);
  figures.add('event-loop delay p99, median of the 10-s windows', 'ms', [median(loop(ps))], [median(loop(bs))], null, 1);
  figures.add('calls per second (whole mix)', 'calls/s', [pr.throughput], [br.throughput], null, 0);
  figures.add('relation files written by the daemon during the soak (100,000 VVols, 2 arrays)', 'files', [pr.relationFiles.length], null, null, 0);
  figures.note(`relation files written during the soak: ${pr.relationFiles.map((w) => `${w.array} at ${w.atS.toFixed(0)} s`).join(', ') || 'none'}`);
  const faults = Object.entries(pr.faults);
  if (faults.length) figures.note(`faults during the soak: ${JSON.stringify(pr.faults)}`);
  figures.note(`one soak run (no repetitions); ${ps.length} samples: RSS ${rss(ps).map((x) => x.toFixed(0)).join(' ')} MB; event-loop p99 ${loop(ps).map((x) => x.toFixed(1)).join(' ')} ms`);
  return { seconds, provider: pr, baseline: br };
}

function median(v) {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

module.exports = {
  id: 'soak', number: 7, title: 'S7 soak', run,
  describe: 'Scenario 1\'s mix (plus the unbinds that keep the store steady) in a closed loop at 16 concurrent over a store of 100,000 VVols, while the daemon\'s relation pass of 100,000 VVols runs; /health sampled every 10 s. 10 min when named, 4 min in a full run.',
};
