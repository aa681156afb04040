/**
 * Calls take turns on the event loop (issue 12, S7's event-loop delay): a call's handler
 * runs in a turn of its own, and a handler that waited for the disk (the binds and
 * unbinds of a group commit, answered together once the group's commit is durable)
 * encodes its answer in a turn of its own too, so a group of binds of 64 is not encoded
 * back to back in the callback that settles the group.
 */
import { vvol } from '../helpers/expect-error';
import { hostClient, list, startTestServer, TestServer, VasaSoapClient } from '../helpers/vasa-server';
import { Turns } from '../../src/vasa/http/turns';

type Rec = Record<string, unknown>;

/** Counts event-loop turns (check phases) while it runs. */
function turnCounter(): { now: () => number; stop: () => void } {
  let turn = 0;
  let on = true;
  const tick = () => {
    turn++;
    if (on) setImmediate(tick);
  };
  setImmediate(tick);
  return { now: () => turn, stop: () => { on = false; } };
}

describe('Turns', () => {
  test('calls and resumptions run one per turn in arrival order; only calls count as pending', async () => {
    const turns = new Turns();
    const counter = turnCounter();
    const ran: [string, number][] = [];
    const done = [
      turns.next().then(() => ran.push(['call 1', counter.now()])),
      turns.resume().then(() => ran.push(['resume 1', counter.now()])),
      turns.next().then(() => ran.push(['call 2', counter.now()])),
    ];
    // A group commit waits for queued calls, not for answers waiting to be encoded.
    expect(turns.pending).toBe(2);
    await Promise.all(done);
    counter.stop();
    expect(turns.pending).toBe(0);
    expect(ran.map((r) => r[0])).toEqual(['call 1', 'resume 1', 'call 2']);
    expect(new Set(ran.map((r) => r[1])).size).toBe(3);
  });
});

describe('a group commit\'s binds are answered one per turn', () => {
  let t: TestServer;
  let c: VasaSoapClient;

  beforeAll(async () => {
    t = await startTestServer();
    ({ c } = await hostClient(t, 'turns-01'));
  });
  afterAll(async () => {
    await t?.close();
  });

  test('four binds in one group: one commit, four answers encoded in four turns', async () => {
    const n = 4;
    const ids = Array.from({ length: n }, (_, i) => vvol(t.fixture, { vm: `vm-turns-${i}` }).vvolId!);
    const store = t.fixture.store;
    // The group is held open until all four calls joined it (the face's policy would commit
    // earlier if their bodies did not arrive together), so they settle in one callback.
    const joined = store.stats.savepoints;
    t.fixture.engine.setGroupPolicy({ more: () => store.stats.savepoints - joined < n, maxItems: 256, maxTurns: 100_000 });
    const codec = t.server.face.codec;
    const element = codec.element.bind(codec);
    const counter = turnCounter();
    const encodedIn: number[] = [];
    const spy = jest.spyOn(codec, 'element').mockImplementation((out, decl, value) => {
      if (decl.name === 'bindVirtualVolumeResponse') encodedIn.push(counter.now());
      element(out, decl, value);
    });
    const writes = store.stats.writes;
    try {
      const answers = await Promise.all(ids.map((id) => c.ok<Rec[]>('bindVirtualVolume', { vvolId: [id], bindContext: 'Normal' })));
      expect(answers.map((a) => list(a).map((i) => [i.vvolId, i.fault === undefined]))).toEqual(ids.map((id) => [[id, true]]));
    } finally {
      spy.mockRestore();
      counter.stop();
    }
    expect(store.stats.writes - writes).toBe(1);
    expect(encodedIn).toHaveLength(n);
    expect(new Set(encodedIn).size).toBe(n);
  });
});
