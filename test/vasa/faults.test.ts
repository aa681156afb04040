/**
 * VASA faults over the wire, with the manual's texts: a VVol that does not exist
 * (NotFound), the 257th snapshot generation and the VM limit (SnapshotTooMany), a
 * locked licence, a batch over maxBatchSize (TooMany with maxBatchSize), operations we
 * do not serve (NotImplemented, never a fake success), events and alarms the provider
 * no longer holds (LostEvent / LostAlarm), and admission control (VasaProviderBusy,
 * fast, nothing hangs).
 */
import https from 'node:https';
import { containerUuid } from '../../src/array/ids';
import {
  bodyChild, ClientCert, esc, list, makeClientCert, PASSWORD, RawSoap, soapEnvelope, startTestServer, TestServer, textOf, USER, val,
  vasaSoapClient, VasaSoapClient,
} from '../helpers/vasa-server';

const CTR0 = containerUuid('00255CDB05310000', 0);
const MISSING = 'naa.65cdb050000000005cdb05310000fff0'; // LD FFF0h of the array: no such LD
const SNAPSHOT_LIMIT_TEXT = 'You cannot create any more snapshot because the number of snapshots is limited to 256 per virtual machine.';

type Rec = Record<string, unknown>;

async function connect(t: TestServer, cert: ClientCert, usageContext: Rec = { hostGuid: 'host-guid-faults', hostInitiator: [{ uniqueIdentifier: 'iqn.1998-01.com.vmware:faults', iscsiIdentifier: 'iqn.1998-01.com.vmware:faults' }] }) {
  const c = await vasaSoapClient(t.url, cert);
  await c.ok('registerVASACertificate', { userName: USER, password: PASSWORD, newCertificate: cert.cert });
  const info = await c.ok<{ sessionId: string }>('setContext', { usageContext });
  c.setSession(info.sessionId);
  const raw = new RawSoap(t.url, cert);
  raw.cookie = `VASASESSIONID=${info.sessionId}`;
  return { c, raw };
}

async function createVvol(c: VasaSoapClient, type: string, vmId?: string): Promise<string> {
  const metadata = [{ parameterName: 'VMW_VVolType', parameterValue: type }, { parameterName: 'VMW_VVolName', parameterValue: `disk-${type}.vmdk` }];
  if (vmId) metadata.push({ parameterName: 'VMW_VmID', parameterValue: vmId });
  const task = await c.ok<{ result: unknown }>('createVirtualVolume', { containerId: CTR0, vvolType: type, sizeInMB: 1024, metadata });
  return val(task.result);
}

