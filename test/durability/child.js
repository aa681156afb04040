#!/usr/bin/env node
/**
 * The workload of the SIGKILL durability test (sigkill.test.ts). Not a test itself:
 * jest collects only *.test.ts. Plain CommonJS on the compiled engine in dist/, so it
 * runs under bare node (the test command builds dist/ first).
 *
 *   node child.js <dataDir> <journalFile> <seed> <clockStartMs>
 *
 * It opens the store (synchronous FULL, the daemon's default), bootstraps a small
 * array when there is none, writes "ready" to stdout and then runs random array
 * operations until it is killed. For every operation it appends to the journal, with
 * one write(2) each:
 *
 *   {"t":"intent", "n":..., "op":..., ...}            before the engine call
 *   {"t":"ack", "n":..., "op":..., ...result, "seq", "view"}   after it returned: acknowledged
 *   {"t":"err", "n":..., "op":..., "code", "seq", "view"}      after it failed with an ArrayError
 *
 * "seq" is the array's event sequence and "view" what view.js observes of the array
 * right after the call (left out when unchanged since the last line that had one):
 * both are acknowledged state that a kill must not take back.
 *
 * So at most one operation is in flight (an intent without its ack) when the kill
 * lands. The choice of operations comes from a PRNG seeded by <seed>; the clock is a
 * ManualClock starting at <clockStartMs>, moved only by the "tick" operation.
 */
'use strict';

const fs = require('node:fs');
const path = require('node:path');

// The test hands over a private copy of dist/ (so that a rebuild during the run cannot
// tear a module in two); by default the project's own.
const DIST = process.env.DURABILITY_DIST || path.resolve(__dirname, '..', '..', 'dist');
const { Store } = require(path.join(DIST, 'store', 'db'));
const { DiskArrayEngine } = require(path.join(DIST, 'array', 'engine'));
const { ManualClock } = require(path.join(DIST, 'array', 'clock'));
const { bootstrapArray } = require(path.join(DIST, 'array', 'bootstrap'));
const { ArrayError } = require(path.join(DIST, 'array', 'errors'));
const { GiB, MiB, LICENCES, VVOL_TYPES } = require(path.join(DIST, 'array', 'models'));
const { storeView } = require('./view');

const [dataDir, journalFile, seedArg, startArg] = process.argv.slice(2);
if (!dataDir || !journalFile || seedArg === undefined || startArg === undefined) {
  process.stderr.write('usage: node child.js <dataDir> <journalFile> <seed> <clockStartMs>\n');
  process.exit(64);
}
const seed = Number(seedArg) >>> 0;

