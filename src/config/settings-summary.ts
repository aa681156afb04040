/**
 * The settings as `settings show`, `status` and the support bundle print them:
 * passwords redacted, plus the URL vCenter registers the provider with (L13).
 */
import { DEFAULT_PROVIDER_PORT, registrationUrl } from '../sys/runtime';
import type { ProviderSettings } from './settings-schema';

export const REDACTED = '(set, encrypted)';

export { DEFAULT_PROVIDER_PORT };

export interface SettingsSummary {
  relationIntervalMinutes: number;
  diskArrays: string[];
  vCenter: { ip: string; httpsPort: number; user: string; password: string; thumbprint?: string } | null;
  /** https://<ip>:<port>/version.xml (L13). */
  registrationUrl: string;
}

export function summarizeSettings(s: ProviderSettings, where: { address: string; port?: number }): SettingsSummary {
  return {
    relationIntervalMinutes: s.relationIntervalMinutes,
    diskArrays: [...s.diskArrays],
    vCenter: s.vCenter ? { ip: s.vCenter.ip, httpsPort: s.vCenter.httpsPort, user: s.vCenter.user, password: REDACTED, ...(s.vCenter.thumbprint ? { thumbprint: s.vCenter.thumbprint } : {}) } : null,
    registrationUrl: registrationUrl(where.address, where.port ?? DEFAULT_PROVIDER_PORT),
  };
}

export function summaryLines(s: SettingsSummary): string[] {
  return [
    `Relation file output interval: ${s.relationIntervalMinutes} minutes`,
    `Disk arrays: ${s.diskArrays.length ? s.diskArrays.join(', ') : '(none registered: every disk array in the store is managed)'}`,
    `vCenter Server: ${s.vCenter ? `${s.vCenter.ip}:${s.vCenter.httpsPort}, user ${s.vCenter.user}, password ${s.vCenter.password}${s.vCenter.thumbprint ? `, certificate SHA-256 ${s.vCenter.thumbprint}` : ''}` : '(not registered)'}`,
    `Registration URL: ${s.registrationUrl}`,
  ];
}

/** Whether the provider manages an array with this floating IP under these settings (empty list: all). */
export function isManagedArray(s: ProviderSettings, arrayIp: string): boolean {
  return s.diskArrays.length === 0 || s.diskArrays.includes(arrayIp);
}
