/**
 * Group commit (Store.group): the calls that arrive before a commit share one write
 * transaction, each in its own savepoint, and are answered only once that transaction
 * is durable; anything else that touches the store commits the group first, so nothing
 * reads what a group has not committed.
 */
import { Store } from '../../src/store/db';
import { tempDir } from '../helpers/fixture';

let store: Store;
beforeEach(() => {
  store = Store.open(tempDir('vvol-group-'));
  store.db.exec('CREATE TABLE IF NOT EXISTS t (k TEXT PRIMARY KEY, v INTEGER NOT NULL)');
});
afterEach(() => store.close());

const put = (k: string, v: number) => () => {
  store.run('INSERT INTO t (k, v) VALUES (?, ?)', k, v);
  return k;
};
const count = () => (store.get<{ n: number }>('SELECT COUNT(*) AS n FROM t') as { n: number }).n;

test('calls of one turn share one write transaction, and each is answered after its COMMIT', async () => {
  const writes = store.stats.writes;
  const answered: boolean[] = [];
  const calls = ['a', 'b', 'c'].map((k, i) => store.group(put(k, i)).then((v) => {
    answered.push(store.db.inTransaction);
    return v;
  }));
  // Nothing is answered before the commit.
  await Promise.resolve();
  expect(answered).toEqual([]);
  expect(await Promise.all(calls)).toEqual(['a', 'b', 'c']);
  expect(answered).toEqual([false, false, false]);
  expect(store.stats.writes - writes).toBe(1);
  expect(count()).toBe(3);
});

test('a call that throws is undone alone and rejected; the others of its group are committed', async () => {
  const ok1 = store.group(put('a', 1));
  const bad = store.group(() => {
    store.run('INSERT INTO t (k, v) VALUES (?, ?)', 'x', 9);
    throw new Error('refused');
  });
  const ok2 = store.group(put('b', 2));
  await expect(bad).rejects.toThrow('refused');
  await expect(Promise.all([ok1, ok2])).resolves.toEqual(['a', 'b']);
  expect(store.all<{ k: string }>('SELECT k FROM t ORDER BY k').map((r) => r.k)).toEqual(['a', 'b']);
});

test('a read, a tx or a single statement commits the open group first: no one reads what is not durable', async () => {
  const p = store.group(put('a', 1));
  expect(store.db.inTransaction).toBe(true);
  expect(store.read(() => count())).toBe(1);
  expect(store.db.inTransaction).toBe(false);
  await expect(p).resolves.toBe('a');
  const q = store.group(put('b', 2));
  store.tx(() => store.run('INSERT INTO t (k, v) VALUES (?, ?)', 'c', 3));
  await q;
  const r = store.group(put('d', 4));
  expect(count()).toBe(4);
  await r;
});

test('inside an open transaction a group call simply joins it', async () => {
  let inner: Promise<string> | undefined;
  store.tx(() => {
    inner = store.group(put('a', 1));
  });
  await expect(inner).resolves.toBe('a');
  expect(count()).toBe(1);
});

test('the policy: a group waits a turn at a time while more calls are queued, up to its size and age', async () => {
  let more = 3;
  const writes = store.stats.writes;
  store.setGroupPolicy({ more: () => more-- > 0, maxItems: 256, maxTurns: 1000 });
  const first = store.group(put('a', 1));
  // Calls made in the next turns still join the first group while `more` says so.
  await new Promise((r) => setImmediate(r));
  const second = store.group(put('b', 2));
  await Promise.all([first, second]);
  expect(store.stats.writes - writes).toBe(1);
  // A full group is committed at once.
  store.setGroupPolicy({ more: () => true, maxItems: 2 });
  const x = store.group(put('x', 1));
  const y = store.group(put('y', 2));
  expect(store.db.inTransaction).toBe(false);
  await Promise.all([x, y]);
});

test('closing the store commits the open group', async () => {
  const dir = store.file.replace(/\/[^/]+$/, '');
  const p = store.group(put('a', 1));
  store.close();
  await expect(p).resolves.toBe('a');
  store = Store.open(dir);
  expect(count()).toBe(1);
});

describe('deferred sync (the daemon): commits made durable by an fdatasync of the log off the event loop', () => {
  let deferred: Store;
  beforeEach(() => {
    deferred = Store.open(tempDir('vvol-deferred-'), { deferredSync: true });
    deferred.db.exec('CREATE TABLE IF NOT EXISTS t (k TEXT PRIMARY KEY, v INTEGER NOT NULL)');
  });
  afterEach(() => deferred.close());

  test('a commit is not durable until durable() has synced the log; one fsync covers every commit before it', async () => {
    const fsyncs = deferred.stats.fsyncs;
    for (let i = 0; i < 5; i++) deferred.tx(() => deferred.run('INSERT INTO t (k, v) VALUES (?, ?)', `k${i}`, i));
    expect(deferred.isDurable).toBe(false);
    await Promise.all([deferred.durable(), deferred.durable(), deferred.durable()]);
    expect(deferred.isDurable).toBe(true);
    expect(deferred.stats.fsyncs - fsyncs).toBe(1);
    // Nothing new: no fsync at all.
    await deferred.durable();
    expect(deferred.stats.fsyncs - fsyncs).toBe(1);
    // A read changes nothing; a write outside a transaction counts.
    deferred.get('SELECT COUNT(*) AS n FROM t');
    expect(deferred.isDurable).toBe(true);
    deferred.run('INSERT INTO t (k, v) VALUES (?, ?)', 'solo', 1);
    expect(deferred.isDurable).toBe(false);
    await deferred.durable();
    expect(deferred.isDurable).toBe(true);
  });

  test('a group settles only once its COMMIT is durable', async () => {
    const fsyncs = deferred.stats.fsyncs;
    let settled = false;
    const call = deferred.group(() => deferred.run('INSERT INTO t (k, v) VALUES (?, ?)', 'g', 1)).then(() => {
      settled = true;
      return deferred.isDurable;
    });
    await expect(call).resolves.toBe(true);
    expect(settled).toBe(true);
    expect(deferred.stats.fsyncs - fsyncs).toBe(1);
  });

  test('synchronous=FULL (the CLI, the tests): every commit is durable at once, durable() never waits', async () => {
    store.tx(() => store.run('INSERT INTO t (k, v) VALUES (?, ?)', 'x', 1));
    expect(store.isDurable).toBe(true);
    await store.durable();
    expect(store.stats.fsyncs).toBe(0);
  });
});
