/**
 * What the relation service remembers between passes (X1), in
 * <data>/latestRelationBetweenVMandVVOL/.state.json, written atomically: per array (by
 * WWN) the signature of the configuration at the last successful write, the file it
 * wrote, and the backup-volume owners it saw. A missing or unreadable state only means
 * the next pass writes a new file.
 */
import fs from 'node:fs';
import type { DiskArray } from '../array/types';
import { writeFileAtomicAsync } from '../sys/atomic-file';
import type { RvOwner } from './model';

export interface ArrayState {
  /** See configSignature. */
  signature: string;
  eventSeq: number;
  /** Base name of the latest XML written. */
  file: string;
  writtenAt: number;
  rvOwners: Record<string, RvOwner>;
}

/** The last outcome of the writer for one array (what `status` shows), by WWN. */
export interface ArrayOutcome {
  lastSuccess?: { at: number; file: string | null };
  lastFailure?: { at: number; message: string; cause: string };
}

export interface RelationState {
  version: 1;
  arrays: Record<string, ArrayState>;
  /** Absent in files of earlier versions. */
  outcomes?: Record<string, ArrayOutcome>;
}

export function emptyState(): RelationState {
  return { version: 1, arrays: {}, outcomes: {} };
}

/** The state in `file`; an empty one when it is missing, with `problem` when it was unreadable. */
export function loadState(file: string): { state: RelationState; problem?: string } {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { state: emptyState() };
    return { state: emptyState(), problem: `cannot read ${file}: ${(e as Error).message}` };
  }
  try {
    const v = JSON.parse(text) as Partial<RelationState>;
    if (v.version !== 1 || typeof v.arrays !== 'object' || v.arrays === null) throw new Error('unknown layout');
    const outcomes = typeof v.outcomes === 'object' && v.outcomes !== null ? v.outcomes : {};
    return { state: { version: 1, arrays: v.arrays, outcomes } };
  } catch (e) {
    return { state: emptyState(), problem: `ignoring ${file}: ${(e as Error).message}` };
  }
}

export async function saveState(file: string, state: RelationState): Promise<void> {
  await writeFileAtomicAsync(file, `${JSON.stringify(state, null, 2)}\n`);
}

/**
 * Everything whose change must produce a new file: the array's event sequence (every
 * configuration change appends an event: VVol created, deleted, bound, snapshotted,
 * cloned, paired, metadata updated, a background task finished), the disk array's own
 * attributes, the options written into the file, and with vCenter the digest of its VM
 * names and datacenters (a VM renamed or deleted in vCenter changes the file; a power
 * state does not). Without vCenter the signature is what it was before the link.
 */
export function configSignature(a: DiskArray, eventSeq: number, o: { datacenter: string; vCenterServer: string; naming?: string }): string {
  return JSON.stringify([eventSeq, a.name, a.ip, a.serial, a.wwn, a.model, o.datacenter, o.vCenterServer, ...(o.naming ? [o.naming] : [])]);
}
