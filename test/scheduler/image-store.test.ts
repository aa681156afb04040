/**
 * The image store (src/scheduler/image-store): what goes in comes back out, a later
 * generation stores only what changed, deleting keeps what another image (or a writer
 * at work) needs and removes the rest, damage is found and named, a killed writer leaves
 * nothing behind, a second store receives only what it lacks, and no image id leaves the
 * store's folder. Every test works in its own temp folder. The crash tests run a real
 * child process (this source, compiled on the fly by a require hook) and SIGKILL it.
 */
import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ImageDisk, ImageManifest, SchedulerError } from '../../src/scheduler/contract';
import { ImageStore } from '../../src/scheduler/image-store';

const ROOT = path.resolve(__dirname, '..', '..');
const MODULE = path.join(ROOT, 'src', 'scheduler', 'image-store');

let tmp: string;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'image-store-test-'));
});
afterEach(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** A distinct 128-character token, as the array's guest I/O writes them. */
const token = (tag: string) => `${tag}-`.padEnd(128, 'x');

const META = { runId: 7, planId: 3, vmId: 'vm-1', vmName: 'web01', backupTime: 1_700_000_000_000, startedAt: 1_700_000_000_000, finishedAt: 1_700_000_060_000, bytesRead: 0 };

const disk = (name: string, chunks: number, role: ImageDisk['role'] = 'data'): ImageDisk => ({ name, role, capacityBytes: chunks * 1024 * 1024, chunks, policy: role === 'data' ? 'gold' : null });

type Disks = (string | null)[][];

/** Writes and commits an image of these disks' chunk contents; the bytes putChunk reported. */
function writeImage(store: ImageStore, id: string, disks: Disks): { manifest: ImageManifest; stored: number } {
  const w = store.stage(id);
  let stored = 0;
  disks.forEach((chunks, di) => {
    const d = w.addDisk(disk(di === 0 ? `${id}.vmx` : `${id}_${di}.vmdk`, chunks.length, di === 0 ? 'config' : 'data'));
    chunks.forEach((c, i) => {
      if (c !== null) stored += w.putChunk(d, i, c);
    });
  });
  return { manifest: w.commit(META), stored };
}

function readAll(store: ImageStore, id: string): Disks {
  const r = store.open(id);
  return r.manifest.disks.map((d, di) => Array.from({ length: d.chunks }, (_, i) => r.chunk(di, i)));
}

function expectError(fn: () => unknown, code: SchedulerError['code'], text?: RegExp): SchedulerError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(SchedulerError);
    const se = e as SchedulerError;
    expect(se.code).toBe(code);
    if (text) expect(se.message).toMatch(text);
    return se;
  }
  throw new Error(`expected a SchedulerError ${code}`);
}

/** Every file under dir (relative paths). */
function filesUnder(dir: string): string[] {
  return (fs.readdirSync(dir, { recursive: true }) as string[]).filter((f) => fs.statSync(path.join(dir, f)).isFile()).sort();
}

const chunkFile = (dir: string, hash: string) => path.join(dir, 'chunks', hash.slice(0, 2), hash);

/** The hashes all committed images name. */
function namedHashes(store: ImageStore): Set<string> {
  const s = new Set<string>();
  for (const id of store.list()) for (const d of store.open(id).manifest.disks) for (const h of d.chunkHashes) if (h) s.add(h);
  return s;
}

/** Chunk files on disk. */
function chunkHashesOnDisk(dir: string): Set<string> {
  return new Set(filesUnder(path.join(dir, 'chunks')).map((f) => path.basename(f)));
}

/** Generation `gen` of 4 disks x n chunks: chunk i of disk d changed in generation g when (d*n+i) % 20 == g % 20 (5 % per generation). */
function generation(gen: number, n: number): Disks {
  return Array.from({ length: 4 }, (_, d) =>
    Array.from({ length: n }, (_, i) => {
      if (d === 0 && i >= n / 2) return null; // the config disk is half written
      const k = d * n + i;
      let last = 0;
      for (let g = 1; g <= gen; g++) if (k % 20 === g % 20) last = g;
      return token(`d${d}c${i}g${last}`);
    }),
  );
}

