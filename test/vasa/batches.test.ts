/**
 * Truthful batches (issue 9, item 8): every item of a batch call says what happened to
 * it, and what it says agrees with the array. A slow snapshotVirtualVolume reports each
 * snapshot it took as done (never Timeout), Timeout only for those the deadline left
 * untouched (still prepared); a malformed or failing item carries its own fault while
 * the others are done; a bind whose bindings are made is reported bound even when a
 * later read fails; unbind RebindStart says which bindings there are to keep.
 */
import { ManualClock } from '../../src/array/clock';
import { ArrayError } from '../../src/array/errors';
import { expectError, vvol } from '../helpers/expect-error';
import { buildArray, Fixture } from '../helpers/fixture';
import { hostClient, list, startTestServer, TestServer, VasaSoapClient } from '../helpers/vasa-server';

type Rec = Record<string, unknown>;
const HOST_IQN = 'iqn.1998-01.com.vmware:esx-batches-01';
const MALFORMED = 'naa.not-a-vvol-id';
const UNKNOWN = 'rfc4122.00000000-0000-4000-8000-00000000beef';

/** The array as slow as we like: every look at the clock costs `stepMs`. */
function slowClock(clock: ManualClock, stepMs: number) {
  const read = clock.now.bind(clock);
  return jest.spyOn(clock, 'now').mockImplementation(() => {
    clock.advance(stepMs);
    return read();
  });
}

/** The xsi:type of an item's fault (BatchReturnStatus.errorResult.error), or 'done'. */
function outcome(item: Rec): string {
  const err = (item.errorResult as { error?: { attributes?: Rec } } | undefined)?.error;
  return err ? String(err.attributes?.['xsi:type']) : 'done';
}

describe('the engine takes a batch up to its deadline', () => {
  let f: Fixture;
  beforeEach(() => {
    f = buildArray();
  });
  afterEach(() => f.close());

  test('items whose turn comes after the deadline are not attempted: still prepared, no event; before it they are taken', () => {
    const [a, b] = [vvol(f), vvol(f)].map((d) => f.engine.prepareSnapshot(d.vvolId!).vvolId!);
    const before = f.engine.lastSequences(f.array).event;
    const late = f.engine.takeSnapshots([{ snapshotVvolId: a }, { snapshotVvolId: b }], { deadline: f.clock.now() - 1 });
    expect(late.map((r) => r.outcome)).toEqual(['not-attempted', 'not-attempted']);
    expect([a, b].map((id) => f.engine.getVvol(id).state)).toEqual(['prepared', 'prepared']);
    expect(f.engine.lastSequences(f.array).event).toBe(before);
    const inTime = f.engine.takeSnapshots([{ snapshotVvolId: a }, { snapshotVvolId: b }], { deadline: f.clock.now() });
    expect(inTime).toEqual([
      { snapshotVvolId: a, ok: true, outcome: 'taken', takenAt: f.clock.now() },
      { snapshotVvolId: b, ok: true, outcome: 'taken', takenAt: f.clock.now() },
    ]);
    expect([a, b].map((id) => f.engine.getVvol(id).state)).toEqual(['ready', 'ready']);
  });

  test('a refused item carries its own error; the CLI snapshot still throws it', () => {
    const d = vvol(f);
    const p = f.engine.prepareSnapshot(d.vvolId!).vvolId!;
    const [ok, again] = f.engine.takeSnapshots([{ snapshotVvolId: p }, { snapshotVvolId: p }]);
    expect(ok.outcome).toBe('taken');
    expect(again.outcome === 'refused' && again.error.code).toBe('FAILED_PRECONDITION');
    f.engine.setLicence(f.array, 'DynamicSnapVolume', false);
    expectError(() => f.engine.snapshot(d.vvolId!), 'LICENCE_LOCKED');
  });
});

