/**
 * Runs (issue 11, section 2): a simulated week of a daily plan for two VMs (one backup
 * time for both images, snapshots released at once), an image holding the data of its
 * consistency point, skip-while-running (the plan's next slot, and a VM already in a
 * running run), a VM gone at start, the size limits, 5 backups per VM per 24 hours,
 * cancel, retention, and seed 003's I/O-load order.
 */
import { ImageStore } from '../../src/scheduler/image-store';
import { RunTable } from '../../src/store/image-backup/runs';
import { buildArray, demoSpec, GB } from '../helpers/fixture';
import { addVvol } from '../relation/scenario';
import { bed, Bed, chunksOf, DAY, HOUR, imageChunks, snapshotsLeft, T0, schedulerError } from './setup';

let b: Bed;
afterEach(() => {
  expect(b.f.engine.checkInvariants()).toEqual([]);
  b.f.close();
});


test('a simulated week of a daily plan for two VMs: one run a day, one backup time for both images, snapshots released, history and mails', () => {
  b = bed();
  const web = b.vm('web01');
  const db = b.vm('db01', { disks: [1, 2] });
  b.plan({ name: 'nightly', vms: ['web01', 'db01'] });
  b.run(7 * DAY + 5 * HOUR, 60_000);
  const runs = b.svc.listRuns().reverse();
  expect(runs.map((r) => r.state)).toEqual(Array(8).fill('completed'));
  expect(runs.map((r) => r.slotStart)).toEqual(Array.from({ length: 8 }, (_, i) => T0 + i * DAY + 3 * HOUR));
  for (const r of runs) {
    // The run starts inside its slot; both VMs share the one consistency point.
    expect(r.startedAt).toBeGreaterThanOrEqual(r.slotStart as number);
    expect(r.startedAt).toBeLessThan((r.slotStart as number) + HOUR);
    expect(r.vms.map((v) => v.state)).toEqual(['completed', 'completed']);
    expect(new Set(r.vms.map((v) => v.snapshotAt))).toEqual(new Set([r.backupTime]));
    for (const v of r.vms) {
      expect(v.snapshotReleasedAt).not.toBeNull();
      expect(v.snapshotHeldMs).toBe((v.snapshotReleasedAt as number) - (v.snapshotAt as number));
    }
  }
  // Kept 7 days: the first run's images expired at its start plus 7 days (day 8, 03:00).
  const images = b.svc.listImages();
  expect(images).toHaveLength(14);
  expect(images.some((i) => i.runId === runs[0].id)).toBe(false);
  for (const r of runs.slice(1)) {
    const of = images.filter((i) => i.runId === r.id);
    expect(of.map((i) => i.vmName).sort()).toEqual(['db01', 'web01']);
    expect(of.map((i) => i.backupTime)).toEqual([r.backupTime, r.backupTime]);
    expect(of.every((i) => i.expiresAt === (r.startedAt as number) + 7 * DAY && i.local === 'ok' && i.secondary === 'none')).toBe(true);
  }
  // The images hold the disks: config and data, unallocated chunks null.
  const store = ImageStore.open(b.storeDir);
  const last = images.find((i) => i.vmName === 'db01') as (typeof images)[0];
  expect(last.disks.map((d) => [d.name, d.role, d.capacityBytes])).toEqual([['config', 'config', 4 * GB], ['db01.vmdk', 'data', GB], ['db01_1.vmdk', 'data', 2 * GB]]);
  expect(imageChunks(store, last.id, 'db01_1.vmdk')).toEqual(chunksOf(b.f, db.disks[1]));
  expect(imageChunks(store, last.id, 'config').filter((c) => c !== null)).toEqual(['db01-vmx']);
  expect(web.disks).toHaveLength(1);
  // No snapshot is left on the array once the deletions ran.
  expect(snapshotsLeft(b.f)).toBe(0);
  // History: 8 backups, newest first; each job mailed once.
  const h = b.svc.history({ days: 'all' });
  expect(h.map((e) => e.status)).toEqual(Array(8).fill('Success'));
  expect(h[0]).toMatchObject({ type: 'backup', planName: 'nightly', vms: expect.arrayContaining(['web01', 'db01']) });
  expect(b.svc.history().length).toBe(7);
  expect(b.mailer.sent.map((m) => m.jobId).sort()).toEqual(runs.map((r) => `backup-${r.id}`).sort());
});

