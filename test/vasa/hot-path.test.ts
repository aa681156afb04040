/**
 * One engine call per VASA call on the hot paths (issue 9, item 7): over the real wire,
 * a bind (of 1 and of 64 VVols), an unbind, a create, prepareToSnapshot, snapshot and
 * queryVirtualVolumeInfo each take one store transaction (or one read plus one write),
 * read each VVol's row once, and the call log names the array from what the call itself
 * read, with the fault's own name and message.
 */
import { vvol } from '../helpers/expect-error';
import { captureLogger, hostClient, list, val, startTestServer, TestServer, VasaSoapClient } from '../helpers/vasa-server';
import { containerUuid } from '../../src/array/ids';
import type { Store } from '../../src/store/db';

type Rec = Record<string, unknown>;
const UNKNOWN = 'naa.65cdb050000000005cdb05310000fff1';

interface Measured {
  writes: number;
  reads: number;
  savepoints: number;
  /** Per VVol LD id: the statements that read its row of `lds` (by LD id or VVol id). */
  rowReads: Map<number, number>;
}

/**
 * Counts what one call does to the store: the transactions it opens (the store's own
 * counters) and, per LD, the statements that read its row. Statements are seen by
 * wrapping get/all/values, through which every engine query goes.
 */
async function measure(store: Store, lds: { id: number; vvolId: string }[], call: () => Promise<unknown>): Promise<Measured> {
  const byKey = new Map<string | number, number>();
  for (const l of lds) {
    byKey.set(l.id, l.id);
    byKey.set(l.vvolId, l.id);
  }
  const rowReads = new Map<number, number>(lds.map((l) => [l.id, 0]));
  const reading = /\bFROM lds l\b[\s\S]*\bWHERE l\.(id|vvol_id) = \?/;
  // A batch's rows in one statement (findVvols): each id of the JSON list is one row read.
  const readingMany = /\bFROM lds l\b[\s\S]*\bWHERE l\.(id|vvol_id) IN \(SELECT value FROM json_each\(\?\)\)/;
  const count = (k: string | number) => {
    const ld = byKey.get(k);
    if (ld !== undefined) rowReads.set(ld, (rowReads.get(ld) ?? 0) + 1);
  };
  const seen = (sql: string, params: unknown[]) => {
    if (readingMany.test(sql)) for (const k of JSON.parse(params[0] as string) as (string | number)[]) count(k);
    else if (reading.test(sql)) count(params[0] as string | number);
  };
  const get = store.get.bind(store);
  const all = store.all.bind(store);
  const values = store.values.bind(store);
  const spies = [
    jest.spyOn(store, 'get').mockImplementation((sql: string, ...params) => { seen(sql, params); return get(sql, ...params); }),
    jest.spyOn(store, 'all').mockImplementation((sql: string, ...params) => { seen(sql, params); return all(sql, ...params); }),
    jest.spyOn(store, 'values').mockImplementation((sql: string, ...params) => { seen(sql, params); return values(sql, ...params); }),
  ];
  const before = { ...store.stats };
  try {
    await call();
  } finally {
    for (const s of spies) s.mockRestore();
  }
  return { writes: store.stats.writes - before.writes, reads: store.stats.reads - before.reads, savepoints: store.stats.savepoints - before.savepoints, rowReads };
}

