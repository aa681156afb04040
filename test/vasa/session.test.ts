/**
 * Registration and sessions over the wire: version.xml, ?wsdl and ?xsd=, the
 * certificate registration with the provider account, setContext and its cookie, the
 * InvalidSession fault for calls without a valid session, and SOAP 1.1 / 1.2 each
 * answered in its own version. Driven by node-soap's generated client and by raw posts.
 */
import {
  bodyChild, captureLogger, ClientCert, esc, httpsRequest, makeClientCert, PASSWORD, RawSoap, soapEnvelope, startTestServer, TestServer, textOf, USER, vasaSoapClient,
} from '../helpers/vasa-server';

let t: TestServer;
let cert: ClientCert;
let stranger: ClientCert;

const HOST_CONTEXT = '<vasa:usageContext><data:hostGuid>host-guid-1</data:hostGuid><data:hostInitiator><data:uniqueIdentifier>iqn.1998-01.com.vmware:esx-a</data:uniqueIdentifier><data:iscsiIdentifier>iqn.1998-01.com.vmware:esx-a</data:iscsiIdentifier></data:hostInitiator></vasa:usageContext>';
const register = (c: ClientCert, password = PASSWORD) =>
  `<vasa:userName>${USER}</vasa:userName><vasa:password>${esc(password)}</vasa:password><vasa:newCertificate>${esc(c.cert)}</vasa:newCertificate>`;

beforeAll(async () => {
  t = await startTestServer();
  cert = makeClientCert('vc-one');
  stranger = makeClientCert('stranger');
});
afterAll(async () => {
  await t?.close();
});

describe('documents served without certificate or session', () => {
  test('version.xml lists VASA 2.0 and the absolute endpoint URL (also under /vasa/)', async () => {
    for (const p of ['/version.xml', '/vasa/version.xml']) {
      const r = await httpsRequest(`https://127.0.0.1:${t.port}${p}`);
      expect(r.status).toBe(200);
      expect(r.headers['content-type']).toMatch(/^application\/xml/);
      expect(r.body).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<vasa-provider-info name="[^"]+">/);
      expect(r.body).toContain('<supported-versions>');
      expect(r.body).toContain('<version id="2.0">');
      expect(r.body).toContain('<supported-vasa-version>2.0</supported-vasa-version>');
      expect(textOf(r.body, 'url')).toBe(t.url);
    }
    expect(t.url).toBe(`https://127.0.0.1:${t.port}/vasa/services/vasaService`);
  });

  test('version.xml without Express (the start\'s lean path) is what Express answers with a query string', async () => {
    const lean = await httpsRequest(`https://127.0.0.1:${t.port}/version.xml`);
    const routed = await httpsRequest(`https://127.0.0.1:${t.port}/version.xml?from=express`);
    expect(lean.body).toBe(routed.body);
    for (const h of ['content-type', 'content-length']) expect(lean.headers[h]).toBe(routed.headers[h]);
    expect(lean.headers['content-type']).toBe('application/xml; charset=utf-8');
  });

  test('?wsdl points its ports and schema imports at this server', async () => {
    const r = await httpsRequest(`${t.url}?wsdl`);
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toMatch(/xml/);
    expect(r.body).toContain('<wsdl:service name="vasaService">');
    expect(r.body).toContain(`<soap:address location="${t.url}"/>`);
    expect(r.body).toContain(`<soap12:address location="${t.url}"/>`);
    expect(r.body).toContain(`schemaLocation="${t.url}?xsd=vasa.xsd"`);
    expect(r.body).not.toMatch(/schemaLocation="[a-z-]+\.xsd"/);
  });

  test('?xsd= serves our schemas and nothing else', async () => {
    const ok = await httpsRequest(`${t.url}?xsd=vvol.xsd`);
    expect(ok.status).toBe(200);
    expect(ok.body).toContain('targetNamespace="http://vvol.data.vasa.vim.vmware.com/xsd"');
    expect(ok.body).toContain(`schemaLocation="${t.url}?xsd=data.xsd"`);
    for (const bad of ['../package.json', 'nope.xsd', '..%2Fpackage.json', '/etc/passwd']) {
      const r = await httpsRequest(`${t.url}?xsd=${bad}`);
      expect({ bad, status: r.status }).toEqual({ bad, status: 404 });
    }
  });

  test('the message catalogs of queryCatalog are served', async () => {
    const r = await httpsRequest(`https://127.0.0.1:${t.port}/catalog/en/fault.vmsg`);
    expect(r.status).toBe(200);
    expect(r.body).toMatch(/ = "/);
  });
});