test('an image holds the data of its consistency point: writes after the snapshot stay out, even while it waits for a reader', () => {
  b = bed({ settings: { parallelReaders: 1, readerChunksPerSecond: 4 } });
  const a = b.vm('a01', { written: 40 });
  const c = b.vm('c01', { written: 40 });
  const before = { a: chunksOf(b.f, a.disks[0]), c: chunksOf(b.f, c.disks[0]) };
  const run = b.svc.backupNow('a01');
  const other = b.svc.backupNow('c01');
  expect(run.state).toBe('archiving');
  b.f.engine.write(a.disks[0], 0, ['changed-0', 'changed-1']);
  b.f.engine.write(c.disks[0], 5, ['changed-5']);
  b.settle();
  const store = ImageStore.open(b.storeDir);
  expect(imageChunks(store, b.svc.getRun(run.id).vms[0].imageId as string, 'a01.vmdk')).toEqual(before.a);
  expect(imageChunks(store, b.svc.getRun(other.id).vms[0].imageId as string, 'c01.vmdk')).toEqual(before.c);
  // Progress ran with the clock: 41 allocated chunks at 4 a second take about ten seconds.
  const done = b.svc.getRun(run.id);
  expect((done.finishedAt as number) - (done.startedAt as number)).toBeGreaterThanOrEqual(10_000);
});

test('skip while running: the plan\'s next slot comes while its run still goes -> recorded skipped; a VM already in a running run is skipped in another', () => {
  b = bed({ settings: { readerChunksPerSecond: 1 } });
  b.vm('web01', { disks: [2], written: 1500 });
  b.vm('app01', { written: 2 });
  b.plan({ name: 'nightly', vms: ['web01'] });
  b.plan({ name: 'late', vms: ['web01', 'app01'], schedule: { type: 'daily', startDate: '2026-01-01', slotHour: 3, startMinute: 20 } });
  b.run(3 * HOUR + 10_000, 10_000);
  const [first] = b.svc.listRuns({ active: true });
  expect(first).toMatchObject({ planName: 'nightly', state: 'archiving' });
  // 03:20: the other plan's run finds web01 busy: only app01 is backed up.
  b.run(20 * 60_000, 10_000);
  const late = b.svc.listRuns().find((r) => r.planName === 'late');
  expect(late?.vms.find((v) => v.vmName === 'web01')).toMatchObject({ state: 'skipped', message: expect.stringContaining(`already being backed up by run ${first.id}`) });
  // An immediate backup of the busy VM is refused too.
  expect(schedulerError(() => b.svc.backupNow('web01'))).toMatchObject({ code: 'CONFLICT', message: `VM web01 is already being backed up by run ${first.id}; one backup per VM at a time.` });
  // The daemon was busy for a day (one big clock step): the next slot of "nightly" finds its run still going.
  b.f.clock.set(T0 + DAY + 3 * HOUR + 30_000);
  b.svc.tick();
  const next = b.svc.listRuns({ planId: first.planId as number })[0];
  expect(next).toMatchObject({ state: 'skipped', slotStart: T0 + DAY + 3 * HOUR, message: expect.stringContaining(`previous run ${first.id} of plan nightly was still going`) });
  expect(b.svc.getRun(first.id).state).not.toBe('skipped');
  expect(b.svc.history().find((e) => e.jobId === `backup-${next.id}`)?.status).toBe('Skipped');
  b.settle();
});