describe('faults of the VVol operations', () => {
  let t: TestServer;
  let cert: ClientCert;
  let c: VasaSoapClient;
  let raw: RawSoap;

  beforeAll(async () => {
    t = await startTestServer();
    cert = makeClientCert('vc-faults');
    ({ c, raw } = await connect(t, cert));
  });
  afterAll(async () => {
    await t?.close();
  });

  test('a VVol that does not exist: NotFound with "The specified <id> does not exist."', async () => {
    const text = `The specified ${MISSING} does not exist.`;
    for (const [op, args] of [
      ['deleteVirtualVolume', { vvolId: MISSING }],
      ['prepareToSnapshotVirtualVolume', { vvolId: MISSING }],
      ['revertVirtualVolume', { vvolId: MISSING, snapshotVvolId: MISSING }],
      ['fastCloneVirtualVolume', { vvolId: MISSING, metadata: [{ parameterName: 'VMW_VVolType', parameterValue: 'Data' }] }],
      ['cloneVirtualVolume', { vvolId: MISSING }],
      ['resizeVirtualVolume', { vvolId: MISSING, sizeInMB: 2048 }],
      ['updateVirtualVolumeMetaData', { vvolId: MISSING, keyValuePair: [{ parameterName: 'a', parameterValue: 'b' }] }],
      ['allocatedBitmapVirtualVolume', { vvolId: MISSING, segmentStartOffsetBytes: 0, segmentLengthBytes: 1048576, chunkSizeBytes: 1048576 }],
    ] as const) {
      const r = await c.call(op, args as Rec);
      expect({ op, fault: r.fault?.name, message: r.fault?.message }).toEqual({ op, fault: 'NotFound', message: text });
    }
    const w = await raw.call('deleteVirtualVolume', `<vasa:vvolId>${MISSING}</vasa:vvolId>`);
    expect(w.status).toBe(500);
    expect(textOf(w.body, 'faultstring')).toBe(text);
    expect(w.body).toContain('<faultcode>soapenv:Client</faultcode>');
    expect(bodyChild(w.body)).toContain('<detail><vasa:NotFound><vasa:NotFound xsi:type="fault:NotFound"></vasa:NotFound></vasa:NotFound></detail>');
  });

  test('a malformed VVol id is InvalidArgument; an unknown container NotFound', async () => {
    const r = await c.call('deleteVirtualVolume', { vvolId: 'not-a-vvol' });
    expect(r.fault).toMatchObject({ name: 'InvalidArgument', message: 'vvolId "not-a-vvol" is not a VVol id (naa.6 and 31 hexadecimal digits).' });
    const r2 = await c.call('createVirtualVolume', { containerId: '00000000-0000-0000-0000-000000000000', vvolType: 'Data', sizeInMB: 1024, metadata: [{ parameterName: 'VMW_VVolType', parameterValue: 'Data' }] });
    expect(r2.fault).toMatchObject({ name: 'NotFound', message: 'The storage container 00000000-0000-0000-0000-000000000000 does not exist.' });
  });

  test('the 256th generation of a VM\'s disk and the 257th of another VVol are SnapshotTooMany', async () => {
    const vmDisk = await createVvol(c, 'Data', '502e0676-e510-ccdd-394c-667f68670001');
    const plain = await createVvol(c, 'Other');
    for (let i = 0; i < 255; i++) t.fixture.engine.snapshot(vmDisk);
    for (let i = 0; i < 256; i++) t.fixture.engine.snapshot(plain);
    for (const id of [vmDisk, plain]) {
      const r = await c.call('prepareToSnapshotVirtualVolume', { vvolId: id });
      expect({ id, fault: r.fault?.name, message: r.fault?.message }).toEqual({ id, fault: 'SnapshotTooMany', message: SNAPSHOT_LIMIT_TEXT });
      expect(r.raw).toContain('<vasa:SnapshotTooMany><vasa:SnapshotTooMany xsi:type="fault:SnapshotTooMany"></vasa:SnapshotTooMany></vasa:SnapshotTooMany>');
    }
    expect(t.fixture.engine.generations('Storage001', t.fixture.engine.getVvol(plain).ldn)).toHaveLength(256);
  });

  test('a locked snapshot licence: "The license for snapshot is locked."', async () => {
    const id = await createVvol(c, 'Data');
    t.fixture.engine.setLicence('Storage001', 'DynamicSnapVolume', false);
    try {
      const r = await c.call('prepareToSnapshotVirtualVolume', { vvolId: id });
      expect(r.fault).toMatchObject({ name: 'StorageFault', message: 'The license for snapshot is locked.' });
      expect(r.raw).toContain('<fault:faultMessageId>Fault.StorageFault.LICENCE_LOCKED</fault:faultMessageId>');
      expect(r.raw).toContain('<data:parameterName>message</data:parameterName><data:parameterValue>The license for snapshot is locked.</data:parameterValue>');
    } finally {
      t.fixture.engine.setLicence('Storage001', 'DynamicSnapVolume', true);
    }
    expect((await c.call('prepareToSnapshotVirtualVolume', { vvolId: id })).fault).toBeUndefined();
  });

  test('a batch over maxBatchSize is TooMany carrying maxBatchSize 64', async () => {
    const ids = Array.from({ length: 65 }, (_, i) => `naa.65cdb050000000005cdb05310000${(0xf000 + i).toString(16)}`);
    for (const [op, args] of [
      ['bindVirtualVolume', { vvolId: ids, bindContext: 'Normal' }],
      ['queryVirtualVolumeInfo', { vvolId: ids }],
      ['spaceStatsForVirtualVolume', { vvolId: ids }],
      ['snapshotVirtualVolume', { snapshotInfo: ids.map((vvolId) => ({ vvolId })), timeoutMS: 1000 }],
    ] as const) {
      const r = await c.call(op, args as Rec);
      expect({ op, fault: r.fault?.name, message: r.fault?.message }).toEqual({ op, fault: 'TooMany', message: expect.stringMatching(/^At most 64 .* per call \(got 65\)\.$/) });
      expect(r.raw).toContain('<detail><vasa:TooMany><vasa:TooMany xsi:type="fault:TooMany"><fault:maxBatchSize>64</fault:maxBatchSize></vasa:TooMany></vasa:TooMany></detail>');
    }
    // 64 is fine: per-item faults for unknown VVols
    const ok = await c.call('bindVirtualVolume', { vvolId: ids.slice(0, 64), bindContext: 'Normal' });
    expect(list((ok.result as { return: Rec[] }).return)).toHaveLength(64);
  });

  test('operations we do not serve are NotImplemented, never a success', async () => {
    for (const [op, inner] of [
      ['queryStorageLuns', ''],
    ] as const) {
      const r = await raw.call(op, inner);
      expect({ op, status: r.status }).toEqual({ op, status: 500 });
      expect(bodyChild(r.body)).toContain(`<detail><vasa:NotImplemented><vasa:NotImplemented xsi:type="fault:NotImplemented"></vasa:NotImplemented></vasa:NotImplemented></detail>`);
      expect(textOf(r.body, 'faultstring')).toBe(`The operation ${op} is not supported by this provider.`);
    }
    const r = await c.call('queryStorageLuns', {});
    expect(r.fault?.name).toBe('NotImplemented');
    expect(r.result).toBeUndefined();
  });
});

