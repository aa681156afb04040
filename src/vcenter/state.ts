/**
 * What the vCenter link keeps in <data>/vcenter-inventory.json (written atomically by
 * the daemon after each refresh): the last good inventory with the server it came
 * from, and the last success and failure. It serves three readers: the daemon after a
 * restart (the last good inventory is kept while vCenter is unreachable), a CLI
 * command whose own refresh failed, and `status` / the support bundle (another
 * process). It holds no secret: names, ids and power states only.
 */
import fs from 'node:fs';
import { writeFileAtomicAsync } from '../sys/atomic-file';
import { dataLayout } from '../sys/layout';
import type { VCenterErrorKind } from './errors';
import type { InventorySnapshot } from './naming';

export interface VCenterOutcome {
  at: number;
  message: string;
}

export interface VCenterFailure extends VCenterOutcome {
  kind: VCenterErrorKind;
  cause: string;
}

export interface VCenterState {
  version: 1;
  /** "ip:port" the state is about. */
  server: string | null;
  inventory: InventorySnapshot | null;
  lastSuccess?: VCenterOutcome;
  lastFailure?: VCenterFailure;
}

export const emptyVCenterState = (): VCenterState => ({ version: 1, server: null, inventory: null });

export function vCenterStateFile(dataDir: string): string {
  return dataLayout(dataDir).vcenterState;
}

/** The state in the data folder; an empty one when missing or unreadable. */
export function loadVCenterState(dataDir: string): VCenterState {
  try {
    const v = JSON.parse(fs.readFileSync(vCenterStateFile(dataDir), 'utf8')) as Partial<VCenterState>;
    if (v.version !== 1) return emptyVCenterState();
    const inv = v.inventory;
    const inventory = inv && Array.isArray(inv.vms) && Array.isArray(inv.datacenters) && typeof inv.readAt === 'number' ? inv : null;
    return { version: 1, server: typeof v.server === 'string' ? v.server : null, inventory, ...(v.lastSuccess ? { lastSuccess: v.lastSuccess } : {}), ...(v.lastFailure ? { lastFailure: v.lastFailure } : {}) };
  } catch {
    return emptyVCenterState();
  }
}

export async function saveVCenterState(dataDir: string, s: VCenterState): Promise<void> {
  await writeFileAtomicAsync(vCenterStateFile(dataDir), `${JSON.stringify(s)}\n`, { mode: 0o640 });
}

/** The link as `status` and the support bundle show it. */
export interface VCenterStatus {
  /** ip:port of the configured vCenter; null: none configured (names from the VVols' metadata). */
  server: string | null;
  user?: string;
  /** The SHA-256 thumbprint the settings trust; absent: this machine's CAs. */
  thumbprint?: string;
  lastSuccess?: { at: string; message: string };
  lastFailure?: { at: string; message: string; cause: string; kind: VCenterErrorKind };
  /** Whether the last refresh failed. */
  failing: boolean;
  /** The inventory in use: when it was read, its datacenters and how many VMs. */
  inventory: { readAt: string; datacenters: string[]; vms: number } | null;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** The status of the link from the state file and the settings' vCenter (undefined: settings unreadable). */
export function vCenterStatus(dataDir: string, v: { ip: string; httpsPort: number; user: string; thumbprint?: string } | null | undefined): VCenterStatus {
  if (!v) return { server: null, failing: false, inventory: null };
  const server = `${v.ip}:${v.httpsPort}`;
  const st = loadVCenterState(dataDir);
  const mine = st.server === server;
  const out: VCenterStatus = { server, user: v.user, ...(v.thumbprint ? { thumbprint: v.thumbprint } : {}), failing: false, inventory: null };
  if (!mine) return out;
  if (st.lastSuccess) out.lastSuccess = { at: iso(st.lastSuccess.at), message: st.lastSuccess.message };
  if (st.lastFailure) out.lastFailure = { at: iso(st.lastFailure.at), message: st.lastFailure.message, cause: st.lastFailure.cause, kind: st.lastFailure.kind };
  out.failing = !!st.lastFailure && (!st.lastSuccess || st.lastFailure.at >= st.lastSuccess.at);
  if (st.inventory) out.inventory = { readAt: iso(st.inventory.readAt), datacenters: [...st.inventory.datacenters], vms: st.inventory.vms.length };
  return out;
}

/** The `status` lines of the link. */
export function vCenterStatusLines(s: VCenterStatus): string[] {
  if (!s.server) return ['vCenter link: not configured (VM names from the VVols\' metadata, datacenter "Datacenter")'];
  const trust = s.thumbprint ? `certificate pinned to SHA-256 ${s.thumbprint}` : 'certificate checked against this machine\'s CAs';
  const lines = [`vCenter link: ${s.server}, user ${s.user ?? '?'}, ${trust}`];
  const inv = s.inventory;
  const invText = inv ? `${inv.vms} VM(s) in ${inv.datacenters.length} datacenter(s) (${inv.datacenters.join(', ') || 'none'}), read ${inv.readAt}` : 'none read yet';
  if (s.failing && s.lastFailure) {
    lines.push(`  FAILED at ${s.lastFailure.at}: ${s.lastFailure.message} (${s.lastFailure.cause})`);
    lines.push(`  inventory in use: ${inv ? `the last good one: ${invText}` : 'none: VM names cannot be given until vCenter answers'}`);
  } else if (s.lastSuccess) {
    lines.push(`  last refresh ${s.lastSuccess.at}: ${invText}`);
  } else {
    lines.push('  not read yet (the daemon reads it at start and at every relation interval)');
  }
  return lines;
}