test('a VM that no longer exists at start is not backed up (recorded); the others are', () => {
  b = bed();
  const gone = b.vm('old01');
  b.vm('web01');
  b.plan({ vms: ['old01', 'web01'] });
  for (const ld of [...gone.disks, gone.config]) b.f.engine.deleteVvol(ld.vvolId as string);
  b.run(3 * HOUR + 60_000, 60_000);
  b.settle();
  const [run] = b.svc.listRuns();
  expect(run.state).toBe('completed');
  expect(run.vms.find((v) => v.vmName === 'old01')).toMatchObject({ state: 'skipped', message: 'VM old01 no longer exists; it was not backed up.' });
  expect(run.message).toContain('1 of 2 VM(s) backed up');
  expect(b.svc.listImages().map((i) => i.vmName)).toEqual(['web01']);
  // With every VM of the plan gone, its run is Skipped; an immediate backup of it is refused.
  const old2 = b.vm('old02');
  const onlyOld = b.plan({ name: 'only-old', vms: ['old02'], schedule: { type: 'daily', startDate: '2026-01-02', slotHour: 4 } });
  for (const ld of [...old2.disks, old2.config]) b.f.engine.deleteVvol(ld.vvolId as string);
  b.run(DAY + HOUR, 5 * 60_000);
  expect(b.svc.listRuns({ planId: onlyOld })[0]).toMatchObject({ state: 'skipped', message: 'VM old02 no longer exists; it was not backed up.' });
  expect(() => b.svc.backupNow('old01')).toThrow('VM old01 does not exist.');
});

test('size limits (seed): a disk over 2,032 GB, or a VM over 4,000 GB in total, fails with a clear message', () => {
  const big = { capacityGB: 4096, virtual: true, container: true, raid: 'RAID6' as const, pdType: 'NLSAS' as const };
  const spec = demoSpec();
  spec.pools = [{ ...spec.pools[0], ...big }, ...spec.pools.slice(1)];
  b = bed({ fixture: buildArray({ spec }) });
  const huge = b.vm('huge01', { disks: [1] });
  addVvol(b.f, huge, 'data', 'huge01_big.vmdk', 2033 * GB);
  const wide = b.vm('wide01', { disks: [2000, 2001] });
  expect(wide.disks).toHaveLength(2);
  b.vm('ok01');
  const r1 = b.svc.backupNow('huge01');
  expect(r1.state).toBe('failed');
  expect(r1.vms[0].message).toBe('The disk huge01_big.vmdk of VM huge01 is 2,033 GB; image backup supports disks up to 2,032 GB.');
  const r2 = b.svc.backupNow('wide01');
  expect(r2.vms[0].message).toBe('VM wide01 has 4,005 GB of disks in total; image backup supports VMs up to 4,000 GB.');
  expect(r2.message).toContain('1 of 1 VM(s) failed');
  expect(snapshotsLeft(b.f)).toBe(0);
  expect(b.svc.backupNow('ok01').state).toBe('archiving');
  b.settle();
});

test('immediate backups: at most 5 per VM in 24 hours, scheduled ones counted; the sixth is refused with when the next is allowed', () => {
  b = bed();
  b.vm('web01');
  b.plan({ vms: ['web01'] });
  b.run(3 * HOUR + 60_000, 60_000);
  b.settle();
  const scheduledAt = b.svc.listRuns()[0].backupTime as number;
  for (let i = 0; i < 4; i++) {
    b.run(10 * 60_000, 60_000);
    expect(b.svc.backupNow('web01').state).toBe('archiving');
    b.settle();
  }
  b.run(60_000, 60_000);
  const e = schedulerError(() => b.svc.backupNow('web01'));
  const next = new Date(scheduledAt + DAY).toISOString();
  expect(e).toMatchObject({ code: 'LIMIT', details: expect.objectContaining({ nextAllowedAt: next }) });
  expect(e.message).toBe(`VM web01 has been backed up 5 times in the last 24 hours (scheduled backups included), the most allowed; the next immediate backup is allowed at ${next}.`);
  expect(b.svc.listRuns()).toHaveLength(5);
  // Once the scheduled backup has left the window, one more is allowed (but tomorrow's scheduled one counts again).
  b.f.clock.set(scheduledAt + DAY - 1_000);
  expect(schedulerError(() => b.svc.backupNow('web01')).code).toBe('LIMIT');
  b.f.clock.set(scheduledAt + DAY);
  expect(b.svc.backupNow('web01').state).toBe('archiving');
  b.settle();
});