describe('write, commit, read back', () => {
  test('an image reads back chunk for chunk, nulls included, after a reopen too', () => {
    const store = ImageStore.open(path.join(tmp, 'store'));
    const disks: Disks = [
      [token('cfg0'), null, token('cfg2')],
      [token('a'), token('b'), null, token('a'), token('c')], // a repeated chunk is stored once
    ];
    expect(store.has('img-1')).toBe(false);
    const w = store.stage('img-1');
    expect(w.imageId).toBe('img-1');
    const d0 = w.addDisk(disk('web01.vmx', 3, 'config'));
    const d1 = w.addDisk(disk('web01.vmdk', 5));
    expect([d0, d1]).toEqual([0, 1]);
    const puts = disks.map((chunks, di) => chunks.map((c, i) => (c === null ? null : w.putChunk(di, i, c))));
    expect(puts).toEqual([[128, null, 128], [128, 128, null, 0, 128]]);
    expect(store.has('img-1')).toBe(false); // nothing visible before commit
    expect(store.list()).toEqual([]);
    const m = w.commit({ ...META, bytesRead: 7 * 1024 * 1024 });
    expect(m).toMatchObject({ imageId: 'img-1', runId: 7, planId: 3, vmId: 'vm-1', vmName: 'web01', bytesRead: 7 * 1024 * 1024, bytesStored: 5 * 128 });
    expect(m.disks.map((d) => [d.name, d.role, d.chunks, d.policy])).toEqual([['web01.vmx', 'config', 3, null], ['web01.vmdk', 'data', 5, 'gold']]);
    expect(m.disks[1].chunkHashes[0]).toBe(m.disks[1].chunkHashes[3]);
    expect(m.disks[1].chunkHashes[2]).toBeNull();
    expect(store.has('img-1')).toBe(true);
    expect(store.list()).toEqual(['img-1']);
    expect(readAll(store, 'img-1')).toEqual(disks);
    expect(store.verify('img-1')).toEqual({ imageId: 'img-1', ok: true, problems: [] });
    expect(store.usage()).toEqual({ images: 1, chunks: 5, bytes: 5 * 128 + fs.statSync(path.join(tmp, 'store', 'images', 'img-1.json')).size });

    const again = ImageStore.open(path.join(tmp, 'store'));
    expect(again.open('img-1').manifest).toEqual(m);
    expect(readAll(again, 'img-1')).toEqual(disks);
    expect(fs.readdirSync(path.join(tmp, 'store', 'staging'))).toEqual([]);
  });

  test('the writer refuses bad arguments, a second commit, and an existing or busy id', () => {
    const store = ImageStore.open(tmp);
    writeImage(store, 'taken', [[token('t')]]);
    expectError(() => store.stage('taken'), 'CONFLICT', /exists already/);
    const w = store.stage('busy');
    expectError(() => store.stage('busy'), 'CONFLICT', /being written/);
    const d = w.addDisk(disk('busy.vmdk', 4));
    expectError(() => w.addDisk({ ...disk('x', 1), chunks: -1 }), 'INVALID');
    expectError(() => w.addDisk({ ...disk('x', 1), role: 'swap' as ImageDisk['role'] }), 'INVALID');
    expectError(() => w.putChunk(5, 0, token('a')), 'INVALID', /no disk 5/);
    expectError(() => w.putChunk(d, 4, token('a')), 'INVALID', /chunks 0 to 3/);
    expectError(() => w.putChunk(d, 1.5, token('a')), 'INVALID');
    expectError(() => w.putChunk(d, 0, ''), 'INVALID');
    w.putChunk(d, 0, token('a'));
    w.commit(META);
    expectError(() => w.putChunk(d, 1, token('b')), 'CONFLICT', /already committed/);
    expectError(() => w.commit(META), 'CONFLICT');
    w.abort(); // no effect once committed
    expect(store.verify('busy').ok).toBe(true);
  });
});

