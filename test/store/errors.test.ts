/**
 * The store turns SQLite's failures into StoreError itself, in each of tx, read and
 * savepoint (and every query), keeping SQLite's error as cause; the engine's edge turns
 * StoreError into the domain error STORE_ERROR, once, for every public method. A
 * savepoint undoes only its own part of the transaction around it.
 */
import { ArrayError } from '../../src/array/errors';
import { DiskArrayEngine } from '../../src/array/engine';
import { Store, StoreError } from '../../src/store/db';
import { expectError, vvol } from '../helpers/expect-error';
import { buildArray, Fixture } from '../helpers/fixture';

/** Runs fn, expects a StoreError; returns it. */
function storeError(fn: () => unknown): StoreError {
  try {
    fn();
  } catch (e) {
    if (e instanceof StoreError) return e;
    throw e;
  }
  throw new Error('expected a StoreError, but nothing was thrown');
}

const counter = (s: Store, name: string) => s.get<{ value: number }>('SELECT value FROM counters WHERE name = ?', name)?.value;
const put = (s: Store, name: string, value = 1) => s.run('INSERT INTO counters (name, value) VALUES (?, ?)', name, value);

let f: Fixture;
const others: Store[] = [];
afterEach(() => {
  for (const s of others.splice(0)) s.close();
  f?.close();
});

