/**
 * N4 (manual 3.1.3): the VVol id vSphere sees is naa.6xxxxxx000000000yyyyyyyyyyyyzzzz
 * (x: WWN digits 5-10, y: the last 12 WWN digits, z: the LD number), so that a disk
 * file path "[container] naa.6…/disk.vmdk" leads an admin to the LD. Engine level:
 * what each kind of VVol gets, what is not an id, LD number reuse, the disk path, and
 * the migration of a store made when ids were rfc4122.<uuid>.
 */
import { buildArray, demoSpec, Fixture, GB } from '../helpers/fixture';
import { expectError, vvol } from '../helpers/expect-error';
import { bootstrapArray } from '../../src/array/bootstrap';
import { parseVvolId, vvolIdForm, vvolIdInDiskPath } from '../../src/array/ids';

let f: Fixture;
beforeEach(() => { f = buildArray(); });
afterEach(() => {
  expect(f.engine.checkInvariants()).toEqual([]);
  f.close();
});

/** The id the manual's rule gives LD `ldn` of the fixture array (WWN 00255CDB05310000). */
const expected = (ldn: number) => `naa.6${'5cdb05'}000000000${'5cdb05310000'}${ldn.toString(16).padStart(4, '0')}`;

test('N4: createVvol returns naa.6 + WWN digits 5-10 + 000000000 + last 12 WWN digits + LD number', () => {
  const c = f.engine.createVvol(f.array, { pool: 0, type: 'config', sizeBytes: GB, metadata: { VMW_VmID: 'vm-1' } });
  expect(c.ld.vvolId).toBe(expected(c.ld.ldn));
  expect(c.ld.vvolId).toMatch(/^naa\.65cdb050000000005cdb05310000[0-9a-f]{4}$/);
  expect(parseVvolId(c.ld.vvolId!)).toEqual({ id: c.ld.vvolId, wwnLast12: '5CDB05310000', ldn: c.ld.ldn });
  // Every engine operation that takes a VVol id takes it.
  expect(f.engine.getVvol(c.ld.vvolId!).id).toBe(c.ld.id);
  expect(f.engine.vvolDetail(c.ld.vvolId!).ldn).toBe(c.ld.ldn);
  expect(f.engine.ldDetail(f.array, c.ld.vvolId!).ldn).toBe(c.ld.ldn);
  expect(f.engine.queryVvols([{ key: 'VMW_VmID', value: 'vm-1' }])).toEqual([c.ld.vvolId]);
  // The size warning (L4) names the id the VVol got.
  const small = f.engine.createVvol(f.array, { pool: 0, type: 'data', sizeBytes: 512 * 1024 * 1024 });
  expect(small.warnings).toEqual([`The volume size you have specified (512MB) is less than 1 GB. But the volume (${expected(small.ld.ldn)}) is created with 1 GB in the disk array because a volume requires at least 1 GB.`]);
});

test('N4: snapshots, fast clones and full clones get the id of their own LD number', () => {
  const base = vvol(f);
  const esv = f.engine.snapshot(base.vvolId!);
  expect(esv.vvolId).toBe(expected(esv.ldn));
  const prepared = f.engine.prepareSnapshot(base.vvolId!);
  expect(prepared.vvolId).toBe(expected(prepared.ldn));
  const fcv = f.engine.fastClone(base.vvolId!);
  expect(fcv.vvolId).toBe(expected(fcv.ldn));
  const full = f.engine.fullClone(base.vvolId!, { pool: 1 });
  expect(full.ld.vvolId).toBe(expected(full.ld.ldn));
  const ids = [base, esv, prepared, fcv, full.ld].map((l) => l.vvolId);
  expect(new Set(ids).size).toBe(ids.length);
});

test('N4: a second array\'s VVols carry its own WWN digits; an array with the same last 12 WWN digits is refused', () => {
  bootstrapArray(f.engine, demoSpec({ name: 'Storage002', serial: '0000000991008888', wwn: '00255CDB05320000', ip: '192.0.2.11' }));
  const other = f.engine.createVvol('Storage002', { pool: 0, type: 'data', sizeBytes: GB });
  const mine = f.engine.createVvol(f.array, { pool: 0, type: 'data', sizeBytes: GB });
  expect(other.ld.ldn).toBe(mine.ld.ldn); // the same LD number on both arrays ...
  expect(other.ld.vvolId).toBe(`naa.65cdb050000000005cdb05320000${other.ld.ldn.toString(16).padStart(4, '0')}`); // ... different ids
  expect(mine.ld.vvolId).toBe(expected(mine.ld.ldn));
  expect(f.engine.getVvol(other.ld.vvolId!).arrayId).toBe(other.ld.arrayId);
  // Not a VVol of this array: an LD reference by id stays within the array named.
  expectError(() => f.engine.ldDetail(f.array, other.ld.vvolId!), 'NOT_FOUND', `The specified ${other.ld.vvolId} does not exist.`);
  expectError(
    () => f.engine.registerArray({ name: 'Storage003', serial: '0000000991009999', wwn: '20005CDB05310000', model: 'M310', ip: '192.0.2.12' }),
    'ALREADY_EXISTS',
    'The last 12 digits of the WWN 20005CDB05310000 are those of the disk array Storage001: the identifiers vSphere sees (3.1.3) would be the same.',
  );
});

