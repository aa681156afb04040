/**
 * The settings as `settings show`, `status` and the support bundle print them:
 * passwords redacted, plus the URL vCenter registers the provider with (L13).
 */
import os from 'node:os';
import type { ProviderSettings } from './settings-schema';

/** L13: port number 4 of the NEC product, the registration port; src/main.ts serves on it by default. */
export const DEFAULT_PROVIDER_PORT = 9943;
export const REDACTED = '(set, encrypted)';

export interface SettingsSummary {
  relationIntervalMinutes: number;
  diskArrays: string[];
  vCenter: { ip: string; httpsPort: number; user: string; password: string } | null;
  /** https://<ip>:<port>/version.xml (L13). */
  registrationUrl: string;
}

/** The address vCenter reaches the provider at: VASA_PROVIDER_HOST, else the first external IPv4 address. */
export function providerAddress(env: NodeJS.ProcessEnv = process.env): string {
  const h = env.VASA_PROVIDER_HOST;
  if (h && h !== '0.0.0.0') return h;
  const ext = Object.values(os.networkInterfaces()).flat().find((i) => i && i.family === 'IPv4' && !i.internal);
  return ext?.address ?? '127.0.0.1';
}

export function providerPort(env: NodeJS.ProcessEnv = process.env): number {
  const p = Number(env.VASA_PROVIDER_PORT);
  return env.VASA_PROVIDER_PORT && Number.isInteger(p) && p > 0 ? p : DEFAULT_PROVIDER_PORT;
}

export function registrationUrl(address: string, port = DEFAULT_PROVIDER_PORT): string {
  return `https://${address}:${port}/version.xml`;
}

export function summarizeSettings(s: ProviderSettings, where: { address: string; port?: number }): SettingsSummary {
  return {
    relationIntervalMinutes: s.relationIntervalMinutes,
    diskArrays: [...s.diskArrays],
    vCenter: s.vCenter ? { ip: s.vCenter.ip, httpsPort: s.vCenter.httpsPort, user: s.vCenter.user, password: REDACTED } : null,
    registrationUrl: registrationUrl(where.address, where.port ?? DEFAULT_PROVIDER_PORT),
  };
}

export function summaryLines(s: SettingsSummary): string[] {
  return [
    `Relation file output interval: ${s.relationIntervalMinutes} minutes`,
    `Disk arrays: ${s.diskArrays.length ? s.diskArrays.join(', ') : '(none registered: every disk array in the store is managed)'}`,
    `vCenter Server: ${s.vCenter ? `${s.vCenter.ip}:${s.vCenter.httpsPort}, user ${s.vCenter.user}, password ${s.vCenter.password}` : '(not registered)'}`,
    `Registration URL: ${s.registrationUrl}`,
  ];
}

/** Whether the provider manages an array with this floating IP under these settings (empty list: all). */
export function isManagedArray(s: ProviderSettings, arrayIp: string): boolean {
  return s.diskArrays.length === 0 || s.diskArrays.includes(arrayIp);
}
