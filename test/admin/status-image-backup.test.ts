/**
 * `status`'s image-backup summary, read from the store alone (read-only): plans (enabled
 * of total, the next run), runs in flight with their progress, the last finished job,
 * the images, the second store's copies pending and failed. The data folder is made by
 * the real scheduler (test/scheduler/setup.ts) over a whole installation
 * (test/support/scenario.ts). A store from before migration 10 says "not set up yet".
 */
import fs from 'node:fs';
import path from 'node:path';
import { registerStatusCommands } from '../../src/admin/status-commands';
import type { ImageBackupSummary, ProviderStatus } from '../../src/admin/support/provider-status';
import { SchedulerError } from '../../src/scheduler/contract';
import { ImageStore } from '../../src/scheduler/image-store';
import { ImageTable } from '../../src/store/image-backup/images';
import { buildArray } from '../helpers/fixture';
import { bed, DAY, HOUR } from '../scheduler/setup';
import { runCli } from '../support/run-cli';
import { buildInstallation, Installation } from '../support/scenario';

let inst: Installation;
beforeEach(() => {
  inst = buildInstallation();
});
afterEach(() => inst.cleanup());

const status = (...args: string[]) =>
  runCli((p) => registerStatusCommands(p, { clock: inst.clock, env: { VASA_PROVIDER_HOST: '192.0.2.2' } }), ['status', '--data', inst.data, '--conf', inst.conf, ...args]);

/** The lines of the "Image backup:" section. */
function section(out: string): string[] {
  const lines = out.trimEnd().split('\n');
  const at = lines.indexOf('Image backup:');
  expect(at).toBeGreaterThan(0);
  const rest = lines.slice(at + 1);
  const end = rest.findIndex((l) => !l.startsWith('  '));
  return ['Image backup:', ...(end < 0 ? rest : rest.slice(0, end))];
}

/** The chunk files of an image in a store folder. */
function chunkFilesOf(dir: string, imageId: string): string[] {
  const r = ImageStore.open(dir).open(imageId);
  const hashes = new Set(r.manifest.disks.flatMap((d) => d.chunkHashes.filter((h): h is string => h !== null)));
  return [...hashes].map((h) => path.join(dir, 'chunks', h.slice(0, 2), h));
}

test('a fresh store: no plan, run, job or image yet; no second store configured', async () => {
  const r = await status();
  expect(r.code).toBe(0);
  expect(section(r.out)).toEqual([
    'Image backup:',
    '  Plans: none',
    '  Runs in flight: none',
    '  Last finished job: none yet',
    `  Images: none (store ${path.join(inst.data, 'backups')})`,
  ]);
  const s = JSON.parse((await status('--json')).out) as ProviderStatus;
  expect(s.imageBackup).toEqual({
    setUp: true,
    plans: { total: 0, enabled: 0, nextRun: null },
    runsInFlight: { count: 0, runs: [] },
    restoresInFlight: { count: 0, vms: [] },
    lastFinishedJob: null,
    images: { count: 0, oldestBackupTime: null, newestBackupTime: null, bytesRead: 0, bytesStored: 0, storeDir: path.join(inst.data, 'backups') },
    secondStore: null,
  });
});

