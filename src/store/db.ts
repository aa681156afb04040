/**
 * The durable store: one SQLite file in WAL mode. Every array operation runs inside
 * `tx`, an IMMEDIATE transaction, so it happens whole or not at all and is on disk
 * (synchronous=FULL) before the call returns. Several processes (the daemon and the
 * CLI) may open the same file; SQLite serialises their writers.
 *
 * The store is the only owner of transactions: `tx` (write), `read` (one consistent
 * state) and `savepoint` (a part of a write that can fail alone, e.g. one item of a
 * batch). Each, and every query, turns SQLite's failures (busy, disk full, I/O error,
 * damage, read-only, a closed store) into StoreError with SQLite's error as cause, so
 * callers see one store failure type and never a better-sqlite3 one. Nothing outside
 * src/store/ touches better-sqlite3 (test/store/boundary.test.ts checks it).
 *
 * Opening refuses a store it cannot trust (StoreRefusedError): a missing or empty store
 * in a data folder the provider has used (prior-use.ts: making a new one would replace
 * the disk arrays), a store SQLite finds damaged, and a store whose last opener stopped
 * without closing it and whose write-ahead log is gone or damaged (open-markers.ts).
 * The store and its -wal and -shm files are 0600 whatever the umask.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { CheckDepth, checkFindings, integrityProblems, isCorruption } from './integrity';
import { MIGRATIONS, Migration } from './migrations';
import { checkOpeners, LostWal, markerDir, OpenMarker } from './open-markers';
import { priorUseTraces } from './prior-use';
import { DATA_NAMES } from '../sys/layout';
import { startWorker } from '../sys/worker-thread';
import type { FromVerifyWorker, VerifyWorkerData } from './verify-worker';

export type Row = Record<string, unknown>;
export type Param = string | number | bigint | null | Buffer;

export interface StoreOptions {
  /** 'FULL' (default) survives power loss; 'NORMAL' survives a process kill only. */
  synchronous?: 'FULL' | 'NORMAL';
  /**
   * The daemon's durability (issue 12): a COMMIT writes the write-ahead log without an
   * fsync (synchronous=NORMAL) and `durable()` makes every commit so far durable with an
   * fdatasync of the log on libuv's thread pool, off the event loop; one fsync covers all
   * commits made meanwhile. Whoever acknowledges anything waits for `durable()` first (the
   * HTTPS server holds every answer until then; a group commit settles after it), so an
   * acknowledged call survives a power loss as with synchronous=FULL. Checkpoints still
   * fsync the log before copying it and the database after (SQLite does in NORMAL too).
   */
  deferredSync?: boolean;
  readonly?: boolean;
  busyTimeoutMs?: number;
  /**
   * Keep SQLite's temporary tables and indexes (an IN list's, a sort's) in memory instead
   * of files under /var/tmp. The daemon's: `perf trace` of a soak found its event loop
   * waiting 62-67 ms on 4-byte writes into those files (issue 12, S7).
   */
  tempInMemory?: boolean;
  /** Check the store's structure before using it (the daemon's start: 'quick'); refused when it fails. */
  verify?: CheckDepth;
  /**
   * Run that check in a worker thread (the daemon's start, issue 12 S6): open() returns
   * at once and `verified()` settles with the check; the caller uses nothing of the store
   * for anyone before it resolved. Checked in open() as before when a migration is due.
   */
  verifyOffThread?: boolean;
}

export const STORE_FILE = DATA_NAMES.store;

/** A failure of the store underneath an operation; the original error is kept as cause. */
export class StoreError extends Error {
  /** SQLite's (extended) result code when SQLite failed, e.g. SQLITE_BUSY or SQLITE_IOERR_WRITE. */
  readonly sqliteCode?: string;
  constructor(message: string, options?: { cause?: unknown; sqliteCode?: string }) {
    super(message, options);
    this.name = 'StoreError';
    if (options?.sqliteCode) this.sqliteCode = options.sqliteCode;
  }
}

