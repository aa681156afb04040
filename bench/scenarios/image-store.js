'use strict';
/**
 * S10 image store (issue 11, section 8, the storage figures): the backup store of the
 * image-backup scheduler (dist/scheduler/image-store), on the temp folder's disk.
 *
 * - Write throughput of one image of 4 disks x 2,048 chunks, each a distinct 128-byte
 *   content token (what the array's guest I/O writes), first generation (every chunk
 *   new): begin, addDisk, putChunk for every chunk, commit (which fsyncs every new chunk
 *   file once, each fan-out folder once, the manifest and images/).
 *   Baseline, same run, same disk: a plain copy of the same bytes into files, with the
 *   same durability: one file per chunk (written, then each fsynced once and each folder
 *   once, as the store batches them), no hashing, no look-up, no manifest. The goal
 *   (>= 0.5x) is judged against it. A second baseline, one file per disk (as `cp` of a
 *   disk image would write, 4 fsyncs), is reported beside it, without a goal: it shows
 *   what the store's file-per-chunk layout costs, not the store's own overhead.
 * - Bytes stored by a second generation in which 5 % of the chunks changed, as a share
 *   of the first generation's (goal <= 10 %). Manifests (about 66 bytes per chunk, the
 *   same for every generation) are reported separately: with 128-byte tokens standing
 *   for 1 MiB chunks they would otherwise hide the data.
 * - Informative: the second generation's write time and putChunk cost per chunk found in
 *   the store, verify of one image, delete of the first generation (its sweep), and
 *   copyTo a second store ("another region").
 *
 * Run it alone with `node bench/image-store.js [--reps N]`, or as `npm run bench -- imagestore`
 * (or its number). It uses dist/ like every scenario (BENCH_DIST=<folder> points it at
 * another build).
 */
const fs = require('node:fs');
const path = require('node:path');
const { DIST, tempDir, rmrf } = require('../lib/util');

const DISKS = 4;
const CHUNKS = 2048;
const TOKEN_BYTES = 128;
const CHANGED_EVERY = 20; // 5 %

function loadStore() {
  const file = path.join(process.env.BENCH_DIST || DIST, 'scheduler', 'image-store', 'index.js');
  if (!fs.existsSync(file)) throw new Error(`${file} is missing: run \`npm run build\` first.`);
  return require(file).ImageStore;
}

/** Generation g's token of chunk i of disk d: chunk k = d * CHUNKS + i changes in generation g when k % 20 == g % 20 (g >= 2). */
function tokenOf(d, i, g) {
  const k = d * CHUNKS + i;
  let last = 1;
  for (let x = 2; x <= g; x++) if (k % CHANGED_EVERY === x % CHANGED_EVERY) last = x;
  return `vm-bench:d${d}:c${i}:g${last}:`.padEnd(TOKEN_BYTES, 'abcdefghijklmnopqrstuvwxyz0123456789');
}

function contents(g) {
  return Array.from({ length: DISKS }, (_, d) => Array.from({ length: CHUNKS }, (_, i) => tokenOf(d, i, g)));
}

const ms = (t0) => Number(process.hrtime.bigint() - t0) / 1e6;
const now = () => process.hrtime.bigint();

function writeImage(store, id, data) {
  const t0 = now();
  // The store's own writer (what the daemon's worker thread runs; the messages to and from
  // that thread are not counted here, nor would they block the daemon's event loop).
  const w = store.stage(id);
  let stored = 0;
  data.forEach((chunks, d) => {
    const di = w.addDisk({ name: `bench_${d}.vmdk`, role: 'data', capacityBytes: CHUNKS * 1048576, chunks: CHUNKS, policy: null });
    chunks.forEach((c, i) => {
      stored += w.putChunk(di, i, c);
    });
  });
  const putMs = ms(t0);
  const t1 = now();
  const m = w.commit({ runId: 1, planId: 1, vmId: 'vm-bench', vmName: 'vm-bench', backupTime: 0, startedAt: 0, finishedAt: 0, bytesRead: DISKS * CHUNKS * 1048576 });
  return { ms: ms(t0), putMs, commitMs: ms(t1), stored, bytesStored: m.bytesStored };
}