test('plans, a run in flight with its progress, the last (failed) job, images, second-store copies pending and failed', async () => {
  // The installation's clock: 2026-01-03 12:00 UTC. The scheduler runs on its data folder.
  const blocked = path.join(inst.root, 'not-a-folder');
  fs.writeFileSync(blocked, 'a file where the second store should be');
  const region2 = path.join(inst.root, 'region-2');
  const b = bed({ fixture: buildArray({ spec: null, dir: inst.data, clock: inst.clock }), settings: { secondaryDir: blocked, readerChunksPerSecond: 1 } });
  let restoredAt = '';
  try {
    b.vm('web01', { written: 6 });
    b.vm('db01', { disks: [1, 2], written: 4 });
    b.vm('app01');
    b.plan({ name: 'nightly', vms: ['web01', 'db01'], schedule: { type: 'daily', startDate: '2026-01-03', slotHour: 3 } });
    b.plan({ name: 'weekly-app', vms: ['app01'], enabled: false, schedule: { type: 'weekly', startDate: '2026-01-03', slotHour: 5, weekday: 'sun' } });
    // The first nightly run (2026-01-04 03:00): two images, their second copies pending (the store cannot be opened).
    b.run(15 * HOUR + 10 * 60_000, 60_000);
    b.settle();
    const images = new ImageTable(b.f.store);
    expect(images.countCopies()).toMatchObject({ pending: 2, failed: 0 });
    // The image waiting longest is damaged: its restore fails (no second copy), and so will its copy.
    const damaged = images.oldestPendingCopy()?.id as string;
    for (const file of chunkFilesOf(b.storeDir, damaged)) fs.writeFileSync(file, 'garbage');
    expect(() => b.svc.restore({ imageId: damaged })).toThrow(SchedulerError);
    restoredAt = new Date(inst.clock.now()).toISOString();
    // The next night's run is archiving (one chunk a second per reader) ...
    b.run(DAY - 10 * 60_000 - HOUR, 60_000);
    b.run(HOUR + 5_000, 1_000);
    expect(b.svc.listRuns({ active: true }).map((r) => r.state)).toEqual(['archiving']);
    // ... when a second store that works is configured: the damaged image's copy fails, the other waits.
    b.svc.setSettings({ ...b.settings, secondaryDir: region2, readerChunksPerSecond: 1 });
    b.svc.tick();
    expect(images.countCopies()).toMatchObject({ pending: 1, failed: 1 });
  } finally {
    b.f.close();
  }
  const settingsFile = path.join(inst.conf, 'provider-settings.jsonc');
  const doc = JSON.parse(fs.readFileSync(settingsFile, 'utf8').replace(/^\/\/.*$/gm, '')) as Record<string, Record<string, unknown>>;
  doc.imageBackup = { ...doc.imageBackup, secondaryDir: region2 };
  fs.writeFileSync(settingsFile, JSON.stringify(doc, null, 2));

  const r = await status();
  expect(r.err).toBe('');
  expect(r.code).toBe(0);
  const lines = section(r.out);
  expect(lines).toEqual([
    'Image backup:',
    '  Plans: 1 of 2 enabled, next run 2026-01-06T03:00:00.000Z (plan nightly)',
    '  Runs in flight: 1',
    expect.stringMatching(/^ {4}run 2 \(plan nightly\) archiving: \d+% \(\d+\/\d+ chunks\), 0\/2 VMs done$/),
    expect.stringMatching(new RegExp(`^ {2}Last finished job: restore-1 \\(restore of (web01|db01)\\) Failed at ${restoredAt.replace(/\./g, '\\.')}: The restore of VM \\w+ from image r1-.* is damaged .*`)),
    expect.stringMatching(new RegExp(`^ {2}Images: 2, backup times 2026-01-04T03:00:\\d\\d\\.\\d{3}Z to 2026-01-04T03:00:\\d\\d\\.\\d{3}Z, [\\d.]+ (B|KiB|MiB) stored in ${path.join(inst.data, 'backups').replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}$`)),
    expect.stringMatching(new RegExp(`^ {2}Second store ${region2.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: copies 1 pending \\(oldest written 2026-01-04T03:0.*\\), 1 failed \\(last: image ${'r1-'}.*: The image r1-.* is damaged: .*; it was not copied\\.\\)$`)),
  ]);

  const s = JSON.parse((await status('--json')).out) as ProviderStatus;
  const ib = s.imageBackup as ImageBackupSummary;
  expect(ib.setUp).toBe(true);
  expect(ib.plans).toEqual({ total: 2, enabled: 1, nextRun: { at: '2026-01-06T03:00:00.000Z', planId: 1, planName: 'nightly' } });
  expect(ib.runsInFlight.count).toBe(1);
  const [run] = ib.runsInFlight.runs;
  expect(run).toMatchObject({ id: 2, jobId: 'backup-2', kind: 'scheduled', planName: 'nightly', state: 'archiving', vmsDone: 0, vmsTotal: 2 });
  expect(run.vms.sort()).toEqual(['db01', 'web01']);
  expect(run.chunksTotal).toBeGreaterThan(run.chunksDone);
  expect(run.chunksDone).toBeGreaterThan(0);
  expect(run.percent).toBe(Math.floor((run.chunksDone * 100) / run.chunksTotal));
  expect(ib.restoresInFlight).toEqual({ count: 0, vms: [] });
  expect(ib.lastFinishedJob).toMatchObject({ jobId: 'restore-1', type: 'restore', status: 'Failed', planName: null, finishedAt: restoredAt, message: expect.stringContaining('damaged') });
  expect(ib.images).toMatchObject({ count: 2, storeDir: path.join(inst.data, 'backups') });
  expect(ib.images.bytesStored).toBeGreaterThan(0);
  expect(ib.images.oldestBackupTime).toBe(ib.images.newestBackupTime); // one consistency point for both VMs
  expect(ib.secondStore).toMatchObject({ dir: region2, pending: 1, failed: 1, lastFailure: { imageId: expect.stringMatching(/^r1-/), error: expect.stringContaining('it was not copied') } });
});