/** What a person can do about each primary SQLite failure, in words (the code stays in the message). */
const SQLITE_FAILURES: Record<string, string> = {
  SQLITE_BUSY: 'the store is locked by another process for longer than the busy timeout',
  SQLITE_LOCKED: 'the store is locked',
  SQLITE_FULL: 'the disk holding the store is full',
  SQLITE_IOERR: 'the disk failed to read or write the store',
  SQLITE_CORRUPT: 'the store is damaged',
  SQLITE_NOTADB: 'the store is damaged',
  SQLITE_READONLY: 'the store cannot be written',
  SQLITE_CANTOPEN: 'a file of the store cannot be opened',
  SQLITE_PERM: 'the store may not be accessed',
  SQLITE_NOMEM: 'SQLite ran out of memory',
  SQLITE_CONSTRAINT: 'a change broke a rule of the store\'s schema',
};

/**
 * Whether e is better-sqlite3's SqliteError. By its name and code, not by instanceof: the
 * native addon keeps the class of the first load of better-sqlite3 in the process, and a
 * later load (jest gives each test file its own modules and globals, Error included)
 * makes classes that instanceof does not match.
 */
function isSqliteError(e: unknown): e is Error & { code: string } {
  const x = e as { name?: unknown; code?: unknown } | null;
  return typeof x === 'object' && x !== null && x.name === 'SqliteError' && typeof x.code === 'string' && x.code.startsWith('SQLITE_');
}

/**
 * SQLite's failure (or better-sqlite3's refusal on a closed store) as a StoreError; any
 * other error (the array's own rules, a programming error) is returned as it is.
 */