describe('events and alarms the provider no longer holds', () => {
  let t: TestServer;
  let c: VasaSoapClient;

  beforeAll(async () => {
    t = await startTestServer({ engine: { eventRetention: 4, eventRetentionMs: 0 } });
    ({ c } = await connect(t, makeClientCert('vc-events'), { vcGuid: 'vc-guid-events' }));
  });
  afterAll(async () => {
    await t?.close();
  });

  test('getEvents: LostEvent for a dropped id; -1 starts over; an id beyond the last is InvalidArgument', async () => {
    for (let i = 0; i < 12; i++) t.fixture.engine.raiseAlarm('Storage001', { type: 'Manageability', status: 'Yellow', objectType: 'StorageArray', objectId: '0000000991007777', messageId: 'nec.test', message: `alarm ${i}` });
    for (let i = 0; i < 3; i++) t.fixture.engine.setMonitoring('Storage001', i % 2 ? 'Running' : 'Stopped');
    t.fixture.engine.setMonitoring('Storage001', 'Running');
    const held = list(await c.ok<Rec[]>('getEvents', { lastEventId: -1 }));
    expect(held.length).toBeGreaterThan(0);
    const first = Number(held[0].eventId);
    expect(first).toBeGreaterThan(2);
    const lost = await c.call('getEvents', { lastEventId: 1 });
    expect(lost.fault).toMatchObject({ name: 'LostEvent', message: 'The events after id 1 are no longer held.' });
    expect(lost.raw).toContain('<vasa:LostEvent><vasa:LostEvent xsi:type="fault:LostEvent"></vasa:LostEvent></vasa:LostEvent>');
    const lastId = Number(held.at(-1)?.eventId);
    expect(list(await c.ok<Rec[]>('getEvents', { lastEventId: lastId }))).toEqual([]);
    const beyond = await c.call('getEvents', { lastEventId: lastId + 1000 });
    expect(beyond.fault?.name).toBe('InvalidArgument');
  });

  test('getAlarms: LostAlarm for a dropped id', async () => {
    const held = list(await c.ok<Rec[]>('getAlarms', { lastAlarmId: -1 }));
    expect(held.length).toBeLessThanOrEqual(8);
    const r = await c.call('getAlarms', { lastAlarmId: 1 });
    expect(r.fault).toMatchObject({ name: 'LostAlarm', message: 'The alarms after id 1 are no longer held.' });
    expect(list(await c.ok<Rec[]>('getAlarms', { lastAlarmId: Number(held.at(-1)?.alarmId) }))).toEqual([]);
  });
});