describe('hot paths: one engine call per VASA call', () => {
  let t: TestServer;
  let c: VasaSoapClient;
  const logged = captureLogger();

  beforeAll(async () => {
    t = await startTestServer({ log: logged.log });
    ({ c } = await hostClient(t, 'hot-path-01'));
  });
  afterAll(async () => {
    await t?.close();
  });

  const engine = () => t.fixture.engine;
  const store = () => t.fixture.store;
  const vvols = (n: number, vm: string) => Array.from({ length: n }, () => vvol(t.fixture, { vm }));
  const ldsOf = (ids: string[]) => ids.map((id) => ({ id: engine().getVvol(id).id, vvolId: id }));
  /** The last call-log line of an operation. */
  const logLine = (op: string) => [...logged.lines].reverse().find((l) => l.message.startsWith(`vasa ${op} `))?.message ?? '';

  test.each([1, 64])('bindVirtualVolume of %i VVol(s): one write transaction, each VVol row read once, the array on the log line', async (n) => {
    const ids = vvols(n, `vm-bind-${n}`).map((d) => d.vvolId!);
    let items: Rec[] = [];
    const m = await measure(store(), ldsOf(ids), async () => {
      items = list(await c.ok<Rec[]>('bindVirtualVolume', { vvolId: ids, bindContext: 'Normal' }));
    });
    expect(items.map((i) => [i.vvolId, i.fault === undefined, (i.vvolInfo as Rec | undefined)?.vvolId])).toEqual(ids.map((id) => [id, true, id]));
    // One write transaction (a group commit's) and the call's savepoint in it; the items need none
    // of their own (every refusal of an item comes before its writes: binding.ts writesOnly).
    expect({ writes: m.writes, reads: m.reads, savepoints: m.savepoints }).toEqual({ writes: 1, reads: 0, savepoints: 1 });
    expect([...m.rowReads.values()]).toEqual(ids.map(() => 1));
    expect(logLine('bindVirtualVolume')).toMatch(/ array=Storage001 .* ok$/);
  });

  test('unbindVirtualVolume: one write transaction, each VVol row read once', async () => {
    const ids = vvols(3, 'vm-unbind').map((d) => d.vvolId!);
    const bound = list(await c.ok<Rec[]>('bindVirtualVolume', { vvolId: ids, bindContext: 'Normal' }));
    const handles = bound.map((b) => b.vvolHandle);
    let items: Rec[] = [];
    const m = await measure(store(), ldsOf(ids), async () => {
      items = list(await c.ok<Rec[]>('unbindVirtualVolume', { vvolHandle: handles, unbindContext: 'Normal' }));
    });
    expect(items.map((i) => [i.uniqueId, i.errorResult])).toEqual(ids.map((id) => [id, undefined]));
    expect({ writes: m.writes, reads: m.reads }).toEqual({ writes: 1, reads: 0 });
    expect([...m.rowReads.values()]).toEqual(ids.map(() => 1));
    expect(logLine('unbindVirtualVolume')).toMatch(/ array=Storage001 .* ok$/);
  });

  test('createVirtualVolume: one write transaction; the task and the log name the array', async () => {
    const a = engine().getArray('Storage001');
    let task: Rec = {};
    const m = await measure(store(), [], async () => {
      task = await c.ok<Rec>('createVirtualVolume', {
        containerId: containerUuid(a.wwn, 0), vvolType: 'Data', sizeInMB: 1024,
        metadata: [{ parameterName: 'VMW_VmID', parameterValue: 'vm-create' }],
      });
    });
    expect(task).toMatchObject({ arrayId: `StorageArray:${a.serial}`, taskState: 'Success' });
    expect(engine().getVvol(val(task.result)).vmId).toBe('vm-create');
    expect({ writes: m.writes, reads: m.reads }).toEqual({ writes: 1, reads: 0 });
    expect(logLine('createVirtualVolume')).toMatch(/ array=Storage001 .* ok$/);
  });

  test('the other VVol operations name their array on the log line too (no lookup of their own)', async () => {
    const [a, b] = vvols(2, 'vm-other-ops').map((d) => d.vvolId!);
    await c.ok('updateVirtualVolumeMetaData', { vvolId: a, keyValuePair: [{ parameterName: 'VMW_VVolName', parameterValue: 'renamed.vmdk' }] });
    await c.ok('resizeVirtualVolume', { vvolId: a, sizeInMB: 2048 });
    await c.ok('fastCloneVirtualVolume', { vvolId: a, metadata: [{ parameterName: 'VMW_VmID', parameterValue: 'vm-other-clone' }] });
    await c.ok('deleteVirtualVolume', { vvolId: b });
    for (const op of ['updateVirtualVolumeMetaData', 'resizeVirtualVolume', 'fastCloneVirtualVolume', 'deleteVirtualVolume']) {
      expect({ op, line: logLine(op) }).toEqual({ op, line: expect.stringMatching(/ array=Storage001 .* ok$/) });
    }
  });

  test('prepareToSnapshotVirtualVolume: one write transaction, the base row read once', async () => {
    const base = vvol(t.fixture, { vm: 'vm-prepare' }).vvolId!;
    let task: Rec = {};
    const m = await measure(store(), ldsOf([base]), async () => {
      task = await c.ok<Rec>('prepareToSnapshotVirtualVolume', { vvolId: base });
    });
    const result = task.result as Rec;
    expect(result.parentInfo).toMatchObject({ vvolId: base });
    expect(result.parentStats).toMatchObject({ objectId: base });
    expect(engine().getVvol(String(result.snapshotId)).state).toBe('prepared');
    expect({ writes: m.writes, reads: m.reads }).toEqual({ writes: 1, reads: 0 });
    expect([...m.rowReads.values()]).toEqual([1]);
    expect(logLine('prepareToSnapshotVirtualVolume')).toMatch(/ array=Storage001 .* ok$/);
  });

  test('snapshotVirtualVolume: one write transaction, each snapshot row read once', async () => {
    const snaps = vvols(4, 'vm-snapshot').map((d) => engine().prepareSnapshot(d.vvolId!).vvolId!);
    let items: Rec[] = [];
    const m = await measure(store(), ldsOf(snaps), async () => {
      items = list(await c.ok<Rec[]>('snapshotVirtualVolume', { snapshotInfo: snaps.map((vvolId) => ({ vvolId })), timeoutMS: 10_000 }));
    });
    expect(items.map((i) => [i.uniqueId, i.errorResult])).toEqual(snaps.map((id) => [id, undefined]));
    expect({ writes: m.writes, reads: m.reads }).toEqual({ writes: 1, reads: 0 });
    expect([...m.rowReads.values()]).toEqual(snaps.map(() => 1));
    expect(logLine('snapshotVirtualVolume')).toMatch(/ array=Storage001 .* ok$/);
  });

  test('queryVirtualVolumeInfo: one read transaction, each VVol row read once', async () => {
    const ids = vvols(8, 'vm-query').map((d) => d.vvolId!);
    let infos: Rec[] = [];
    const m = await measure(store(), ldsOf(ids), async () => {
      infos = list(await c.ok<Rec[]>('queryVirtualVolumeInfo', { vvolId: ids }));
    });
    expect(infos.map((i) => i.vvolId)).toEqual(ids);
    expect({ writes: m.writes, reads: m.reads }).toEqual({ writes: 0, reads: 1 });
    expect([...m.rowReads.values()]).toEqual(ids.map(() => 1));
    expect(logLine('queryVirtualVolumeInfo')).toMatch(/ array=Storage001 .* ok$/);
  });

  test('a faulted call logs the fault\'s name and message, taken from the fault, not from the XML', async () => {
    const r = await c.call('deleteVirtualVolume', { vvolId: UNKNOWN });
    expect(r.fault?.name).toBe('NotFound');
    expect(logLine('deleteVirtualVolume')).toMatch(new RegExp(` fault: NotFound: The specified ${UNKNOWN.replace(/\./g, '\\.')} does not exist\\.$`));
    // The message as the fault holds it, not as the XML escapes it.
    const q = await c.call('deleteVirtualVolume', { vvolId: 'naa.<&>' });
    expect(q.fault?.name).toBe('InvalidArgument');
    expect(logLine('deleteVirtualVolume')).toMatch(/ fault: InvalidArgument: vvolId "naa\.<&>" is not a VVol id/);
  });
});