describe('registration and setContext', () => {
  test('registerVASACertificate with a bad login is InvalidLogin (node-soap)', async () => {
    const c = await vasaSoapClient(t.url, cert);
    const r = await c.call('registerVASACertificate', { userName: USER, password: 'wrong', newCertificate: cert.cert });
    expect(r.fault).toMatchObject({ name: 'InvalidLogin', message: 'The user name or password of the provider account is wrong.' });
    expect(r.status).toBe(500);
    const r2 = await c.call('registerVASACertificate', { userName: 'someoneelse', password: PASSWORD, newCertificate: cert.cert });
    expect(r2.fault?.name).toBe('InvalidLogin');
  });

  test('registerVASACertificate with a certificate that is not PEM is InvalidCertificate', async () => {
    const raw = new RawSoap(t.url, cert);
    const r = await raw.call('registerVASACertificate', `<vasa:userName>${USER}</vasa:userName><vasa:password>${PASSWORD}</vasa:password><vasa:newCertificate>not a certificate</vasa:newCertificate>`);
    expect(r.status).toBe(500);
    expect(bodyChild(r.body)).toContain('<vasa:InvalidCertificate><vasa:InvalidCertificate xsi:type="fault:InvalidCertificate">');
  });

  test('setContext with an unregistered client certificate, or none, is refused', async () => {
    const raw = new RawSoap(t.url, stranger);
    const r = await raw.call('setContext', HOST_CONTEXT);
    expect(r.status).toBe(500);
    expect(r.headers['set-cookie']).toBeUndefined();
    expect(textOf(r.body, 'faultstring')).toMatch(/not registered/);
    expect(r.body).toContain('<vasa:InvalidSession><vasa:InvalidSession xsi:type="fault:InvalidSession">');
    const none = new RawSoap(t.url);
    const r2 = await none.call('setContext', HOST_CONTEXT);
    expect(r2.status).toBe(500);
    expect(textOf(r2.body, 'faultstring')).toMatch(/No client certificate/);
  });

  test('registration needs no session; then setContext gives VasaProviderInfo with the session id, also as cookie (node-soap)', async () => {
    const c = await vasaSoapClient(t.url, cert);
    const info = await c.ok<Record<string, unknown>>('registerVASACertificate', { userName: USER, password: PASSWORD, newCertificate: cert.cert });
    expect(info).toMatchObject({ uid: expect.stringMatching(/^[0-9a-f-]{36}$/), vasaApiVersion: '2.0', maxBatchSize: '64', supportedProfile: 'ProfileBasedManagementProfile' });
    expect(info.sessionId).toBeUndefined();
    const r = await c.call('setContext', { usageContext: { vcGuid: 'vc-guid-1' } });
    expect(r.fault).toBeUndefined();
    const ret = (r.result as { return: Record<string, string> }).return;
    expect(ret.sessionId).toMatch(/^[0-9a-f]{48}$/);
    expect(ret).toMatchObject({ defaultSessionTimeoutInSeconds: '1800', maxConcurrentRequestsPerSession: '16', needsExplicitActivation: 'false', uid: info.uid });
    const cookie = (c.client as unknown as { lastResponseHeaders?: Record<string, string[]> }).lastResponseHeaders?.['set-cookie'];
    expect(cookie).toEqual([`VASASESSIONID=${ret.sessionId}; Path=/; Secure; HttpOnly`]);
    c.setSession(ret.sessionId);
    const arrays = await c.ok<Record<string, unknown>[]>('queryArrays');
    expect(arrays).toEqual([expect.objectContaining({ uniqueIdentifier: 'StorageArray:0000000991007777', arrayName: 'Storage001', vendorId: 'NEC' })]);
  });

  test('the raw poster: cookie and sessionId agree; a host session sees its PEs', async () => {
    const raw = new RawSoap(t.url, cert);
    const r = await raw.call('setContext', HOST_CONTEXT);
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('text/xml; charset=utf-8');
    const sessionId = textOf(r.body, 'sessionId');
    expect(raw.cookie).toBe(`VASASESSIONID=${sessionId}`);
    const pes = await raw.call('queryProtocolEndpointForArray', '<vasa:arrayId>StorageArray:0000000991007777</vasa:arrayId>');
    expect(pes.status).toBe(200);
    expect(bodyChild(pes.body)).toMatch(/^<vasa:queryProtocolEndpointForArrayResponse [^>]*><vasa:return>eui\.5cdb053100000400<\/vasa:return><vasa:return>eui\.5cdb053100000401<\/vasa:return><\/vasa:queryProtocolEndpointForArrayResponse>$/);
  });
});