describe('batch calls over the wire', () => {
  let t: TestServer;
  let c: VasaSoapClient;

  beforeAll(async () => {
    t = await startTestServer();
    ({ c } = await hostClient(t, 'batches-01'));
  });
  afterAll(async () => {
    await t?.close();
  });

  const engine = () => t.fixture.engine;
  const prepared = (n: number, vm: string) => Array.from({ length: n }, () => engine().prepareSnapshot(vvol(t.fixture, { vm }).vvolId!).vvolId!);
  const created = () => engine().eventsSince('Storage001', 0, 100_000).filter((e) => e.messageId === 'nec.snapshot.created').map((e) => e.objectId);

  test('a slow snapshot batch: every snapshot taken is reported done, never Timeout; the rest are Timeout and still prepared', async () => {
    const snaps = prepared(20, 'vm-slow-batch');
    // 100 ms per look at the clock against a 1000 ms timeout: the deadline passes part
    // way through the batch, whatever the exact number of looks per item.
    const spy = slowClock(t.fixture.clock, 100);
    let items: Rec[];
    try {
      items = list(await c.ok<Rec[]>('snapshotVirtualVolume', { snapshotInfo: snaps.map((vvolId) => ({ vvolId })), timeoutMS: 1000 }));
    } finally {
      spy.mockRestore();
    }
    expect(items.map((i) => i.uniqueId)).toEqual(snaps);
    const reported = items.map(outcome);
    const states = snaps.map((id) => engine().getVvol(id).state);
    // What was reported agrees with the array, item by item.
    expect(reported.map((r, i) => [r, states[i]])).toEqual(reported.map((r) => (r === 'done' ? ['done', 'ready'] : ['fault:Timeout', 'prepared'])));
    const done = snaps.filter((_, i) => reported[i] === 'done');
    expect(done.length).toBeGreaterThan(0);
    expect(done.length).toBeLessThan(snaps.length);
    // Taken in request order up to the deadline, one creation event each, all at one point in time.
    expect(done).toEqual(snaps.slice(0, done.length));
    expect(created().filter((id) => snaps.includes(id as string))).toEqual(done);
    expect(new Set(done.map((id) => engine().getVvol(id).createdAt)).size).toBe(1);
    // The ones left are still prepared: a second call takes them.
    const rest = snaps.slice(done.length);
    const retry = list(await c.ok<Rec[]>('snapshotVirtualVolume', { snapshotInfo: rest.map((vvolId) => ({ vvolId })), timeoutMS: 1000 }));
    expect(retry.map(outcome)).toEqual(rest.map(() => 'done'));
  });

  test('timeoutMS 0 sets no deadline: a slow batch is taken whole', async () => {
    const snaps = prepared(5, 'vm-no-deadline');
    const spy = slowClock(t.fixture.clock, 60_000);
    let items: Rec[];
    try {
      items = list(await c.ok<Rec[]>('snapshotVirtualVolume', { snapshotInfo: snaps.map((vvolId) => ({ vvolId })), timeoutMS: 0 }));
    } finally {
      spy.mockRestore();
    }
    expect(items.map(outcome)).toEqual(snaps.map(() => 'done'));
    expect(snaps.map((id) => engine().getVvol(id).state)).toEqual(snaps.map(() => 'ready'));
  });

  test('each failing item carries its own fault (StorageFault with its message); a malformed id does not fail the batch', async () => {
    const [good, taken] = prepared(2, 'vm-mixed-batch');
    await c.ok('snapshotVirtualVolume', { snapshotInfo: [{ vvolId: taken }], timeoutMS: 10_000 });
    const r = await c.call('snapshotVirtualVolume', {
      snapshotInfo: [{ vvolId: MALFORMED }, { vvolId: taken }, { vvolId: UNKNOWN }, { vvolId: good, metadata: [{ parameterName: 'VMW_VVolName', parameterValue: 'mixed.vmdk' }] }],
      timeoutMS: 10_000,
    });
    expect(r.fault).toBeUndefined();
    const items = list((r.result as { return: Rec[] }).return);
    expect(items.map((i) => [i.uniqueId, outcome(i)])).toEqual([
      [MALFORMED, 'fault:InvalidArgument'], [taken, 'fault:StorageFault'], [UNKNOWN, 'fault:NotFound'], [good, 'done'],
    ]);
    expect(items[1].errorResult).toEqual({ error: expect.objectContaining({ parameterList: [{ parameterName: 'message', parameterValue: `The VVOL ${taken} is not a prepared snapshot.` }] }) });
    expect(engine().getVvol(good).state).toBe('ready');
    expect(engine().vvolMetadata(good)).toMatchObject({ VMW_VVolName: 'mixed.vmdk' });
  });

  test('bindVirtualVolume: a malformed id is that item\'s fault, the others are bound', async () => {
    const [a, b] = [vvol(t.fixture), vvol(t.fixture)].map((d) => d.vvolId!);
    const r = await c.call('bindVirtualVolume', { vvolId: [a, MALFORMED, b], bindContext: 'Normal' });
    expect(r.fault).toBeUndefined();
    const items = list((r.result as { return: Rec[] }).return);
    expect(items.map((i) => [i.vvolId, i.fault ? (i.fault as { attributes: Rec }).attributes['xsi:type'] : 'bound'])).toEqual([[a, 'bound'], [MALFORMED, 'fault:InvalidArgument'], [b, 'bound']]);
    expect(engine().listBindings('Storage001', HOST_IQN).map((x) => x.vvolId)).toEqual(expect.arrayContaining([a, b]));
  });

  test('bindVirtualVolume: bindings made are reported bound even when reading their metadata afterwards fails', async () => {
    const a = vvol(t.fixture).vvolId!;
    // The bind's last read, in its transaction: the metadata of the VVols it bound.
    const all = t.fixture.store.all.bind(t.fixture.store);
    const spy = jest.spyOn(t.fixture.store, 'all').mockImplementation((sql: string, ...params) => {
      if (/FROM ld_metadata WHERE ld_id IN/.test(sql)) throw new ArrayError('STORE_ERROR', 'The store is busy.');
      return all(sql, ...params);
    });
    let r;
    try {
      r = await c.call('bindVirtualVolume', { vvolId: [a], bindContext: 'Normal' });
    } finally {
      spy.mockRestore();
    }
    expect(r.fault).toBeUndefined();
    const [item] = list((r.result as { return: Rec[] }).return);
    expect(item).toMatchObject({ vvolId: a, vvolHandle: { uniqueIdentifier: a } });
    expect(item.fault).toBeUndefined();
    expect(item.vvolInfo).toBeUndefined();
    expect(engine().listBindings('Storage001', HOST_IQN).map((x) => x.vvolId)).toContain(a);
  });

  test('unbindVirtualVolume RebindStart keeps bindings and says which there are; RebindEnd unbinds', async () => {
    const [bound, unboundVvol] = [vvol(t.fixture), vvol(t.fixture)].map((d) => d.vvolId!);
    const [b] = list(await c.ok<Rec[]>('bindVirtualVolume', { vvolId: [bound], bindContext: 'Normal' }));
    const handle = b.vvolHandle as { peInBandId: Rec; vvolSecondaryId: string };
    const handles = [bound, unboundVvol, UNKNOWN, MALFORMED].map((uniqueIdentifier) => ({ uniqueIdentifier, peInBandId: handle.peInBandId, vvolSecondaryId: handle.vvolSecondaryId }));
    const start = list(await c.ok<Rec[]>('unbindVirtualVolume', { vvolHandle: handles, unbindContext: 'RebindStart' }));
    expect(start.map((i) => [i.uniqueId, outcome(i)])).toEqual([[bound, 'done'], [unboundVvol, 'fault:NotFound'], [UNKNOWN, 'fault:NotFound'], [MALFORMED, 'fault:InvalidArgument']]);
    expect(engine().listBindings('Storage001', HOST_IQN).map((x) => x.vvolId)).toContain(bound);
    const end = list(await c.ok<Rec[]>('unbindVirtualVolume', { vvolHandle: handles.slice(0, 1), unbindContext: 'RebindEnd' }));
    expect(end.map(outcome)).toEqual(['done']);
    expect(engine().listBindings('Storage001', HOST_IQN).map((x) => x.vvolId)).not.toContain(bound);
  });

  test('unbindVirtualVolumeFromAllHost: a malformed id is that item\'s fault, the others are unbound', async () => {
    const a = vvol(t.fixture).vvolId!;
    await c.ok('bindVirtualVolume', { vvolId: [a], bindContext: 'Normal' });
    const items = list(await c.ok<Rec[]>('unbindVirtualVolumeFromAllHost', { vvolId: [MALFORMED, a] }));
    expect(items.map((i) => [i.uniqueId, outcome(i)])).toEqual([[MALFORMED, 'fault:InvalidArgument'], [a, 'done']]);
    expect(engine().listBindings('Storage001').map((x) => x.vvolId)).not.toContain(a);
  });
});