/** mulberry32: a small deterministic PRNG. */
function prng(a) {
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rnd = prng(seed);
const int = (n) => Math.floor(rnd() * n);
const chance = (p) => rnd() < p;
const pick = (arr) => (arr.length ? arr[int(arr.length)] : undefined);
const hex = (bits) => {
  let s = '';
  while (s.length < bits / 4) s += int(0x10000).toString(16).padStart(4, '0');
  return s.slice(0, bits / 4);
};

/** Like test/helpers/fixture.ts demoSpec(), with small pools so that capacity runs out now and then. */
const ARRAY = 'Storage001';
const SPEC = {
  name: ARRAY,
  serial: '0000000991007777',
  wwn: '00255CDB05310000',
  model: 'M510',
  ip: '192.0.2.10',
  licences: [...LICENCES],
  pools: [
    { poolNo: 0, name: 'Pool0000', virtual: true, container: true, raid: 'RAID6', pdType: 'NLSAS', capacityGB: 8, threshold: 80 },
    { poolNo: 1, name: 'Pool0001', virtual: true, container: true, raid: 'RAID1/10', pdType: 'SSD', capacityGB: 8 },
    { poolNo: 2, name: 'Pool0002', virtual: false, container: false, raid: 'RAID6', pdType: 'NLSAS', capacityGB: 8 },
    { poolNo: 3, name: 'vvolbackup0', virtual: true, container: true, raid: 'RAID6', pdType: 'NLSAS', capacityGB: 8 },
  ],
  ssv: { pool: 2 },
  pes: [
    { pool: 0, ldn: 0x400, hosts: ['esxi01', 'esxi02'] },
    { pool: 1, ldn: 0x401, hosts: ['esxi01', 'esxi02'] },
  ],
};
const HOSTS = ['esxi01', 'esxi02'];
const VMS = Array.from({ length: 12 }, (_, i) => `vm-${i + 1}`);

const journal = fs.openSync(journalFile, 'a');
const clock = new ManualClock(Number(startArg));
const store = Store.open(dataDir); // synchronous FULL, as the daemon runs it
const engine = new DiskArrayEngine(store, clock, { copyBytesPerSec: 4 * MiB, snapshotDeleteBytesPerSec: 8 * MiB });

function emit(obj) {
  // One write(2) per line; a kill leaves at most the last line incomplete.
  fs.writeSync(journal, `${JSON.stringify({ ...obj, now: clock.now() })}\n`);
}

function eventSeq() {
  const r = store.get('SELECT event_seq FROM arrays WHERE name = ?', ARRAY);
  return r ? r.event_seq : 0;
}

/** The view (view.js) after the operation, when it differs from the one journalled last. */
let lastView = null;
function changedView() {
  const v = JSON.stringify(storeView(store));
  if (v === lastView) return undefined;
  lastView = v;
  return JSON.parse(v);
}

let n = 0;

/** Runs one operation: intent, engine call, then ack (or err). Returns the result, or undefined on an ArrayError. */
function run(op, fields, fn) {
  n++;
  emit({ t: 'intent', n, op, ...fields });
  let res;
  try {
    res = fn();
  } catch (e) {
    if (e instanceof ArrayError) {
      emit({ t: 'err', n, op, ...fields, code: e.code, message: e.message, seq: eventSeq(), view: changedView() });
      return undefined;
    }
    emit({ t: 'crash', n, op, error: String((e && e.stack) || e) });
    process.stderr.write(`durability child (seed ${seed}): unexpected failure in ${op}: ${(e && e.stack) || e}\n`);
    process.exit(2);
  }
  emit({ t: 'ack', n, op, ...fields, ...(res || {}), seq: eventSeq(), view: changedView() });
  return res;
}

// ---- the state the choices are made from (read fresh before every operation) ----------

function snapshotState() {
  const vv = store.all(
    `SELECT l.id, l.vvol_id AS vvolId, p.pool_no AS poolNo, l.capacity, l.state, l.access, l.rpl, l.snap, l.clone,
            l.parent_id AS parentId, l.vvol_type AS type
       FROM lds l JOIN pools p ON p.id = l.pool_id WHERE l.kind = 'vvol' ORDER BY l.id`,
  );
  const bindings = store.all(
    'SELECT h.host, v.vvol_id AS vvolId FROM binding_hosts h JOIN lds v ON v.id = h.vvol_ld_id ORDER BY h.host, v.id',
  );
  const pairs = store.all(
    `SELECT COALESCE(m.vvol_id, 'ld' || m.id) AS mv, COALESCE(r.vvol_id, 'ld' || r.id) AS rv, p.activity, p.sync_state AS sync, p.purpose
       FROM pairs p JOIN lds m ON m.id = p.mv_id JOIN lds r ON r.id = p.rv_id ORDER BY p.id`,
  );
  // VVols with backup volumes (RVs), by VVol id: what the backup operations work on.
  const backed = new Set(store.all('SELECT DISTINCT m.vvol_id AS id FROM backup_volumes b JOIN lds m ON m.id = b.mv_id').map((r) => r.id));
  const children = new Map();
  for (const v of vv) if (v.parentId !== null) children.set(v.parentId, (children.get(v.parentId) || 0) + 1);
  const bound = new Set(bindings.map((b) => b.vvolId));
  const paired = new Set();
  const busyPair = new Set();
  for (const p of pairs) {
    paired.add(p.mv);
    paired.add(p.rv);
    if (p.activity !== 'separate' || p.sync !== 'separated') {
      busyPair.add(p.mv);
      busyPair.add(p.rv);
    }
  }
  return { vv, bindings, pairs, children, bound, paired, busyPair, backed };
}

const isEsv = (v) => v.snap === 'ESV';
const writable = (v) => v.state === 'ready' && v.access === 'ReadWrite' && !isEsv(v);
/** A volume whose content the test's model can follow as a source: not an RV. */
const source = (v) => v.state === 'ready' && !isEsv(v) && v.rpl !== 'RV';

/** The backup operations' VM of a VVol: each protected VVol stands for a VM of its own (K6 is per VM). */
function backupVm(vvolId) {
  return { vmId: `vm-${vvolId}`, vmName: `vm-${vvolId.slice(8, 16)}`, datacenter: 'Datacenter' };
}

function tokens(count) {
  return Array.from({ length: count }, (_, j) => `s${seed.toString(36)}.${n + 1}.${j}`);
}

function metadata() {
  const md = {};
  if (chance(0.8)) md.VMW_VmID = pick(VMS);
  if (chance(0.5)) md.VMW_VVolName = `disk-${int(1000)}`;
  return md;
}

// ---- operations: each returns false when it found nothing to work on -----------------

const OPS = {
  create(s) {
    const sizeGB = 1 + int(3);
    // N4: the id comes from the LD number the array picks, so the ack (not the intent) carries it.
    const fields = { pool: chance(0.65) ? 0 : 1, type: pick(VVOL_TYPES), sizeBytes: sizeGB * GiB, thick: chance(0.15), metadata: metadata() };
    run('create', fields, () => {
      const r = engine.createVvol(ARRAY, { pool: fields.pool, type: fields.type, sizeBytes: fields.sizeBytes, thick: fields.thick, metadata: fields.metadata });
      return { vvolId: r.ld.vvolId, capacity: r.ld.capacity };
    });
    return s !== null;
  },
  write(s) {
    const v = pick(chance(0.95) ? s.vv.filter(writable) : s.vv);
    if (!v) return false;
    const chunks = v.capacity / MiB;
    const idx = int(chunks);
    const max = Math.min(chunks - idx, chance(0.1) ? 512 : 16);
    const fields = { vvolId: v.vvolId, idx, tokens: tokens(1 + int(max)) };
    run('write', fields, () => {
      engine.write(engine.getVvol(v.vvolId), fields.idx, fields.tokens);
      return {};
    });
    return true;
  },
  trim(s) {
    const v = pick(s.vv.filter(writable));
    if (!v) return false;
    const chunks = v.capacity / MiB;
    const idx = int(Math.min(chunks, 64));
    const fields = { vvolId: v.vvolId, idx, count: 1 + int(Math.min(chunks - idx, 8)) };
    run('trim', fields, () => {
      engine.trim(engine.getVvol(v.vvolId), fields.idx, fields.count);
      return {};
    });
    return true;
  },
  delete(s) {
    const free = s.vv.filter((v) => !s.children.get(v.id) && !s.bound.has(v.vvolId) && !s.busyPair.has(v.vvolId) && v.state !== 'deleting');
    const v = pick(chance(0.85) && free.length ? free : s.vv);
    if (!v) return false;
    run('delete', { vvolId: v.vvolId }, () => {
      const r = engine.deleteVvol(v.vvolId);
      return { background: r.background, taskId: r.taskId ?? null };
    });
    return true;
  },
  deleteSnapshot(s) {
    const v = pick(s.vv.filter((x) => isEsv(x) && x.state !== 'deleting' && !s.children.get(x.id) && !s.bound.has(x.vvolId)));
    if (!v) return false;
    run('delete', { vvolId: v.vvolId }, () => {
      const r = engine.deleteVvol(v.vvolId);
      return { background: r.background, taskId: r.taskId ?? null };
    });
    return true;
  },
  bind(s) {
    const cands = s.vv.filter((v) => v.state !== 'deleting' && v.state !== 'prepared');
    if (!cands.length) return false;
    const host = pick(HOSTS);
    const ids = [...new Set(Array.from({ length: 1 + int(3) }, () => pick(cands).vvolId))];
    run('bind', { host, vvolIds: ids }, () => {
      const r = engine.bindVvols(host, ids);
      return { items: r.map((x) => ({ vvolId: x.vvolId, ok: x.ok })) };
    });
    return true;
  },
  unbind(s) {
    if (!s.bindings.length) return false;
    const host = pick(HOSTS);
    const mine = s.bindings.filter((b) => b.host === host).map((b) => b.vvolId);
    if (!mine.length) return false;
    const ids = [...new Set(Array.from({ length: 1 + int(2) }, () => pick(mine)))];
    if (chance(0.1)) ids.push(pick(s.vv).vvolId); // sometimes one that is not bound: a per-item error
    const uniq = [...new Set(ids)];
    run('unbind', { host, vvolIds: uniq }, () => {
      const r = engine.unbindVvols(host, uniq.map((vvolId) => ({ vvolId })));
      return { items: r.map((x) => ({ vvolId: x.vvolId, ok: x.ok })) };
    });
    return true;
  },
  snapshot(s) {
    const base = pick(s.vv.filter(source));
    if (!base) return false;
    const md = chance(0.5) ? { VMW_SnapName: `snap-${int(1000)}` } : undefined;
    run('snapshot', { base: base.vvolId, metadata: md ?? null }, () => {
      const esv = engine.snapshot(base.vvolId, md);
      return { esvId: esv.vvolId };
    });
    return true;
  },
  prepare(s) {
    const base = pick(s.vv.filter(source));
    if (!base) return false;
    run('prepare', { base: base.vvolId }, () => ({ esvId: engine.prepareSnapshot(base.vvolId).vvolId }));
    return true;
  },
  take(s) {
    const prepared = s.vv.filter((v) => isEsv(v) && v.state === 'prepared');
    if (!prepared.length) return false;
    const items = prepared.slice(0, 1 + int(3)).map((v) => ({ snapshotVvolId: v.vvolId, metadata: chance(0.5) ? { VMW_SnapName: `snap-${int(1000)}` } : undefined }));
    run('take', { snaps: items.map((i) => ({ esvId: i.snapshotVvolId, metadata: i.metadata ?? null })) }, () => {
      const r = engine.takeSnapshots(items);
      return { results: r.map((x) => ({ esvId: x.snapshotVvolId, ok: x.ok })) };
    });
    return true;
  },
  revert(s) {
    const byId = new Map(s.vv.map((v) => [v.id, v]));
    const esv = pick(s.vv.filter((v) => isEsv(v) && v.state === 'ready' && byId.has(v.parentId)));
    if (!esv) return false;
    const base = byId.get(esv.parentId);
    run('revert', { base: base.vvolId, esv: esv.vvolId }, () => {
      engine.revert(base.vvolId, esv.vvolId);
      return {};
    });
    return true;
  },
  fastClone(s) {
    const src = pick(s.vv.filter(source));
    if (!src) return false;
    const md = metadata();
    run('fastClone', { src: src.vvolId, metadata: md }, () => ({ fcvId: engine.fastClone(src.vvolId, { metadata: md }).vvolId }));
    return true;
  },
  fullClone(s) {
    const src = pick(s.vv.filter(source));
    if (!src) return false;
    const md = metadata();
    const pool = chance(0.5) ? null : int(2);
    run('fullClone', { src: src.vvolId, pool, metadata: md }, () => {
      const r = engine.fullClone(src.vvolId, { metadata: md, pool: pool ?? undefined });
      return { dstId: r.ld.vvolId, taskId: r.taskId, dstPool: r.ld.poolNo };
    });
    return true;
  },
  pair(s) {
    const mv = pick(s.vv.filter((v) => !isEsv(v) && v.rpl !== 'RV'));
    if (!mv) return false;
    const rv = pick(s.vv.filter((v) => v !== mv && !isEsv(v) && v.clone !== 'FEV' && !s.paired.has(v.vvolId) && !s.bound.has(v.vvolId) && v.capacity >= mv.capacity));
    if (!rv) return false;
    run('pair', { mv: mv.vvolId, rv: rv.vvolId }, () => {
      engine.pairVolumes(ARRAY, mv.vvolId, rv.vvolId);
      return {};
    });
    return true;
  },
  replicate(s) {
    const p = pick(s.pairs.filter((x) => x.activity === 'separate' && x.purpose !== 'backup'));
    if (!p) return false;
    run('replicate', { mv: p.mv, rv: p.rv }, () => ({ taskId: engine.replicate(ARRAY, p.mv, p.rv).taskId }));
    return true;
  },
  separate(s) {
    const own = s.pairs.filter((x) => x.purpose !== 'backup'); // backup pairs are driven by the backup operations
    const p = pick(chance(0.9) ? own.filter((x) => x.activity !== 'separate') : own);
    if (!p) return false;
    const force = chance(0.5);
    run('separate', { mv: p.mv, rv: p.rv, force }, () => {
      engine.separate(ARRAY, p.mv, p.rv, force);
      return {};
    });
    return true;
  },
  unpair(s) {
    const p = pick(s.pairs.filter((x) => x.purpose !== 'backup'));
    if (!p) return false;
    const force = chance(0.3);
    run('unpair', { mv: p.mv, rv: p.rv, force }, () => {
      engine.unpair(ARRAY, p.mv, p.rv, force);
      return {};
    });
    return true;
  },
  resize(s) {
    const v = pick(s.vv.filter((x) => !isEsv(x)));
    if (!v) return false;
    const delta = chance(0.1) ? -GiB : chance(0.1) ? 0 : (1 + int(2)) * GiB;
    run('resize', { vvolId: v.vvolId, sizeBytes: v.capacity + delta }, () => ({ capacity: engine.resizeVvol(v.vvolId, v.capacity + delta).capacity }));
    return true;
  },
  meta(s) {
    const v = pick(s.vv);
    if (!v) return false;
    const kv = chance(0.2) ? { VMW_VVolName: '' } : chance(0.2) ? { VMW_VmID: pick(VMS) } : { VMW_VVolName: `disk-${int(1000)}`, VMW_GosType: pick(['windows', 'linux']) };
    run('meta', { vvolId: v.vvolId, kv }, () => {
      engine.updateVvolMetadata(v.vvolId, kv);
      return {};
    });
    return true;
  },
  // ---- backup operations (Appendix E, F.3): each VVol with backup volumes is its own "VM" ----
  protect(s) {
    const v = pick(s.vv.filter((x) => x.state === 'ready' && !isEsv(x) && x.clone !== 'FCV' && x.rpl !== 'RV' && (x.type === 'data' || x.type === 'config') && !s.backed.has(x.vvolId)));
    if (!v) return false;
    const generations = 1 + int(2);
    run('protect', { vvolId: v.vvolId, generations }, () => {
      engine.ensureBackupVolumes(v.vvolId, { generations, autoDelete: false });
      return { rvs: store.all("SELECT 'ld' || rv_id AS rv FROM backup_volumes b JOIN lds m ON m.id = b.mv_id WHERE m.vvol_id = ? ORDER BY b.generation", v.vvolId).map((r) => r.rv) };
    });
    return true;
  },
  backup(s) {
    const v = pick(s.vv.filter((x) => s.backed.has(x.vvolId)));
    if (!v) return false;
    // One intent for both transactions (beginBackup, startBackupCopies), as the backup command runs them: a kill may land between.
    run('backup', { mv: v.vvolId }, () => {
      const vm = backupVm(v.vvolId);
      const begun = engine.beginBackup(vm, [v.id]);
      engine.startBackupCopies(begun.jobId);
      const t = store.get("SELECT 'ld' || dst_ld AS rv FROM tasks WHERE kind = 'replicate' AND src_ld = ? AND state IN ('queued', 'running') ORDER BY rowid DESC LIMIT 1", v.id);
      return { rv: t ? t.rv : null };
    });
    return true;
  },
  cancelBackup(s) {
    const v = pick(s.vv.filter((x) => s.backed.has(x.vvolId)));
    if (!v) return false;
    run('cancelBackup', { mv: v.vvolId }, () => ({ message: engine.cancelBackup(backupVm(v.vvolId)) }));
    return true;
  },
  restoreBackup(s) {
    const v = pick(s.vv.filter((x) => s.backed.has(x.vvolId)));
    if (!v) return false;
    const from = chance(0.8) ? 'last' : 'previous';
    run('restoreBackup', { mv: v.vvolId, from }, () => {
      const r = engine.beginRestore(backupVm(v.vvolId), [v.id], from);
      return { rv: `ld${r.sources[0].rv.rvId}` };
    });
    return true;
  },
  tick() {
    const to = clock.now() + 500 + int(5000);
    run('tick', { to }, () => {
      // The order tickAll advances tasks in; a tick finishes tasks in this order.
      const running = store.all("SELECT id FROM tasks WHERE state = 'running' ORDER BY started_at, rowid").map((r) => r.id);
      clock.set(to);
      engine.tick();
      const done = [];
      for (const id of running) {
        const t = store.get('SELECT state, error_code FROM tasks WHERE id = ?', id);
        if (t && t.state !== 'running' && t.state !== 'queued') done.push({ id, state: t.state, code: t.error_code });
      }
      return { done };
    });
    return true;
  },
};

function weights(s) {
  const count = s.vv.length;
  return [
    ['create', count < 25 ? 14 : count < 60 ? 6 : 1],
    ['write', 26],
    ['trim', 5],
    ['delete', count > 40 ? 16 : 7],
    ['deleteSnapshot', 5],
    ['bind', 6],
    ['unbind', 5],
    ['snapshot', 6],
    ['prepare', 2],
    ['take', 4],
    ['revert', 4],
    ['fastClone', 4],
    ['fullClone', 3],
    ['pair', 3],
    ['replicate', 3],
    ['separate', 3],
    ['unpair', 2],
    ['resize', 2],
    ['meta', 4],
    ['protect', s.backed.size < 6 ? 3 : 0],
    ['backup', 4],
    ['cancelBackup', 2],
    ['restoreBackup', 2],
    ['tick', 10],
  ];
}

function step() {
  const s = snapshotState();
  const w = weights(s);
  const total = w.reduce((a, [, x]) => a + x, 0);
  for (let attempt = 0; attempt < 20; attempt++) {
    let r = rnd() * total;
    let op = w[w.length - 1][0];
    for (const [name, x] of w) {
      if (r < x) {
        op = name;
        break;
      }
      r -= x;
    }
    if (OPS[op](s)) return;
  }
  OPS.tick();
}

run('bootstrap', {}, () => ({ created: bootstrapArray(engine, SPEC).created }));
fs.writeSync(1, `ready seed=${seed}\n`);
for (;;) step();
