/**
 * The parser's caps (issue 8 rows 1 and 10) against the largest legitimate requests:
 * each is read under DEFAULT_XML_LIMITS and decoded by the real codec, with room left
 * below every cap. The numbers quoted in src/sys/xml.ts come from these requests.
 */
import path from 'node:path';
import { Codec } from '../../src/vasa/soap/codec';
import { readEnvelope } from '../../src/vasa/soap/envelope';
import { key, SchemaSet } from '../../src/vasa/soap/schema';
import { loadOperations, WSDL_DIR } from '../../src/vasa/soap/wsdl';
import { DEFAULT_XML_LIMITS, parseXml, XmlNode } from '../../src/sys/xml';
import { bigSetContext, snapshotBatch } from '../helpers/parser-payloads';

const wsdl = path.join(WSDL_DIR, 'vasaService.wsdl');
const schema = SchemaSet.loadFrom(wsdl);
const ops = loadOperations(wsdl);
const codec = new Codec(schema);

interface Counts { elements: number; attributes: number; declarations: number; references: number; maxText: number; depth: number }

function counts(text: string): Counts {
  const root = parseXml(text);
  const c = { elements: 0, attributes: 0, maxText: 0, depth: 0 };
  const walk = (n: XmlNode, d: number) => {
    c.elements++;
    c.attributes += Object.keys(n.attrs).length;
    c.maxText = Math.max(c.maxText, n.text.length);
    c.depth = Math.max(c.depth, d);
    for (const k of n.children) walk(k, d + 1);
  };
  walk(root, 1);
  const declarations = (text.match(/\sxmlns(:[A-Za-z0-9_]+)?="/g) ?? []).length;
  return { ...c, attributes: c.attributes + declarations, declarations, references: (text.match(/&/g) ?? []).length };
}

/** Reads the request as the dispatcher does and decodes it against the schema. */
function decode(text: string, op: string): { req: Record<string, unknown>; c: Counts } {
  const env = readEnvelope(text);
  expect(env.body?.local).toBe(op);
  const def = ops.get(op);
  const decl = def?.input ? schema.elements.get(key(def.input)) : undefined;
  if (!env.body || !decl) throw new Error(`no ${op}`);
  const req = codec.decodeComplex(env.body, decl.type, op);
  return { req, c: counts(text) };
}

/** Every count at most 70% of its cap: the defaults leave room above the largest real request. */
function expectRoom(c: Counts): void {
  const l = DEFAULT_XML_LIMITS;
  expect(c.elements).toBeLessThan(0.7 * l.maxElements);
  expect(c.attributes).toBeLessThan(0.7 * l.maxAttributes);
  expect(c.declarations).toBeLessThan(0.7 * l.maxNamespaceDeclarations);
  expect(c.references).toBeLessThan(0.7 * l.maxReferences);
  expect(c.maxText).toBeLessThan(0.7 * l.maxTextLength);
  expect(c.depth).toBeLessThan(0.7 * l.maxDepth);
}

test('rows 1 and 10: a maxBatchSize snapshotVirtualVolume of 64 VVols x 300 metadata pairs, Axis2 style, passes the default caps', () => {
  const text = snapshotBatch(64, 300);
  const { req, c } = decode(text, 'snapshotVirtualVolume');
  const infos = req.snapshotInfo as { metadata: unknown[]; $type?: unknown }[];
  expect(infos).toHaveLength(64);
  expect(infos.every((i) => i.metadata.length === 300)).toBe(true);
  expect(c.elements).toBe(3 + 64 * (3 + 300 * 3) + 1);
  expectRoom(c);
});

test('rows 1 and 10: one VVol with 1,024 metadata pairs, and a host with 1,024 initiators and mount points, pass the default caps', () => {
  const one = decode(snapshotBatch(1, 1024), 'snapshotVirtualVolume');
  expect((one.req.snapshotInfo as { metadata: unknown[] }[])[0].metadata).toHaveLength(1024);
  expectRoom(one.c);
  const host = decode(bigSetContext(1024, 1024, 256), 'setContext');
  const ctx = host.req.usageContext as { hostInitiator: unknown[]; mountPoint: unknown[]; hostIoIpAddress: unknown[] };
  expect([ctx.hostInitiator.length, ctx.mountPoint.length, ctx.hostIoIpAddress.length]).toEqual([1024, 1024, 256]);
  expectRoom(host.c);
});
