/**
 * The image store's writers in its worker thread (image-store/worker-client.ts,
 * worker.ts; issue 12: keep the event loop free): an image written through the worker
 * reads back and verifies like one written in this thread; its calls are refused the
 * same way; its staging lock and gc.lock (flock asked of the main thread) hold against
 * this thread; abort drops what only it stored; the main event loop stays responsive
 * while a large image is committed (measured beside the in-thread commit); a backup run
 * of the service completes through it; and the compiled worker loads from dist/.
 *
 * Under jest the worker runs the TypeScript sources (a transpiling bootstrap); the last
 * test runs the compiled module from dist/ in a child node (built by the test command).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { ChunkPut, ImageDisk, ImageWriter, SchedulerError } from '../../src/scheduler/contract';
import { closeStoreWorker, ImageStore } from '../../src/scheduler/image-store';
import { bed, Bed, imageChunks } from './setup';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { flockSync } = require('fs-ext') as { flockSync(fd: number, flags: 'sh' | 'ex' | 'shnb' | 'exnb' | 'un'): void };

const ROOT = path.resolve(__dirname, '..', '..');

let tmp: string;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'image-store-worker-test-'));
});
afterEach(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});
afterAll(() => closeStoreWorker());

const token = (tag: string) => `${tag}-`.padEnd(128, 'x');
const META = { runId: 7, planId: 3, vmId: 'vm-1', vmName: 'web01', backupTime: 1_700_000_000_000, startedAt: 1_700_000_000_000, finishedAt: 1_700_000_060_000, bytesRead: 0 };
const disk = (name: string, chunks: number): ImageDisk => ({ name, role: 'data', capacityBytes: chunks * 1024 * 1024, chunks, policy: null });

async function rejection(p: Promise<unknown>): Promise<SchedulerError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof SchedulerError) return e;
    throw e;
  }
  throw new Error('no SchedulerError');
}

const stagingOf = (dir: string) => fs.readdirSync(path.join(dir, 'staging'));

describe('a writer in the worker thread', () => {
  test('writes an image that reads back and verifies, with the bytes it stored, as the in-thread writer does', async () => {
    const dir = path.join(tmp, 's');
    const store = ImageStore.open(dir);
    const chunks = [token('a'), token('b'), token('a'), token('c')];
    const w = store.begin('img-w');
    expect(w.addDisk(disk('w.vmdk', 6))).toBe(0);
    w.putChunks(chunks.map((content, index) => ({ disk: 0, index, content })));
    expect(w.pending).toBe(4); // queued: stored by the worker later
    expect(await w.flush()).toBe(3 * 128);
    expect([w.pending, w.bytesStored]).toEqual([0, 3 * 128]);
    expect(store.has('img-w')).toBe(false);
    const m = await w.commit(META);
    expect([w.state, w.manifest]).toEqual(['committed', m]);
    expect(m).toMatchObject({ imageId: 'img-w', bytesStored: 3 * 128, runId: 7 });
    expect(store.has('img-w')).toBe(true);
    expect(store.verify('img-w').ok).toBe(true);
    expect(imageChunks(store, 'img-w', 'w.vmdk')).toEqual([...chunks, null, null]);
    expect(stagingOf(dir)).toEqual([]);

    // The same image through the in-thread writer: the same manifest but for its id, nothing stored again.
    const local = ImageStore.open(dir, { writers: 'in-thread' });
    const t = local.begin('img-t');
    t.addDisk(disk('w.vmdk', 6));
    t.putChunks(chunks.map((content, index) => ({ disk: 0, index, content })));
    expect([t.pending, t.bytesStored]).toEqual([0, 0]); // done at once
    const m2 = await t.commit(META);
    expect({ ...m2, imageId: 'x', bytesStored: 0 }).toEqual({ ...m, imageId: 'x', bytesStored: 0 });
  });

  test('refuses what the in-thread writer refuses: bad disks at once, bad chunks through flush and commit, calls after commit', async () => {
    const store = ImageStore.open(path.join(tmp, 's'));
    expect(() => store.begin('bad id!')).toThrow(SchedulerError);
    const w = store.begin('busy');
    expect(() => store.begin('busy')).toThrow(/being written/);
    await w.flush();
    expect(() => store.stage('busy')).toThrow(/being written/); // the worker's staging lock, seen from this thread
    expect(() => w.addDisk({ ...disk('d', 2), role: 'other' as 'data' })).toThrow(/role/);
    w.addDisk(disk('d.vmdk', 2));
    w.putChunks([{ disk: 0, index: 5, content: token('x') }]);
    expect((await rejection(w.flush())).message).toMatch(/chunks 0 to 1/);
    expect(w.error?.message).toMatch(/chunks 0 to 1/);
    expect((await rejection(w.commit(META))).code).toBe('INVALID');
    await w.abort();
    expect(store.list()).toEqual([]);

    const ok = store.begin('ok');
    ok.addDisk(disk('d.vmdk', 1));
    ok.putChunks([{ disk: 0, index: 0, content: token('ok') }]);
    await ok.commit(META);
    expect(() => ok.putChunks([{ disk: 0, index: 0, content: token('again') }])).toThrow(/already committed/);
    expect((await rejection(ok.commit(META))).code).toBe('CONFLICT');
    await ok.abort(); // no effect once committed
    expect(store.verify('ok').ok).toBe(true);
    expect(() => store.begin('ok')).toThrow(/exists already/);
  });

  test('a live worker writer is left alone by an open in this thread; abort drops the chunks only it stored', async () => {
    const dir = path.join(tmp, 's');
    const store = ImageStore.open(dir);
    const base = store.begin('base');
    base.addDisk(disk('b.vmdk', 1));
    base.putChunks([{ disk: 0, index: 0, content: token('shared') }]);
    await base.commit(META);
    const w = store.begin('dropped');
    w.addDisk(disk('d.vmdk', 3));
    w.putChunks([token('shared'), token('mine-1'), token('mine-2')].map((content, index) => ({ disk: 0, index, content })));
    expect(await w.flush()).toBe(2 * 128);
    expect(ImageStore.open(dir).recovered.staging).toBe(0); // its flock is held (asked of this thread for the worker)
    expect(stagingOf(dir)).toHaveLength(1);
    expect(store.usage().chunks).toBe(3);
    await w.abort();
    expect(w.state).toBe('aborted');
    expect(stagingOf(dir)).toEqual([]);
    expect(store.usage().chunks).toBe(1);
    expect(store.verify('base').ok).toBe(true);
  });

  test('a commit waits while a sweep holds gc.lock, without holding this thread, and ends once it is released', async () => {
    const dir = path.join(tmp, 's');
    const store = ImageStore.open(dir);
    const w = store.begin('waits');
    w.addDisk(disk('d.vmdk', 1));
    w.putChunks([{ disk: 0, index: 0, content: token('w') }]);
    await w.flush();
    const fd = fs.openSync(path.join(dir, 'gc.lock'), 'r+');
    flockSync(fd, 'ex'); // "a sweep"
    const committed = w.commit(META);
    await new Promise((r) => setTimeout(r, 300));
    expect(w.state).toBe('committing');
    expect(store.has('waits')).toBe(false);
    fs.closeSync(fd);
    await committed;
    expect(store.verify('waits').ok).toBe(true);
  });
});

/** Writes `disks` x `chunksPerDisk` new chunks in batches of 1,024 (one per macrotask, as the runner's ticks), then commits; the event loop's delays meanwhile. */
async function measure(w: ImageWriter, disks: number, chunksPerDisk: number): Promise<{ p99: number; max: number; ms: number }> {
  for (let d = 0; d < disks; d++) w.addDisk(disk(`d${d}.vmdk`, chunksPerDisk));
  const h = monitorEventLoopDelay({ resolution: 5 });
  const t0 = performance.now();
  h.enable();
  for (let d = 0; d < disks; d++) {
    for (let from = 0; from < chunksPerDisk; from += 1024) {
      const batch: ChunkPut[] = [];
      for (let i = from; i < Math.min(chunksPerDisk, from + 1024); i++) batch.push({ disk: d, index: i, content: token(`${w.imageId}-${d}-${i}`) });
      w.putChunks(batch);
      await new Promise((r) => setImmediate(r));
    }
  }
  await w.commit(META);
  await new Promise((r) => setTimeout(r, 20)); // the monitor's timer sees a block only when it fires after it
  h.disable();
  return { p99: h.percentile(99) / 1e6, max: h.max / 1e6, ms: performance.now() - t0 };
}

