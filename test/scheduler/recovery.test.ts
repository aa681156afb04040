/**
 * Durability (issue 11, section 7): a kill in the middle of a run (the store closed and
 * reopened as a restarted daemon would, the old process's jobs simply abandoned): the
 * run resumes from its snapshots, the archive in staging starts again, the slot never
 * runs twice; a missed slot still inside its hour starts at restart, one outside it is
 * recorded missed; a run whose snapshots are gone ends Failed with the reason; an image
 * committed just before the kill is indexed, not written again; a run owned by another
 * live process is left to it, and taken over when it is gone.
 */
import { ImageStore } from '../../src/scheduler/image-store';
import { bed, Bed, chunksOf, DAY, HOUR, imageChunks, snapshotsLeft, T0 } from './setup';

let b: Bed;
afterEach(() => {
  expect(b.f.engine.checkInvariants()).toEqual([]);
  b.f.close();
});

/** A SIGKILL: nothing is stopped or closed cleanly; the store is opened again and a new service built on it. */
function kill(): void {
  b.f = b.f.reopen();
  b.restart();
}

test('a kill in the middle of a run: after the restart the run finishes, the interrupted archive starts again, the slot runs once', () => {
  b = bed({ settings: { parallelReaders: 1, readerChunksPerSecond: 5 } });
  const a = b.vm('a01', { written: 40 });
  const c = b.vm('c01', { written: 60 });
  b.plan({ name: 'nightly', vms: ['a01', 'c01'] });
  b.run(2.5 * HOUR, 60_000);
  // c01 is the busy one in the hour before the slot: it is archived first.
  b.f.engine.write(c.disks[0], 0, Array.from({ length: 60 }, (_, i) => `c-hot-${i}`));
  b.run(0.5 * HOUR, 60_000);
  b.run(20_000, 1000);
  const [before] = b.svc.listRuns({ active: true });
  expect(before.vms.map((v) => [v.vmName, v.state])).toEqual([['c01', 'completed'], ['a01', 'archiving']]);
  expect(before.vms[1].chunksDone).toBeGreaterThan(0);
  const images = { c: chunksOf(b.f, c.disks[0]), a: chunksOf(b.f, a.disks[0]) };
  kill();
  // The restarted daemon sees the same slot again: no second run.
  b.svc.tick();
  b.settle();
  const runs = b.svc.listRuns();
  expect(runs).toHaveLength(1);
  const [after] = runs;
  expect(after).toMatchObject({ id: before.id, state: 'completed' });
  expect(after.vms.map((v) => [v.vmName, v.state, v.imageId])).toEqual([['c01', 'completed', `r${before.id}-c01-1`], ['a01', 'completed', `r${before.id}-a01-2`]]);
  // a01's snapshot was held across the restart, from the one consistency point.
  expect(after.vms[1].snapshotAt).toBe(after.backupTime);
  expect(after.vms[1].snapshotHeldMs).toBeGreaterThan(after.vms[0].snapshotHeldMs as number);
  const store = ImageStore.open(b.storeDir);
  expect(imageChunks(store, `r${before.id}-a01-2`, 'a01.vmdk')).toEqual(images.a);
  expect(imageChunks(store, `r${before.id}-c01-1`, 'c01.vmdk')).toEqual(images.c);
  expect(b.svc.listImages().map((i) => i.id).sort()).toEqual([`r${before.id}-a01-2`, `r${before.id}-c01-1`]);
  expect(snapshotsLeft(b.f)).toBe(0);
  // The next day's slot runs as usual, once.
  b.run(DAY + HOUR, 5 * 60_000);
  expect(b.svc.listRuns().map((r) => r.state)).toEqual(['completed', 'completed']);
});

