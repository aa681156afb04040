/**
 * The durable store: one SQLite file in WAL mode. Every array operation runs inside
 * `tx`, an IMMEDIATE transaction, so it happens whole or not at all and is on disk
 * (synchronous=FULL) before the call returns. Several processes (the daemon and the
 * CLI) may open the same file; SQLite serialises their writers.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { MIGRATIONS, Migration } from './migrations';

export type Row = Record<string, unknown>;
export type Param = string | number | bigint | null | Buffer;

export interface StoreOptions {
  /** 'FULL' (default) survives power loss; 'NORMAL' survives a process kill only. */
  synchronous?: 'FULL' | 'NORMAL';
  readonly?: boolean;
  busyTimeoutMs?: number;
}

export const STORE_FILE = 'vvol-provider.db';

/** A failure of the store underneath an operation; the original error is kept as cause. */
export class StoreError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreError';
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

  private constructor(file: string, db: Database.Database) {
    this.file = file;
    this.db = db;
  }

  static open(dataDir: string, opts: StoreOptions = {}): Store {
    fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    const file = path.join(dataDir, STORE_FILE);
    let db: Database.Database;
    try {
      db = new Database(file, { readonly: !!opts.readonly, timeout: opts.busyTimeoutMs ?? 10_000 });
    } catch (e) {
      throw new StoreError(`Cannot open the store ${file}: ${(e as Error).message}`, { cause: e });
    }
    if (!opts.readonly) {
      db.pragma('journal_mode = WAL');
      db.pragma(`synchronous = ${opts.synchronous ?? 'FULL'}`);
    }
    db.pragma('foreign_keys = ON');
    const store = new Store(file, db);
    if (!opts.readonly) store.migrate(MIGRATIONS);
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

  integrityCheck(): string[] {
    return (this.db.pragma('integrity_check') as { integrity_check: string }[]).map((r) => r.integrity_check);
  }

  close(): void {
    this.cache.clear();
    if (this.db.open) this.db.close();
  }
}
