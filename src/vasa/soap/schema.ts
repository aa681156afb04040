/**
 * Reads our XSD files (wsdl/*.xsd) into a small model the codec walks: complex types
 * with their ordered elements and base type, simple types with enumerations, and the
 * global elements. The WSDL and its schemas are the single source of truth for what
 * goes on the wire: element names, namespaces, order, occurrence and types.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseXml, XmlNode, XSD } from '../../sys/xml';

export interface QN {
  ns: string;
  local: string;
}

export const key = (q: QN): string => `{${q.ns}}${q.local}`;
export const ANY_TYPE: QN = { ns: XSD, local: 'anyType' };

export interface ElementDecl {
  name: string;
  ns: string;
  type: QN;
  min: number;
  max: number;
  nillable: boolean;
}

export interface ComplexTypeDef {
  kind: 'complex';
  name: QN;
  base?: QN;
  elements: ElementDecl[];
}

export interface SimpleTypeDef {
  kind: 'simple';
  name: QN;
  base: QN;
  enumeration?: string[];
}

export type TypeDef = ComplexTypeDef | SimpleTypeDef;

export class SchemaSet {
  readonly types = new Map<string, TypeDef>();
  readonly elements = new Map<string, ElementDecl>();
  private readonly allCache = new Map<string, ElementDecl[]>();
  private readonly derivedCache = new Map<string, TypeDef[]>();
  private anon = 0;

  /** Loads the schemas a WSDL (or schema) file imports, following imports recursively. */
  static loadFrom(file: string): SchemaSet {
    const s = new SchemaSet();
    const dir = path.dirname(file);
    const pending: [XmlNode, string][] = [];
    const seen = new Set<string>();
    const follow = (node: XmlNode) => {
      if (node.ns === XSD && (node.local === 'import' || node.local === 'include') && node.attrs.schemaLocation) {
        const f = node.attrs.schemaLocation;
        if (!seen.has(f)) {
          seen.add(f);
          const root = parseXml(fs.readFileSync(path.join(dir, f), 'utf8'));
          if (root.ns !== XSD || root.local !== 'schema') throw new Error(`${f} is not an XML schema.`);
          pending.push([root, f]);
          follow(root);
        }
      }
      for (const c of node.children) follow(c);
    };
    follow(parseXml(fs.readFileSync(file, 'utf8')));
    // Global elements first, so element references resolve in any file order.
    for (const [root] of pending) s.readGlobals(root);
    for (const [root] of pending) s.readTypes(root);
    return s;
  }

  /** The model as plain data (the build's cache, schema-cache.ts); `max` Infinity is written as -1. */
  toJSON(): { types: [string, TypeDef][]; elements: [string, ElementDecl][] } {
    const el = (e: ElementDecl): ElementDecl => (e.max === Infinity ? { ...e, max: -1 } : e);
    const ty = (t: TypeDef): TypeDef => (t.kind === 'complex' ? { ...t, elements: t.elements.map(el) } : t);
    return { types: [...this.types].map(([k, t]) => [k, ty(t)]), elements: [...this.elements].map(([k, e]) => [k, el(e)]) };
  }

  /** The model toJSON wrote. */
  static fromJSON(j: { types: [string, TypeDef][]; elements: [string, ElementDecl][] }): SchemaSet {
    const el = (e: ElementDecl): ElementDecl => (e.max === -1 ? { ...e, max: Infinity } : e);
    const s = new SchemaSet();
    for (const [k, t] of j.types) s.types.set(k, t.kind === 'complex' ? { ...t, elements: t.elements.map(el) } : t);
    for (const [k, e] of j.elements) s.elements.set(k, el(e));
    return s;
  }

  private tns(root: XmlNode): string {
    return root.attrs.targetNamespace ?? '';
  }

  private qn(node: XmlNode, value: string): QN {
    const i = value.indexOf(':');
    const p = i < 0 ? '' : value.slice(0, i);
    const ns = node.scope[p];
    if (ns === undefined) throw new Error(`Undeclared prefix in schema QName "${value}"`);
    return { ns, local: i < 0 ? value : value.slice(i + 1) };
  }

  private xs(node: XmlNode, local: string): XmlNode[] {
    return node.children.filter((c) => c.ns === XSD && c.local === local);
  }

  private readGlobals(root: XmlNode): void {
    const tns = this.tns(root);
    for (const el of this.xs(root, 'element')) {
      const name = el.attrs.name;
      let type: QN;
      const inline = this.xs(el, 'complexType')[0];
      if (inline) {
        type = { ns: tns, local: `#element:${name}` };
        this.types.set(key(type), this.complex(inline, type, tns));
      } else type = el.attrs.type ? this.qn(el, el.attrs.type) : ANY_TYPE;
      this.elements.set(key({ ns: tns, local: name }), { name, ns: tns, type, min: 1, max: 1, nillable: el.attrs.nillable === 'true' });
    }
  }

  private readTypes(root: XmlNode): void {
    const tns = this.tns(root);
    for (const ct of this.xs(root, 'complexType')) {
      const name = { ns: tns, local: ct.attrs.name };
      this.types.set(key(name), this.complex(ct, name, tns));
    }
    for (const st of this.xs(root, 'simpleType')) {
      const name = { ns: tns, local: st.attrs.name };
      this.types.set(key(name), this.simple(st, name));
    }
  }

  private simple(st: XmlNode, name: QN): SimpleTypeDef {
    const r = this.xs(st, 'restriction')[0];
    const base = r?.attrs.base ? this.qn(r, r.attrs.base) : { ns: XSD, local: 'string' };
    const en = r ? this.xs(r, 'enumeration').map((e) => e.attrs.value) : [];
    return { kind: 'simple', name, base, enumeration: en.length ? en : undefined };
  }

  private complex(ct: XmlNode, name: QN, tns: string): ComplexTypeDef {
    let base: QN | undefined;
    let holder = ct;
    const cc = this.xs(ct, 'complexContent')[0];
    if (cc) {
      const ext = this.xs(cc, 'extension')[0] ?? this.xs(cc, 'restriction')[0];
      if (ext) {
        base = this.qn(ext, ext.attrs.base);
        if (base.ns === XSD && base.local === 'anyType') base = undefined;
        holder = ext;
      }
    }
    const elements: ElementDecl[] = [];
    const walk = (group: XmlNode) => {
      for (const c of group.children) {
        if (c.ns !== XSD) continue;
        if (c.local === 'sequence' || c.local === 'all' || c.local === 'choice') walk(c);
        else if (c.local === 'element') elements.push(this.localElement(c, tns));
      }
    };
    walk(holder);
    return { kind: 'complex', name, base, elements };
  }

  private localElement(el: XmlNode, tns: string): ElementDecl {
    const min = el.attrs.minOccurs === undefined ? 1 : Number(el.attrs.minOccurs);
    const max = el.attrs.maxOccurs === undefined ? 1 : el.attrs.maxOccurs === 'unbounded' ? Infinity : Number(el.attrs.maxOccurs);
    if (el.attrs.ref) {
      const ref = this.qn(el, el.attrs.ref);
      const g = this.elements.get(key(ref));
      if (!g) throw new Error(`Element reference ${key(ref)} not found`);
      return { ...g, min, max };
    }
    let type: QN;
    const inline = this.xs(el, 'complexType')[0];
    if (inline) {
      type = { ns: tns, local: `#anon:${++this.anon}` };
      this.types.set(key(type), this.complex(inline, type, tns));
    } else {
      const st = this.xs(el, 'simpleType')[0];
      if (st) {
        type = { ns: tns, local: `#anon:${++this.anon}` };
        this.types.set(key(type), this.simple(st, type));
      } else type = el.attrs.type ? this.qn(el, el.attrs.type) : ANY_TYPE;
    }
    return { name: el.attrs.name, ns: tns, type, min, max, nillable: el.attrs.nillable === 'true' };
  }

  type(q: QN): TypeDef | undefined {
    return this.types.get(key(q));
  }

  /** All elements of a complex type in wire order: base type's first. */
  elementsOf(q: QN): ElementDecl[] {
    const k = key(q);
    const cached = this.allCache.get(k);
    if (cached) return cached;
    const t = this.types.get(k);
    if (!t || t.kind !== 'complex') return [];
    const all = [...(t.base ? this.elementsOf(t.base) : []), ...t.elements];
    this.allCache.set(k, all);
    return all;
  }

  /** Whether type `sub` is `base` or derives from it. */
  derivesFrom(sub: QN, base: QN): boolean {
    let cur: QN | undefined = sub;
    for (let i = 0; cur && i < 32; i++) {
      if (key(cur) === key(base)) return true;
      const t = this.types.get(key(cur));
      cur = t?.kind === 'complex' ? t.base : undefined;
    }
    return false;
  }

  /** The XSD built-in a simple type rests on. */
  builtin(q: QN): string {
    let cur: QN = q;
    for (let i = 0; i < 32; i++) {
      if (cur.ns === XSD) return cur.local;
      const t = this.types.get(key(cur));
      if (!t || t.kind !== 'simple') return 'string';
      cur = t.base;
    }
    return 'string';
  }

  /** Complex types derived from q (for xsi:type lookups by local name). */
  derivedTypes(q: QN): TypeDef[] {
    const k = key(q);
    let d = this.derivedCache.get(k);
    if (!d) {
      d = [...this.types.values()].filter((t) => t.kind === 'complex' && this.derivesFrom(t.name, q));
      this.derivedCache.set(k, d);
    }
    return d;
  }
}
