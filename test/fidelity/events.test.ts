/**
 * The event and alarm logs: every change appends an entry with the next sequence
 * number of its array, in the operation's transaction; entries beyond the retention
 * are dropped and asking for them is LOST_EVENT.
 */
import { buildArray, Fixture, GB } from '../helpers/fixture';
import { expectError, tokens, vvol } from '../helpers/expect-error';

let f: Fixture;
afterEach(() => {
  expect(f.engine.checkInvariants()).toEqual([]);
  f.close();
});

const strictlyIncreasingByOne = (seqs: number[]) => seqs.every((s, i) => i === 0 || s === seqs[i - 1] + 1);

test('events have strictly increasing sequence numbers, in the order of the changes', () => {
  f = buildArray();
  const start = f.engine.lastSequences(f.array).event;
  const boot = f.engine.eventsSince(f.array, -1);
  expect(boot.map((e) => e.seq)).toEqual(Array.from({ length: start }, (_, i) => i + 1));
  expect(boot[0].messageId).toBe('nec.array.registered');

  const v = vvol(f);
  f.clock.advance(1000);
  f.engine.updateVvolMetadata(v.vvolId!, { k: 'v' });
  const snap = f.engine.snapshot(v.vvolId!);
  f.clock.advance(1000);
  f.engine.fastClone(v.vvolId!);
  const after = f.engine.eventsSince(f.array, start);
  expect(after.map((e) => e.messageId)).toEqual(['nec.vvol.created', 'nec.vvol.metadata', 'nec.snapshot.created', 'nec.fastclone.created']);
  expect(after.map((e) => e.seq)).toEqual([start + 1, start + 2, start + 3, start + 4]);
  expect(after.map((e) => e.time)).toEqual([0, 1000, 1000, 2000].map((d) => after[0].time + d));
  expect(after[2]).toMatchObject({ type: 'Config', configType: 'New', objectType: 'VirtualVolume', objectId: snap.vvolId });
  // A failed operation leaves no event; the sequence goes on without a gap.
  expect(() => f.engine.createVvol(f.array, { pool: 2, type: 'data', sizeBytes: GB })).toThrow();
  f.engine.updateVvolMetadata(v.vvolId!, { k: 'w' });
  const last = f.engine.eventsSince(f.array, start + 4);
  expect(last.map((e) => e.seq)).toEqual([start + 5]);
  expect(f.engine.lastSequences(f.array).event).toBe(start + 5);
  // Paging with a limit.
  const page = f.engine.eventsSince(f.array, 0, 3);
  expect(page.map((e) => e.seq)).toEqual([1, 2, 3]);
  // Nothing new after the last one; beyond the last one issued is an error.
  expect(f.engine.eventsSince(f.array, start + 5)).toEqual([]);
  expectError(() => f.engine.eventsSince(f.array, start + 6), 'INVALID_ARGUMENT');
});

test('each array numbers its own events', () => {
  f = buildArray();
  f.engine.registerArray({ name: 'Storage002', serial: '0000000991007772', model: 'M310', ip: '192.0.2.20' });
  expect(f.engine.eventsSince('Storage002', -1).map((e) => e.seq)).toEqual([1]);
  const before = f.engine.lastSequences(f.array).event;
  f.engine.createPool('Storage002', { virtual: false, capacityBytes: 8 * GB });
  expect(f.engine.lastSequences('Storage002').event).toBe(2);
  expect(f.engine.lastSequences(f.array).event).toBe(before);
});

test('events beyond the retention are dropped; asking for them is LOST_EVENT', () => {
  f = buildArray({ engine: { eventRetention: 5, eventRetentionMs: 0 } });
  const v = vvol(f);
  for (let i = 0; i < 30; i++) f.engine.updateVvolMetadata(v.vvolId!, { k: String(i) });
  const last = f.engine.lastSequences(f.array).event;
  // The array's hidden (per-VVol) events are kept by the count; the feed's own entries apart.
  const held = f.engine.eventsSince(f.array, -1).filter((e) => e.objectType === 'VirtualVolume');
  expect(held.length).toBeGreaterThanOrEqual(5);
  expect(held.length).toBeLessThan(10);
  expect(strictlyIncreasingByOne(held.map((e) => e.seq))).toBe(true);
  expect(held[held.length - 1].seq).toBe(last);
  const e = expectError(() => f.engine.eventsSince(f.array, 0), 'LOST_EVENT');
  expect(e.facts).toMatchObject({ after: 0, oldest: held[0].seq });
  expectError(() => f.engine.eventsSince(f.array, held[0].seq - 2), 'LOST_EVENT');
  // From the oldest held on, nothing is lost.
  expect(f.engine.eventsSince(f.array, held[0].seq - 1).map((x) => x.seq)).toEqual(held.map((x) => x.seq));
  expect(f.engine.eventsSince(f.array, last - 3).map((x) => x.seq)).toEqual([last - 2, last - 1, last]);
  // The provider-wide log drops them too.
  expectError(() => f.engine.providerEventsSince('events', 0), 'LOST_EVENT');
});

