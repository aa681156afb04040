/**
 * Hostile and broken input on the SOAP endpoint: malformed XML, things that are not
 * SOAP, unknown operations, wrong types, oversized bodies, external entities (XXE) and
 * entity expansion ("billion laughs"), deep nesting, plain HTTP on the HTTPS port. Each
 * gets a SOAP fault or an HTTP 4xx, never a crash or a hang, and the provider still
 * answers afterwards.
 */
import net from 'node:net';
import {
  ClientCert, esc, httpsRequest, makeClientCert, PASSWORD, RawResponse, RawSoap, soapEnvelope, startTestServer, TestServer, textOf, USER,
} from '../helpers/vasa-server';
import { containerUuid } from '../../src/array/ids';

let t: TestServer;
let cert: ClientCert;
let raw: RawSoap;
const CTR0 = containerUuid('00255CDB05310000', 0);

beforeAll(async () => {
  t = await startTestServer({ server: { bodyLimitBytes: 64 * 1024 } });
  cert = makeClientCert('vc-hostile');
  raw = new RawSoap(t.url, cert);
  await raw.call('registerVASACertificate', `<vasa:userName>${USER}</vasa:userName><vasa:password>${PASSWORD}</vasa:password><vasa:newCertificate>${esc(cert.cert)}</vasa:newCertificate>`);
  const r = await raw.call('setContext', '<vasa:usageContext><data:vcGuid>vc-hostile</data:vcGuid></vasa:usageContext>');
  expect(r.status).toBe(200);
});
afterAll(async () => {
  await t?.close();
});

