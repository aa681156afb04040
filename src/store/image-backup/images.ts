/**
 * The image-backup scheduler's image index and restore jobs in the store (migration 10).
 * The index is what the image list shows and what retention deletes by; the images
 * themselves (manifests and chunks) live in the backup store's folder. A restore row
 * is also the lock of "one restore per VM at a time": a partial UNIQUE index over the
 * running ones, so a second process is refused by SQLite itself. Plain values in and
 * out; the rules are the scheduler's (src/scheduler/).
 *
 * Not found: the getters return undefined; updates and deletes of a missing row change nothing.
 */
import type { Store } from '../db';

export interface ImageDiskRow {
  name: string;
  role: 'config' | 'data';
  capacityBytes: number;
  chunks: number;
  policy: string | null;
}

export type CopyState = 'none' | 'pending' | 'ok' | 'failed';

export interface ImageRow {
  id: string;
  runId: number;
  planId: number | null;
  vmId: string;
  vmName: string;
  backupTime: number;
  startedAt: number;
  finishedAt: number;
  expiresAt: number;
  disks: ImageDiskRow[];
  bytesRead: number;
  bytesStored: number;
  /** 'damaged' once a check or a restore found it so; whether it is missing is asked of the store. */
  local: 'ok' | 'damaged';
  secondary: CopyState;
  secondaryAt: number | null;
  secondaryError: string | null;
}

export type RestoreRowState = 'running' | 'completed' | 'failed';

export interface RestoreRow {
  id: number;
  imageId: string;
  vmId: string;
  vmName: string;
  state: RestoreRowState;
  source: 'local' | 'secondary' | null;
  startedAt: number;
  finishedAt: number | null;
  message: string | null;
  ownerPid: number | null;
  mailed: boolean;
}

type Raw = Record<string, unknown>;
const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

function toImage(r: Raw): ImageRow {
  return {
    id: String(r.id), runId: Number(r.run_id), planId: num(r.plan_id), vmId: String(r.vm_id), vmName: String(r.vm_name),
    backupTime: Number(r.backup_time), startedAt: Number(r.started_at), finishedAt: Number(r.finished_at), expiresAt: Number(r.expires_at),
    disks: JSON.parse(String(r.disks)) as ImageDiskRow[], bytesRead: Number(r.bytes_read), bytesStored: Number(r.bytes_stored),
    local: r.local === 'damaged' ? 'damaged' : 'ok', secondary: r.secondary as CopyState, secondaryAt: num(r.secondary_at), secondaryError: str(r.secondary_error),
  };
}

function toRestore(r: Raw): RestoreRow {
  return {
    id: Number(r.id), imageId: String(r.image_id), vmId: String(r.vm_id), vmName: String(r.vm_name), state: r.state as RestoreRowState,
    source: (r.source ?? null) as RestoreRow['source'], startedAt: Number(r.started_at), finishedAt: num(r.finished_at), message: str(r.message),
    ownerPid: num(r.owner_pid), mailed: !!r.mailed,
  };
}

export class ImageTable {
  constructor(private readonly store: Store) {}

  insert(i: Omit<ImageRow, 'secondaryAt' | 'secondaryError' | 'local'>): void {
    this.store.run(
      `INSERT OR REPLACE INTO image_index (id, run_id, plan_id, vm_id, vm_name, backup_time, started_at, finished_at, expires_at, disks, bytes_read, bytes_stored, local, secondary)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'ok', ?)`,
      i.id, i.runId, i.planId, i.vmId, i.vmName, i.backupTime, i.startedAt, i.finishedAt, i.expiresAt, JSON.stringify(i.disks), i.bytesRead, i.bytesStored, i.secondary,
    );
  }

  get(id: string): ImageRow | undefined {
    const r = this.store.get<Raw>('SELECT * FROM image_index WHERE id = ?', id);
    return r ? toImage(r) : undefined;
  }

  /** Newest backup first; optionally one VM's (by name). */
  list(vmName?: string): ImageRow[] {
    const rows = vmName === undefined
      ? this.store.all<Raw>('SELECT * FROM image_index ORDER BY backup_time DESC, id')
      : this.store.all<Raw>('SELECT * FROM image_index WHERE vm_name = ? ORDER BY backup_time DESC, id', vmName);
    return rows.map(toImage);
  }

  /** Ids of images whose retention ended at or before `now`. */
  expired(now: number, limit: number): string[] {
    return this.store.all<{ id: string }>('SELECT id FROM image_index WHERE expires_at <= ? ORDER BY expires_at LIMIT ?', now, limit).map((r) => r.id);
  }

  /** The image waiting longest for its second copy. */
  oldestPendingCopy(): ImageRow | undefined {
    const r = this.store.get<Raw>("SELECT * FROM image_index WHERE secondary = 'pending' ORDER BY finished_at LIMIT 1");
    return r ? toImage(r) : undefined;
  }

