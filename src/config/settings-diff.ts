/**
 * What changed between two settings, as the daemon logs it on a live reload. Never
 * shows a password, sealed or not: a new sealed value only says "password changed".
 */
import type { ProviderSettings, VCenterSettings } from './settings-schema';

export type SettingsField = 'relationIntervalMinutes' | 'diskArrays' | 'vCenter';

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
  return parts.length ? `vCenter Server: ${parts.join(', ')}` : undefined;
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
  return out;
}
