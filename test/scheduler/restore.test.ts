/**
 * Restore (issue 11, section 4): the VM's VVols read back chunk for chunk as the image
 * (written, trimmed, grown, made again), the VM left powered off (unbound), the
 * refusals (a backup running, another restore running, the VM gone, no such image), the
 * second copy used only when the local image is missing or damaged, and the restore
 * lock that survives a restart.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ImageStore } from '../../src/scheduler/image-store';
import { ImageTable } from '../../src/store/image-backup/images';
import { GB } from '../helpers/fixture';
import { addVvol } from '../relation/scenario';
import { bed, Bed, chunksOf, imageChunks, TestVm, schedulerError as refusal } from './setup';

let b: Bed;
afterEach(() => {
  expect(b.f.engine.checkInvariants()).toEqual([]);
  b.f.close();
});


/** A VM backed up once; returns the image id. */
function backedUp(vm: string): string {
  const run = b.svc.backupNow(vm);
  b.settle();
  return b.svc.getRun(run.id).vms[0].imageId as string;
}

function bindAll(vm: TestVm): void {
  for (const ld of [vm.config, ...vm.disks]) b.f.engine.bindVvols('esxi01', [ld.vvolId as string]);
}

const boundCount = (vm: TestVm) => [vm.config, ...vm.disks].reduce((n, ld) => n + b.f.engine.vvolDetail(ld.vvolId as string).boundPes.length, 0);

test('restore overwrites every disk with the image chunk for chunk (written, changed and trimmed chunks) and leaves the VM powered off', () => {
  b = bed();
  const vm = b.vm('web01', { disks: [1, 2], written: 16 });
  b.f.engine.write(vm.disks[1], 900, ['far-0', 'far-1']);
  const before = [vm.config, ...vm.disks].map((ld) => chunksOf(b.f, ld));
  const imageId = backedUp('web01');
  // The VM moves on: changed chunks, new chunks, trimmed chunks, a changed config; and it runs (bound).
  b.f.engine.write(vm.disks[0], 0, ['new-0', 'new-1']);
  b.f.engine.write(vm.disks[0], 500, ['late-500']);
  b.f.engine.trim(vm.disks[1], 0, 8);
  b.f.engine.write(vm.config, 0, ['web01-vmx-v2']);
  bindAll(vm);
  expect(boundCount(vm)).toBe(3);
  const r = b.svc.restore({ imageId });
  expect(r).toEqual({ jobId: expect.stringMatching(/^restore-\d+$/), vmName: 'web01', source: 'local', disks: [{ name: 'config', chunks: 4096 }, { name: 'web01.vmdk', chunks: 1024 }, { name: 'web01_1.vmdk', chunks: 2048 }] });
  expect([vm.config, ...vm.disks].map((ld) => chunksOf(b.f, ld))).toEqual(before);
  const store = ImageStore.open(b.storeDir);
  expect(chunksOf(b.f, vm.disks[1])).toEqual(imageChunks(store, imageId, 'web01_1.vmdk'));
  expect(boundCount(vm)).toBe(0);
  expect(b.svc.history()[0]).toMatchObject({ jobId: r.jobId, type: 'restore', status: 'Success', vms: ['web01'] });
});

test('a disk smaller than its backed-up size is grown, a removed disk is made again; afterwards the VM reads as the image', () => {
  b = bed();
  const vm = b.vm('db01', { disks: [2, 1], written: 12 });
  const imageId = backedUp('db01');
  const store = ImageStore.open(b.storeDir);
  // Both data disks go (their backup snapshots are deleted by now); a smaller one takes the first one's name.
  for (const ld of vm.disks) b.f.engine.deleteVvol(ld.vvolId as string);
  const smaller = addVvol(b.f, vm, 'data', 'db01.vmdk', GB);
  b.f.engine.write(smaller, 0, ['other']);
  b.svc.restore({ imageId });
  expect(b.f.engine.getVvol(smaller.vvolId as string).capacity).toBe(2 * GB);
  expect(chunksOf(b.f, smaller)).toEqual(imageChunks(store, imageId, 'db01.vmdk'));
  const remade = b.f.engine.listLds(b.f.array).find((l) => l.vvolId && l.snap !== 'ESV' && b.f.engine.vvolMetadata(l.vvolId).VMW_VVolName === 'db01_1.vmdk');
  expect(remade).toBeDefined();
  expect(b.f.engine.vvolMetadata(remade?.vvolId as string)).toMatchObject({ VMW_VmID: vm.id, VMW_VVolType: 'Data' });
  expect(chunksOf(b.f, remade as NonNullable<typeof remade>)).toEqual(imageChunks(store, imageId, 'db01_1.vmdk'));
});

