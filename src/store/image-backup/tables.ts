/**
 * Whether the store holds the image-backup scheduler's tables (migrations 9 and 10). A
 * store opened read-only is never migrated (`status` opens it so), so one last written by
 * a provider from before the scheduler lacks some or all of them until the provider's
 * next start migrates it. Read-only.
 */
import type { Store } from '../db';

/** The tables the scheduler's plans, runs, images and restores live in. */
export const IMAGE_BACKUP_TABLES: readonly string[] = ['image_backup_plans', 'image_runs', 'image_run_vms', 'image_index', 'image_restores'];

/** Those of IMAGE_BACKUP_TABLES the store lacks ([] when it has them all). */
export function missingImageBackupTables(store: Store): string[] {
  const have = new Set(
    store.all<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name IN (SELECT value FROM json_each(?))", JSON.stringify(IMAGE_BACKUP_TABLES)).map((r) => r.name),
  );
  return IMAGE_BACKUP_TABLES.filter((t) => !have.has(t));
}
