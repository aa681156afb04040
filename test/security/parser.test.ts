/**
 * Issue 8 rows 1 and 10: the SOAP XML parser's work is linear in its input and capped
 * while it reads. Unit tests call the parser and readEnvelope directly (so they prove
 * the parser itself, whatever the HTTP layer refuses first); the wire tests post the
 * issue's attack bodies over TLS and measure that a second client's GET /version.xml
 * is still answered within 1 s while each attack runs.
 */
import https from 'node:https';
import { performance } from 'node:perf_hooks';
import { EnvelopeError, readEnvelope, readEnvelopeAsync } from '../../src/vasa/soap/envelope';
import { DEFAULT_XML_LIMITS, parseXml, parseXmlAsync, resolveQName, XmlError, XmlLimitError, XmlLimits, XmlNode } from '../../src/sys/xml';
import {
  characterReferences, emptyElements, manyTagsFewAttributes, oneTagManyAttributes, row1, snapshotBatch,
} from '../helpers/parser-payloads';
import { httpsRequest, NS, RawResponse, soapEnvelope, startTestServer, TestServer } from '../helpers/vasa-server';

const MB = 1024 * 1024;
const NO_CAPS: XmlLimits = Object.fromEntries(Object.keys(DEFAULT_XML_LIMITS).map((k) => [k, Number.MAX_SAFE_INTEGER])) as unknown as XmlLimits;

/** The cap that refused `text`, or 'parsed'. */
function refusedBy(text: string, limits?: XmlLimits): string {
  try {
    parseXml(text, limits);
    return 'parsed';
  } catch (e) {
    if (e instanceof XmlLimitError) return e.limit;
    throw e;
  }
}

/** Own prefix declarations summed over the distinct scope objects of a tree: the work spent on namespaces. */
function scopeEntries(root: XmlNode): number {
  const seen = new Set<object>();
  let n = 0;
  const walk = (node: XmlNode) => {
    if (!seen.has(node.scope)) {
      seen.add(node.scope);
      n += Object.keys(node.scope).length;
    }
    node.children.forEach(walk);
  };
  walk(root);
  return n;
}

// ------------------------------------------------------------------ unit: row 1

