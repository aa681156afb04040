'use strict';
/**
 * S9 image-backup run (issue 11, section 8; seed 003): one run of a plan of 32 VMs x 4
 * data disks (and each VM's config VVol) from one consistency point, archived by the
 * scheduler's 4 parallel readers at 200 chunks a second each, on a ManualClock ticked
 * once a simulated second (ImageBackupService.tick and the engine's tick, as the daemon
 * does), so the simulated figures are deterministic.
 *
 * The 32 VMs are cloned from one template (200 shared chunks per disk) plus 20-150 chunks
 * of their own per disk, so their archives take different times; each has a write load
 * in the hour before the run (0 to ~3,000 chunks, a skewed spread, assigned independently
 * of the VM names). The same set-up runs twice:
 *   - seed 003: the scheduler measures the load (ioWindowMinutes 60) and archives the
 *     busiest VM first;
 *   - arbitrary order: the same writes are invisible to it (ioWindowMinutes 1, the writes
 *     ended 5 minutes before), so it takes the VMs in name order, unrelated to load.
 * The figure is the total snapshot-held time weighted by write load (Σ load x held: what
 * the held copy-on-write snapshots cost the guests), seed 003's against the arbitrary
 * order's: their ratio is seed 003's gain. Also: the unweighted mean (about the same in
 * both: the order moves the cost, it does not make the run shorter), the simulated run
 * length, the run's wall time and the backup time shared by all images.
 *
 * Run it alone with `node bench/scheduler-run.js [--reps N]`, or as `npm run bench --
 * scheduler-run` (or 9). It uses dist/ like every scenario (BENCH_DIST=<folder> points it
 * at another build).
 */
const fs = require('node:fs');
const path = require('node:path');
const { DIST, tempDir, rmrf } = require('../lib/util');

const VMS = 32;
const DISKS = 4;
const TEMPLATE_CHUNKS = 200;
const GiB = 1024 ** 3;
const HOUR = 3600_000;
/** 2026-01-01 00:00 UTC; the plan's slot is 03:00. */
const T0 = Date.UTC(2026, 0, 1);

function load() {
  const dist = process.env.BENCH_DIST || process.env.VVOL_BENCH_DIST || DIST;
  const file = (...p) => {
    const f = path.join(dist, ...p);
    if (!fs.existsSync(`${f}.js`)) throw new Error(`${f}.js is missing: run \`npm run build\` first.`);
    return require(f);
  };
  return {
    Store: file('store', 'db').Store,
    ManualClock: file('array', 'clock').ManualClock,
    DiskArrayEngine: file('array', 'engine').DiskArrayEngine,
    bootstrapArray: file('array', 'bootstrap').bootstrapArray,
    containerDisplayId: file('array', 'ids').containerDisplayId,
    LICENCES: file('array', 'models').LICENCES,
    ImageBackupService: file('scheduler', 'service').ImageBackupService,
    DEFAULT_SCHEDULER_SETTINGS: file('scheduler', 'settings').DEFAULT_SCHEDULER_SETTINGS,
    PlanStore: file('scheduler', 'plans').PlanStore,
    ImageStore: file('scheduler', 'image-store', 'index').ImageStore,
  };
}

/** A deterministic stream of numbers in [0, 1). */
function random(seed) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** The VMs: own chunks per disk, write load, and a name from a shuffled list (name order says nothing of load). */
function population() {
  const rnd = random(20260101);
  const names = Array.from({ length: VMS }, (_, i) => `vm${String(i).padStart(2, '0')}`);
  for (let i = names.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [names[i], names[j]] = [names[j], names[i]];
  }
  return names.map((name, i) => ({
    name,
    own: Array.from({ length: DISKS }, () => 20 + Math.floor(rnd() * 131)),
    // Skewed: a few busy VMs, many quiet ones.
    load: Math.floor(3000 * rnd() ** 3) + (i % 7 === 0 ? 0 : 10),
  }));
}

const noop = () => undefined;
const mailer = { send: () => Promise.resolve({ ok: true, where: 'bench' }) };

/** The demo array with a larger container (32 VMs of 8 GB provisioned each). */
function spec(m) {
  return {
    name: 'Storage001', serial: '0000000991007777', wwn: '00255CDB05310000', model: 'M510', ip: '192.0.2.10', licences: [...m.LICENCES],
    pools: [{ poolNo: 0, name: 'Pool0000', virtual: true, container: true, raid: 'RAID6', pdType: 'NLSAS', capacityGB: 1024, threshold: 80 }, { poolNo: 2, name: 'Pool0002', virtual: false, container: false, raid: 'RAID6', pdType: 'NLSAS', capacityGB: 64 }],
    ssv: { pool: 2 },
    pes: [{ pool: 0, ldn: 0x400, hosts: ['esxi01'] }],
  };
}