test('hidden per-VVol events never push the feed\'s own entries out: vCenter reading the feed from its start gets no LostEvent', () => {
  f = buildArray({ engine: { eventRetention: 5, eventRetentionMs: 0 } });
  const feed0 = f.engine.vasaEvents(-1).entries;
  expect(feed0.length).toBeGreaterThan(0);
  expect(feed0.length).toBeLessThanOrEqual(5 + 256);
  const from = feed0[feed0.length - 1].gseq;
  const v = vvol(f);
  for (let i = 0; i < 600; i++) f.engine.updateVvolMetadata(v.vvolId!, { k: String(i) });
  // 600 hidden events later the feed still answers from where it was read, with nothing new.
  expect(f.engine.vasaEvents(from).entries).toEqual([]);
  expectError(() => f.engine.providerEventsSince('events', from), 'LOST_EVENT');
});

test('the feed keeps its last entries by count, and nothing younger than the age floor (up to ten times the count)', () => {
  f = buildArray({ engine: { eventRetention: 4, eventRetentionMs: 60_000 } });
  const start = f.engine.vasaEvents(-1).last;
  // Visible events: pool changes (StorageContainer Update).
  const change = (n: number) => { for (let i = 0; i < n; i++) f.engine.modifyPool(f.array, 0, { threshold: 50 + (i % 2) }); };
  change(20);
  // Young: all 20 still there.
  expect(f.engine.vasaEvents(start).entries.filter((e) => e.objectType === 'StorageContainer')).toHaveLength(20);
  f.clock.advance(61_000);
  change(8);
  // Old ones beyond the count go; a reader from the start is told so.
  expectError(() => f.engine.vasaEvents(start), 'LOST_EVENT');
  const held = f.engine.vasaEvents(-1).entries;
  expect(held.length).toBeLessThan(20);
  expect(held.slice(-8).every((e) => e.objectType === 'StorageContainer')).toBe(true);
  // Ten times the count is the ceiling even while young.
  change(60);
  expect(f.engine.vasaEvents(-1).entries.length).toBeLessThanOrEqual(40 + 4);
});

test('alarms have their own sequence and retention', () => {
  f = buildArray({ engine: { eventRetention: 4, eventRetentionMs: 0 } });
  f.engine.createPool(f.array, { poolNo: 5, virtual: true, container: true, capacityBytes: GB, threshold: 50 });
  const v = vvol(f, { pool: 5 });
  f.engine.write(v, 0, tokens('a', 100)); // about 10 %
  const a0 = f.engine.lastSequences(f.array).alarm;
  for (let i = 0; i < 10; i++) {
    f.engine.modifyPool(f.array, 5, { threshold: 5 }); // over: Yellow
    f.engine.modifyPool(f.array, 5, { threshold: 50 }); // under again: Green
  }
  const last = f.engine.lastSequences(f.array).alarm;
  expect(last).toBe(a0 + 20);
  const held = f.engine.alarmsSince(f.array, -1);
  expect(strictlyIncreasingByOne(held.map((x) => x.seq))).toBe(true);
  expect(held.length).toBeLessThan(8);
  expect(held.map((x) => x.status)).toEqual(held.map((x) => (x.seq % 2 === (a0 + 1) % 2 ? 'Yellow' : 'Green')));
  expectError(() => f.engine.alarmsSince(f.array, a0), 'LOST_EVENT');
  expect(f.engine.alarmsSince(f.array, last - 1)).toMatchObject([{ seq: last, status: 'Green', type: 'SpaceCapacity' }]);
});
