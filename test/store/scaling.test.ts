/**
 * What keeps the hot paths independent of the store's size (found with bench/): the
 * per-PE binding counts kept by triggers, the event feed's partial index, the PE list
 * without reading every LD, and read batches that cannot hide a write.
 */
import { vasaEventsOfArraysQuery, VASA_EVENTS_QUERY } from '../../src/array/events';
import { buildArray, GB } from '../helpers/fixture';

const count = (f: ReturnType<typeof buildArray>, ldn: number) =>
  (f.store.get<{ n: number }>('SELECT c.n FROM pe_binding_counts c JOIN lds l ON l.id = c.pe_id WHERE l.ldn = ?', ldn)?.n ?? 0);

test('the per-PE binding counts follow binds, unbinds and unbinds from all hosts; binds spread over the PEs by them', () => {
  const f = buildArray();
  const ids = Array.from({ length: 6 }, () => f.engine.createVvol(f.array, { pool: 0, type: 'data', sizeBytes: GB }).ld.vvolId as string);
  const r = f.engine.bindVvols('esxi01', ids);
  expect(r.every((x) => x.ok)).toBe(true);
  expect([count(f, 0x400), count(f, 0x401)]).toEqual([3, 3]);
  f.engine.bindVvols('esxi02', ids.slice(0, 2)); // the same bindings, one more host: no new binding
  expect(count(f, 0x400) + count(f, 0x401)).toBe(6);
  f.engine.unbindVvols('esxi01', [{ vvolId: ids[0] }, { vvolId: ids[5] }]);
  f.engine.unbindFromAllHosts([ids[1]]);
  expect(count(f, 0x400) + count(f, 0x401)).toBe(4);
  f.engine.unbindAllFromHost('esxi01');
  f.engine.unbindAllFromHost('esxi02');
  expect([count(f, 0x400), count(f, 0x401)]).toEqual([0, 0]);
  expect(f.engine.checkInvariants()).toEqual([]);
  f.close();
});

test('the event feed query uses the partial index of the feed\'s entries', () => {
  const f = buildArray();
  for (const sql of [VASA_EVENTS_QUERY, vasaEventsOfArraysQuery([1]), vasaEventsOfArraysQuery([1, 2])]) {
    const plan = f.store.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(0, 10) as { detail: string }[];
    expect(plan.map((p) => p.detail).join(' ')).toContain('USING INDEX events_feed');
  }
  // Per-VVol configuration events stay out of the feed; the others are in it, in order.
  const before = f.engine.vasaEvents(-1, 1000).entries.length;
  const v = f.engine.createVvol(f.array, { pool: 0, type: 'data', sizeBytes: GB }).ld.vvolId as string;
  f.engine.bindVvols('esxi01', [v]);
  f.engine.raiseAlarm(f.array, { type: 'Manageability', status: 'Yellow', messageId: 'test', message: 'test' });
  const feed = f.engine.vasaEvents(-1, 1000).entries;
  expect(feed.length).toBe(before);
  expect(feed.every((e) => !(e.type === 'Config' && e.objectType === 'VirtualVolume'))).toBe(true);
  expect(f.engine.providerEventsSince('events', -1, 1000).entries.length).toBeGreaterThan(feed.length);
  f.close();
});

test('listProtocolEndpoints and countLds answer without reading every LD', () => {
  const f = buildArray();
  for (let i = 0; i < 5; i++) f.engine.createVvol(f.array, { pool: 0, type: 'data', sizeBytes: GB });
  const pes = f.engine.listProtocolEndpoints(f.array);
  expect(pes.map((p) => [p.ldn, p.kind, p.hosts])).toEqual([[0x400, 'pe', ['esxi01', 'esxi02']], [0x401, 'pe', ['esxi01', 'esxi02']]]);
  expect(f.engine.listProtocolEndpoints(f.array, ['esxi02', 'nobody']).map((p) => p.hosts)).toEqual([['esxi02'], ['esxi02']]);
  expect(f.engine.listProtocolEndpoints(f.array, []).map((p) => p.hosts)).toEqual([[], []]);
  expect(f.engine.countLds(f.array)).toBe(f.engine.listLds(f.array).length);
  f.close();
});

test('a write inside a read batch is refused, and vvolMetadata reads one VVol\'s metadata', () => {
  const f = buildArray();
  const v = f.engine.createVvol(f.array, { pool: 0, type: 'data', sizeBytes: GB, metadata: { VMW_VVolName: 'a.vmdk', VMW_VmID: 'vm-1' } }).ld.vvolId as string;
  expect(() => f.engine.batchRead(() => f.engine.updateVvolMetadata(v, { k: 'v' }))).toThrow(expect.objectContaining({ code: 'STORE_ERROR', message: 'The store failed: A write was started inside a read transaction.' }));
  expect(f.engine.vvolMetadata(v)).toEqual({ VMW_VVolName: 'a.vmdk', VMW_VmID: 'vm-1' });
  expect(f.engine.batchRead(() => [f.engine.getVvol(v).vvolId, f.engine.vvolMetadata(v).VMW_VVolName])).toEqual([v, 'a.vmdk']);
  expect(() => f.engine.vvolMetadata('naa.65cdb050000000005cdb05310000ffff')).toThrow(/does not exist/);
  f.close();
});

test('an unbind finds a VVol\'s bindings for its host by an index, not by reading all the host\'s bindings', () => {
  const f = buildArray();
  const plan = (sql: string, ...params: unknown[]) => (f.store.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[]).map((p) => p.detail).join(' ');
  // The statements of unbind (binding.ts unbindOne, keptBinding) and of dropping a VVol's bindings.
  expect(plan('SELECT h.pe_id, l.ldn FROM binding_hosts h JOIN lds l ON l.id = h.pe_id WHERE h.vvol_ld_id = ? AND h.host = ?', 1, 'esxi01'))
    .toContain('binding_hosts_vvol (vvol_ld_id=? AND host=?)');
  expect(plan('SELECT 1 FROM binding_hosts WHERE vvol_ld_id = ? AND host = ?', 1, 'esxi01')).toContain('binding_hosts_vvol (vvol_ld_id=? AND host=?)');
  expect(plan('DELETE FROM binding_hosts WHERE vvol_ld_id = ?', 1)).toContain('binding_hosts_vvol (vvol_ld_id=?)');
  // A host's many bindings: unbinding one of them still answers it alone.
  const ids = Array.from({ length: 40 }, () => f.engine.createVvol(f.array, { pool: 0, type: 'data', sizeBytes: GB }).ld.vvolId as string);
  expect(f.engine.bindVvols('esxi01', ids).every((r) => r.ok)).toBe(true);
  expect(f.engine.unbindVvols('esxi01', [{ vvolId: ids[7] }]).map((r) => r.ok)).toEqual([true]);
  expect(f.engine.unbindVvols('esxi01', [{ vvolId: ids[7] }]).map((r) => r.ok)).toEqual([false]);
  expect(f.engine.checkInvariants()).toEqual([]);
  f.close();
});