test('refusals: a backup of the VM running, another restore of it running, the VM gone, no such image', () => {
  b = bed({ settings: { readerChunksPerSecond: 1 } });
  const vm = b.vm('web01', { written: 4 });
  b.vm('app01', { written: 4 });
  const imageId = backedUp('web01');
  const running = b.svc.backupNow('web01');
  expect(refusal(() => b.svc.restore({ imageId }))).toMatchObject({
    code: 'CONFLICT', message: `VM web01 is being backed up by run ${running.id}; restore it when the backup has ended (or cancel run ${running.id}).`,
  });
  b.svc.cancelRun(running.id);
  // Another process holds the VM's restore lock (a row in the store).
  const images = new ImageTable(b.f.store);
  const lock = b.f.store.tx(() => images.beginRestore({ imageId, vmId: vm.id, vmName: 'web01', startedAt: b.f.clock.now(), ownerPid: 4242 }));
  expect(refusal(() => b.svc.restore({ imageId }))).toMatchObject({ code: 'CONFLICT', message: expect.stringContaining(`VM web01 is being restored already (job restore-${lock?.id}`) });
  // An immediate backup is refused while it restores.
  expect(refusal(() => b.svc.backupNow('web01'))).toMatchObject({ code: 'CONFLICT', message: expect.stringContaining('is being restored') });
  b.f.store.tx(() => images.endRestore(lock?.id as number, 'completed', b.f.clock.now(), 'local', null));
  expect(b.svc.restore({ imageId }).source).toBe('local');
  // The VM is gone: its image stays, and cannot be restored.
  b.run(60_000);
  for (const ld of [...vm.disks, vm.config]) b.f.engine.deleteVvol(ld.vvolId as string);
  expect(refusal(() => b.svc.restore({ imageId }))).toMatchObject({ code: 'NOT_FOUND', message: 'VM web01 no longer exists; an image can only be restored onto the VM it was taken of.' });
  expect(refusal(() => b.svc.restore({ imageId: 'r99-nope-1' }))).toMatchObject({ code: 'NOT_FOUND', message: 'The image r99-nope-1 does not exist.' });
  expect(refusal(() => b.svc.restore({ imageId: '' }))).toMatchObject({ code: 'INVALID', field: 'imageId' });
});

/** The chunk files of an image in a store folder. */
function chunkFilesOf(dir: string, imageId: string): string[] {
  const r = ImageStore.open(dir).open(imageId);
  const hashes = new Set(r.manifest.disks.flatMap((d) => d.chunkHashes.filter((h): h is string => h !== null)));
  return [...hashes].map((h) => path.join(dir, 'chunks', h.slice(0, 2), h));
}

test('the second store: filled after the local copy, used only when the local image is damaged or missing', () => {
  b = bed();
  const secondaryDir = path.join(b.f.dir, 'region-2');
  b.svc.setSettings({ ...b.settings, secondaryDir });
  const vm = b.vm('web01', { written: 6 });
  const before = chunksOf(b.f, vm.disks[0]);
  const imageId = backedUp('web01');
  expect(b.svc.getImage(imageId).secondary).toBe('ok');
  expect(b.svc.status().secondary).toMatchObject({ configured: true, pending: 0, failed: 0, lagMs: 0 });
  expect(ImageStore.open(secondaryDir).verify(imageId).ok).toBe(true);
  // The local copy is damaged: a chunk file no longer holds its content.
  const [victim] = chunkFilesOf(b.storeDir, imageId);
  fs.writeFileSync(victim, 'garbage');
  b.f.engine.write(vm.disks[0], 0, ['x', 'y']);
  const r = b.svc.restore({ imageId });
  expect(r.source).toBe('secondary');
  expect(chunksOf(b.f, vm.disks[0])).toEqual(before);
  expect(b.svc.getImage(imageId).local).toBe('damaged');
  expect(b.svc.verifyImage(imageId)).toMatchObject({ ok: false, problems: [expect.stringContaining('damaged')] });
  // Missing locally: the second copy again.
  fs.rmSync(path.join(b.storeDir, 'images', `${imageId}.json`));
  expect(b.svc.getImage(imageId).local).toBe('missing');
  expect(b.svc.restore({ imageId }).source).toBe('secondary');
  // Without a second copy a damaged image is refused before anything is written.
  const other = backedUp('web01');
  b.svc.setSettings({ ...b.settings, secondaryDir: undefined });
  for (const file of chunkFilesOf(b.storeDir, other)) fs.writeFileSync(file, 'garbage');
  b.f.engine.write(vm.disks[0], 0, ['kept']);
  expect(refusal(() => b.svc.restore({ imageId: other }))).toMatchObject({ code: 'FAILED', message: expect.stringContaining('no second store is configured') });
  expect(b.f.engine.readChunks(vm.disks[0], 0, 1)).toEqual(['kept']);
  expect(b.svc.history()[0]).toMatchObject({ type: 'restore', status: 'Failed' });
});

test('the second copy failing is reported in status, never fails the backup', () => {
  b = bed();
  const blocked = path.join(b.f.dir, 'not-a-folder');
  fs.writeFileSync(blocked, 'a file where the second store should be');
  b.vm('web01', { written: 3 });
  b.svc.setSettings({ ...b.settings, secondaryDir: blocked });
  const imageId = backedUp('web01');
  expect(b.svc.getRun(b.svc.getImage(imageId).runId).state).toBe('completed');
  const st = b.svc.status();
  expect(st.lastFailure?.message).toMatch(/second copies/);
  expect(b.svc.getImage(imageId).secondary).toBe('pending');
  expect(st.secondary.pending).toBe(1);
});

test('a restore a killed process left running ends Failed with the reason at the next start; the VM can be restored again', () => {
  b = bed();
  const vm = b.vm('web01', { written: 3 });
  const imageId = backedUp('web01');
  const images = new ImageTable(b.f.store);
  b.f.store.tx(() => images.beginRestore({ imageId, vmId: vm.id, vmName: 'web01', startedAt: b.f.clock.now(), ownerPid: 999_999_999 }));
  expect(refusal(() => b.svc.restore({ imageId })).code).toBe('CONFLICT');
  b.f = b.f.reopen();
  b.restart();
  b.svc.tick();
  expect(b.svc.history()[0]).toMatchObject({ type: 'restore', status: 'Failed', message: expect.stringContaining('was interrupted (the provider stopped)') });
  expect(b.svc.restore({ imageId }).source).toBe('local');
});