describe('deduplicated incremental-forever', () => {
  test('a second generation with 5 % of its chunks changed stores 5 % of the bytes', () => {
    const store = ImageStore.open(tmp);
    const n = 256;
    const g1 = writeImage(store, 'gen-1', generation(1, n));
    const written = generation(1, n).flat().filter((c) => c !== null).length;
    expect(g1.stored).toBe(written * 128);
    expect(g1.manifest.bytesStored).toBe(g1.stored);
    const g2 = writeImage(store, 'gen-2', generation(2, n));
    const changed = generation(2, n).flat().filter((c, k) => c !== null && c !== generation(1, n).flat()[k]).length;
    expect(changed / written).toBeGreaterThan(0.04);
    expect(changed / written).toBeLessThan(0.06);
    expect(g2.stored).toBe(changed * 128);
    expect(g2.manifest.bytesStored).toBe(changed * 128);
    expect(store.usage().chunks).toBe(written + changed);
    expect(readAll(store, 'gen-2')).toEqual(generation(2, n));
    expect(readAll(store, 'gen-1')).toEqual(generation(1, n));
  });

  test('identical content in another disk or VM is stored once', () => {
    const store = ImageStore.open(tmp);
    writeImage(store, 'vm-a', [[token('os'), token('a')]]);
    const b = writeImage(store, 'vm-b', [[token('os'), token('b')]]);
    expect(b.stored).toBe(128);
    expect(store.usage().chunks).toBe(3);
  });
});

