/**
 * Wire <-> plain values, driven by the schema model. Encoding writes elements in
 * schema order, each in the namespace of the schema that declares it, with xsi:type
 * where a derived type fills a base-typed slot or a value fills an xs:anyType slot.
 * Decoding checks occurrence, enumerations and primitive types, and gives plain
 * objects (keys = element local names; an element that may repeat, maxOccurs > 1, is an
 * array even when given once). src/vasa/generated/operations.ts types these shapes.
 */
import { ANY_TYPE, ElementDecl, key, QN, SchemaSet } from './schema';
import { cleanText, escapeAttr, escapeText, isNil, resolveQName, XmlNode, XSD, XSI } from '../../sys/xml';

/** A value carrying its wire type (derived types in base slots, values in anyType slots). */
export interface Typed {
  $type: QN;
  [field: string]: unknown;
}

export class CodecError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CodecError';
  }
}

export const NS = {
  vasa: 'http://com.vmware.vim.vasa/2.0/xsd',
  data: 'http://data.vasa.vim.vmware.com/xsd',
  vvol: 'http://vvol.data.vasa.vim.vmware.com/xsd',
  fault: 'http://fault.vasa.vim.vmware.com/xsd',
  pol: 'http://policy.data.vasa.vim.vmware.com/xsd',
  prof: 'http://profile.policy.data.vasa.vim.vmware.com/xsd',
  cap: 'http://capability.policy.data.vasa.vim.vmware.com/xsd',
  capp: 'http://provider.capability.policy.data.vasa.vim.vmware.com/xsd',
  capt: 'http://types.capability.policy.data.vasa.vim.vmware.com/xsd',
  comp: 'http://compliance.policy.data.vasa.vim.vmware.com/xsd',
  xsi: XSI,
  xsd: XSD,
} as const;

const PREFIX = new Map<string, string>(Object.entries(NS).map(([p, ns]) => [ns, p]));
const VASA_NAMESPACES = new Set<string>(Object.entries(NS).filter(([p]) => p !== 'xsi' && p !== 'xsd').map(([, ns]) => ns));

/** xmlns declarations for every namespace we may emit, to put on the envelope. */
export const NS_DECLS = Object.entries(NS).map(([p, ns]) => `xmlns:${p}="${ns}"`).join(' ');

export const qn = (ns: string, local: string): QN => ({ ns, local });
export const typed = (type: QN, fields: Record<string, unknown>): Typed => ({ $type: type, ...fields });

function prefixed(q: QN): string {
  const p = PREFIX.get(q.ns);
  if (p === undefined) throw new Error(`No prefix for namespace ${q.ns}`);
  return `${p}:${q.local}`;
}

const INTEGER = new Set(['long', 'int', 'short', 'byte', 'integer', 'unsignedLong', 'unsignedInt', 'unsignedShort', 'nonNegativeInteger', 'positiveInteger']);

/** How an element is written, worked out once per declaration (not per value): its tag and its type's plan. */
interface ElementPlan {
  tag: string;
  isAny: boolean;
  type: TypePlan;
}

/** A type's shape for encoding: its elements in wire order (complex), or the builtin its text is written as. */
interface TypePlan {
  elements?: ElementDecl[];
  builtin: string;
}

export class Codec {
  /** By declaration object: the schema's own declarations are long-lived, so each is planned once. */
  private readonly elementPlans = new WeakMap<object, ElementPlan>();
  private readonly typePlans = new Map<string, TypePlan>();

  constructor(readonly schema: SchemaSet) {}

  private typePlan(type: QN): TypePlan {
    const k = key(type);
    let p = this.typePlans.get(k);
    if (!p) {
      const t = this.schema.type(type);
      p = t?.kind === 'complex' ? { elements: this.schema.elementsOf(type), builtin: '' } : { builtin: this.schema.builtin(type) };
      this.typePlans.set(k, p);
    }
    return p;
  }

  private elementPlan(decl: Pick<ElementDecl, 'name' | 'ns' | 'type'>): ElementPlan {
    let p = this.elementPlans.get(decl);
    if (!p) {
      p = { tag: prefixed({ ns: decl.ns, local: decl.name }), isAny: key(decl.type) === key(ANY_TYPE), type: this.typePlan(decl.type) };
      this.elementPlans.set(decl, p);
    }
    return p;
  }

  // ---------------------------------------------------------------- encoding
  /** Encodes one element (and its repeats when value is an array). */
  element(out: string[], decl: Pick<ElementDecl, 'name' | 'ns' | 'type'>, value: unknown): void {
    if (value === undefined || value === null) return;
    if (Array.isArray(value)) {
      for (const v of value) this.element(out, decl, v);
      return;
    }
    const p = this.elementPlan(decl);
    let tp = p.type;
    let typeAttr = '';
    if (p.isAny || (typeof value === 'object' && value !== null && '$type' in (value as object))) {
      // Values that carry their type always say so (Axis2 clients expect xsi:type on faults and in anyType slots).
      const actual = this.actualType(value, decl.type);
      typeAttr = ` xsi:type="${prefixed(actual)}"`;
      tp = this.typePlan(actual);
    }
    if (tp.elements) {
      out.push(`<${p.tag}${typeAttr}>`);
      const obj = value as Record<string, unknown>;
      for (const el of tp.elements) this.element(out, el, obj[el.name]);
      out.push(`</${p.tag}>`);
    } else {
      const raw = p.isAny && typeof value === 'object' && value !== null && '$value' in (value as object) ? (value as { $value: unknown }).$value : value;
      out.push(`<${p.tag}${typeAttr}>${escapeText(cleanText(this.primitive(raw, tp.builtin)))}</${p.tag}>`);
    }
  }