test('N4: a deleted VVol\'s id is NotFound until its LD number is a VVol again, which then has the same id', () => {
  const a = f.engine.createVvol(f.array, { pool: 0, type: 'data', sizeBytes: GB, metadata: { VMW_VVolName: 'a.vmdk' } }).ld;
  const id = a.vvolId!;
  f.engine.deleteVvol(id);
  const gone = `The specified ${id} does not exist.`;
  expectError(() => f.engine.getVvol(id), 'NOT_FOUND', gone);
  expectError(() => f.engine.vvolMetadata(id), 'NOT_FOUND', gone);
  expectError(() => f.engine.deleteVvol(id), 'NOT_FOUND', gone);
  expect(f.engine.bindVvols('esxi01', [id])[0]).toMatchObject({ ok: false, error: { code: 'NOT_FOUND', message: gone } });
  // LD numbers are unique per array at a time, and the array takes the lowest free one:
  // the next VVol gets the number back, and with it the id (the manual's mapping needs no more).
  const b = f.engine.createVvol(f.array, { pool: 1, type: 'data', sizeBytes: 2 * GB, metadata: { VMW_VVolName: 'b.vmdk' } }).ld;
  expect(b.ldn).toBe(a.ldn);
  expect(b.vvolId).toBe(id);
  expect(f.engine.vvolMetadata(id)).toEqual({ VMW_VVolName: 'b.vmdk' });
  expect(f.engine.getVvol(id)).toMatchObject({ id: b.id, capacity: 2 * GB, poolNo: 1 });
});

test('N4: only the lower-case naa.6 form is an id; an rfc4122 id, another spelling or digits that disagree name no VVol', () => {
  const v = vvol(f);
  const id = v.vvolId!;
  for (const other of [
    'rfc4122.00000000-0000-4000-8000-000000000001', // the form VASA also knows, which this provider issued before
    id.toUpperCase(),
    id.replace('naa.65cdb05', 'naa.65cdb06'), // x must repeat the first 6 digits of y
    `${id}0`,
    id.slice(0, -1),
    'naa.6',
    '',
  ]) {
    expect({ other, parsed: parseVvolId(other) }).toEqual({ other, parsed: undefined });
    expectError(() => f.engine.getVvol(other), 'NOT_FOUND', `The specified ${other} does not exist.`);
  }
  expect(vvolIdForm(id)).toBe('naa');
  expect(vvolIdForm('rfc4122.00000000-0000-4000-8000-000000000001')).toBe('rfc4122');
  expect(vvolIdForm('not-a-vvol')).toBeUndefined();
});

test('N4: the manual\'s disk file path "[ssss] naa.6…/???.vmdk" leads to the config-VVol\'s LD', () => {
  const config = f.engine.createVvol(f.array, { pool: 0, type: 'config', sizeBytes: 4 * GB, metadata: { VMW_VmID: 'vm-path' } }).ld;
  const data = f.engine.createVvol(f.array, { pool: 0, type: 'data', sizeBytes: GB, metadata: { VMW_VmID: 'vm-path' } }).ld;
  const path = `[Pool0000] ${config.vvolId}/vm-path.vmdk`;
  const id = vvolIdInDiskPath(path);
  expect(id).toBe(config.vvolId);
  expect(f.engine.getVvol(id!)).toMatchObject({ ldn: config.ldn, vvolType: 'config' });
  expect(data.vvolId).not.toBe(config.vvolId);
  // The same folder as the namespace path vSphere writes into VMW_VVolNamespace.
  expect(vvolIdInDiskPath(`/vmfs/volumes/vvol:65cdb05000000000-5cdb053100000000/${config.vvolId}/vm-path.vmdk`)).toBe(config.vvolId);
  // The manual's own WWN shape 200000255CDB0531 and LD 0269h: x = 00255C, y = 00255CDB0531, z = 0269.
  expect(parseVvolId(vvolIdInDiskPath('[VVol Datastore] naa.600255c00000000000255cdb05310269/win2016.vmdk')!)).toEqual({
    id: 'naa.600255c00000000000255cdb05310269', wwnLast12: '00255CDB0531', ldn: 0x269,
  });
  expect(vvolIdInDiskPath('[Pool0000] rfc4122.00000000-0000-4000-8000-000000000001/vm.vmdk')).toBeUndefined();
  expect(vvolIdInDiskPath('vm.vmdk')).toBeUndefined();
});