describe('delete and garbage', () => {
  test('delete keeps the chunks another image needs and removes the rest', () => {
    const dir = path.join(tmp, 's');
    const store = ImageStore.open(dir);
    const n = 64;
    const a = writeImage(store, 'a', generation(1, n)).manifest;
    const b = writeImage(store, 'b', generation(2, n)).manifest;
    const onlyA = [...new Set(a.disks.flatMap((d) => d.chunkHashes))].filter((h): h is string => !!h && !b.disks.some((x) => x.chunkHashes.includes(h)));
    expect(onlyA.length).toBeGreaterThan(0);
    store.delete('a');
    expect(store.has('a')).toBe(false);
    expect(store.list()).toEqual(['b']);
    for (const h of onlyA) expect(fs.existsSync(chunkFile(dir, h))).toBe(false);
    expect(chunkHashesOnDisk(dir)).toEqual(namedHashes(store));
    expect(store.verify('b').ok).toBe(true);
    expect(readAll(store, 'b')).toEqual(generation(2, n));
    store.delete('a'); // again: nothing to do
    store.delete('never-was');
    store.delete('b');
    expect(store.usage()).toEqual({ images: 0, chunks: 0, bytes: 0 });
    expect(filesUnder(path.join(dir, 'trash'))).toEqual([]);
  });

  test('delete keeps the chunks a writer at work has found in the store', () => {
    const store = ImageStore.open(tmp);
    writeImage(store, 'old', [[token('shared'), token('old-only')]]);
    const w = store.stage('new');
    w.addDisk(disk('new.vmdk', 2));
    expect(w.putChunk(0, 0, token('shared'))).toBe(0); // found in the store, not written again
    store.delete('old');
    expect(store.usage().chunks).toBe(1); // old-only went, shared stayed for the writer
    w.putChunk(0, 1, token('new-only'));
    w.commit(META);
    expect(readAll(store, 'new')).toEqual([[token('shared'), token('new-only')]]);
    expect(store.verify('new').ok).toBe(true);
  });

  test('a chunk put twice keeps the last content, and the first leaves no garbage', () => {
    const dir = path.join(tmp, 's');
    const store = ImageStore.open(dir);
    const w = store.stage('twice');
    w.addDisk(disk('t.vmdk', 2));
    w.putChunk(0, 0, token('first'));
    w.putChunk(0, 0, token('second'));
    w.putChunk(0, 1, token('other'));
    w.commit(META);
    expect(readAll(store, 'twice')).toEqual([[token('second'), token('other')]]);
    expect(chunkHashesOnDisk(dir)).toEqual(namedHashes(store));
  });

  test('abort drops the staging image and the chunks only it stored', () => {
    const dir = path.join(tmp, 's');
    const store = ImageStore.open(dir);
    writeImage(store, 'kept', [[token('shared')]]);
    const w = store.stage('dropped');
    w.addDisk(disk('d.vmdk', 3));
    w.putChunk(0, 0, token('shared'));
    w.putChunk(0, 1, token('mine-1'));
    w.putChunk(0, 2, token('mine-2'));
    expect(store.usage().chunks).toBe(3);
    w.abort();
    w.abort(); // twice: nothing more
    expect(store.has('dropped')).toBe(false);
    expect(store.usage().chunks).toBe(1);
    expect(fs.readdirSync(path.join(dir, 'staging'))).toEqual([]);
    expectError(() => w.putChunk(0, 0, token('x')), 'CONFLICT', /aborted/);
    expect(store.verify('kept').ok).toBe(true);
    // The id is free again.
    writeImage(store, 'dropped', [[token('again')]]);
    expect(store.verify('dropped').ok).toBe(true);
  });

  test('while a manifest is damaged, deletes remove no chunk; the next sweep after it is gone does', () => {
    const dir = path.join(tmp, 's');
    const store = ImageStore.open(dir);
    writeImage(store, 'old', [[token('shared'), token('old-only')]]);
    writeImage(store, 'bad', [[token('shared'), token('bad-only')]]);
    writeImage(store, 'other', [[token('other-only')]]);
    const file = path.join(dir, 'images', 'bad.json');
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').slice(0, 200)); // torn: its chunk list is lost
    store.delete('old');
    expect(store.has('old')).toBe(false);
    expect(store.usage().chunks).toBe(4); // nothing removed: 'bad' might still need any of them
    const w = store.stage('dropped');
    w.addDisk(disk('x', 1));
    w.putChunk(0, 0, token('dropped-only'));
    w.abort();
    expect(store.usage().chunks).toBe(5);
    expect(fs.readdirSync(path.join(dir, 'trash', 'pending'))).toHaveLength(2);
    expect(ImageStore.open(dir).recovered).toMatchObject({ chunks: 0, heldBy: ['bad'] });
    store.delete('bad'); // the waiting candidates go now: 'old-only', 'dropped-only', 'shared'
    expect(store.list()).toEqual(['other']);
    expect(store.usage().chunks).toBe(2); // and 'bad-only', which the torn manifest no longer names: a full gc finds it
    expect(store.gc()).toMatchObject({ chunks: 1, heldBy: [] });
    expect(chunkHashesOnDisk(dir)).toEqual(namedHashes(store));
    expect(filesUnder(path.join(dir, 'trash'))).toEqual([]);
  });

  test('a full gc removes chunks nothing names and nothing else', () => {
    const dir = path.join(tmp, 's');
    const store = ImageStore.open(dir);
    const m = writeImage(store, 'a', [[token('1'), token('2')]]).manifest;
    const stray = 'f'.repeat(64);
    fs.writeFileSync(chunkFile(dir, stray), 'left by a power loss');
    expect(store.gc()).toEqual({ chunks: 1, bytes: 20, heldBy: [] });
    expect(chunkHashesOnDisk(dir)).toEqual(new Set(m.disks[0].chunkHashes as string[]));
  });
});