test('row 1: n = 10,000 prefixes on the envelope are refused at the 33rd, by parseXml and by readEnvelope', () => {
  const attack = row1(10_000);
  expect(refusedBy(attack)).toBe('maxNamespaceDeclarationsPerElement');
  let err: unknown;
  try {
    readEnvelope(attack, '"urn:registerVASACertificate"', 'text/xml');
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(EnvelopeError);
  expect((err as EnvelopeError).message).toBe('The request has an element with more than 32 namespace declarations.');
  expect((err as EnvelopeError).cause).toBeInstanceOf(XmlLimitError);
});

test('row 1: with every cap lifted, n = 10,000 costs one scope entry per declaration, not n per element', () => {
  const root = parseXml(row1(10_000), NO_CAPS);
  const kids = root.children[0].children[0].children;
  expect(kids).toHaveLength(10_000);
  // Each child holds only the prefix it declares; the envelope's 10,000 are inherited.
  expect(kids.every((k, i) => Object.keys(k.scope).join() === `q${i}`)).toBe(true);
  expect(scopeEntries(root)).toBe(1 /* soapenv */ + 10_000 + 1 /* vasa */ + 10_000);
  // ...and resolve as before.
  expect(resolveQName(kids[9_999], 'p0:T')).toEqual({ ns: 'urn:p0', local: 'T' });
  expect(resolveQName(kids[9_999], 'q9999:T')).toEqual({ ns: 'urn:q9999', local: 'T' });
  expect(() => resolveQName(kids[9_999], 'q0:T')).toThrow(XmlError);
});

test('row 1 below the caps (32 on the envelope, one per child): n and 4n children cost n and 4n scope entries', () => {
  const n = 5_000;
  // soapenv and 31 more: the per-element cap of 32.
  const small = parseXml(row1(n, 31));
  const large = parseXml(row1(4 * n, 31));
  const fixed = 1 + 31 + 1;
  expect(scopeEntries(small)).toBe(fixed + n);
  expect(scopeEntries(large)).toBe(fixed + 4 * n);
});

// ------------------------------------------------------------------ unit: row 10

describe('row 10: 7 MB bodies are refused by a cap, before the parser reaches their end', () => {
  // A broken tail: had the parser read the whole body, it would report that instead of the cap.
  const BROKEN_TAIL = '</nope><<<';
  const cases: [string, () => string, keyof XmlLimits][] = [
    ['empty elements', () => emptyElements(7 * MB), 'maxElements'],
    ['one tag with ~700k attributes', () => oneTagManyAttributes(7 * MB), 'maxAttributesPerElement'],
    ['300k+ attributes on three-attribute tags', () => manyTagsFewAttributes(7 * MB), 'maxAttributes'],
    ['1.4M character references', () => characterReferences(7 * MB), 'maxReferences'],
  ];
  test.each(cases)('%s', (_what, make, limit) => {
    const body = make();
    expect(body.length).toBeGreaterThan(7_000_000);
    expect(refusedBy(body)).toBe(limit);
    expect(refusedBy(body + BROKEN_TAIL)).toBe(limit);
    // Bounded heap: well under the +400-550 MB the issue measured (the body itself is not
    // counted). Read right after the refusal, before anything the parse built is collected.
    const heap = process.memoryUsage().heapUsed;
    try {
      parseXml(body);
    } catch {
      // refused, as asserted above
    }
    expect(process.memoryUsage().heapUsed - heap).toBeLessThan(150 * MB);
  });

  test('with the caps lifted the same shapes parse (the parser is linear, the caps are what refuse)', () => {
    const root = parseXml(emptyElements(2 * MB), NO_CAPS);
    expect(root.children[0].children[0].children.length).toBe(Math.floor((2 * MB) / 4));
    expect(parseXml(characterReferences(MB), NO_CAPS).children[0].children[0].children[0].text).toBe('A'.repeat(Math.floor(MB / 5)));
  });
});

// ------------------------------------------------------------------ unit: every cap

test('rows 1 and 10: each cap refuses one past it and accepts one at it, and names itself', () => {
  const L = (o: Partial<XmlLimits>): XmlLimits => ({ ...DEFAULT_XML_LIMITS, ...o });
  const tags = (n: number) => `<r>${'<a/>'.repeat(n - 1)}</r>`;
  const nest = (n: number) => `${'<a>'.repeat(n)}${'</a>'.repeat(n)}`;
  const attrs = (n: number) => `<r${Array.from({ length: n }, (_, i) => ` a${i}="1"`).join('')}/>`;
  const decls = (n: number) => `<r${Array.from({ length: n }, (_, i) => ` xmlns:p${i}="urn:${i}"`).join('')}/>`;
  const spread = (n: number) => `<r>${Array.from({ length: n }, (_, i) => `<a xmlns:p${i}="urn:${i}" b="1"/>`).join('')}</r>`;
  const cases: [keyof XmlLimits, number, (n: number) => string][] = [
    ['maxElements', 10, tags],
    ['maxDepth', 10, nest],
    ['maxAttributesPerElement', 10, attrs],
    ['maxAttributes', 10, (n) => `<r>${'<a b="1"/>'.repeat(n)}</r>`],
    ['maxNamespaceDeclarationsPerElement', 10, decls],
    ['maxNamespaceDeclarations', 10, spread],
    ['maxReferences', 10, (n) => `<r>${'&amp;'.repeat(n)}</r>`],
    ['maxNameLength', 10, (n) => `<${'r'.repeat(n)}/>`],
    ['maxTextLength', 10, (n) => `<r>${'x'.repeat(n)}</r>`],
  ];
  for (const [limit, at, make] of cases) {
    const limits = L({ [limit]: at });
    expect({ limit, at: refusedBy(make(at), limits) }).toEqual({ limit, at: 'parsed' });
    expect({ limit, past: refusedBy(make(at + 1), limits) }).toEqual({ limit, past: limit });
  }
  expect(refusedBy(`<r a="${'x'.repeat(11)}"/>`, L({ maxTextLength: 10 }))).toBe('maxTextLength');
  expect(refusedBy(`<r ${'a'.repeat(11)}="1"/>`, L({ maxNameLength: 10 }))).toBe('maxNameLength');
  expect(() => parseXml(tags(11), L({ maxElements: 10 }))).toThrow('The request has more than 10 elements.');
});

// ------------------------------------------------------------------ unit: behaviour kept

test('rows 1 and 10: namespaces, QNames, entities and refusals behave as before the rewrite', () => {
  const doc = parseXml(`<?xml version="1.0" encoding="UTF-8"?><!-- c --><?pi x?>
<e:Envelope xmlns:e="${NS.soap11}" xmlns="urn:default" xmlns:xsi="${NS.xsi}" xmlns:t="urn:outer">
  <e:Body><op t:a="1" plain="&lt;&gt;&amp;&apos;&quot;&#65;&#x42;"><t:x xmlns:t="urn:inner" xsi:type="t:Foo">a&#xD;&#10;b<![CDATA[<raw&>]]></t:x><y xmlns="" xsi:type="Bar"/><z xsi:nil="true"/></op></e:Body>
</e:Envelope>`);
  expect([doc.ns, doc.local]).toEqual([NS.soap11, 'Envelope']);
  const op = doc.children[0].children[0];
  expect([op.ns, op.local]).toEqual(['urn:default', 'op']);
  expect(op.attrs).toEqual({ '{urn:outer}a': '1', plain: `<>&'"AB` });
  const [x, y, z] = op.children;
  expect([x.ns, x.local, x.text]).toEqual(['urn:inner', 'x', 'a\r\nb<raw&>']);
  expect(resolveQName(x, x.attrs[`{${NS.xsi}}type`])).toEqual({ ns: 'urn:inner', local: 'Foo' }); // inner shadows outer
  expect(resolveQName(op, 't:Foo')).toEqual({ ns: 'urn:outer', local: 'Foo' });
  expect(resolveQName(op, 'Foo')).toEqual({ ns: 'urn:default', local: 'Foo' });
  expect(resolveQName(y, 'Bar')).toEqual({ ns: '', local: 'Bar' }); // xmlns="" undeclares the default
  expect(y.ns).toBe('');
  expect(resolveQName(z, 'xml:lang')).toEqual({ ns: 'http://www.w3.org/XML/1998/namespace', local: 'lang' });
  expect(z.attrs).toEqual({ [`{${NS.xsi}}nil`]: 'true' });
  for (const p of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) expect(() => resolveQName(z, `${p}:T`)).toThrow(`The prefix "${p}"`);

  const refused: Record<string, string> = {
    doctype: '<!DOCTYPE r [<!ENTITY e "x">]><r>&e;</r>',
    'doctype, lower case': '<!doctype r><r/>',
    'undefined entity': '<r>&nbsp;</r>',
    'entity named like a prototype key': '<r>&constructor;</r>',
    'bad character reference': '<r>&#0;</r>',
    'undeclared element prefix': '<n:r/>',
    'undeclared attribute prefix': '<r n:a="1"/>',
    'duplicate attribute': '<r xmlns:a="urn:x" xmlns:b="urn:x" a:c="1" b:c="2"/>',
    'two roots': '<r/><r/>',
    'no root': '<!-- nothing -->',
    'mismatched tags': '<a><b></a></b>',
    'unclosed': '<a>',
    'text outside the root': 'hello <r/>',
    empty: '',
  };
  for (const [what, text] of Object.entries(refused)) expect({ what, threw: (() => { try { parseXml(text); return 'no'; } catch (e) { return e instanceof XmlError ? 'XmlError' : String(e); } })() }).toEqual({ what, threw: 'XmlError' });
  expect(() => parseXml('<!DOCTYPE r><r/>')).toThrow('Documents with a DOCTYPE or entity declarations are not accepted.');
  expect(() => parseXml('<a><b></a>')).toThrow(/^The request is not well-formed XML: 1:\d+: /);
});

// ------------------------------------------------------------------ unit: parsing in slices

test('rows 1 and 10: parseXmlAsync builds the same tree in slices cut anywhere, and gives the event loop turns', async () => {
  const doc = `<?xml version="1.0"?>\r\n<e:r xmlns:e="urn:e" xmlns:t="urn:t"><e:a t:x="&amp;&#x1F600;">l1\r\nl2 \u{1F600} &lt;&#65;<![CDATA[c]]></e:a><b xsi:type="t:T" xmlns:xsi="${NS.xsi}"/></e:r>`;
  const whole = parseXml(doc);
  expect(whole.children[0].text).toBe('l1\nl2 \u{1F600} <Ac');
  for (let slice = 1; slice <= 12; slice++) expect({ slice, tree: await parseXmlAsync(doc, DEFAULT_XML_LIMITS, slice) }).toEqual({ slice, tree: whole });
  const batch = snapshotBatch(16, 300);
  let turns = 0;
  let ticking = true;
  const tick = () => {
    turns++;
    if (ticking) setImmediate(tick);
  };
  setImmediate(tick);
  const env = await readEnvelopeAsync(batch, undefined, 'text/xml', DEFAULT_XML_LIMITS);
  ticking = false;
  expect(env.body?.children).toHaveLength(17);
  expect(env).toEqual(readEnvelope(batch));
  expect(turns).toBeGreaterThanOrEqual(Math.floor(batch.length / (256 * 1024)) - 1);
  await expect(parseXmlAsync(emptyElements(7 * MB))).rejects.toThrow('The request has more than 100000 elements.');
  await expect(readEnvelopeAsync(row1(10_000))).rejects.toBeInstanceOf(EnvelopeError);
});

// ------------------------------------------------------------------ over the wire

describe('over TLS: the attacks are refused while a second client is answered within 1 s', () => {
  let t: TestServer;
  let probeAgent: https.Agent;
  beforeAll(async () => {
    // The anonymous body cap raised to 8 MB so the 7 MB bodies reach the parser rather
    // than stopping at 413: this measures the parser, not the body cap.
    t = await startTestServer({ server: { limits: { anonymousBodyBytes: 8 * MB } } });
    probeAgent = new https.Agent({ keepAlive: true, maxSockets: 1, rejectUnauthorized: false });
  });
  afterAll(async () => {
    probeAgent?.destroy();
    await t?.close();
  });

  /** One GET /version.xml from the second client; resolves with its latency in ms. */
  const probe = () => new Promise<number>((resolve, reject) => {
    const start = performance.now();
    const req = https.get(`https://127.0.0.1:${t.port}/version.xml`, { agent: probeAgent, timeout: 30_000 }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve(performance.now() - start) : reject(new Error(`version.xml: ${res.statusCode}`))));
    });
    req.on('timeout', () => req.destroy(new Error('version.xml: no answer')));
    req.on('error', reject);
  });

  /** Posts `body` anonymously and probes version.xml back to back until the post is answered. */
  async function attack(body: string): Promise<{ r: RawResponse; worst: number; probes: number }> {
    await probe(); // the probe connection is up before the attack starts
    let done = false;
    const post = httpsRequest(t.url, {
      method: 'POST',
      headers: { 'Content-Type': 'text/xml; charset=utf-8', SOAPAction: '"urn:registerVASACertificate"' },
      body,
      timeoutMs: 60_000,
    }).finally(() => {
      done = true;
    });
    let worst = 0;
    let probes = 0;
    do {
      worst = Math.max(worst, await probe());
      probes++;
    } while (!done);
    return { r: await post, worst, probes };
  }

  function expectRefused(r: RawResponse): void {
    const fault = (r.status === 500 || r.status === 400) && /<soapenv:Fault>/.test(r.body);
    expect({ status: r.status, refused: fault || r.status === 413 }).toEqual({ status: r.status, refused: true });
  }

  test('row 1: n = 10,000 prefixes (0.6 MB)', async () => {
    const { r, worst, probes } = await attack(row1(10_000));
    expectRefused(r);
    if (r.status !== 413) expect(r.body).toContain('more than 32 namespace declarations');
    expect(probes).toBeGreaterThan(0);
    expect(worst).toBeLessThan(1000);
  });

  test.each([
    ['empty elements', () => emptyElements(7 * MB), 'more than 100000 elements'],
    ['one tag with ~700k attributes', () => oneTagManyAttributes(7 * MB), 'more than 64 attributes'],
    ['three-attribute tags', () => manyTagsFewAttributes(7 * MB), 'more than 100000 attributes'],
    ['character references', () => characterReferences(7 * MB), 'entity or character references'],
  ])('row 10: 7 MB of %s', async (_what, make, message) => {
    const { r, worst } = await attack(make());
    expectRefused(r);
    if (r.status !== 413) expect(r.body).toContain(message);
    expect(worst).toBeLessThan(1000);
  });

  test('rows 1 and 10: an ordinary request is still parsed and answered afterwards', async () => {
    const r = await httpsRequest(t.url, { method: 'POST', headers: { 'Content-Type': 'text/xml; charset=utf-8' }, body: soapEnvelope('<vasa:queryArrays/>') });
    // Anonymous: refused for want of a session, but parsed and answered as a fault.
    expect(r.status).toBeGreaterThanOrEqual(400);
    expect(r.body).toContain('<soapenv:Fault>');
    expect(await probe()).toBeLessThan(1000);
  });
});
