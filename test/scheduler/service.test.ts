/**
 * The scheduler as a service (src/sys/service.ts): start sets its timer and stop clears
 * it; settings are applied without a restart and a bad one is refused with the old one
 * kept; the provider settings' section becomes scheduler settings (defaults, the SMTP
 * password unsealed only for the mailer); status shows the runs, the second store and
 * the mails.
 */
import { DEFAULT_SETTINGS, type ProviderSettings } from '../../src/config/settings-schema';
import { schedulerSettings } from '../../src/scheduler/settings';
import type { MailSettings } from '../../src/scheduler/contract';
import { buildArray } from '../helpers/fixture';
import { bed, Bed, makeService, recordingMailer } from './setup';

let b: Bed;
afterEach(() => b.f.close());

test('start sets an unref\'d timer and stop clears it (and waits for the mails)', async () => {
  b = bed();
  expect(b.svc.status()).toMatchObject({ name: 'image-backup', running: false, activeRuns: 0, archiving: 0 });
  b.svc.start();
  expect(b.svc.status().running).toBe(true);
  await b.svc.stop();
  expect(b.svc.status().running).toBe(false);
});

test('settings apply without a restart; a bad value is refused and the old settings stay', () => {
  b = bed();
  const next: ProviderSettings = { ...DEFAULT_SETTINGS, imageBackup: { ...DEFAULT_SETTINGS.imageBackup, parallelReaders: 8, secondaryDir: '/srv/region-2' } };
  b.svc.applySettings(next);
  expect(b.svc.settings).toMatchObject({ parallelReaders: 8, secondaryDir: '/srv/region-2' });
  expect(() => b.svc.setSettings({ ...b.svc.settings, parallelReaders: 0 })).toThrow('imageBackup.parallelReaders must be a whole number from 1 to 64, not 0.');
  expect(b.svc.settings.parallelReaders).toBe(8);
});

test('a mailer made from the mail settings is made again when they change', () => {
  const f = buildArray();
  const made: MailSettings[] = [];
  const svc = makeService(f, recordingMailer(), schedulerSettings(DEFAULT_SETTINGS.imageBackup), {
    mailer: (mail) => {
      made.push(mail);
      return recordingMailer();
    },
  });
  svc.setSettings({ ...svc.settings, parallelReaders: 2 });
  svc.setSettings({ ...svc.settings, mail: { ...svc.settings.mail, to: ['ops@example.com'] } });
  expect(made.map((m) => m.to)).toEqual([[], ['ops@example.com']]);
  b = { f } as Bed;
});

test('the provider settings\' section: defaults, folders, and the SMTP password unsealed for the mailer only', () => {
  b = bed();
  const ib = { ...DEFAULT_SETTINGS.imageBackup, storeDir: '/srv/backups', mail: { smtp: { host: 'mail.example.com', port: 587, secure: false, user: 'ops', password: 'sealed:v1:abc' }, from: 'p@example.com', to: ['ops@example.com'] } };
  expect(schedulerSettings(ib, (sealed) => `clear(${sealed})`)).toEqual({
    slotCapacity: 10, parallelReaders: 4, ioWindowMinutes: 60, readerChunksPerSecond: 200, immediateRetentionDays: 7, storeDir: '/srv/backups',
    mail: { smtp: { host: 'mail.example.com', port: 587, secure: false, user: 'ops', password: 'clear(sealed:v1:abc)' }, from: 'p@example.com', to: ['ops@example.com'] },
  });
  expect(schedulerSettings(DEFAULT_SETTINGS.imageBackup)).toEqual({
    slotCapacity: 10, parallelReaders: 4, ioWindowMinutes: 60, readerChunksPerSecond: 200, immediateRetentionDays: 7, mail: { from: 'vvol-provider@localhost', to: [] },
  });
});
