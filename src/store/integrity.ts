/**
 * SQLite's own check of the store file, shared by the store's connection (Store.problems)
 * and the start's check in a worker thread (verify-worker.ts).
 */
import type Database from 'better-sqlite3';

export type CheckDepth = 'quick' | 'full';

/** What SQLite finds wrong ([] when sound): quick_check, or the slower integrity_check. */
export function integrityProblems(db: Database.Database, depth: CheckDepth): string[] {
  const pragma = depth === 'quick' ? 'quick_check' : 'integrity_check';
  const rows = (db.pragma(pragma) as Record<string, string>[]).map((r) => r[pragma]);
  return rows.length === 1 && rows[0] === 'ok' ? [] : rows;
}

/**
 * The start's check: what SQLite finds wrong, where a check that itself runs into the
 * damage (SQLite says the file is corrupt) counts as its finding. Other failures throw.
 */
export function checkFindings(db: Database.Database, depth: CheckDepth): string[] {
  try {
    return integrityProblems(db, depth);
  } catch (e) {
    if (!isCorruption(e)) throw e;
    return [(e as Error).message];
  }
}

/** Whether SQLite says the file is not a (sound) database. */
export function isCorruption(e: unknown): boolean {
  const code = (e as { code?: unknown }).code;
  return typeof code === 'string' && (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB');
}