describe('the store translates SQLite\'s failures into StoreError', () => {
  test('tx: another process holding the write lock (SQLITE_BUSY) is a StoreError with SQLite\'s error as cause', () => {
    f = buildArray({ spec: null });
    const second = Store.open(f.dir, { synchronous: 'NORMAL', busyTimeoutMs: 0 });
    others.push(second);
    const e = f.store.tx(() => storeError(() => second.tx(() => put(second, 'never'))));
    expect(e.sqliteCode).toBe('SQLITE_BUSY');
    expect(e.message).toMatch(/^the store is locked by another process .*\(SQLITE_BUSY: database is locked\)$/);
    expect((e.cause as Error).name).toBe('SqliteError');
    expect(counter(f.store, 'never')).toBeUndefined();
  });

  test('tx: a full disk (SQLITE_FULL) is a StoreError, and nothing of the transaction remains', () => {
    f = buildArray({ spec: null });
    f.store.db.pragma(`max_page_count = ${f.store.db.pragma('page_count', { simple: true }) as number}`);
    const e = storeError(() => f.store.tx(() => {
      put(f.store, 'small');
      put(f.store, 'x'.repeat(1_000_000));
    }));
    expect(e.sqliteCode).toBe('SQLITE_FULL');
    expect(e.message).toMatch(/^the disk holding the store is full \(SQLITE_FULL: /);
    expect(counter(f.store, 'small')).toBeUndefined();
  });

  test('tx: a full disk that the code inside catches still fails the transaction: nothing after it runs outside one', () => {
    f = buildArray({ spec: null });
    f.store.db.pragma(`max_page_count = ${f.store.db.pragma('page_count', { simple: true }) as number}`);
    let caught: StoreError | undefined;
    const e = storeError(() => f.store.tx(() => {
      put(f.store, 'before');
      caught = storeError(() => put(f.store, 'x'.repeat(1_000_000)));
      put(f.store, 'after'); // SQLite rolled the transaction back: this must not autocommit
    }));
    expect(caught?.sqliteCode).toBe('SQLITE_FULL');
    expect(e).toBe(caught);
    expect([counter(f.store, 'before'), counter(f.store, 'after')]).toEqual([undefined, undefined]);
  });

  test('tx: a store opened read-only (SQLITE_READONLY) is a StoreError', () => {
    f = buildArray({ spec: null });
    const ro = Store.open(f.dir, { readonly: true });
    others.push(ro);
    const e = storeError(() => ro.tx(() => put(ro, 'never')));
    expect(e.sqliteCode).toMatch(/^SQLITE_READONLY/);
    expect(e.message).toMatch(/^the store cannot be written \(SQLITE_READONLY/);
  });

  test('read: a failing statement is a StoreError; so is any use of a closed store', () => {
    f = buildArray({ spec: null });
    const e = storeError(() => f.store.read(() => f.store.all('SELECT * FROM no_such_table')));
    expect(e.sqliteCode).toBe('SQLITE_ERROR');
    expect((e.cause as Error).name).toBe('SqliteError');
    f.store.close();
    expect(storeError(() => f.store.read(() => 1)).message).toMatch(/^The store .* is closed\.$/);
    expect(storeError(() => f.store.tx(() => 1)).message).toMatch(/is closed/);
    expect(storeError(() => f.store.savepoint(() => 1)).message).toMatch(/is closed/);
    expect(storeError(() => f.store.get('SELECT 1')).message).toMatch(/^the store is closed \(/);
  });

  test('savepoint: a SQLite failure inside it is a StoreError; caught, the transaction around it goes on without that part', () => {
    f = buildArray({ spec: null });
    let inner: StoreError | undefined;
    f.store.tx(() => {
      put(f.store, 'before');
      inner = storeError(() => f.store.savepoint(() => {
        put(f.store, 'inside');
        put(f.store, 'before'); // the same key again: SQLITE_CONSTRAINT_PRIMARYKEY
      }));
      put(f.store, 'after');
    });
    expect(inner?.sqliteCode).toBe('SQLITE_CONSTRAINT_PRIMARYKEY');
    expect([counter(f.store, 'before'), counter(f.store, 'inside'), counter(f.store, 'after')]).toEqual([1, undefined, 1]);
  });

  test('savepoint: a full disk inside it (SQLite then rolls back the whole transaction) is a StoreError, and the transaction around it fails with it', () => {
    f = buildArray({ spec: null });
    f.store.db.pragma(`max_page_count = ${f.store.db.pragma('page_count', { simple: true }) as number}`);
    let inner: StoreError | undefined;
    let later: StoreError | undefined;
    const outer = storeError(() => f.store.tx(() => {
      put(f.store, 'before');
      inner = storeError(() => f.store.savepoint(() => put(f.store, 'x'.repeat(1_000_000))));
      // Nothing may run outside a transaction as if it were inside one.
      later = storeError(() => put(f.store, 'after'));
    }));
    expect(inner?.sqliteCode).toBe('SQLITE_FULL');
    expect(later).toBe(inner);
    expect(outer).toBe(inner);
    expect([counter(f.store, 'before'), counter(f.store, 'after')]).toEqual([undefined, undefined]);
    // The store goes on once the disk has room again.
    f.store.db.pragma('max_page_count = 1073741823');
    f.store.tx(() => put(f.store, 'after'));
    expect(counter(f.store, 'after')).toBe(1);
  });
});

describe('savepoint', () => {
  test('rolls back only its own part: the work before and after it in the same transaction is kept', () => {
    f = buildArray({ spec: null });
    f.store.tx(() => {
      put(f.store, 'a');
      expect(() => f.store.savepoint(() => {
        put(f.store, 'b');
        f.store.savepoint(() => put(f.store, 'b2')); // nested: released into b's part, undone with it
        throw new Error('item failed');
      })).toThrow('item failed');
      expect(f.store.savepoint(() => {
        put(f.store, 'c');
        return 'ok';
      })).toBe('ok');
    });
    expect(['a', 'b', 'b2', 'c'].map((k) => counter(f.store, k))).toEqual([1, undefined, undefined, 1]);
  });

  test('with no transaction open it is a transaction of its own (undone whole when it throws); inside a read it is refused', () => {
    f = buildArray({ spec: null });
    expect(() => f.store.savepoint(() => {
      put(f.store, 'alone');
      throw new Error('boom');
    })).toThrow('boom');
    expect(counter(f.store, 'alone')).toBeUndefined();
    f.store.savepoint(() => put(f.store, 'alone'));
    expect(counter(f.store, 'alone')).toBe(1);
    expect(storeError(() => f.store.read(() => f.store.savepoint(() => put(f.store, 'x')))).message).toBe('A savepoint (a write) was started inside a read transaction.');
  });

  test('a batch (bindVvols) keeps the items that worked when one fails, in one transaction', () => {
    f = buildArray();
    const a = vvol(f).vvolId as string;
    const b = vvol(f).vvolId as string;
    const r = f.engine.bindVvols('esxi01', [a, 'rfc4122.00000000-0000-4000-8000-000000000009', b]);
    expect(r.map((x) => x.ok)).toEqual([true, false, true]);
    expect(f.engine.listBindings(f.array, 'esxi01').map((x) => x.vvolId).sort()).toEqual([a, b].sort());
    expect(f.engine.checkInvariants()).toEqual([]);
  });
});

describe('the engine\'s edge: StoreError leaves as STORE_ERROR, with the StoreError as cause', () => {
  const storeFailure = (fn: () => unknown): ArrayError => {
    const e = expectError(fn, 'STORE_ERROR', /^The store failed: /);
    expect(e.cause).toBeInstanceOf(StoreError);
    return e;
  };

  test('a closed store: reads, writes, batches, guest I/O, space, task ticks and the event feed all fail as STORE_ERROR', () => {
    f = buildArray();
    const v = vvol(f);
    f.engine.write(v, 0, ['a']);
    f.store.close();
    storeFailure(() => f.engine.listArrays()); // read
    storeFailure(() => f.engine.createVvol(f.array, { pool: 0, type: 'data', sizeBytes: 2 ** 30 })); // tx
    storeFailure(() => f.engine.bindVvols('esxi01', [v.vvolId as string])); // tx + a savepoint per item
    storeFailure(() => f.engine.batch(() => f.engine.listPools(f.array)));
    storeFailure(() => f.engine.batchRead(() => f.engine.listPools(f.array)));
    storeFailure(() => f.engine.write(v, 0, ['b'])); // opens its own transactions
    storeFailure(() => f.engine.readChunks(v, 0, 1));
    storeFailure(() => f.engine.trim(v, 0, 1));
    storeFailure(() => f.engine.vvolSpace(v.vvolId as string));
    storeFailure(() => f.engine.allocatedBitmap(v.vvolId as string, { startBytes: 0, lengthBytes: 2 ** 20, chunkSizeBytes: 2 ** 20 }));
    storeFailure(() => f.engine.tick()); // one transaction per task
    storeFailure(() => f.engine.vasaEvents(-1));
    storeFailure(() => f.engine.vasaAlarms(-1));
  });

  test('no public engine method lets a store type out: on a closed store each throws STORE_ERROR (or refuses its arguments first)', async () => {
    f = buildArray();
    const v = vvol(f);
    f.store.close();
    // `detail` is private: called only inside read by the public ldDetail and vvolDetail.
    const names = Object.getOwnPropertyNames(DiskArrayEngine.prototype).filter((n) => !['constructor', 'detail'].includes(n) && typeof (f.engine as unknown as Record<string, unknown>)[n] === 'function');
    expect(names.length).toBeGreaterThan(40);
    const escaped: string[] = [];
    const isStoreType = (e: unknown) => e instanceof StoreError || (e as Error).name === 'SqliteError' || /database connection is not open/.test(String((e as Error).message));
    for (const name of names) {
      const method = (f.engine as unknown as Record<string, (...a: unknown[]) => unknown>)[name];
      for (const args of [[f.array, 0, 0, 0], [v.vvolId, 0, 0], [v, 0, ['a']], ['esxi01', [v.vvolId]], [() => f.engine.listArrays()]]) {
        try {
          // An asynchronous method (grouped) answers with a promise: its rejection is judged alike.
          const r = method.apply(f.engine, args);
          if (r instanceof Promise) await r.catch((e: unknown) => { if (isStoreType(e)) escaped.push(`${name}: ${(e as Error).message}`); });
        } catch (e) {
          if (isStoreType(e)) escaped.push(`${name}: ${(e as Error).message}`);
        }
      }
    }
    expect(escaped).toEqual([]);
  });

  test('SQLITE_BUSY from another process\'s write lock: STORE_ERROR naming it', () => {
    f = buildArray();
    const second = Store.open(f.dir, { synchronous: 'NORMAL', busyTimeoutMs: 0 });
    others.push(second);
    const engine = new DiskArrayEngine(second, f.clock);
    const e = f.store.tx(() => storeFailure(() => engine.createVvol(f.array, { pool: 0, type: 'data', sizeBytes: 2 ** 30 })));
    expect(e.message).toMatch(/SQLITE_BUSY/);
    expect(((e.cause as StoreError).cause as Error).name).toBe('SqliteError');
  });

  test('a failing statement inside one item\'s savepoint of a batch fails the whole call as STORE_ERROR, not as that item\'s failure; nothing is bound', () => {
    f = buildArray();
    const a = vvol(f);
    const b = vvol(f);
    // The bind of b fails in SQLite, as a full disk or an I/O error would.
    f.store.run(`CREATE TEMP TRIGGER fail_bind BEFORE INSERT ON bindings WHEN NEW.vvol_ld_id = ${b.id} BEGIN SELECT RAISE(ABORT, 'simulated failure'); END`);
    const e = storeFailure(() => f.engine.bindVvols('esxi01', [a.vvolId as string, b.vvolId as string]));
    expect((e.cause as StoreError).sqliteCode).toBe('SQLITE_CONSTRAINT_TRIGGER');
    expect(e.message).toMatch(/simulated failure/);
    expect(f.engine.listBindings(f.array)).toEqual([]);
  });
});