describe('admission control: VasaProviderBusy, fast, nothing hangs', () => {
  let t: TestServer;
  let cert: ClientCert;
  let raw: RawSoap;

  beforeAll(async () => {
    t = await startTestServer({ server: { admission: { concurrent: 1, queued: 0 }, face: { maxConcurrentRequestsPerSession: 2 } } });
    cert = makeClientCert('vc-busy');
    ({ raw } = await connect(t, cert, { vcGuid: 'vc-guid-busy' }));
  });
  afterAll(async () => {
    await t?.close();
  });

  /** A call whose headers go now and whose body only when `finish` is called: it holds an admission slot meanwhile. */
  function slowCall(op: string, cookie?: string) {
    const body = Buffer.from(soapEnvelope(`<vasa:${op}/>`));
    let resolveDone: (v: { status: number; body: string }) => void = () => undefined;
    const done = new Promise<{ status: number; body: string }>((r) => { resolveDone = r; });
    const req = https.request(t.url, {
      method: 'POST', rejectUnauthorized: false, cert: cert.cert, key: cert.key, agent: false,
      headers: { 'Content-Type': 'text/xml; charset=utf-8', SOAPAction: `"urn:${op}"`, 'Content-Length': String(body.length), ...(cookie ? { Cookie: cookie } : {}) },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => resolveDone({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
    });
    req.write(body.subarray(0, 20));
    return { done, finish: () => req.end(body.subarray(20)) };
  }

  const until = async (cond: () => boolean) => {
    for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
    expect(cond()).toBe(true);
  };

  test('while the only slot is taken, others are answered VasaProviderBusy at once; then all is normal', async () => {
    const release = await t.server.admission.enter();
    expect(t.server.admission.stats().running).toBe(1);
    const started = Date.now();
    const others = await Promise.all(Array.from({ length: 8 }, (_, i) => (i % 2 ? raw.call('queryStorageContainer') : raw.call('queryArrays', '', { version: '1.2' }))));
    expect(Date.now() - started).toBeLessThan(5000);
    for (const [i, r] of others.entries()) {
      expect({ i, status: r.status }).toEqual({ i, status: 500 });
      expect(r.body).toContain('<vasa:VasaProviderBusy><vasa:VasaProviderBusy xsi:type="fault:VasaProviderBusy"></vasa:VasaProviderBusy></vasa:VasaProviderBusy>');
      expect(r.body).toContain(i % 2 ? 'http://schemas.xmlsoap.org/soap/envelope/' : 'http://www.w3.org/2003/05/soap-envelope');
    }
    release();
    expect(t.server.admission.stats().running).toBe(0);
    expect((await raw.call('queryStorageContainer')).status).toBe(200);
    expect(t.server.admission.stats().rejected).toBeGreaterThanOrEqual(8);
  });

  test('row 9: a slow upload holds no admission slot: while it trickles, calls are answered normally', async () => {
    const slow = slowCall('queryArrays', raw.cookie);
    await until(() => t.server.face.sessions.all().some((x) => x.inFlight === 1));
    expect(t.server.admission.stats().running).toBe(0);
    const r = await raw.call('queryStorageContainer');
    expect(r.status).toBe(200);
    slow.finish();
    const s = await slow.done;
    expect(s.status).toBe(200);
    expect(s.body).toContain('<vasa:queryArraysResponse>');
  });

  test('a burst of parallel calls: every one is answered (success or VasaProviderBusy), none hangs', async () => {
    const started = Date.now();
    const all = await Promise.all(Array.from({ length: 40 }, () => raw.call('queryStorageContainer')));
    expect(Date.now() - started).toBeLessThan(15_000);
    for (const r of all) {
      if (r.status === 200) expect(r.body).toContain('<vasa:queryStorageContainerResponse>');
      else expect(r.body).toContain('<vasa:VasaProviderBusy>');
    }
    expect(all.some((r) => r.status === 200)).toBe(true);
    expect((await raw.call('queryArrays')).status).toBe(200);
  });

  test('a session over its maxConcurrentRequestsPerSession is answered VasaProviderBusy', async () => {
    const t2 = await startTestServer({ server: { face: { maxConcurrentRequestsPerSession: 1 } } });
    try {
      const { raw: r2 } = await connect(t2, cert, { vcGuid: 'vc-guid-per-session' });
      const slowT2 = (() => {
        const body = Buffer.from(soapEnvelope('<vasa:queryArrays/>'));
        const req = https.request(t2.url, { method: 'POST', rejectUnauthorized: false, cert: cert.cert, key: cert.key, agent: false, headers: { 'Content-Type': 'text/xml', 'Content-Length': String(body.length), Cookie: r2.cookie as string } });
        const done = new Promise<number>((resolve) => req.on('response', (res) => { res.resume(); res.on('end', () => resolve(res.statusCode ?? 0)); }));
        req.write(body.subarray(0, 10));
        return { done, finish: () => req.end(body.subarray(10)) };
      })();
      await until(() => t2.server.face.sessions.all().some((x) => x.inFlight === 1));
      const r = await r2.call('queryStorageContainer');
      expect(r.status).toBe(500);
      expect(textOf(r.body, 'faultstring')).toMatch(/^This session already has 1 calls in progress \(at most 1\)/);
      // another client is not affected
      const other = new RawSoap(t2.url, cert);
      expect((await other.call('setContext', `<vasa:usageContext><data:vcGuid>${esc('vc-other')}</data:vcGuid></vasa:usageContext>`)).status).toBe(200);
      slowT2.finish();
      expect(await slowT2.done).toBe(200);
    } finally {
      await t2.close();
    }
  });
});