test('the event loop stays responsive while an image of 8,192 new chunks is committed through the worker (beside the in-thread commit)', async () => {
  const inThread = await measure(ImageStore.open(path.join(tmp, 'a'), { writers: 'in-thread' }).begin('big'), 4, 2048);
  const worker = await measure(ImageStore.open(path.join(tmp, 'b')).begin('big'), 4, 2048);
  const f = (r: { p99: number; max: number; ms: number }) => `p99 ${r.p99.toFixed(1)} ms, max ${r.max.toFixed(1)} ms, ${r.ms.toFixed(0)} ms in all`;
  // eslint-disable-next-line no-console
  console.log(`event-loop delay while writing and committing 4 x 2,048 chunks: in-thread ${f(inThread)}; worker ${f(worker)}`);
  expect(ImageStore.open(path.join(tmp, 'b')).verify('big').ok).toBe(true);
  expect(worker.p99).toBeLessThan(50);
  expect(worker.max).toBeLessThan(inThread.max);
}, 120_000);

describe('the service through the worker', () => {
  let b: Bed;
  afterEach(async () => {
    await b.svc.stop();
    b.f.close();
  });

  test('an immediate backup completes: the image indexed when the worker has committed it, its snapshots released, it verifies', async () => {
    b = bed({ service: { openStore: (dir) => ImageStore.open(dir) } });
    const vm = b.vm('web01', { disks: [1, 1], written: 40 });
    const run = b.svc.backupNow('web01');
    for (let i = 0; i < 60 && b.svc.listRuns({ active: true }).length; i++) {
      b.run(1000);
      await b.svc.drain();
    }
    const done = b.svc.getRun(run.id);
    expect(done.state).toBe('completed');
    expect(done.vms[0]).toMatchObject({ state: 'completed', bytesStored: expect.any(Number) });
    expect(done.vms[0].snapshotReleasedAt).not.toBeNull();
    const [image] = b.svc.listImages();
    expect(image).toMatchObject({ vmName: 'web01', local: 'ok' });
    expect(b.svc.verifyImage(image.id).ok).toBe(true);
    const store = ImageStore.open(b.storeDir, { writers: 'in-thread' });
    expect(imageChunks(store, image.id, 'web01_1.vmdk').slice(0, 41)).toEqual([...Array.from({ length: 40 }, (_, c) => `web01-d1-c${c}`), null]);
    expect(vm.disks).toHaveLength(2);
  });
});

test('the compiled worker loads from dist/ next to its module, and commits there', () => {
  const dist = path.join(ROOT, 'dist', 'scheduler', 'image-store');
  if (!fs.existsSync(path.join(dist, 'worker.js'))) throw new Error('dist/scheduler/image-store/worker.js is missing: build first (npx tsc -p tsconfig.json).');
  const script = `
    const { ImageStore, closeStoreWorker } = require(${JSON.stringify(dist)});
    (async () => {
      const s = ImageStore.open(${JSON.stringify(path.join(tmp, 'd'))});
      const w = s.begin('from-dist');
      w.addDisk({ name: 'd.vmdk', role: 'data', capacityBytes: 2 << 20, chunks: 2, policy: null });
      w.putChunks([{ disk: 0, index: 0, content: 'one' }, { disk: 0, index: 1, content: 'two' }]);
      const m = await w.commit(${JSON.stringify(META)});
      console.log(JSON.stringify({ stored: m.bytesStored, ok: s.verify('from-dist').ok }));
    })();
  `;
  const r = spawnSync(process.execPath, ['-e', script], { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0); // and it ended by itself: the idle worker holds the process open no longer
  expect(JSON.parse(r.stdout)).toEqual({ stored: 6, ok: true });
});
