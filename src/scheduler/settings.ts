/**
 * The scheduler's settings as the service uses them (contract SchedulerSettings), made
 * from the provider settings' `imageBackup` section: the defaults filled in, the store
 * folder resolved against the data folder, the SMTP password unsealed for the mailer
 * (it is stored sealed, like vCenter's). Kept apart from the service so the assembly
 * and the tests build the same value the same way.
 */
import { DEFAULT_IMAGE_BACKUP, type ImageBackupSettings, type ProviderSettings } from '../config/settings-schema';
import type { MailSettings, SchedulerSettings } from './contract';

export const DEFAULT_SCHEDULER_SETTINGS: SchedulerSettings = schedulerSettings(DEFAULT_IMAGE_BACKUP);

/**
 * `unseal` turns the sealed SMTP password into its clear text (src/config/secrets.ts with
 * the data folder's key); without it the password is left out (mail goes unauthenticated).
 */
export function schedulerSettings(ib: ImageBackupSettings, unseal?: (sealed: string) => string): SchedulerSettings {
  const smtp = ib.mail.smtp;
  const mail: MailSettings = {
    from: ib.mail.from,
    to: [...ib.mail.to],
    ...(smtp
      ? {
        smtp: {
          host: smtp.host, port: smtp.port, secure: smtp.secure,
          ...(smtp.user ? { user: smtp.user } : {}),
          ...(smtp.password && unseal ? { password: unseal(smtp.password) } : {}),
        },
      }
      : {}),
  };
  return {
    slotCapacity: ib.slotCapacity,
    parallelReaders: ib.parallelReaders,
    ioWindowMinutes: ib.ioWindowMinutes,
    readerChunksPerSecond: ib.readerChunksPerSecond,
    immediateRetentionDays: ib.immediateRetentionDays,
    ...(ib.storeDir ? { storeDir: ib.storeDir } : {}),
    ...(ib.secondaryDir ? { secondaryDir: ib.secondaryDir } : {}),
    mail,
  };
}

/** The section of a provider settings document (a document from before issue 11 has none: the defaults). */
export function imageBackupSection(s: ProviderSettings): ImageBackupSettings {
  return s.imageBackup ?? DEFAULT_IMAGE_BACKUP;
}

/** A problem with settings the schema cannot see, or undefined. */
export function settingsProblem(s: SchedulerSettings): string | undefined {
  const whole = (v: number, min: number, max: number) => Number.isInteger(v) && v >= min && v <= max;
  if (!whole(s.slotCapacity, 1, 1000)) return `imageBackup.slotCapacity must be a whole number from 1 to 1000, not ${s.slotCapacity}.`;
  if (!whole(s.parallelReaders, 1, 64)) return `imageBackup.parallelReaders must be a whole number from 1 to 64, not ${s.parallelReaders}.`;
  if (!whole(s.ioWindowMinutes, 1, 1440)) return `imageBackup.ioWindowMinutes must be a whole number from 1 to 1440, not ${s.ioWindowMinutes}.`;
  if (!whole(s.readerChunksPerSecond, 1, 100000)) return `imageBackup.readerChunksPerSecond must be a whole number from 1 to 100000, not ${s.readerChunksPerSecond}.`;
  if (!whole(s.immediateRetentionDays, 1, 3650)) return `imageBackup.immediateRetentionDays must be a whole number from 1 to 3650, not ${s.immediateRetentionDays}.`;
  if (s.secondaryDir !== undefined && s.secondaryDir === s.storeDir) return 'imageBackup.secondaryDir must be another folder than imageBackup.storeDir.';
  return undefined;
}