export function toStoreError(e: unknown, open: boolean): unknown {
  if (e instanceof StoreError) return e;
  if (isSqliteError(e)) {
    const primary = e.code.split('_').slice(0, 2).join('_');
    const what = SQLITE_FAILURES[primary] ?? 'SQLite failed';
    return new StoreError(`${what} (${e.code}: ${e.message})`, { cause: e, sqliteCode: e.code });
  }
  // better-sqlite3 throws a TypeError for any use of a closed connection.
  if (!open) return new StoreError(`the store is closed (${String((e as { message?: unknown } | null)?.message ?? e)})`, { cause: e });
  return e;
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

/** The refusal of a store SQLite's check found damaged. */
function checkFailed(file: string, depth: CheckDepth, problems: string[]): StoreRefusedError {
  return damagedError(file, `SQLite's ${depth === 'quick' ? 'quick_check' : 'integrity_check'} found "${problems.slice(0, 5).join('; ')}"${problems.length > 5 ? ` and ${problems.length - 5} more problems` : ''}`);
}

/** Best-effort 0600: a file made by an older version (or under a wide umask) is narrowed; another user's file is left alone. */
function narrow(file: string): void {
  try {
    fs.chmodSync(file, 0o600);
  } catch {
    /* absent, or not ours */
  }
}

interface GroupItem {
  resolve(v: unknown): void;
  reject(e: unknown): void;
  value?: unknown;
  failed?: unknown;
  hasFailed?: boolean;
}

/** The write transaction a group of calls shares until it is committed. */
interface OpenGroup {
  items: GroupItem[];
  /** Turns the commit has waited for more calls. */
  turns: number;
  scheduled: boolean;
}

/** When a group of calls (Store.group) is committed. */
export interface GroupPolicy {
  /** Whether more calls are ready to run now (then the commit waits a turn for them). */
  more(): boolean;
  /** A group is committed at this many calls ... */
  maxItems: number;
  /** ... or after waiting this many event-loop turns for more, whatever `more` says (no clock: a count of turns bounds the wait). */
  maxTurns: number;
}

export const DEFAULT_GROUP_POLICY: GroupPolicy = { more: () => false, maxItems: 256, maxTurns: 16 };

export class Store {
  readonly db: Database.Database;
  readonly file: string;
  private readonly cache = new Map<string, Database.Statement>();
  private readonly rawCache = new Map<string, Database.Statement>();
  private depth = 0;
  /**
   * One transaction wrapper, made once: better-sqlite3 builds four closures per
   * db.transaction(fn), and every engine call (reads included) runs in a transaction.
   */
  private runner?: Database.Transaction<(fn: () => unknown) => unknown>;
  /** Whether the open transaction is a read transaction (see read). */
  private reading = false;
  /**
   * Set when SQLite rolled back the whole open transaction while a savepoint failed (it
   * does on a full disk, an I/O error, busy, out of memory): everything after it would
   * run outside any transaction, so every later call until the outermost ends fails
   * with this error, which is also what the outermost throws.
   */
  private lost?: StoreError;

  private marker?: OpenMarker;
  /** The start's check running in a worker thread (verifyOffThread), settled by verified(). */
  private pendingCheck?: Promise<void>;

  /** The write transaction calls share until it is committed (group commit, see group()). */
  private open?: OpenGroup;
  private groupPolicy: GroupPolicy = { ...DEFAULT_GROUP_POLICY };

  /**
   * Transactions opened since the store was opened: outermost write (tx) and read
   * transactions, and savepoints. Counted, never acted on: what tests (and a curious
   * operator) read to see how many transactions one call takes.
   */
  readonly stats = { writes: 0, reads: 0, savepoints: 0, fsyncs: 0 };

  /** deferredSync: the log's file, and how far commits (counted) are durable. */
  private walFd?: number;
  private commitSeq = 0;
  private syncedSeq = 0;
  private syncing = false;
  private syncWaiters: { seq: number; resolve: () => void; reject: (e: unknown) => void }[] = [];

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
        db.pragma(`synchronous = ${opts.deferredSync ? 'NORMAL' : opts.synchronous ?? 'FULL'}`);
        // The read makes SQLite open (or make) the WAL: the marker is left only once it exists,
        // so a kill before this point leaves nothing to be mistaken for a lost WAL.
        const version = store.version();
        for (const f of [`${file}-wal`, `${file}-shm`]) narrow(f);
        // The log this connection writes; it stays the same file while the connection is open.
        if (opts.deferredSync) store.walFd = fs.openSync(`${file}-wal`, 'r');
        try {
          store.marker = OpenMarker.create(file, !!opts.deferredSync || (opts.synchronous ?? 'FULL') === 'FULL');
        } catch {
          // A full disk or a read-only folder: the store opens as before; only the WAL check
          // of a crash during this open is lost (dead markers stay, so earlier ones still count).
        }
        store.marker?.takeOver(openers.dead);
        if (version === 0) refuseIfUsed(dataDir, file, 'empty');
      }
      db.pragma('foreign_keys = ON');
      if (opts.tempInMemory) db.pragma('temp_store = MEMORY');
      if (opts.verify) {
        // Off the thread only when no migration is due: a migration never writes into a store not yet checked.
        if (opts.verifyOffThread && !readonly && store.version() >= MIGRATIONS[MIGRATIONS.length - 1].version) {
          store.pendingCheck = store.checkInWorker(opts.verify, opts.busyTimeoutMs ?? 10_000);
          // Handled here too: a start that fails for another reason before awaiting verified() does not crash on it.
          store.pendingCheck.catch(() => undefined);
        } else store.checkNow(opts.verify);
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

  /**
   * A cached prepared statement, for what get/all/run cannot do (iterate). With `raw` its
   * rows are arrays of their column values in the SELECT's order: no object is built per
   * row, which for a wide row (an LD's 27 columns) is ~3x cheaper. Use it inside tx or
   * read: their failures are turned into StoreError there.
   */
  q(sql: string, raw = false): Database.Statement {
    const cache = raw ? this.rawCache : this.cache;
    let st = cache.get(sql);
    if (!st) {
      st = this.db.prepare(sql);
      if (raw) st.raw(true);
      cache.set(sql, st);
    }
    return st;
  }

  get<T = Row>(sql: string, ...params: Param[]): T | undefined {
    return this.use(sql, false, (st) => st.get(...params) as T | undefined);
  }

  all<T = Row>(sql: string, ...params: Param[]): T[] {
    return this.use(sql, false, (st) => st.all(...params) as T[]);
  }

  /** A query's rows as arrays of their column values (see q's `raw`; rows.ts reads every LD this way). */
  values(sql: string, ...params: Param[]): unknown[][] {
    return this.use(sql, true, (st) => st.all(...params) as unknown[][]);
  }

  run(sql: string, ...params: Param[]): Database.RunResult {
    return this.use(sql, false, (st) => st.run(...params));
  }

  /** One statement outside or inside a transaction: an open group is committed first (outside), failures become StoreErrors. */
  private use<R>(sql: string, raw: boolean, fn: (st: Database.Statement) => R): R {
    if (this.lost) throw this.lost;
    if (this.open && this.depth === 0) this.flush();
    try {
      const st = this.q(sql, raw);
      const r = fn(st);
      if (this.depth === 0 && !st.readonly) this.committed();
      return r;
    } catch (e) {
      throw this.fail(e);
    }
  }

  /**
   * After how many log pages a COMMIT of this connection checkpoints the log itself
   * (SQLite's wal_autocheckpoint; 0: never, a Checkpointer does it off the event loop).
   */
  setAutoCheckpoint(pages: number): void {
    this.db.pragma(`wal_autocheckpoint = ${Math.max(0, Math.floor(pages))}`);
  }

  /** The connection's wal_autocheckpoint (pages). */
  autoCheckpoint(): number {
    return this.db.pragma('wal_autocheckpoint', { simple: true }) as number;
  }

  /** Whether the store is open (a closed one fails every call with StoreError). */
  get isOpen(): boolean {
    return this.db.open;
  }

  /**
   * Runs fn in one IMMEDIATE transaction (nested calls join the outer one). If fn
   * throws, nothing it did remains.
   */
  tx<T>(fn: () => T): T {
    if (this.open && this.depth === 0) this.flush();
    if (this.depth > 0) {
      if (this.lost) throw this.lost;
      // A write inside a read transaction could not be made durable reliably (the read
      // snapshot may be stale when another process wrote): a programming error.
      if (this.reading) throw new StoreError('A write was started inside a read transaction.');
      return fn();
    }
    return this.outermost(false, fn);
  }

  /** Runs fn in a read transaction, so a multi-query read sees one state. */
  read<T>(fn: () => T): T {
    // Never a read of what a group has not committed yet: the group is committed first.
    if (this.open && this.depth === 0) this.flush();
    if (this.depth > 0) return fn();
    return this.outermost(true, fn);
  }

  /**
   * Runs fn as a part of the open write transaction that can fail alone: when fn throws,
   * what it did is undone (ROLLBACK TO) and the rest of the transaction goes on: one item
   * of a batch. With no transaction open it is a transaction of its own (tx).
   */
  savepoint<T>(fn: () => T): T {
    if (this.depth === 0) return this.tx(fn);
    if (this.lost) throw this.lost;
    if (this.reading) throw new StoreError('A savepoint (a write) was started inside a read transaction.');
    this.stats.savepoints++;
    this.depth++;
    try {
      // Called inside a transaction, better-sqlite3's wrapper is SAVEPOINT ... RELEASE.
      return this.transaction()(fn) as T;
    } catch (e) {
      throw this.fail(e);
    } finally {
      this.depth--;
    }
  }

  private outermost<T>(reading: boolean, fn: () => T): T {
    if (!this.db.open) throw new StoreError(`The store ${this.file} is closed.`);
    this.depth++;
    this.reading = reading;
    if (reading) this.stats.reads++;
    else this.stats.writes++;
    try {
      const run = this.transaction();
      if (reading) return run.deferred(fn) as T;
      const value = run.immediate(fn) as T;
      this.committed();
      return value;
    } catch (e) {
      // BEGIN (busy), COMMIT (disk full, I/O error) and fn's own queries all end here; a
      // transaction SQLite rolled back under a savepoint ends with that failure, not with
      // COMMIT's "no transaction is active".
      throw this.lost ?? this.translate(e);
    } finally {
      this.lost = undefined;
      this.reading = false;
      this.depth--;
    }
  }

  private translate(e: unknown): unknown {
    return toStoreError(e, this.db.open);
  }

  /** A failure inside a transaction: translated, and remembered when SQLite rolled the whole transaction back (see lost). */
  private fail(e: unknown): unknown {
    const failure = this.translate(e);
    if (this.depth > 0 && !this.lost && this.db.open && !this.db.inTransaction) {
      this.lost = failure instanceof StoreError ? failure : new StoreError(`SQLite rolled the transaction back: ${(failure as Error).message}`, { cause: failure });
    }
    return failure;
  }

  private transaction(): Database.Transaction<(fn: () => unknown) => unknown> {
    return (this.runner ??= this.db.transaction((fn: () => unknown) => fn()));
  }

  /**
   * Group commit: runs fn now, as one savepoint of a write transaction that the calls
   * arriving before it is committed share, and settles once that transaction's COMMIT is
   * durable: one fsync for the group instead of one per call, with synchronous=FULL kept,
   * so an answer sent after the promise resolves is never taken back by a crash or a
   * power loss. A call that throws is undone alone (ROLLBACK TO its savepoint) and
   * rejects after the commit like the others resolve; a failure that makes SQLite roll
   * the whole transaction back, or a failed COMMIT, rejects every call of the group.
   *
   * The group is committed when the policy says no more calls are coming (see
   * GroupPolicy), when it is full, and before anything else touches the store: a tx, a
   * read or a single statement outside a transaction commits it first, so nothing reads
   * what a group has not made durable. Inside an open transaction fn simply joins it.
   */
  group<T>(fn: () => T): Promise<T> {
    if (this.depth > 0) {
      try {
        return Promise.resolve(this.tx(fn));
      } catch (e) {
        return Promise.reject(e);
      }
    }
    if (!this.db.open) return Promise.reject(new StoreError(`The store ${this.file} is closed.`));
    if (!this.open) {
      try {
        this.db.exec('BEGIN IMMEDIATE');
      } catch (e) {
        return Promise.reject(this.translate(e));
      }
      this.stats.writes++;
      this.open = { items: [], turns: 0, scheduled: false };
    }
    const g = this.open;
    let value: T | undefined;
    let failed: unknown;
    let ok = false;
    this.depth++;
    this.stats.savepoints++;
    try {
      // Inside the open transaction better-sqlite3's wrapper is SAVEPOINT ... RELEASE (ROLLBACK TO on a throw).
      value = this.transaction()(fn) as T;
      ok = true;
    } catch (e) {
      failed = this.lost ?? this.translate(e);
    } finally {
      this.depth--;
    }
    if (this.lost || !this.db.inTransaction) {
      // SQLite rolled the whole transaction back: every call of the group is lost with it.
      const lost = this.lost ?? new StoreError('SQLite rolled the transaction back.');
      this.lost = undefined;
      this.open = undefined;
      for (const it of g.items) it.reject(lost);
      return Promise.reject(lost);
    }
    return new Promise<T>((resolve, reject) => {
      g.items.push(ok ? { resolve: resolve as (v: unknown) => void, reject, value } : { resolve: resolve as (v: unknown) => void, reject, failed, hasFailed: true });
      if (g.items.length >= this.groupPolicy.maxItems) this.flush();
      else this.scheduleFlush(g);
    });
  }

  /** How groups are formed: the face tells whether more calls are about to run (its queue of ready calls). */
  setGroupPolicy(p: Partial<GroupPolicy>): void {
    this.groupPolicy = { ...this.groupPolicy, ...p };
  }

  /** Commits the open group now (a no-op without one): what every other use of the store does first. */
  flush(): void {
    const g = this.open;
    if (!g) return;
    this.open = undefined;
    try {
      this.db.exec('COMMIT');
    } catch (e) {
      const failure = this.translate(e);
      try {
        if (this.db.inTransaction) this.db.exec('ROLLBACK');
      } catch {
        /* the failure above is what the callers learn */
      }
      for (const it of g.items) it.reject(failure);
      return;
    }
    this.committed();
    const settle = () => {
      for (const it of g.items) {
        if (it.hasFailed) it.reject(it.failed);
        else it.resolve(it.value);
      }
    };
    // Answered once durable: at once with synchronous=FULL, after the log's fdatasync with deferredSync.
    if (this.isDurable) settle();
    else {
      this.durable().then(settle, (e: unknown) => {
        for (const it of g.items) it.reject(e);
      });
    }
  }

  private committed(): void {
    this.commitSeq++;
  }

  /** Whether every commit so far is durable (always with synchronous=FULL: the COMMIT synced it). */
  get isDurable(): boolean {
    return this.walFd === undefined || this.syncedSeq >= this.commitSeq;
  }

  /**
   * Resolves once every commit made so far is durable (deferredSync: an fdatasync of the
   * log on the thread pool, shared by all who wait; at once otherwise). Rejects with a
   * StoreError when the disk refuses the sync.
   */
  durable(): Promise<void> {
    if (this.isDurable) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.syncWaiters.push({ seq: this.commitSeq, resolve, reject });
      this.startSync();
    });
  }

  private startSync(): void {
    if (this.syncing || this.walFd === undefined) return;
    const target = this.commitSeq;
    this.syncing = true;
    this.stats.fsyncs++;
    fs.fdatasync(this.walFd, (err) => {
      this.syncing = false;
      if (err) {
        const failure = new StoreError(`The store's write-ahead log ${this.file}-wal could not be made durable (fdatasync: ${err.message}).`, { cause: err });
        for (const w of this.syncWaiters.splice(0)) w.reject(failure);
        return;
      }
      this.syncedSeq = Math.max(this.syncedSeq, target);
      const waiting = this.syncWaiters;
      this.syncWaiters = [];
      for (const w of waiting) {
        if (w.seq <= this.syncedSeq) w.resolve();
        else this.syncWaiters.push(w);
      }
      if (this.syncWaiters.length) this.startSync();
    });
  }

  private scheduleFlush(g: OpenGroup): void {
    if (g.scheduled) return;
    g.scheduled = true;
    setImmediate(() => {
      g.scheduled = false;
      if (this.open !== g) return; // committed meanwhile
      const p = this.groupPolicy;
      // Wait (a turn at a time) for the calls already queued to join, within the bounds.
      if (p.more() && g.items.length < p.maxItems && ++g.turns < p.maxTurns) this.scheduleFlush(g);
      else this.flush();
    });
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
  problems(depth: CheckDepth = 'quick'): string[] {
    return integrityProblems(this.db, depth);
  }

  /** The start's check on this connection: throws the refusal of a damaged store. */
  private checkNow(depth: CheckDepth): void {
    const problems = checkFindings(this.db, depth);
    if (problems.length) throw checkFailed(this.file, depth, problems);
  }

  /**
   * The start's check in a worker thread with a read-only connection of its own; if the
   * worker cannot run it, this connection does. Settles `verified()`.
   */
  private async checkInWorker(depth: CheckDepth, busyTimeoutMs: number): Promise<void> {
    const found = await new Promise<string[] | undefined>((resolve) => {
      let worker: Worker;
      try {
        const data: VerifyWorkerData = { file: this.file, depth, busyTimeoutMs };
        worker = startWorker(__filename, 'verify-worker', data, 'store check worker');
      } catch {
        return resolve(undefined);
      }
      worker.unref();
      // undefined: the worker could not check (it failed, or ended without an answer).
      worker.once('message', (m: FromVerifyWorker) => resolve(m.type === 'checked' ? m.problems : undefined));
      worker.once('error', () => resolve(undefined));
      worker.once('exit', () => resolve(undefined));
    });
    if (found === undefined) {
      // Checked on this connection instead; nothing to check once the store was closed (the start gave up).
      if (this.db.open) this.checkNow(depth);
    } else if (found.length) throw checkFailed(this.file, depth, found);
  }

  /**
   * Resolves once the start's check (Store.open's verify) found the store sound; rejects
   * with the refusal of a damaged store. Resolved at once when the check ran in open().
   */
  verified(): Promise<void> {
    return this.pendingCheck ?? Promise.resolve();
  }

  close(): void {
    if (this.db.open) this.flush();
    this.cache.clear();
    this.rawCache.clear();
    if (this.walFd !== undefined) {
      // What is still waiting is made durable now, before the log is closed (and checkpointed by SQLite).
      try {
        if (!this.isDurable) fs.fdatasyncSync(this.walFd);
        this.syncedSeq = this.commitSeq;
        for (const w of this.syncWaiters.splice(0)) w.resolve();
      } finally {
        fs.closeSync(this.walFd);
        this.walFd = undefined;
      }
    }
    if (this.db.open) this.db.close();
    const marker = this.marker;
    this.marker = undefined;
    marker?.close();
  }
}