describe('integrity', () => {
  test('verify and read find a flipped byte in a chunk, naming the disk and the chunk index', () => {
    const dir = path.join(tmp, 's');
    const store = ImageStore.open(dir);
    const m = writeImage(store, 'img', [[token('cfg')], [token('a'), token('b'), token('a')]]).manifest;
    const hashA = m.disks[1].chunkHashes[0] as string;
    const f = chunkFile(dir, hashA);
    const buf = fs.readFileSync(f);
    buf[10] ^= 0x01;
    fs.writeFileSync(f, buf);
    const v = store.verify('img');
    expect(v.ok).toBe(false);
    expect(v.problems).toHaveLength(2); // the chunk is used twice
    expect(v.problems[0]).toMatch(/^Disk 1 \("img_1.vmdk"\) chunk 0: .*damaged/);
    expect(v.problems[1]).toMatch(/^Disk 1 \("img_1.vmdk"\) chunk 2: /);
    const r = store.open('img'); // the manifest is intact: open works, the damaged chunk does not read
    expect(r.chunk(1, 1)).toBe(token('b'));
    const e = expectError(() => r.chunk(1, 2), 'FAILED', /damaged: disk 1 \("img_1.vmdk"\) chunk 2/);
    expect(e.details).toEqual({ imageId: 'img', disk: 1, chunk: 2 });
    fs.rmSync(chunkFile(dir, m.disks[1].chunkHashes[1] as string));
    expect(store.verify('img').problems).toEqual([expect.stringMatching(/chunk 0: .*damaged/), expect.stringMatching(/^Disk 1 \("img_1.vmdk"\) chunk 1: .*missing/), expect.stringMatching(/chunk 2: .*damaged/)]);
    expectError(() => r.chunk(1, 1), 'FAILED', /chunk 1: .*missing/);
  });

  test('a later backup of the same content repairs a damaged chunk', () => {
    const dir = path.join(tmp, 's');
    const store = ImageStore.open(dir);
    const m = writeImage(store, 'one', [[token('a')]]).manifest;
    fs.writeFileSync(chunkFile(dir, m.disks[0].chunkHashes[0] as string), 'garbage');
    expect(store.verify('one').ok).toBe(false);
    expect(writeImage(store, 'two', [[token('a')]]).stored).toBe(128);
    expect(store.verify('one').ok).toBe(true);
  });

  test('verify and open find a damaged manifest', () => {
    const dir = path.join(tmp, 's');
    const store = ImageStore.open(dir);
    writeImage(store, 'img', [[token('a'), token('b')]]);
    const file = path.join(dir, 'images', 'img.json');
    const good = fs.readFileSync(file, 'utf8');
    // A flipped digit inside the JSON: still valid JSON, but not what was hashed.
    const at = good.indexOf('"bytesStored":') + '"bytesStored":'.length;
    fs.writeFileSync(file, `${good.slice(0, at)}${good[at] === '1' ? '3' : '1'}${good.slice(at + 1)}`);
    const v = store.verify('img');
    expect(v).toEqual({ imageId: 'img', ok: false, problems: [expect.stringMatching(/manifest is damaged \(its content does not match its recorded sha256\)/)] });
    expectError(() => store.open('img'), 'FAILED', /The image img is damaged/);
    expect(store.has('img')).toBe(true); // committed, though damaged: verify tells
    fs.writeFileSync(file, good.slice(0, good.length / 2)); // torn
    expect(store.verify('img').problems[0]).toMatch(/not valid JSON/);
    expectError(() => store.open('img'), 'FAILED');
    // A damaged manifest may not name all its chunks any more: sweeps remove nothing meanwhile.
    expect(store.gc()).toEqual({ chunks: 0, bytes: 0, heldBy: ['img'] });
    fs.writeFileSync(file, good);
    expect(store.verify('img').ok).toBe(true);
    expect(store.verify('gone')).toEqual({ imageId: 'gone', ok: false, problems: [expect.stringMatching(/has no manifest/)] });
    expectError(() => store.open('gone'), 'NOT_FOUND');
  });

  test('the folder of something else is not taken for a store', () => {
    fs.writeFileSync(path.join(tmp, 'store.json'), '{"format":"other"}');
    expectError(() => ImageStore.open(tmp), 'FAILED', /not an image store/);
  });
});

