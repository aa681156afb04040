/**
 * The durable store: one SQLite file in WAL mode. Every array operation runs inside
 * `tx`, an IMMEDIATE transaction, so it happens whole or not at all and is on disk
 * (synchronous=FULL) before the call returns. Several processes (the daemon and the
 * CLI) may open the same file; SQLite serialises their writers.
 *
 * Opening refuses a store it cannot trust (StoreRefusedError): a missing or empty store
 * in a data folder the provider has used (prior-use.ts: making a new one would replace
 * the disk arrays), a store SQLite finds damaged, and a store whose last opener stopped
 * without closing it and whose write-ahead log is gone or damaged (open-markers.ts).
 * The store and its -wal and -shm files are 0600 whatever the umask.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { MIGRATIONS, Migration } from './migrations';
import { checkOpeners, LostWal, markerDir, OpenMarker } from './open-markers';
import { priorUseTraces } from './prior-use';

export type Row = Record<string, unknown>;
export type Param = string | number | bigint | null | Buffer;

export interface StoreOptions {
  /** 'FULL' (default) survives power loss; 'NORMAL' survives a process kill only. */
  synchronous?: 'FULL' | 'NORMAL';
  readonly?: boolean;
  busyTimeoutMs?: number;
  /** Check the store's structure before using it (the daemon's start: 'quick'); refused when it fails. */
  verify?: 'quick' | 'full';
}

export const STORE_FILE = 'vvol-provider.db';

/** A failure of the store underneath an operation; the original error is kept as cause. */
export class StoreError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreError';
  }
}

/** Why a store was not opened: each needs a person (restore a backup, move a folder), never a retry. */
export type StoreRefusal = 'missing' | 'empty' | 'damaged' | 'wal-lost';

export class StoreRefusedError extends StoreError {
  constructor(message: string, readonly reason: StoreRefusal, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreRefusedError';
  }
}