test('N4: a VVol id that is not derived from its WWN and LD number is an invariant violation', () => {
  const v = vvol(f);
  f.store.run('UPDATE lds SET vvol_id = ? WHERE id = ?', expected(v.ldn + 1), v.id);
  expect(f.engine.checkInvariants()).toEqual([expect.stringMatching(/^VVol id not derived from the WWN and LD number: /)]);
  f.store.run('UPDATE lds SET vvol_id = ? WHERE id = ?', expected(v.ldn), v.id);
});

test('N4: a store made with rfc4122 ids (schema 3) opens with the naa ids, and what named the old ids follows', () => {
  const config = f.engine.createVvol(f.array, { pool: 0, type: 'config', sizeBytes: GB, metadata: { VMW_VmID: 'vm-old' } }).ld;
  const data = f.engine.createVvol(f.array, { pool: 0, type: 'data', sizeBytes: GB, metadata: { VMW_VmID: 'vm-old' } }).ld;
  const ns = (folder: string) => `/vmfs/volumes/vvol:65cdb05000000000-5cdb053100000000/${folder}`;
  const old = { [config.id]: 'rfc4122.0c5a1c3e-6f2b-4d7e-9a8b-1c2d3e4f5a6b', [data.id]: 'rfc4122.7d1b3c5e-2a4f-4e6d-8c9b-0a1b2c3d4e5f' };
  // Back to what an older provider wrote: random ids everywhere an id was kept.
  f.store.tx(() => {
    for (const ld of [config, data]) {
      f.store.run('UPDATE lds SET vvol_id = ? WHERE id = ?', old[ld.id], ld.id);
      f.store.run('UPDATE events SET object_id = ?, params = replace(params, ?, ?) WHERE object_id = ?', old[ld.id], ld.vvolId, old[ld.id], ld.vvolId);
      f.store.run("INSERT INTO ld_metadata (ld_id, key, value) VALUES (?, 'VMW_VVolNamespace', ?)", ld.id, ns(old[config.id]));
    }
    f.store.run("INSERT INTO tasks (id, array_id, kind, state, bytes_per_sec, queued_at, result) VALUES ('old-task', 1, 'clone', 'success', 1, 0, ?)", old[data.id]);
  });
  f.store.db.pragma('user_version = 3');
  f = f.reopen();
  expect(f.store.version()).toBeGreaterThanOrEqual(4);
  expect(f.engine.getVvol(expected(config.ldn)).id).toBe(config.id);
  expect(f.engine.getVvol(expected(data.ldn)).id).toBe(data.id);
  expectError(() => f.engine.getVvol(old[data.id]), 'NOT_FOUND');
  expect(f.engine.vvolMetadata(expected(data.ldn)).VMW_VVolNamespace).toBe(ns(expected(config.ldn)));
  const created = f.store.all<{ object_id: string; params: string }>("SELECT object_id, params FROM events WHERE message_id = 'nec.vvol.created' ORDER BY seq");
  expect(created.map((e) => e.object_id)).toEqual([expected(config.ldn), expected(data.ldn)]);
  expect(created.map((e) => JSON.parse(e.params).vvolId)).toEqual([expected(config.ldn), expected(data.ldn)]);
  expect(f.store.get<{ result: string }>("SELECT result FROM tasks WHERE id = 'old-task'")?.result).toBe(expected(data.ldn));
  expect(JSON.stringify(f.store.all('SELECT * FROM events'))).not.toContain('rfc4122.');
  f.store.run("DELETE FROM tasks WHERE id = 'old-task'");
});

test('N4: a store holding two arrays that share the last 12 WWN digits is not migrated, and says why', () => {
  bootstrapArray(f.engine, demoSpec({ name: 'Storage002', serial: '0000000991008888', wwn: '00255CDB05320000', ip: '192.0.2.11' }));
  // Only an older provider could have registered such a pair.
  f.store.run("UPDATE arrays SET wwn = '20005CDB05310000' WHERE name = 'Storage002'");
  f.store.db.pragma('user_version = 3');
  const dir = f.dir;
  f.close();
  expect(() => buildArray({ spec: null, dir })).toThrow(/two_arrays_share_the_last_12_wwn_digits/);
  f = buildArray(); // for afterEach
});