  private actualType(value: unknown, declared: QN): QN {
    if (typeof value === 'object' && value !== null && '$type' in (value as object)) return (value as Typed).$type;
    if (typeof value === 'boolean') return qn(XSD, 'boolean');
    if (typeof value === 'number') return qn(XSD, Number.isInteger(value) ? 'long' : 'double');
    if (typeof value === 'string' || key(declared) === key(ANY_TYPE)) return qn(XSD, 'string');
    return declared;
  }

  private primitive(v: unknown, builtin: string): string {
    if (builtin === 'boolean') return v ? 'true' : 'false';
    if (builtin === 'dateTime') return new Date(typeof v === 'number' ? v : String(v)).toISOString();
    if (builtin === 'base64Binary') return Buffer.isBuffer(v) ? v.toString('base64') : String(v);
    if (INTEGER.has(builtin)) return typeof v === 'bigint' ? v.toString() : String(Math.trunc(Number(v)));
    return String(v);
  }

  // ---------------------------------------------------------------- decoding
  /** Decodes the children of `node` as an instance of complex type `type`. */
  decodeComplex(node: XmlNode, type: QN, path: string): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    const decls = this.schema.elementsOf(type);
    const byName = new Map(decls.map((d) => [d.name, d]));
    for (const c of node.children) {
      const d = byName.get(c.local);
      if (!d) continue; // elements of later schema versions we do not know: ignored
      // Lenient on input: some toolkits (node-soap among them) put nested elements in the
      // request's namespace; accept any of the VASA namespaces, refuse foreign ones.
      if (d.ns !== c.ns && !VASA_NAMESPACES.has(c.ns)) throw new CodecError(`${path}/${c.local}: expected namespace ${d.ns}, got ${c.ns || '(none)'}.`);
      if (isNil(c)) continue;
      const v = this.decodeValue(c, d.type, `${path}/${c.local}`);
      if (d.max > 1) ((out[d.name] ??= []) as unknown[]).push(v);
      else if (d.name in out) throw new CodecError(`${path}/${c.local}: given more than once.`);
      else out[d.name] = v;
    }
    for (const d of decls) {
      const n = Array.isArray(out[d.name]) ? (out[d.name] as unknown[]).length : out[d.name] === undefined ? 0 : 1;
      if (n < d.min) throw new CodecError(`${path}/${d.name}: required${d.min > 1 ? ` at least ${d.min} times` : ''}.`);
      if (n > d.max) throw new CodecError(`${path}/${d.name}: at most ${d.max} allowed.`);
    }
    return out;
  }

  decodeValue(node: XmlNode, declared: QN, path: string): unknown {
    let type = declared;
    const xsiType = node.attrs[`{${XSI}}type`];
    if (xsiType) {
      const t = resolveQName(node, xsiType);
      const isAny = key(declared) === key(ANY_TYPE);
      if (!isAny && !this.schema.derivesFrom(t, declared) && t.ns !== XSD) {
        throw new CodecError(`${path}: xsi:type ${t.local} is not a ${declared.local}.`);
      }
      // Toolkits write xsi:type="xsd:string" (or long, ...) on typed slots too: there the
      // declared type decides, so a value is what the generated request types say it is.
      if (isAny || t.ns !== XSD) type = t;
    }
    const def = this.schema.type(type);
    if (def?.kind === 'complex') {
      const v = this.decodeComplex(node, type, path);
      return key(type) !== key(declared) ? { $type: type, ...v } : v;
    }
    if (key(type) === key(ANY_TYPE)) {
      return node.children.length ? Object.fromEntries(node.children.map((c) => [c.local, c.text])) : node.text;
    }
    const builtin = this.schema.builtin(type);
    const text = node.text.trim();
    if (def?.kind === 'simple' && def.enumeration) {
      if (!def.enumeration.includes(text)) throw new CodecError(`${path}: "${text.slice(0, 64)}" is not one of ${def.enumeration.join(', ')}.`);
      // The value checked, not the untrimmed text: handlers compare it with the enumeration.
      if (builtin === 'string') return text;
    }
    return this.parsePrimitive(builtin === 'string' ? node.text : text, builtin, path);
  }

  private parsePrimitive(text: string, builtin: string, path: string): unknown {
    if (INTEGER.has(builtin)) {
      if (!/^[+-]?\d{1,19}$/.test(text)) throw new CodecError(`${path}: "${text.slice(0, 64)}" is not an integer.`);
      const n = Number(text);
      if (!Number.isSafeInteger(n)) throw new CodecError(`${path}: ${text} is out of range.`);
      return n;
    }
    if (builtin === 'boolean') {
      if (text === 'true' || text === '1') return true;
      if (text === 'false' || text === '0') return false;
      throw new CodecError(`${path}: "${text.slice(0, 64)}" is not a boolean.`);
    }
    if (builtin === 'double' || builtin === 'float' || builtin === 'decimal') {
      const n = Number(text);
      if (text === '' || !Number.isFinite(n)) throw new CodecError(`${path}: "${text.slice(0, 64)}" is not a number.`);
      return n;
    }
    if (builtin === 'dateTime') {
      if (Number.isNaN(Date.parse(text))) throw new CodecError(`${path}: "${text.slice(0, 64)}" is not a date and time.`);
      return text;
    }
    if (builtin === 'base64Binary') return Buffer.from(text, 'base64');
    return text;
  }
}

export { escapeAttr };