test('a missed slot still inside its hour starts at restart; one whose hour passed is recorded missed', () => {
  b = bed();
  b.vm('web01');
  b.plan({ name: 'nightly', vms: ['web01'] });
  b.run(2 * HOUR, 60_000);
  // Down from 02:00 to 03:20: the 03:00 slot is still open, so its run starts at once.
  b.f.clock.set(T0 + 3 * HOUR + 20 * 60_000);
  kill();
  b.svc.tick();
  const [late] = b.svc.listRuns();
  expect(late).toMatchObject({ slotStart: T0 + 3 * HOUR, startedAt: T0 + 3 * HOUR + 20 * 60_000 });
  b.settle();
  // Down from day 1 04:00 to day 3 05:00: the slots of day 2 and day 3 are missed.
  b.f.clock.set(T0 + 2 * DAY + 5 * HOUR);
  kill();
  b.svc.tick();
  const runs = b.svc.listRuns();
  expect(runs.map((r) => [r.state, r.slotStart])).toEqual([['missed', T0 + 2 * DAY + 3 * HOUR], ['missed', T0 + DAY + 3 * HOUR], ['completed', T0 + 3 * HOUR]]);
  expect(runs[0].message).toBe(`The slot ${new Date(T0 + 2 * DAY + 3 * HOUR).toISOString()} to ${new Date(T0 + 2 * DAY + 4 * HOUR).toISOString()} passed while the scheduler was not running; no backup was taken in it.`);
  expect(runs[0].vms).toEqual([expect.objectContaining({ vmName: 'web01', state: 'skipped' })]);
  expect(b.svc.listImages()).toHaveLength(1);
  // Ticking on records nothing twice.
  b.run(HOUR, 60_000);
  expect(b.svc.listRuns()).toHaveLength(3);
});

test('a run whose snapshots are gone after the restart ends Failed with the reason', () => {
  b = bed({ settings: { readerChunksPerSecond: 1 } });
  b.vm('web01', { written: 100 });
  const run = b.svc.backupNow('web01');
  b.run(10_000);
  const snapshots = b.f.engine.listLds(b.f.array).filter((l) => l.snap === 'ESV').map((l) => l.vvolId as string);
  expect(snapshots).toHaveLength(2);
  b.f.engine.releaseSnapshots(snapshots);
  kill();
  b.run(60_000);
  const after = b.svc.getRun(run.id);
  expect(after.state).toBe('failed');
  expect(after.vms[0].message).toBe('The snapshot of config, web01.vmdk of VM web01 is gone from the array; the archive cannot be written. Back the VM up again.');
  expect(after.message).toContain('1 of 1 VM(s) failed');
  expect(b.svc.listImages()).toEqual([]);
});

test('an image committed just before the kill is indexed at restart, not written again', () => {
  b = bed({ settings: { readerChunksPerSecond: 1 } });
  const vm = b.vm('web01', { written: 30 });
  const content = chunksOf(b.f, vm.disks[0]);
  const config = chunksOf(b.f, vm.config);
  const run = b.svc.backupNow('web01');
  b.run(5_000);
  const imageId = b.svc.getRun(run.id).vms[0].imageId as string;
  void b.svc.stop(); // the old process's writer goes (a killed process's staging is swept by the store)
  // What the old process committed before it died: the whole image, under the id it recorded.
  const store = ImageStore.open(b.storeDir);
  const w = store.stage(imageId);
  const cfg = w.addDisk({ name: 'config', role: 'config', capacityBytes: vm.config.capacity, chunks: config.length, policy: null });
  const data = w.addDisk({ name: 'web01.vmdk', role: 'data', capacityBytes: vm.disks[0].capacity, chunks: content.length, policy: null });
  config.forEach((c, i) => c !== null && w.putChunk(cfg, i, c));
  content.forEach((c, i) => c !== null && w.putChunk(data, i, c));
  const backupTime = b.svc.getRun(run.id).backupTime as number;
  w.commit({ runId: run.id, planId: null, vmId: vm.id, vmName: 'web01', backupTime, startedAt: backupTime, finishedAt: b.f.clock.now(), bytesRead: 31 * 1024 * 1024 });
  kill();
  b.run(1000);
  const after = b.svc.getRun(run.id);
  expect(after.state).toBe('completed');
  expect(after.vms[0]).toMatchObject({ imageId, state: 'completed' });
  expect(b.svc.getImage(imageId)).toMatchObject({ backupTime, vmName: 'web01', local: 'ok' });
  expect(store.list()).toEqual([imageId]);
});

test('a run another live process owns is left to it; once that process is gone this one takes it over', () => {
  const alive = new Set([2002]);
  b = bed({ service: { pid: 2002, isAlive: (p) => alive.has(p) } });
  b.vm('web01', { written: 10 });
  const run = b.svc.backupNow('web01'); // by "the CLI" (pid 2002), which then does not tick
  b.restart({ pid: 1001 });
  b.run(30_000);
  expect(b.svc.getRun(run.id)).toMatchObject({ state: 'archiving', vms: [expect.objectContaining({ chunksDone: 0 })] });
  alive.delete(2002);
  b.settle();
  expect(b.svc.getRun(run.id).state).toBe('completed');
});