describe('InvalidSession', () => {
  const EXACT_DETAIL = '<detail><vasa:InvalidSession><vasa:InvalidSession xsi:type="fault:InvalidSession"></vasa:InvalidSession></vasa:InvalidSession></detail>';

  test('no cookie, an unknown one, or "0": InvalidSession with the exact detail shape', async () => {
    const raw = new RawSoap(t.url, cert);
    for (const cookie of [null, 'VASASESSIONID=deadbeef', 'VASASESSIONID=0', 'OTHER=1']) {
      const r = await raw.call('queryArrays', '', { cookie });
      expect({ cookie, status: r.status }).toEqual({ cookie, status: 500 });
      expect(r.body).toContain(EXACT_DETAIL);
      expect(r.body).toContain('xmlns:vasa="http://com.vmware.vim.vasa/2.0/xsd"');
      expect(r.body).toContain('xmlns:fault="http://fault.vasa.vim.vmware.com/xsd"');
      expect(r.body).toContain('xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"');
      expect(textOf(r.body, 'faultstring')).toBe('The session is missing, unknown or expired: call setContext first.');
    }
  });

  test('node-soap sees the typed InvalidSession fault', async () => {
    const c = await vasaSoapClient(t.url, cert);
    const r = await c.call('queryStorageContainer', {});
    expect(r.fault?.name).toBe('InvalidSession');
    expect(r.fault?.detail).toEqual({ InvalidSession: { InvalidSession: { attributes: { 'xsi:type': 'fault:InvalidSession' } } } });
  });

  test('a new setContext of the same host replaces its old session', async () => {
    const a = new RawSoap(t.url, cert);
    const b = new RawSoap(t.url, cert);
    await a.call('setContext', HOST_CONTEXT);
    expect((await a.call('queryArrays')).status).toBe(200);
    await b.call('setContext', HOST_CONTEXT);
    expect(a.cookie).not.toBe(b.cookie);
    expect((await b.call('queryArrays')).status).toBe(200);
    expect((await a.call('queryArrays')).body).toContain('<vasa:InvalidSession>');
  });

  test('sessions expire after their timeout without calls; each call slides the expiry', async () => {
    const raw = new RawSoap(t.url, cert);
    await raw.call('setContext', '<vasa:usageContext><data:sessionTimeoutInSeconds>120</data:sessionTimeoutInSeconds><data:vcGuid>vc-expiry</data:vcGuid></vasa:usageContext>');
    t.fixture.clock.advance(100_000);
    expect((await raw.call('queryArrays')).status).toBe(200);
    t.fixture.clock.advance(100_000);
    expect((await raw.call('queryArrays')).status).toBe(200);
    t.fixture.clock.advance(121_000);
    expect((await raw.call('queryArrays')).body).toContain('<vasa:InvalidSession>');
  });
});

describe('routing', () => {
  test('an empty Body is routed by the action: SOAPAction (1.1) or the action parameter (1.2)', async () => {
    const raw = new RawSoap(t.url, cert);
    await raw.call('setContext', '<vasa:usageContext><data:vcGuid>vc-routing</data:vcGuid></vasa:usageContext>');
    for (const version of ['1.1', '1.2'] as const) {
      const r = await raw.post(soapEnvelope('', version), { action: 'queryCatalog', version });
      expect({ version, status: r.status }).toEqual({ version, status: 200 });
      expect(bodyChild(r.body)).toMatch(/^<vasa:queryCatalogResponse [^>]*><vasa:return><data:catalogName>Alarm<\/data:catalogName><data:catalogUri>https:\/\/127\.0\.0\.1:\d+\/catalog\/en\/alarm\.vmsg<\/data:catalogUri>/);
    }
    const none = await raw.post(soapEnvelope(''));
    expect(none.status).toBe(500);
    expect(textOf(none.body, 'faultstring')).toBe('Unknown operation "?".');
  });
});