  countCopies(): Record<CopyState, number> {
    const out: Record<CopyState, number> = { none: 0, pending: 0, ok: 0, failed: 0 };
    for (const r of this.store.all<{ secondary: CopyState; n: number }>('SELECT secondary, COUNT(*) AS n FROM image_index GROUP BY secondary')) out[r.secondary] = r.n;
    return out;
  }

  /** How many images the index holds, their oldest and newest backup times (null when none) and the bytes they read and stored. */
  totals(): { count: number; oldestBackupTime: number | null; newestBackupTime: number | null; bytesRead: number; bytesStored: number } {
    const r = this.store.get<{ n: number; oldest: number | null; newest: number | null; read: number; stored: number }>(
      'SELECT COUNT(*) AS n, MIN(backup_time) AS oldest, MAX(backup_time) AS newest, COALESCE(SUM(bytes_read), 0) AS read, COALESCE(SUM(bytes_stored), 0) AS stored FROM image_index',
    );
    return { count: r?.n ?? 0, oldestBackupTime: num(r?.oldest), newestBackupTime: num(r?.newest), bytesRead: r?.read ?? 0, bytesStored: r?.stored ?? 0 };
  }

  /** The image whose second copy failed last (by the time of the failure). */
  lastFailedCopy(): ImageRow | undefined {
    const r = this.store.get<Raw>("SELECT * FROM image_index WHERE secondary = 'failed' ORDER BY secondary_at DESC, id LIMIT 1");
    return r ? toImage(r) : undefined;
  }

  setLocal(id: string, local: ImageRow['local']): void {
    this.store.run('UPDATE image_index SET local = ? WHERE id = ?', local, id);
  }

  setSecondary(id: string, state: CopyState, at: number | null, error: string | null): void {
    this.store.run('UPDATE image_index SET secondary = ?, secondary_at = ?, secondary_error = ? WHERE id = ?', state, at, error, id);
  }

  delete(id: string): void {
    this.store.run('DELETE FROM image_index WHERE id = ?', id);
  }

  // ---- restore jobs --------------------------------------------------------------------
  /** Takes the VM's restore lock: the new row, or undefined when a restore of the VM is running. */
  beginRestore(r: { imageId: string; vmId: string; vmName: string; startedAt: number; ownerPid: number }): RestoreRow | undefined {
    const res = this.store.run(
      "INSERT OR IGNORE INTO image_restores (image_id, vm_id, vm_name, state, started_at, owner_pid) VALUES (?, ?, ?, 'running', ?, ?)",
      r.imageId, r.vmId, r.vmName, r.startedAt, r.ownerPid,
    );
    return res.changes === 0 ? undefined : this.restore(Number(res.lastInsertRowid));
  }

  restore(id: number): RestoreRow | undefined {
    const r = this.store.get<Raw>('SELECT * FROM image_restores WHERE id = ?', id);
    return r ? toRestore(r) : undefined;
  }

  runningRestoreOf(vmId: string): RestoreRow | undefined {
    const r = this.store.get<Raw>("SELECT * FROM image_restores WHERE vm_id = ? AND state = 'running'", vmId);
    return r ? toRestore(r) : undefined;
  }

  /** Whether a running restore reads this image. */
  restoringFrom(imageId: string): boolean {
    return this.store.get("SELECT 1 FROM image_restores WHERE image_id = ? AND state = 'running'", imageId) !== undefined;
  }

  runningRestores(): RestoreRow[] {
    return this.store.all<Raw>("SELECT * FROM image_restores WHERE state = 'running' ORDER BY id").map(toRestore);
  }

  endRestore(id: number, state: Exclude<RestoreRowState, 'running'>, at: number, source: RestoreRow['source'], message: string | null): void {
    this.store.run('UPDATE image_restores SET state = ?, finished_at = ?, source = ?, message = ? WHERE id = ?', state, at, source, message, id);
  }

  /** Marks the restore's mail as handed over; false when another process (or an earlier call) did. */
  claimRestoreMail(id: number): boolean {
    return this.store.run('UPDATE image_restores SET mailed = 1 WHERE id = ? AND mailed = 0', id).changes === 1;
  }

  unmailedRestores(limit: number): RestoreRow[] {
    return this.store.all<Raw>("SELECT * FROM image_restores WHERE mailed = 0 AND state <> 'running' ORDER BY id LIMIT ?", limit).map(toRestore);
  }

  /** The restore that ended last (by its end, then id); undefined when none has ended. */
  lastEndedRestore(): RestoreRow | undefined {
    const r = this.store.get<Raw>("SELECT * FROM image_restores WHERE state <> 'running' ORDER BY COALESCE(finished_at, started_at) DESC, id DESC LIMIT 1");
    return r ? toRestore(r) : undefined;
  }

  /** Restores started at or after `since`, newest first. */
  restoresSince(since: number, limit: number): RestoreRow[] {
    return this.store.all<Raw>('SELECT * FROM image_restores WHERE started_at >= ? ORDER BY started_at DESC, id DESC LIMIT ?', since, limit).map(toRestore);
  }
}