test('cancel: a running run ends Cancelled, its uncommitted images aborted, its snapshots released; it cannot be cancelled again or resumed', () => {
  b = bed({ settings: { parallelReaders: 1, readerChunksPerSecond: 2 } });
  b.vm('a01', { written: 30 });
  b.vm('b01', { written: 30 });
  b.plan({ vms: ['a01', 'b01'] });
  b.run(3 * HOUR, 60_000);
  b.run(5_000, 1000);
  const [run] = b.svc.listRuns({ active: true });
  expect(run.vms.map((v) => v.state).sort()).toEqual(['archiving', 'snapshotted']);
  const cancelled = b.svc.cancelRun(run.id);
  expect(cancelled.state).toBe('cancelled');
  expect(cancelled.vms.map((v) => v.state)).toEqual(['cancelled', 'cancelled']);
  expect(cancelled.vms.every((v) => v.snapshotReleasedAt === b.f.clock.now())).toBe(true);
  expect(schedulerError(() => b.svc.cancelRun(run.id))).toMatchObject({ code: 'CONFLICT', message: expect.stringContaining('a cancelled run cannot be resumed') });
  b.run(10 * 60_000, 10_000);
  expect(b.svc.getRun(run.id).state).toBe('cancelled');
  expect(b.svc.listImages()).toEqual([]);
  expect(ImageStore.open(b.storeDir).list()).toEqual([]);
  expect(snapshotsLeft(b.f)).toBe(0);
  expect(b.svc.history()[0]).toMatchObject({ status: 'Cancelled', jobId: `backup-${run.id}` });
  expect(schedulerError(() => b.svc.cancelRun(999))).toMatchObject({ code: 'NOT_FOUND', message: 'Run 999 does not exist.' });
});

test('cancel: a run still queued (owned by another live process) is cancelled before it starts', () => {
  b = bed({ service: { isAlive: (pid) => pid === 4242 || pid === process.pid } });
  b.vm('web01');
  const runs = new RunTable(b.f.store);
  const id = b.f.store.tx(() => {
    const r = runs.insert({ planId: null, planName: null, kind: 'immediate', slotKey: null, slotStart: null, slotEnd: null, state: 'queued', retentionDays: 7, createdAt: b.f.clock.now() });
    runs.insertVm(r?.id as number, { vmName: 'web01', state: 'waiting' });
    runs.update(r?.id as number, { ownerPid: 4242 });
    return r?.id as number;
  });
  b.run(5_000);
  expect(b.svc.getRun(id).state).toBe('queued');
  expect(b.svc.cancelRun(id)).toMatchObject({ state: 'cancelled', vms: [expect.objectContaining({ state: 'cancelled' })] });
  expect(snapshotsLeft(b.f)).toBe(0);
});