function fileSize(file: string): number | undefined {
  try {
    return fs.statSync(file).size;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

function refuseIfUsed(dataDir: string, file: string, what: 'missing' | 'empty'): void {
  const traces = priorUseTraces(dataDir);
  if (!traces.length) return;
  throw new StoreRefusedError(
    `The store ${file} is ${what}, but the data folder ${dataDir} has been used by the provider before (${traces.join(', ')}). ` +
      `No new demo array is made there: it would take the place of the disk arrays' state. ` +
      `Restore ${STORE_FILE} from a backup; or, to start afresh on purpose, move the data folder away and start on an empty one.`,
    what,
  );
}

function lostWalError(file: string, lost: LostWal): StoreRefusedError {
  const o = lost.opener;
  const wal = `${file}-wal`;
  return new StoreRefusedError(
    `The store ${file} was not closed: the process ${o.pid}${o.program ? ` (${o.program})` : ''} that had it open stopped without closing it, ` +
      `and its write-ahead log ${wal} ${lost.wal.state === 'missing' ? 'is missing' : `is damaged (${lost.wal.problem})`}. ` +
      `Changes acknowledged before that stop may be lost, so the store is not opened. ` +
      `Restore the data folder from a backup; or, to go on with what ${STORE_FILE} holds, remove the folder ${markerDir(file)} and check the store with \`vvolctl array check\`.`,
    'wal-lost',
  );
}

function damagedError(file: string, detail: string, cause?: unknown): StoreRefusedError {
  return new StoreRefusedError(
    `The store ${file} is damaged: ${detail}. It is not used. Stop the provider and every vvolctl command, ` +
      `then restore ${STORE_FILE} from a backup (and remove ${STORE_FILE}-wal, ${STORE_FILE}-shm and ${path.basename(markerDir(file))} beside it); ` +
      `\`vvolctl array check\` lists what is wrong.`,
    'damaged',
    { cause },
  );
}

/** Whether SQLite says the file is not a (sound) database. */
function isCorruption(e: unknown): boolean {
  const code = (e as { code?: unknown }).code;
  return typeof code === 'string' && (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB');
}

/** Best-effort 0600: a file made by an older version (or under a wide umask) is narrowed; another user's file is left alone. */
function narrow(file: string): void {
  try {
    fs.chmodSync(file, 0o600);
  } catch {
    /* absent, or not ours */
  }
}

export class Store {
  readonly db: Database.Database;
  readonly file: string;
  private readonly cache = new Map<string, Database.Statement>();
  private depth = 0;
  /**
   * One transaction wrapper, made once: better-sqlite3 builds four closures per
   * db.transaction(fn), and every engine call (reads included) runs in a transaction.
   */
  private runner?: Database.Transaction<(fn: () => unknown) => unknown>;
  /** Whether the open transaction is a read transaction (see read). */
  private reading = false;

  private marker?: OpenMarker;

  private constructor(file: string, db: Database.Database) {
    this.file = file;
    this.db = db;
  }

  static open(dataDir: string, opts: StoreOptions = {}): Store {
    fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    const file = path.join(dataDir, STORE_FILE);
    const readonly = !!opts.readonly;
    const size = fileSize(file);
    if (!size) refuseIfUsed(dataDir, file, size === undefined ? 'missing' : 'empty');
    // Before SQLite opens it: SQLite makes a new, empty WAL where it finds none.
    const openers = checkOpeners(file);
    if (openers.lost) throw lostWalError(file, openers.lost);
    if (!readonly) {
      // Made 0600 before SQLite opens it; SQLite gives -wal and -shm the store's mode.
      if (size === undefined) fs.closeSync(fs.openSync(file, 'a', 0o600));
      narrow(file);
    }
    let db: Database.Database;
    try {
      db = new Database(file, { readonly, timeout: opts.busyTimeoutMs ?? 10_000 });
    } catch (e) {
      throw new StoreError(`Cannot open the store ${file}: ${(e as Error).message}`, { cause: e });
    }
    const store = new Store(file, db);
    try {
      if (!readonly) {
        db.pragma('journal_mode = WAL');
        db.pragma(`synchronous = ${opts.synchronous ?? 'FULL'}`);
        // The read makes SQLite open (or make) the WAL: the marker is left only once it exists,
        // so a kill before this point leaves nothing to be mistaken for a lost WAL.
        const version = store.version();
        for (const f of [`${file}-wal`, `${file}-shm`]) narrow(f);
        try {
          store.marker = OpenMarker.create(file, (opts.synchronous ?? 'FULL') === 'FULL');
        } catch {
          // A full disk or a read-only folder: the store opens as before; only the WAL check
          // of a crash during this open is lost (dead markers stay, so earlier ones still count).
        }
        store.marker?.takeOver(openers.dead);
        if (version === 0) refuseIfUsed(dataDir, file, 'empty');
      }
      db.pragma('foreign_keys = ON');
      if (opts.verify) {
        let problems: string[];
        try {
          problems = store.problems(opts.verify);
        } catch (e) {
          if (!isCorruption(e)) throw e;
          problems = [(e as Error).message]; // the check itself ran into the damage
        }
        if (problems.length) throw damagedError(file, `SQLite's ${opts.verify === 'quick' ? 'quick_check' : 'integrity_check'} found "${problems.slice(0, 5).join('; ')}"${problems.length > 5 ? ` and ${problems.length - 5} more problems` : ''}`);
      }
      if (!readonly) store.migrate(MIGRATIONS);
    } catch (e) {
      store.close();
      if (isCorruption(e)) throw damagedError(file, `SQLite reports "${(e as Error).message}"`, e);
      throw e;
    }
    return store;
  }

  /** The schema version this store is at. */
  version(): number {
    return this.db.pragma('user_version', { simple: true }) as number;
  }

  migrate(migrations: Migration[]): void {
    const run = this.db.transaction((m: Migration) => {
      this.db.exec(m.sql);
      this.db.pragma(`user_version = ${m.version}`);
    });
    for (const m of migrations) {
      // Re-read inside the loop: another process may have migrated meanwhile.
      if (m.version > this.version()) run.immediate(m);
    }
  }

  /** A cached prepared statement. */
  q(sql: string): Database.Statement {
    let st = this.cache.get(sql);
    if (!st) {
      st = this.db.prepare(sql);
      this.cache.set(sql, st);
    }
    return st;
  }

  get<T = Row>(sql: string, ...params: Param[]): T | undefined {
    return this.q(sql).get(...params) as T | undefined;
  }

  all<T = Row>(sql: string, ...params: Param[]): T[] {
    return this.q(sql).all(...params) as T[];
  }

  run(sql: string, ...params: Param[]): Database.RunResult {
    return this.q(sql).run(...params);
  }

  /**
   * Runs fn in one IMMEDIATE transaction (nested calls join the outer one). If fn
   * throws, nothing it did remains.
   */
  tx<T>(fn: () => T): T {
    if (this.depth > 0) {
      // A write inside a read transaction could not be made durable reliably (the read
      // snapshot may be stale when another process wrote): a programming error.
      if (this.reading) throw new StoreError('A write was started inside a read transaction.');
      return fn();
    }
    this.depth++;
    try {
      return this.transaction().immediate(fn) as T;
    } finally {
      this.depth--;
    }
  }

  /** Runs fn in a read transaction, so a multi-query read sees one state. */
  read<T>(fn: () => T): T {
    if (this.depth > 0) return fn();
    this.depth++;
    this.reading = true;
    try {
      return this.transaction().deferred(fn) as T;
    } finally {
      this.reading = false;
      this.depth--;
    }
  }

  private transaction(): Database.Transaction<(fn: () => unknown) => unknown> {
    return (this.runner ??= this.db.transaction((fn: () => unknown) => fn()));
  }

  /** SQLite's integrity_check as it answers: ['ok'] when the store is sound. */
  integrityCheck(): string[] {
    return (this.db.pragma('integrity_check') as { integrity_check: string }[]).map((r) => r.integrity_check);
  }

  /**
   * What SQLite finds wrong with the store ([] when sound): quick_check checks the
   * structure of every page (not index contents) and is linear in the store's size;
   * 'full' is integrity_check.
   */
  problems(depth: 'quick' | 'full' = 'quick'): string[] {
    const pragma = depth === 'quick' ? 'quick_check' : 'integrity_check';
    const rows = (this.db.pragma(pragma) as Record<string, string>[]).map((r) => r[pragma]);
    return rows.length === 1 && rows[0] === 'ok' ? [] : rows;
  }

  close(): void {
    this.cache.clear();
    if (this.db.open) this.db.close();
    const marker = this.marker;
    this.marker = undefined;
    marker?.close();
  }
}