/** One run of the plan of 32 VMs; `order`: 'load' (seed 003) or 'arbitrary'. */
async function runOnce(m, order) {
  const dir = tempDir('vvol-bench-schedrun-');
  try {
    const store = m.Store.open(dir, { synchronous: 'NORMAL' });
    const clock = new m.ManualClock(T0);
    const engine = new m.DiskArrayEngine(store, clock);
    m.bootstrapArray(engine, spec(m));
    const wwn = engine.getArray('Storage001').wwn;
    const vms = population();
    const meta = (vmId, type, name) => ({ VMW_VmID: vmId, VMW_VVolType: type, VMW_VVolName: name, VMW_ContainerId: m.containerDisplayId(wwn, 0) });
    const built = engine.batch(() => vms.map((vm, v) => {
      const id = `502e0676-e510-ccdd-394c-${(0x10000 + v).toString(16).padStart(12, '0')}`;
      const config = engine.createVvol('Storage001', { pool: 0, type: 'config', sizeBytes: 4 * GiB, metadata: meta(id, 'Config', vm.name) }).ld;
      engine.write(config, 0, [`${vm.name}-vmx`]);
      const disks = vm.own.map((own, d) => {
        const ld = engine.createVvol('Storage001', { pool: 0, type: 'data', sizeBytes: GiB, metadata: meta(id, 'Data', `${vm.name}_${d}.vmdk`) }).ld;
        const tokens = Array.from({ length: TEMPLATE_CHUNKS }, (_, c) => `tmpl-d${d}-c${c}`);
        for (let c = 0; c < own; c++) tokens.push(`${vm.name}-d${d}-own${c}`);
        engine.write(ld, 0, tokens);
        return ld;
      });
      return { ...vm, id, disks };
    }));
    const settings = { ...m.DEFAULT_SCHEDULER_SETTINGS, ioWindowMinutes: order === 'load' ? 60 : 1, parallelReaders: 4, readerChunksPerSecond: 200 };
    const svc = new m.ImageBackupService({
      engine, store, clock, plans: (h) => new m.PlanStore(store, clock, h), openStore: (d) => m.ImageStore.open(d, { writers: 'in-thread' }), mailer, settings,
      defaultStoreDir: path.join(dir, 'backups'), log: { info: noop, warn: noop, error: noop },
    });
    svc.createPlan({ name: 'bench', vms: vms.map((v) => v.name), timeZone: 'UTC', retentionDays: 7, schedule: { type: 'daily', startDate: '2026-01-01', slotHour: 3 } });
    // The write load: in the hour before the run, ending 5 minutes before it.
    clock.set(T0 + 2 * HOUR);
    for (let minute = 0; minute < 55; minute++) {
      for (const vm of built) {
        const n = Math.floor(vm.load / 55) + (minute < vm.load % 55 ? 1 : 0);
        for (let k = 0; k < n; k += 64) {
          const count = Math.min(64, n - k);
          const disk = vm.disks[(minute + k) % DISKS];
          const at = (minute * 37 + k) % (TEMPLATE_CHUNKS - 64);
          engine.write(disk, at, Array.from({ length: count }, (_, i) => `${vm.name}-hot-${minute}-${k + i}`));
        }
      }
      clock.advance(60_000);
    }
    clock.set(T0 + 3 * HOUR);
    const wall0 = process.hrtime.bigint();
    let ticks = 0;
    svc.tick();
    while (svc.listRuns({ active: true }).length && ticks < 100_000) {
      clock.advance(1000);
      engine.tick();
      svc.tick();
      ticks++;
    }
    const wallMs = Number(process.hrtime.bigint() - wall0) / 1e6;
    const [run] = svc.listRuns();
    if (!run || run.state !== 'completed') throw new Error(`the run did not complete: ${JSON.stringify(run && { state: run.state, message: run.message })}`);
    const byName = new Map(built.map((v) => [v.name, v]));
    const rows = run.vms.map((v) => ({ name: v.vmName, load: byName.get(v.vmName).load, seen: v.ioLoad, held: v.snapshotHeldMs / 1000, at: v.snapshotAt, order: v.order, bytesRead: v.bytesRead }));
    const sumLoad = rows.reduce((s, r) => s + r.load, 0);
    const weighted = rows.reduce((s, r) => s + r.load * r.held, 0);
    const images = svc.listImages();
    await svc.stop();
    store.close();
    return {
      order, wallMs, ticks,
      simulatedRunS: (run.finishedAt - run.startedAt) / 1000,
      weightedHeldS: weighted / sumLoad,
      weightedTotal: weighted,
      meanHeldS: rows.reduce((s, r) => s + r.held, 0) / rows.length,
      // The busiest eighth of the VMs (4 of 32): what seed 003 is for.
      busiestHeldS: [...rows].sort((x, y) => y.load - x.load).slice(0, VMS / 8).reduce((s, r) => s + r.held, 0) / (VMS / 8),
      backupTimes: new Set(rows.map((r) => r.at)).size,
      imageBackupTimes: new Set(images.map((i) => i.backupTime)).size,
      images: images.length,
      chunksRead: rows.reduce((s, r) => s + r.bytesRead, 0) / 1048576,
      rows,
    };
  } finally {
    rmrf(dir);
  }
}

