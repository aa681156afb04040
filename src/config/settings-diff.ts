/**
 * What changed between two settings, as the daemon logs it on a live reload. Never
 * shows a password, sealed or not: a new sealed value only says "password changed".
 */
import type { ImageBackupSettings, ProviderSettings, VCenterSettings } from './settings-schema';

export type SettingsField = 'relationIntervalMinutes' | 'diskArrays' | 'vCenter' | 'imageBackup';

export interface SettingsChange {
  field: SettingsField;
  message: string;
}

function vCenterText(v: VCenterSettings | null): string {
  return v ? `${v.ip}:${v.httpsPort} (user ${v.user})` : 'none';
}

function vCenterChange(a: VCenterSettings | null, b: VCenterSettings | null): string | undefined {
  if (!a && !b) return undefined;
  if (!a || !b) return `vCenter Server: ${vCenterText(a)} -> ${vCenterText(b)}`;
  const parts: string[] = [];
  if (a.ip !== b.ip || a.httpsPort !== b.httpsPort) parts.push(`${a.ip}:${a.httpsPort} -> ${b.ip}:${b.httpsPort}`);
  if (a.user !== b.user) parts.push(`user ${a.user} -> ${b.user}`);
  if (a.password !== b.password) parts.push('password changed');
  if ((a.thumbprint ?? '') !== (b.thumbprint ?? '')) parts.push(`certificate thumbprint ${a.thumbprint ?? 'none (CAs)'} -> ${b.thumbprint ?? 'none (CAs)'}`);
  return parts.length ? `vCenter Server: ${parts.join(', ')}` : undefined;
}

/** The image-backup settings that changed, as "name a -> b"; the SMTP password only as "password changed". */
function imageBackupChange(a: ImageBackupSettings | undefined, b: ImageBackupSettings | undefined): string | undefined {
  if (!a || !b) return a === b ? undefined : 'image backup: settings replaced';
  const parts: string[] = [];
  const plain = ['slotCapacity', 'parallelReaders', 'ioWindowMinutes', 'readerChunksPerSecond', 'immediateRetentionDays', 'storeDir', 'secondaryDir'] as const;
  for (const k of plain) if (a[k] !== b[k]) parts.push(`${k} ${String(a[k])} -> ${String(b[k])}`);
  const sa = a.mail.smtp;
  const sb = b.mail.smtp;
  const server = (s: typeof sa) => (s ? `${s.host}:${s.port}${s.secure ? ' (TLS)' : ''}${s.user ? ` user ${s.user}` : ''}` : 'none (outbox)');
  if (server(sa) !== server(sb)) parts.push(`mail server ${server(sa)} -> ${server(sb)}`);
  if ((sa?.password ?? '') !== (sb?.password ?? '')) parts.push('mail password changed');
  if (a.mail.from !== b.mail.from) parts.push(`mail from ${a.mail.from} -> ${b.mail.from}`);
  if (a.mail.to.join(',') !== b.mail.to.join(',')) parts.push(`mail to ${a.mail.to.join(', ') || 'nobody'} -> ${b.mail.to.join(', ') || 'nobody'}`);
  return parts.length ? `image backup: ${parts.join(', ')}` : undefined;
}

export function diffSettings(a: ProviderSettings, b: ProviderSettings): SettingsChange[] {
  const out: SettingsChange[] = [];
  if (a.relationIntervalMinutes !== b.relationIntervalMinutes) {
    out.push({ field: 'relationIntervalMinutes', message: `relation file output interval: ${a.relationIntervalMinutes} -> ${b.relationIntervalMinutes} minutes` });
  }
  const added = b.diskArrays.filter((ip) => !a.diskArrays.includes(ip));
  const removed = a.diskArrays.filter((ip) => !b.diskArrays.includes(ip));
  if (added.length || removed.length) {
    const parts = [added.length ? `added ${added.join(', ')}` : '', removed.length ? `removed ${removed.join(', ')}` : ''].filter(Boolean);
    out.push({ field: 'diskArrays', message: `disk arrays: ${parts.join('; ')} (now ${b.diskArrays.join(', ') || 'none: every array in the store'})` });
  }
  const v = vCenterChange(a.vCenter, b.vCenter);
  if (v) out.push({ field: 'vCenter', message: v });
  const ib = imageBackupChange(a.imageBackup, b.imageBackup);
  if (ib) out.push({ field: 'imageBackup', message: ib });
  return out;
}