describe('staging leftovers', () => {
  test('a writer killed in the middle leaves no image, and the next open cleans its staging and chunks', async () => {
    const dir = path.join(tmp, 's');
    const store = ImageStore.open(dir);
    writeImage(store, 'base', [[token('shared-1'), token('shared-2')]]);
    const child = startChild(`
      const s = ImageStore.open(dir);
      const w = s.stage('crashed');
      w.addDisk({ name: 'c.vmdk', role: 'data', capacityBytes: 0, chunks: 100, policy: null });
      w.putChunk(0, 0, '${token('shared-1')}');
      for (let i = 1; i < 100; i++) w.putChunk(0, i, 'crashed-only-' + i);
      out('ready');
      setInterval(() => {}, 1000);
    `, dir);
    await child.line((l) => l === 'ready');
    expect(fs.readdirSync(path.join(dir, 'staging'))).toHaveLength(1);
    expect(store.usage().chunks).toBe(101);
    // While the writer lives, another open leaves its staging alone.
    ImageStore.open(dir);
    expect(fs.readdirSync(path.join(dir, 'staging'))).toHaveLength(1);
    await child.kill();
    const after = ImageStore.open(dir);
    expect(after.recovered).toMatchObject({ staging: 1, chunks: 99 });
    expect(fs.readdirSync(path.join(dir, 'staging'))).toEqual([]);
    expect(after.has('crashed')).toBe(false);
    expect(after.list()).toEqual(['base']);
    expect(chunkHashesOnDisk(dir)).toEqual(namedHashes(after));
    expect(after.verify('base').ok).toBe(true);
  });

  test('an open of the same folder in this process leaves a live writer alone, and it commits', () => {
    const dir = path.join(tmp, 's');
    const w = ImageStore.open(dir).stage('live');
    w.addDisk(disk('l.vmdk', 1));
    w.putChunk(0, 0, token('live'));
    const other = ImageStore.open(dir);
    expect(other.recovered.staging).toBe(0);
    w.commit(META);
    expect(other.verify('live').ok).toBe(true);
  });

  test('kills at arbitrary moments of commits and deletes leave only whole images and no garbage', async () => {
    const dir = path.join(tmp, 's');
    for (let round = 0; round < 4; round++) {
      const child = startChild(`
        const s = ImageStore.open(dir);
        for (let n = ${round * 1000}; ; n++) {
          const id = 'img-' + String(n).padStart(6, '0');
          const w = s.stage(id);
          for (let d = 0; d < 2; d++) {
            w.addDisk({ name: 'd' + d, role: 'data', capacityBytes: 0, chunks: 40, policy: null });
            for (let i = 0; i < 40; i++) w.putChunk(d, i, 'c' + d + '-' + i + '-' + ((i + n) % 10 === 0 ? n : 0));
          }
          w.commit({ runId: n, planId: null, vmId: 'vm', vmName: 'vm', backupTime: n, startedAt: n, finishedAt: n, bytesRead: 0 });
          out('committed ' + id);
          const ids = s.list();
          if (ids.length > 3) { s.delete(ids[0]); out('deleted ' + ids[0]); }
        }
      `, dir);
      // The kill follows the (2 + 2 * round)th commit, landing wherever the child is by then.
      const acked = new Set<string>();
      let commits = 0;
      await child.line((l) => {
        const [what, id] = l.split(' ');
        if (what === 'committed') acked.add(id);
        if (what === 'deleted') acked.delete(id);
        return what === 'committed' && ++commits >= 2 + 2 * round;
      });
      await child.kill();
      const store = ImageStore.open(dir);
      expect(fs.readdirSync(path.join(dir, 'staging'))).toEqual([]);
      expect(filesUnder(path.join(dir, 'trash'))).toEqual([]);
      // Every image there is whole; every acknowledged one is there, but the oldest (its delete may have been in flight).
      for (const id of store.list()) expect(store.verify(id)).toEqual({ imageId: id, ok: true, problems: [] });
      const ackedSorted = [...acked].sort();
      for (const id of ackedSorted.slice(1)) expect(store.has(id)).toBe(true);
      expect(chunkHashesOnDisk(dir)).toEqual(namedHashes(store));
    }
  });
});