test('retention: an image expires at its run\'s start plus the retention and is deleted by the clock; deleting the VM does not delete it; delete by hand', () => {
  b = bed();
  const vm = b.vm('web01');
  b.vm('db01');
  b.plan({ vms: ['web01'], retentionDays: 7, schedule: { type: 'once', startDate: '2026-01-01', slotHour: 3 } });
  b.run(3 * HOUR + 60_000, 60_000);
  b.settle();
  const [img] = b.svc.listImages();
  const run = b.svc.getRun(img.runId);
  expect(img.expiresAt).toBe((run.startedAt as number) + 7 * DAY);
  // The VM goes: its image stays.
  for (const ld of [...vm.disks, vm.config]) b.f.engine.deleteVvol(ld.vvolId as string);
  b.run(HOUR, 60_000);
  expect(b.svc.listImages().map((i) => i.id)).toEqual([img.id]);
  // A later image of another VM, deleted by hand.
  const other = b.svc.backupNow('db01');
  b.settle();
  const otherImage = b.svc.getRun(other.id).vms[0].imageId as string;
  b.svc.deleteImage(otherImage);
  expect(schedulerError(() => b.svc.deleteImage(otherImage))).toMatchObject({ code: 'NOT_FOUND', message: `The image ${otherImage} does not exist.` });
  // One second before expiry it is there; at expiry the tick deletes it, from the index and the store.
  b.f.clock.set(img.expiresAt - 1000);
  b.svc.tick();
  expect(b.svc.listImages().map((i) => i.id)).toEqual([img.id]);
  b.f.clock.set(img.expiresAt);
  b.svc.tick();
  expect(b.svc.listImages()).toEqual([]);
  expect(ImageStore.open(b.storeDir).list()).toEqual([]);
});

test('seed 003: VMs are archived busiest first (write load over the window), each snapshot released as soon as its archive is committed', () => {
  b = bed({ settings: { parallelReaders: 1, readerChunksPerSecond: 10, ioWindowMinutes: 60 } });
  const quiet = b.vm('quiet01', { written: 20 });
  const busy = b.vm('busy01', { written: 20 });
  const mid = b.vm('mid01', { written: 20 });
  b.plan({ vms: ['quiet01', 'busy01', 'mid01'] });
  // Load inside the window before the slot: busy writes most, mid some, quiet none; old writes fall out of the window.
  b.run(2 * HOUR, 60_000);
  b.f.engine.write(quiet.disks[0], 100, Array.from({ length: 500 }, (_, i) => `old-${i}`));
  b.run(30 * 60_000, 60_000);
  for (let i = 0; i < 10; i++) b.f.engine.write(busy.disks[0], 200 + i * 10, Array.from({ length: 10 }, (_, c) => `hot-${i}-${c}`));
  b.f.engine.write(mid.disks[0], 300, Array.from({ length: 30 }, (_, c) => `warm-${c}`));
  b.run(30 * 60_000 + 1000, 1000);
  b.settle();
  const [run] = b.svc.listRuns();
  expect(run.vms.map((v) => [v.vmName, v.order, v.ioLoad])).toEqual([['busy01', 1, 100], ['mid01', 2, 30], ['quiet01', 3, 0]]);
  const [first, second, third] = run.vms;
  expect(new Set(run.vms.map((v) => v.snapshotAt)).size).toBe(1);
  const held = run.vms.map((v) => v.snapshotHeldMs as number);
  expect(held[0]).toBeLessThan(held[1]);
  expect(held[1]).toBeLessThan(held[2]);
  // The first VM's snapshot went before the second's archive was done, not at the end of the run.
  const img2 = b.svc.getImage(second.imageId as string);
  expect(first.snapshotReleasedAt as number).toBeLessThanOrEqual(img2.startedAt);
  expect(second.snapshotReleasedAt as number).toBeLessThan(third.snapshotReleasedAt as number);
  expect(run.finishedAt).toBe(third.snapshotReleasedAt);
});

test('the write load is counted per LD and minute by the guest write itself, and pruned', () => {
  b = bed();
  const vm = b.vm('web01', { written: 0 });
  const d = vm.disks[0];
  b.f.engine.write(d, 0, ['a', 'b', 'c']);
  b.f.clock.advance(60_000);
  b.f.engine.write(d, 0, ['d']);
  expect(b.f.engine.writeLoad([d.id, vm.config.id], 60)).toEqual(new Map([[d.id, 4], [vm.config.id, 1]]));
  expect(b.f.engine.writeLoad([d.id], 1)).toEqual(new Map([[d.id, 1]]));
  b.f.clock.advance(2 * DAY);
  expect(b.f.engine.writeLoad([d.id], 60).size).toBe(0);
  expect(b.f.engine.pruneWriteLoad(24 * 60)).toBe(3);
});
