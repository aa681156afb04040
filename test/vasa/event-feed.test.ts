/**
 * Which events vCenter sees is decided once, by the engine's vasaEvents
 * (VASA_HIDDEN_CONFIG in src/array/events.ts): the configuration events of the object
 * types vCenter and the hosts learn about from their own calls never reach getEvents,
 * and getEvents shows exactly what vasaEvents gives (the handler has no filter of its own
 * beyond a session's subscription).
 */
import { VASA_HIDDEN_CONFIG, vasaEvents } from '../../src/array/events';
import { GB, buildArray } from '../helpers/fixture';
import { list, makeClientCert, PASSWORD, startTestServer, TestServer, USER, vasaSoapClient, VasaSoapClient } from '../helpers/vasa-server';

type Rec = Record<string, unknown>;

describe('getEvents shows what the engine\'s vasaEvents lets through, and nothing of the hidden kinds', () => {
  let t: TestServer;
  let c: VasaSoapClient;

  beforeAll(async () => {
    t = await startTestServer();
    const cert = makeClientCert('vc-event-feed');
    c = await vasaSoapClient(t.url, cert);
    await c.ok('registerVASACertificate', { userName: USER, password: PASSWORD, newCertificate: cert.cert });
    const info = await c.ok<{ sessionId: string }>('setContext', { usageContext: { vcGuid: 'vc-guid-event-feed' } });
    c.setSession(info.sessionId);
  });
  afterAll(async () => {
    await t?.close();
  });

  test('VVol, LD, pool and host configuration events stay out; array events come through, in order', async () => {
    const e = t.fixture.engine;
    const a = t.fixture.array;
    const v = e.createVvol(a, { pool: 0, type: 'data', sizeBytes: GB }).ld.vvolId as string;
    e.bindVvols('esxi01', [v]);
    e.snapshot(v);
    e.unbindAllFromHost('esxi01');
    e.setMonitoring(a, 'Stopped');
    e.setMonitoring(a, 'Running');

    const all = e.providerEventsSince('events', -1, 1000).entries;
    const hidden = new Set(all.filter((x) => 'configType' in x && x.type === 'Config' && VASA_HIDDEN_CONFIG.includes(x.objectType ?? '')).map((x) => x.gseq));
    expect(hidden.size).toBeGreaterThan(3); // the test is not vacuous: hidden events were made
    const kinds = new Set(all.filter((x) => hidden.has(x.gseq)).map((x) => (x as { objectType?: string }).objectType));
    expect([...kinds].sort()).toEqual(['Host', 'LogicalDisk', 'StoragePool', 'VirtualVolume']); // the array's bootstrap made pools and LDs

    const seen = list(await c.ok<Rec[]>('getEvents', { lastEventId: -1 })).map((x) => Number(x.eventId));
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.filter((id) => hidden.has(id))).toEqual([]);
    expect(seen).toEqual(e.vasaEvents(-1, 1000).entries.map((x) => x.gseq));
    expect(seen).toEqual(all.filter((x) => !hidden.has(x.gseq)).map((x) => x.gseq));
  });
});

test('vasaEvents of some arrays only: the events of the others are left out, through the same filter', () => {
  const f = buildArray();
  f.engine.registerArray({ name: 'Other', serial: '0000000991008888', model: 'M510', ip: '192.0.2.20' });
  f.engine.createVvol(f.array, { pool: 0, type: 'data', sizeBytes: GB });
  f.engine.setMonitoring('Other', 'Stopped');
  f.engine.setMonitoring(f.array, 'Stopped');
  const mine = f.engine.getArray(f.array).id;
  const other = f.engine.getArray('Other').id;
  const everyone = f.engine.vasaEvents(-1, 1000).entries;
  expect(new Set(everyone.map((x) => x.arrayId))).toEqual(new Set([mine, other]));
  const only = f.engine.batchRead(() => vasaEvents(f.engine.ctx, -1, 1000, [mine]).entries);
  expect(only.map((x) => x.gseq)).toEqual(everyone.filter((x) => x.arrayId === mine).map((x) => x.gseq));
  expect(only.some((x) => x.type === 'Config' && x.objectType === 'VirtualVolume')).toBe(false);
  f.close();
});