describe('writers and sweeps in two processes at once', () => {
  test('no image loses a chunk to a sweep running beside its writer', async () => {
    const dir = path.join(tmp, 's');
    const store = ImageStore.open(dir);
    // Both sides write images from one pool of 40 chunks and delete them again at once,
    // so every delete sweeps chunks the other side may just have found in the store.
    const child = startChild(`
      const s = ImageStore.open(dir);
      for (let n = 0; n < 60; n++) {
        const id = 'child-' + n;
        const w = s.stage(id);
        w.addDisk({ name: 'd', role: 'data', capacityBytes: 0, chunks: 30, policy: null });
        for (let i = 0; i < 30; i++) w.putChunk(0, i, 'pool-' + ((n * 7 + i) % 40));
        w.commit({ runId: n, planId: null, vmId: 'vm', vmName: 'vm', backupTime: n, startedAt: n, finishedAt: n, bytesRead: 0 });
        const v = s.verify(id);
        if (!v.ok) out('bad ' + id + ' ' + v.problems.join('; '));
        if (n > 0) s.delete('child-' + (n - 1));
      }
      out('done');
    `, dir);
    let finished = false;
    const bad: string[] = [];
    const done = child
      .line((l) => {
        if (l.startsWith('bad')) bad.push(l);
        return l === 'done';
      })
      .then(
        () => undefined,
        (e: Error) => e,
      )
      .finally(() => (finished = true));
    let rounds = 0;
    try {
      while (!finished) {
        for (let k = 0; k < 3; k++, rounds++) {
          const id = `parent-${rounds}`;
          writeImage(store, id, [Array.from({ length: 40 }, (_, i) => `pool-${(i + rounds) % 40}`)]);
          expect(store.verify(id)).toEqual({ imageId: id, ok: true, problems: [] });
          store.delete(id);
        }
        await new Promise((r) => setImmediate(r));
      }
      const failed = await done;
      if (failed) throw failed;
    } finally {
      await child.kill();
    }
    expect(bad).toEqual([]);
    expect(rounds).toBeGreaterThan(0);
    expect(store.list()).toEqual(['child-59']);
    expect(store.verify('child-59').ok).toBe(true);
    expect(chunkHashesOnDisk(dir)).toEqual(namedHashes(store));
  });
});

describe('second store ("another region")', () => {
  test('copyTo copies only the chunks the other store lacks, and the copy verifies', () => {
    const local = ImageStore.open(path.join(tmp, 'local'));
    const remote = ImageStore.open(path.join(tmp, 'remote'));
    const n = 64;
    const g1 = writeImage(local, 'gen-1', generation(1, n)).manifest;
    const m1 = fs.statSync(path.join(tmp, 'local', 'images', 'gen-1.json')).size;
    expect(local.copyTo('gen-1', remote)).toBe(g1.bytesStored + m1);
    const g2 = writeImage(local, 'gen-2', generation(2, n)).manifest;
    const m2 = fs.statSync(path.join(tmp, 'local', 'images', 'gen-2.json')).size;
    expect(local.copyTo('gen-2', remote)).toBe(g2.bytesStored + m2); // only the changed chunks
    expect(remote.list()).toEqual(['gen-1', 'gen-2']);
    expect(remote.verify('gen-2').ok).toBe(true);
    expect(remote.open('gen-2').manifest).toEqual(g2);
    expect(fs.readFileSync(path.join(tmp, 'remote', 'images', 'gen-2.json'))).toEqual(fs.readFileSync(path.join(tmp, 'local', 'images', 'gen-2.json')));
    expect(readAll(remote, 'gen-2')).toEqual(generation(2, n));
    expect(local.copyTo('gen-2', remote)).toBe(0); // there already
    expect(remote.usage()).toEqual(local.usage());
  });

  test('a damaged source stops the copy and leaves nothing in the other store', () => {
    const local = ImageStore.open(path.join(tmp, 'local'));
    const remote = ImageStore.open(path.join(tmp, 'remote'));
    const m = writeImage(local, 'img', [[token('a'), token('b'), token('c')]]).manifest;
    fs.writeFileSync(chunkFile(path.join(tmp, 'local'), m.disks[0].chunkHashes[2] as string), 'bad');
    expectError(() => local.copyTo('img', remote), 'FAILED', /disk 0 \("img.vmx"\) chunk 2: .*damaged.*not copied/);
    expect(remote.has('img')).toBe(false);
    expect(remote.usage()).toEqual({ images: 0, chunks: 0, bytes: 0 });
    expect(fs.readdirSync(path.join(tmp, 'remote', 'staging'))).toEqual([]);
    expectError(() => local.copyTo('none', remote), 'NOT_FOUND');
  });
});