describe('SOAP versions', () => {
  test('a SOAP 1.2 request is answered in SOAP 1.2, a 1.1 request in 1.1', async () => {
    const raw = new RawSoap(t.url, cert, '1.2');
    const r = await raw.call('setContext', HOST_CONTEXT);
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('application/soap+xml; charset=utf-8; action="urn:setContextResponse"');
    expect(r.body).toContain('<soapenv:Envelope xmlns:soapenv="http://www.w3.org/2003/05/soap-envelope"');
    expect(r.body).not.toContain('http://schemas.xmlsoap.org/soap/envelope/');
    const q = await raw.call('queryArrays');
    expect(q.headers['content-type']).toMatch(/^application\/soap\+xml/);
    const q11 = await raw.call('queryArrays', '', { version: '1.1' });
    expect(q11.headers['content-type']).toBe('text/xml; charset=utf-8');
    expect(q11.body).toContain('<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"');
    expect(bodyChild(q11.body).replace(/ xmlns:[a-z]+="[^"]*"/g, '')).toBe(bodyChild(q.body).replace(/ xmlns:[a-z]+="[^"]*"/g, ''));
  });

  test('a SOAP 1.2 fault has Code/Reason/Detail, Sender for the client\'s mistakes', async () => {
    const raw = new RawSoap(t.url, cert, '1.2');
    const r = await raw.call('queryArrays', '', { cookie: null });
    expect(r.status).toBe(500);
    expect(r.headers['content-type']).toMatch(/^application\/soap\+xml; charset=utf-8/);
    expect(r.body).toContain('<soapenv:Fault><soapenv:Code><soapenv:Value>soapenv:Sender</soapenv:Value></soapenv:Code><soapenv:Reason><soapenv:Text xml:lang="en">The session is missing, unknown or expired: call setContext first.</soapenv:Text></soapenv:Reason><soapenv:Detail><vasa:InvalidSession><vasa:InvalidSession xsi:type="fault:InvalidSession"></vasa:InvalidSession></vasa:InvalidSession></soapenv:Detail></soapenv:Fault>');
  });

  test('the version follows the envelope, whatever the Content-Type says', async () => {
    const raw = new RawSoap(t.url, cert);
    const r = await raw.post(`<?xml version="1.0"?><e:Envelope xmlns:e="http://www.w3.org/2003/05/soap-envelope"><e:Body><v:queryArrays xmlns:v="http://com.vmware.vim.vasa/2.0/xsd"/></e:Body></e:Envelope>`, { contentType: 'text/xml', cookie: null });
    expect(r.body).toContain('http://www.w3.org/2003/05/soap-envelope');
    expect(r.headers['content-type']).toMatch(/^application\/soap\+xml/);
  });

  test('node-soap on the SOAP 1.2 port (forceSoap12Headers) gets SOAP 1.2 answers', async () => {
    const c = await vasaSoapClient(t.url, cert, '1.2');
    const r = await c.call('setContext', { usageContext: { vcGuid: 'vc-soap12' } });
    expect(r.request).toContain('http://www.w3.org/2003/05/soap-envelope');
    expect(r.raw).toContain('<soapenv:Envelope xmlns:soapenv="http://www.w3.org/2003/05/soap-envelope"');
    const id = (r.result as { return: { sessionId: string } }).return.sessionId;
    c.setSession(id);
    const containers = await c.ok<Record<string, unknown>[]>('queryStorageContainer');
    expect(containers.map((x) => x.name)).toEqual(['Pool0000', 'Pool0001', 'vvolbackup0']);
  });
});

describe('the call log', () => {
  test('every call is logged with operation, session, array, duration and outcome', async () => {
    const { log, lines } = captureLogger();
    const t2 = await startTestServer({ log });
    try {
      const raw = new RawSoap(t2.url, cert);
      await raw.call('registerVASACertificate', register(cert));
      await raw.call('setContext', '<vasa:usageContext><data:vcGuid>vc-log</data:vcGuid></vasa:usageContext>');
      await raw.call('queryStorageContainerForArray', '<vasa:arrayId>StorageArray:0000000991007777</vasa:arrayId>');
      await raw.call('getEvents', '<vasa:lastEventId>-1</vasa:lastEventId>');
      await raw.call('deleteVirtualVolume', '<vasa:vvolId>naa.65cdb050000000005cdb05310000fff1</vasa:vvolId>');
      await raw.call('queryArrays', '', { cookie: null });
      const calls = lines.filter((l) => l.message.startsWith('vasa '));
      const re = /^vasa (\S+) session=([0-9a-f]{8}|-) from=\S+ array=(\S+) \d+\.\dms (ok|fault|busy|unknown|refused)/;
      expect(calls.map((l) => { const m = re.exec(l.message); return m ? [m[1], m[2] === '-' ? '-' : 'id', m[3], m[4], l.level] : l.message; })).toEqual([
        ['registerVASACertificate', '-', '-', 'ok', 'info'],
        ['setContext', 'id', '-', 'ok', 'info'],
        ['queryStorageContainerForArray', 'id', 'Storage001', 'ok', 'info'],
        ['getEvents', 'id', '-', 'ok', 'debug'],
        ['deleteVirtualVolume', 'id', '-', 'fault', 'info'],
        ['queryArrays', '-', '-', 'refused', 'info'],
      ]);
      expect(calls[4].message).toMatch(/fault: NotFound: The specified naa\.65cdb050000000005cdb05310000fff1 does not exist\.$/);
      const mine = calls.filter((l) => / session=[0-9a-f]{8} /.test(l.message)).map((l) => / session=([0-9a-f]{8}) /.exec(l.message)?.[1]);
      expect(new Set(mine).size).toBe(1);
      expect(JSON.stringify(lines)).not.toContain(PASSWORD);
    } finally {
      await t2.close();
    }
  });
});