/** A SOAP fault (any version) or a 4xx: the two acceptable answers to bad input. */
function expectRefused(r: RawResponse, what: string): void {
  const isFault = /<soapenv:Fault>/.test(r.body) && (r.status === 500 || r.status === 400);
  const is4xx = r.status >= 400 && r.status < 500;
  expect({ what, refused: isFault || is4xx, status: r.status }).toEqual({ what, refused: true, status: r.status });
  expect(r.body).not.toMatch(/root:|at [A-Za-z]+ \(|node_modules/); // no file content, no stack traces
}

const post = (body: string | Buffer, headers: Record<string, string> = { 'Content-Type': 'text/xml; charset=utf-8' }) =>
  httpsRequest(t.url, { method: 'POST', headers: { ...headers, ...(raw.cookie ? { Cookie: raw.cookie } : {}) }, body, cert });

test('malformed XML, not SOAP, empty bodies: a SOAP fault, 400', async () => {
  const cases: Record<string, string> = {
    'unclosed tag': '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><vasa:queryArrays>',
    'mismatched tags': '<a><b></a></b>',
    'not XML': 'hello world',
    'empty': '',
    'JSON': '{"op":"queryArrays"}',
    'not an envelope': '<vasa:queryArrays xmlns:vasa="http://com.vmware.vim.vasa/2.0/xsd"/>',
    'envelope without Body': '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"/>',
    'two Body children': soapEnvelope('<vasa:queryArrays/><vasa:queryArrays/>'),
    'undeclared prefix': '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><nope:queryArrays/></soapenv:Body></soapenv:Envelope>',
    'undefined entity': soapEnvelope('<vasa:queryArrays><vasa:arrayUniqueId>&nbsp;</vasa:arrayUniqueId></vasa:queryArrays>'),
    'bad character reference': soapEnvelope('<vasa:queryArrays><vasa:arrayUniqueId>&#0;</vasa:arrayUniqueId></vasa:queryArrays>'),
  };
  for (const [what, body] of Object.entries(cases)) {
    const r = await post(body);
    expectRefused(r, what);
    expect({ what, ct: r.headers['content-type'] }).toEqual({ what, ct: 'text/xml; charset=utf-8' });
  }
  const r = await post('<<<', { 'Content-Type': 'application/soap+xml; charset=utf-8' });
  expectRefused(r, 'SOAP 1.2 garbage');
  expect(r.body).toContain('http://www.w3.org/2003/05/soap-envelope');
  expect(r.body).toContain('<soapenv:Value>soapenv:Sender</soapenv:Value>');
});

test('unknown operations and foreign namespaces', async () => {
  const r = await raw.call('formatAllDisks', '');
  expectRefused(r, 'unknown operation');
  expect(textOf(r.body, 'faultstring')).toBe('Unknown operation "formatAllDisks".');
  const foreign = await post(`<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><x:queryArrays xmlns:x="urn:evil"><x:arrayUniqueId>1</x:arrayUniqueId></x:queryArrays></soapenv:Body></soapenv:Envelope>`);
  // The body element is routed by its name; children in a foreign namespace are refused.
  expectRefused(foreign, 'foreign namespace');
  expect(textOf(foreign.body, 'faultstring')).toMatch(/expected namespace/);
});

test('wrong types: sizeInMB="abc", vvolType="Bogus", a long that is a word, an unrelated xsi:type', async () => {
  const create = (size: string, type: string) => raw.call('createVirtualVolume',
    `<vasa:containerId>${CTR0}</vasa:containerId><vasa:vvolType>${type}</vasa:vvolType><vasa:sizeInMB>${size}</vasa:sizeInMB><vasa:metadata><data:parameterName>VMW_VVolType</data:parameterName><data:parameterValue>Data</data:parameterValue></vasa:metadata>`);
  const a = await create('abc', 'Data');
  expectRefused(a, 'sizeInMB abc');
  expect(textOf(a.body, 'faultstring')).toBe('createVirtualVolume/sizeInMB: "abc" is not an integer.');
  expect(a.body).toContain('<vasa:InvalidArgument><vasa:InvalidArgument xsi:type="fault:InvalidArgument">');
  const b = await create('1024', 'Bogus');
  expectRefused(b, 'vvolType Bogus');
  expect(textOf(b.body, 'faultstring')).toBe('createVirtualVolume/vvolType: "Bogus" is not one of Config, Data, Swap, Memory, Other.');
  for (const size of ['-5', '0', '1.5', '99999999999999999999', '']) expectRefused(await create(size, 'Data'), `sizeInMB ${size}`);
  const missing = await raw.call('createVirtualVolume', `<vasa:containerId>${CTR0}</vasa:containerId>`);
  expectRefused(missing, 'missing fields');
  expect(textOf(missing.body, 'faultstring')).toMatch(/required/);
  const ev = await raw.call('getEvents', '<vasa:lastEventId>soon</vasa:lastEventId>');
  expectRefused(ev, 'getEvents id');
  const xsiType = await raw.call('setContext', '<vasa:usageContext xsi:type="vvol:TaskInfo"><data:vcGuid>x</data:vcGuid></vasa:usageContext>');
  expectRefused(xsiType, 'xsi:type of an unrelated type');
  expect(textOf(xsiType.body, 'faultstring')).toMatch(/is not a UsageContext/);
});

test('an oversized body: HTTP 413', async () => {
  const big = soapEnvelope(`<vasa:queryArrays>${'<vasa:arrayUniqueId>x</vasa:arrayUniqueId>'.repeat(5000)}</vasa:queryArrays>`);
  expect(big.length).toBeGreaterThan(64 * 1024);
  const r = await post(big);
  expect(r.status).toBe(413);
  expect(r.body).toMatch(/^The request body .*is larger than 65536 bytes\.\n$/);
});

test('XXE and entity expansion are refused before parsing', async () => {
  const xxe = `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:vasa="http://com.vmware.vim.vasa/2.0/xsd"><soapenv:Body><vasa:queryArrays><vasa:arrayUniqueId>&e;</vasa:arrayUniqueId></vasa:queryArrays></soapenv:Body></soapenv:Envelope>`;
  const r1 = await post(xxe);
  expectRefused(r1, 'XXE');
  expect(textOf(r1.body, 'faultstring')).toBe('Documents with a DOCTYPE or entity declarations are not accepted.');
  const laughs = `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">${Array.from({ length: 8 }, (_, i) => `<!ENTITY lol${i + 2} "${`&lol${i + 1};`.repeat(10)}">`).join('')}]><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:vasa="http://com.vmware.vim.vasa/2.0/xsd"><soapenv:Body><vasa:queryArrays><vasa:arrayUniqueId>&lol9;</vasa:arrayUniqueId></vasa:queryArrays></soapenv:Body></soapenv:Envelope>`;
  const before = process.memoryUsage().rss;
  const r2 = await post(laughs);
  expectRefused(r2, 'billion laughs');
  expect(process.memoryUsage().rss - before).toBeLessThan(200 * 1024 * 1024);
  const paramEntity = `<!DOCTYPE x [<!ENTITY % p SYSTEM "http://127.0.0.1:1/evil.dtd"> %p;]><x/>`;
  expectRefused(await post(paramEntity), 'parameter entity');
  // a DOCTYPE hidden after the prolog, lower case, or behind a comment: still refused
  expectRefused(await post(`<!-- hi --><!doctype x [<!ENTITY e "x">]><x>&e;</x>`), 'lower-case doctype');
});

test('deep nesting and huge element counts do not crash the parser', async () => {
  const deep = soapEnvelope(`<vasa:queryArrays>${'<a>'.repeat(20000)}${'</a>'.repeat(20000)}</vasa:queryArrays>`);
  const r = await httpsRequest(t.url, { method: 'POST', headers: { 'Content-Type': 'text/xml', Cookie: raw.cookie as string }, body: deep.slice(0, 60_000), cert });
  expectRefused(r, 'truncated deep nesting');
  const nested = soapEnvelope(`<vasa:queryArrays>${'<a>'.repeat(6000)}${'</a>'.repeat(6000)}</vasa:queryArrays>`);
  const n = await post(nested);
  expectRefused(n, 'deep nesting');
  expect(textOf(n.body, 'faultstring')).toMatch(/nest/i);
});

test('other methods and paths', async () => {
  expect((await httpsRequest(`https://127.0.0.1:${t.port}/nothing-here`)).status).toBe(404);
  expect((await httpsRequest(t.url, { method: 'PUT', body: 'x' })).status).toBe(404);
  expect((await httpsRequest(t.url)).status).toBe(404);
  expect((await httpsRequest(`https://127.0.0.1:${t.port}/catalog/en/..%2F..%2Fpackage.json.vmsg`)).status).toBe(404);
});

test('plain HTTP on the HTTPS port: 400 with a hint, in plain text', async () => {
  const answer = await new Promise<string>((resolve, reject) => {
    const s = net.connect(t.port, '127.0.0.1', () => s.write('GET /version.xml HTTP/1.1\r\nHost: x\r\n\r\n'));
    let data = '';
    s.on('data', (d) => { data += d.toString(); });
    s.on('end', () => resolve(data));
    s.on('close', () => resolve(data));
    s.on('error', reject);
    s.setTimeout(5000, () => { s.destroy(); reject(new Error('no answer to plain HTTP')); });
  });
  expect(answer).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
  expect(answer).toContain('Content-Type: text/plain');
  expect(answer).toContain('use https://');
});

test('garbage bytes instead of a TLS handshake are dropped without harm', async () => {
  await new Promise<void>((resolve) => {
    const s = net.connect(t.port, '127.0.0.1', () => s.write(Buffer.alloc(64, 0)));
    s.on('error', () => resolve());
    s.on('close', () => resolve());
    s.setTimeout(3000, () => { s.destroy(); resolve(); });
  });
});

test('after all of that the provider still answers', async () => {
  const r = await raw.call('queryArrays');
  expect(r.status).toBe(200);
  expect(r.body).toContain('<data:arrayName>Storage001</data:arrayName>');
  const v = await httpsRequest(`https://127.0.0.1:${t.port}/version.xml`);
  expect(v.status).toBe(200);
});