describe('image ids', () => {
  const hostile: unknown[] = ['../escape', '..', '.', '.hidden', 'a/b', 'a\\b', '/etc/passwd', '', 'x'.repeat(81), 'a\0b', 'a b', 'a@b', 'ünï', 'a\nb', 42, null, undefined];

  test('hostile ids are refused by every method and nothing is made outside the store', () => {
    const dir = path.join(tmp, 'inner', 'store');
    const store = ImageStore.open(dir);
    const other = ImageStore.open(path.join(tmp, 'inner', 'other'));
    writeImage(store, 'ok', [[token('a')]]);
    const before = filesUnder(tmp);
    for (const id of hostile) {
      const s = id as string;
      expectError(() => store.stage(s), 'INVALID', /is not valid/);
      expectError(() => store.has(s), 'INVALID');
      expectError(() => store.open(s), 'INVALID');
      expectError(() => store.verify(s), 'INVALID');
      expectError(() => store.delete(s), 'INVALID');
      expectError(() => store.copyTo(s, other), 'INVALID');
    }
    expect(filesUnder(tmp)).toEqual(before);
    expect(fs.readdirSync(tmp)).toEqual(['inner']);
    // The longest and oddest ids allowed work.
    for (const id of ['x'.repeat(80), 'A-z_0.9', 'a..b', '-lead']) {
      writeImage(store, id, [[token(id)]]);
      expect(store.verify(id).ok).toBe(true);
    }
  });
});

// ---- the child process of the crash tests ----------------------------------------------

interface Child {
  /** Resolves when `stop` returns true for a line the child printed (rejects if it exits first). */
  line(stop: (l: string) => boolean): Promise<void>;
  /** SIGKILL and wait for the exit. */
  kill(): Promise<void>;
}

/** Runs `body` in a child node with `ImageStore`, `dir` and `out(line)` in scope (TypeScript compiled by a require hook). */
function startChild(body: string, dir: string): Child {
  const script = `
    const fs = require('node:fs');
    const ts = require('typescript');
    require.extensions['.ts'] = (m, f) => m._compile(ts.transpileModule(fs.readFileSync(f, 'utf8'), { fileName: f, compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true } }).outputText, f);
    const { ImageStore } = require(${JSON.stringify(MODULE)});
    const dir = ${JSON.stringify(dir)};
    const out = (l) => fs.writeSync(1, l + '\\n');
    ${body}
  `;
  const proc: ChildProcess = spawn(process.execPath, ['-e', script], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  proc.stderr!.on('data', (c) => (err += c));
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  return {
    line: (stop) =>
      new Promise<void>((resolve, reject) => {
        let buf = '';
        let done = false;
        const onData = (c: Buffer) => {
          buf += c.toString();
          let nl: number;
          while (!done && (nl = buf.indexOf('\n')) >= 0) {
            const l = buf.slice(0, nl);
            buf = buf.slice(nl + 1);
            if (stop(l)) {
              done = true;
              proc.stdout!.off('data', onData);
              resolve();
            }
          }
        };
        proc.stdout!.on('data', onData);
        proc.once('exit', (code, signal) => {
          if (!done) reject(new Error(`the child ended (${signal ?? code}) early: ${err}`));
        });
      }),
    kill: async () => {
      proc.kill('SIGKILL');
      await exited;
    },
  };
}