test('the last finished job is a backup when it ended last; a message only when it did not succeed', async () => {
  const b = bed({ fixture: buildArray({ spec: null, dir: inst.data, clock: inst.clock }) });
  try {
    b.vm('web01');
    b.svc.backupNow('web01');
    b.settle();
  } finally {
    b.f.close();
  }
  const lines = section((await status()).out);
  expect(lines).toContainEqual(expect.stringMatching(/^ {2}Last finished job: backup-1 \(immediate backup of web01\) Success at 2026-01-03T12:00:\d\d\.\d{3}Z$/));
  expect(lines).toContainEqual(expect.stringMatching(/^ {2}Images: 1, /));
  const s = JSON.parse((await status('--json')).out) as ProviderStatus;
  expect((s.imageBackup as ImageBackupSummary).lastFinishedJob).toMatchObject({ jobId: 'backup-1', type: 'backup', status: 'Success', planName: null, vms: ['web01'] });
});

test('a store from before migration 10 (read-only: nothing migrates it): "not set up yet", not a failure; the store stays as it was', async () => {
  const f = buildArray({ spec: null, dir: inst.data, clock: inst.clock });
  f.store.db.exec('DROP TABLE image_restores; DROP TABLE image_index; DROP TABLE image_backup_meta; DROP TABLE image_backup_starts; DROP TABLE image_run_vms; DROP TABLE image_runs;');
  f.store.db.pragma('user_version = 9');
  f.close();
  const r = await status();
  expect(r.code).toBe(0);
  expect(r.out).not.toContain('Problem:');
  expect(section(r.out)).toEqual([
    'Image backup:',
    '  not set up yet: the store predates the image-backup scheduler; the provider adds its tables at its next start (store schema version 9)',
  ]);
  const s = JSON.parse((await status('--json')).out) as ProviderStatus;
  expect(s.imageBackup).toEqual({
    setUp: false, schemaVersion: 9, missingTables: ['image_runs', 'image_run_vms', 'image_index', 'image_restores'],
    note: 'not set up yet: the store predates the image-backup scheduler; the provider adds its tables at its next start',
  });
  expect(s.problems).toEqual([]);
  expect(s.arrays).toHaveLength(1);
  const again = buildArray({ spec: null, dir: inst.data, clock: inst.clock }); // a writer migrates it
  expect(again.store.version()).toBeGreaterThanOrEqual(10);
  again.close();
  expect(section((await status()).out)[1]).toBe('  Plans: none');
});

test('no store: no image-backup section (the problem says why)', async () => {
  fs.rmSync(path.join(inst.data, 'vvol-provider.db'));
  const r = await status('--json');
  const s = JSON.parse(r.out) as ProviderStatus;
  expect(s.imageBackup).toBeNull();
  expect(s.problems.length).toBeGreaterThan(0);
  expect((await status()).out).not.toContain('Image backup:');
});