const fsyncPath = (p) => {
  const fd = fs.openSync(p, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
};

/** The same bytes, one plain file per chunk, each fsynced once, each folder once. */
function plainPerChunk(dir, data) {
  const t0 = now();
  const files = [];
  const dirs = [];
  data.forEach((chunks, d) => {
    const dd = path.join(dir, `disk${d}`);
    fs.mkdirSync(dd);
    dirs.push(dd);
    chunks.forEach((c, i) => {
      const f = path.join(dd, String(i));
      fs.writeFileSync(f, c);
      files.push(f);
    });
  });
  for (const f of files) fsyncPath(f);
  for (const d of dirs) fsyncPath(d);
  fsyncPath(dir);
  return ms(t0);
}

/** The same bytes, one plain file per disk, each fsynced once. */
function plainPerDisk(dir, data) {
  const t0 = now();
  data.forEach((chunks, d) => {
    const fd = fs.openSync(path.join(dir, `disk${d}.img`), 'w');
    try {
      fs.writeSync(fd, chunks.join(''));
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  });
  fsyncPath(dir);
  return ms(t0);
}

function manifestBytes(dir, id) {
  return fs.statSync(path.join(dir, 'images', `${id}.json`)).size;
}

function measure(work, rep) {
  const ImageStore = loadStore();
  const total = DISKS * CHUNKS;
  const g1 = contents(1);
  const g2 = contents(2);
  const res = {};
  const plainChunkDir = path.join(work, 'plain-chunks');
  const plainDiskDir = path.join(work, 'plain-disks');
  fs.mkdirSync(plainChunkDir);
  fs.mkdirSync(plainDiskDir);
  const storeDir = path.join(work, 'store');
  const store = ImageStore.open(storeDir);
  // Alternate which runs first, so neither always meets the other's dirty pages.
  if (rep % 2 === 0) res.plainChunkMs = plainPerChunk(plainChunkDir, g1);
  res.gen1 = writeImage(store, 'gen-1', g1);
  if (rep % 2 === 1) res.plainChunkMs = plainPerChunk(plainChunkDir, g1);
  res.plainDiskMs = plainPerDisk(plainDiskDir, g1);
  res.gen2 = writeImage(store, 'gen-2', g2);
  res.manifest1 = manifestBytes(storeDir, 'gen-1');
  res.manifest2 = manifestBytes(storeDir, 'gen-2');
  let t = now();
  const v = store.verify('gen-2');
  res.verifyMs = ms(t);
  if (!v.ok) throw new Error(`verify failed: ${v.problems.slice(0, 3).join('; ')}`);
  const other = ImageStore.open(path.join(work, 'second'));
  t = now();
  res.copyBytes = store.copyTo('gen-1', other);
  res.copyMs = ms(t);
  t = now();
  store.delete('gen-1');
  res.deleteMs = ms(t);
  res.usageAfterDelete = store.usage();
  res.total = total;
  return res;
}

async function run(ctx) {
  const { reps, log, figures } = ctx;
  const all = [];
  for (let rep = 0; rep < reps; rep++) {
    const work = ctx.run ? ctx.run.sub('image-store') : tempDir('vvol-bench-image-store-');
    try {
      const r = measure(work, rep);
      all.push(r);
      log(`  rep ${rep + 1}: gen 1 ${r.gen1.ms.toFixed(0)} ms (putChunk ${r.gen1.putMs.toFixed(0)}, commit ${r.gen1.commitMs.toFixed(0)}), plain per chunk ${r.plainChunkMs.toFixed(0)} ms, plain per disk ${r.plainDiskMs.toFixed(0)} ms; gen 2 ${r.gen2.ms.toFixed(0)} ms storing ${r.gen2.bytesStored} of ${r.gen1.bytesStored} B; verify ${r.verifyMs.toFixed(0)} ms, copyTo ${r.copyMs.toFixed(0)} ms, delete ${r.deleteMs.toFixed(0)} ms`);
    } finally {
      rmrf(work);
    }
  }
  const perS = (n, msv) => (n / msv) * 1000;
  const label = `${DISKS} disks × ${CHUNKS.toLocaleString('en')} chunks, ${TOKEN_BYTES}-byte tokens`;
  figures.add(`image write, first generation (${label}): throughput vs plain copy, a file per chunk`, 'chunks/s', all.map((r) => perS(r.total, r.gen1.ms)), all.map((r) => perS(r.total, r.plainChunkMs)), { text: '≥ 0.5× baseline', on: 'ratio', op: '>=', value: 0.5 }, 0);
  figures.add('image write, first generation: throughput vs plain copy, a file per disk (layout cost, no goal)', 'chunks/s', all.map((r) => perS(r.total, r.gen1.ms)), all.map((r) => perS(r.total, r.plainDiskMs)), null, 0);
  figures.add('  of which putChunk (hash, look-up, write, rename), per new chunk', 'µs', all.map((r) => (r.gen1.putMs * 1000) / r.total), null, null, 1);
  figures.add('  of which commit (fsync every chunk file once, folders, manifest)', 'ms', all.map((r) => r.gen1.commitMs), null, null, 0);
  figures.add('second generation, 5 % of chunks changed: bytes stored, share of the first', '%', all.map((r) => (100 * r.gen2.bytesStored) / r.gen1.bytesStored), null, { text: '≤ 10 %', on: 'provider', op: '<=', value: 10 }, 2);
  figures.add('  manifest per generation (hashes of every chunk; not in bytes stored)', 'KB', all.map((r) => r.manifest2 / 1024), null, null, 0);
  figures.add('second generation: write time (95 % found in the store)', 'ms', all.map((r) => r.gen2.ms), null, null, 0);
  figures.add('  putChunk per chunk, second generation', 'µs', all.map((r) => (r.gen2.putMs * 1000) / r.total), null, null, 1);
  figures.add(`verify one image (${(DISKS * CHUNKS).toLocaleString('en')} chunks)`, 'ms', all.map((r) => r.verifyMs), null, null, 0);
  figures.add('copyTo a second store, first generation (every chunk)', 'ms', all.map((r) => r.copyMs), null, null, 0);
  figures.add('delete the first generation (sweep of its 5 % unshared chunks)', 'ms', all.map((r) => r.deleteMs), null, null, 0);
  return all;
}

module.exports = {
  id: 'imagestore', number: 10, title: 'S10 image store: backup write throughput and incremental bytes', run,
  describe: `One image of ${DISKS} disks × ${CHUNKS} chunks written into the image-backup store against a plain copy of the same bytes on the same disk; a second generation with 5 % of its chunks changed.`,
};

if (require.main === module) {
  const { Figures, table } = require('../lib/report');
  const i = process.argv.indexOf('--reps');
  const reps = i > 0 ? Number(process.argv[i + 1]) : 3;
  const figures = new Figures('S10 imagestore');
  run({ reps, figures, log: (m) => process.stdout.write(`${m}\n`) })
    .then(() => process.stdout.write(`\n${table(figures.list)}\n`))
    .catch((e) => {
      process.stderr.write(`${e.stack || e}\n`);
      process.exit(1);
    });
}