async function run(ctx) {
  const m = load();
  const all = [];
  for (let rep = 0; rep < ctx.reps; rep++) {
    const seed = await runOnce(m, 'load');
    const arbitrary = await runOnce(m, 'arbitrary');
    ctx.log(`   rep ${rep + 1}: load-weighted held ${seed.weightedHeldS.toFixed(1)} s (seed 003) vs ${arbitrary.weightedHeldS.toFixed(1)} s (arbitrary): gain ${(arbitrary.weightedTotal / seed.weightedTotal).toFixed(2)}x; ` +
      `${seed.images} images, ${seed.backupTimes} backup time; run ${seed.simulatedRunS} s simulated, ${seed.wallMs.toFixed(0)} ms wall`);
    all.push({ seed, arbitrary });
  }
  const f = ctx.figures;
  f.add('load-weighted snapshot-held time, seed 003 order vs arbitrary order (Σ load×held / Σ load)', 's', all.map((r) => r.seed.weightedHeldS), all.map((r) => r.arbitrary.weightedHeldS), { text: '< 1× arbitrary', on: 'ratio', op: '<=', value: 1 }, 1);
  f.add('  gain of seed 003 (arbitrary ÷ seed 003)', '×', all.map((r) => r.arbitrary.weightedTotal / r.seed.weightedTotal), null, null, 2);
  f.add('  unweighted mean held time, seed 003 vs arbitrary (the order moves the cost)', 's', all.map((r) => r.seed.meanHeldS), all.map((r) => r.arbitrary.meanHeldS), null, 1);
  f.add('  mean snapshot held by the 4 busiest VMs, seed 003 vs arbitrary', 's', all.map((r) => r.seed.busiestHeldS), all.map((r) => r.arbitrary.busiestHeldS), null, 1);
  f.add(`run of ${VMS} VMs × ${DISKS} disks, simulated length (4 readers × 200 chunks/s)`, 's', all.map((r) => r.seed.simulatedRunS), null, null, 0);
  f.add('  backup times among the run\'s images (one consistency point)', 'count', all.map((r) => r.seed.imageBackupTimes), null, { text: '= 1', on: 'provider', op: '==', value: 1 }, 0);
  f.add('  wall time of the run (ticks, reads, image store writes, commits)', 'ms', all.map((r) => r.seed.wallMs), null, null, 0);
  f.add('  chunks read', 'chunks', all.map((r) => r.seed.chunksRead), null, null, 0);
  return all.map((r) => ({ seed: { ...r.seed, rows: r.seed.rows }, arbitrary: { ...r.arbitrary, rows: undefined } }));
}

module.exports = {
  id: 'scheduler-run', number: 9, title: 'S9 image-backup run: 32 VMs × 4 disks, I/O-load order (seed 003)', run,
  describe: `One consistency point for ${VMS} VMs × ${DISKS} disks, archived by 4 readers busiest first, against the same run in arbitrary order; simulated time (ManualClock), deterministic.`,
};

if (require.main === module) {
  const { Figures, table } = require('../lib/report');
  const i = process.argv.indexOf('--reps');
  const reps = i > 0 ? Number(process.argv[i + 1]) : 1;
  const figures = new Figures('S9 scheduler-run');
  run({ reps, figures, log: (msg) => process.stdout.write(`${msg}\n`) })
    .then(() => process.stdout.write(`\n${table(figures.list)}\n`))
    .catch((e) => {
      process.stderr.write(`${e.stack || e}\n`);
      process.exit(1);
    });
}