describe('hot paths on an engine scoped to the managed arrays (the daemon\'s)', () => {
  let t: TestServer;
  let c: VasaSoapClient;

  beforeAll(async () => {
    t = await startTestServer({ faceEngine: (f) => f.engine.scoped(() => true) });
    ({ c } = await hostClient(t, 'hot-path-02'));
  });
  afterAll(async () => {
    await t?.close();
  });

  /** The statements reading the arrays table during one call (the scope check reads it). */
  async function arrayReads(call: () => Promise<unknown>): Promise<number> {
    const store = t.fixture.store;
    let n = 0;
    const get = store.get.bind(store);
    const spy = jest.spyOn(store, 'get').mockImplementation((sql: string, ...params) => {
      if (/\bFROM arrays\b/.test(sql)) n++;
      return get(sql, ...params);
    });
    try {
      await call();
    } finally {
      spy.mockRestore();
    }
    return n;
  }

  test('a bind of 64 asks the scope once per array, not once per VVol', async () => {
    const reads: number[] = [];
    for (const n of [1, 64]) {
      const ids = Array.from({ length: n }, () => vvol(t.fixture, { vm: `vm-scoped-${n}` }).vvolId!);
      reads.push(await arrayReads(async () => {
        const items = list(await c.ok<Rec[]>('bindVirtualVolume', { vvolId: ids, bindContext: 'Normal' }));
        expect(items.filter((i) => i.fault === undefined)).toHaveLength(n);
      }));
    }
    expect(reads[0]).toBeGreaterThan(0);
    expect(reads[1]).toBe(reads[0]);
  });
});
