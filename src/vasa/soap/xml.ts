/**
 * Namespace-aware XML reading over fast-xml-parser. Documents with a DOCTYPE are
 * refused outright: that closes external entities (XXE) and entity expansion
 * ("billion laughs") before any parsing happens. Well-formedness is checked first.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';

export interface XmlNode {
  ns: string;
  local: string;
  /** Attributes by "{ns}local" (no namespace: just local). xmlns declarations are left out. */
  attrs: Record<string, string>;
  children: XmlNode[];
  text: string;
  /** Prefix -> namespace in scope at this element (to resolve QName values like xsi:type). */
  scope: Record<string, string>;
}

export class XmlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'XmlError';
  }
}

export const XSI = 'http://www.w3.org/2001/XMLSchema-instance';
export const XSD = 'http://www.w3.org/2001/XMLSchema';

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  // Entities are decoded by us (decodeEntities): fast-xml-parser leaves character
  // references (&#xD;, &#10;) undecoded unless its HTML entities are on.
  processEntities: false,
  htmlEntities: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  commentPropName: false as unknown as string,
  cdataPropName: '#cdata',
});

type Raw = Record<string, unknown>;

const PREDEFINED: Record<string, string> = { lt: '<', gt: '>', amp: '&', apos: "'", quot: '"' };

/** Decodes the five predefined entities and character references in one pass (there is no DTD to define others). */
export function decodeEntities(s: string): string {
  if (!s.includes('&')) return s;
  return s.replace(/&(#x[0-9A-Fa-f]{1,6}|#[0-9]{1,7}|[A-Za-z]+);/g, (all, ref: string) => {
    if (ref[0] !== '#') {
      const v = PREDEFINED[ref];
      if (v === undefined) throw new XmlError(`The entity &${ref.slice(0, 32)}; is not defined.`);
      return v;
    }
    const cp = ref[1] === 'x' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
    const ok = cp === 0x9 || cp === 0xa || cp === 0xd || (cp >= 0x20 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) || (cp >= 0x10000 && cp <= 0x10ffff);
    if (!ok) throw new XmlError(`The character reference ${all} is not an XML character.`);
    return String.fromCodePoint(cp);
  });
}

function split(qname: string): [string, string] {
  const i = qname.indexOf(':');
  return i < 0 ? ['', qname] : [qname.slice(0, i), qname.slice(i + 1)];
}

function build(raw: Raw, parentScope: Record<string, string>, depth: number): XmlNode | undefined {
  if (depth > 64) throw new XmlError('The document nests elements too deeply.');
  const tag = Object.keys(raw).find((k) => k !== ':@' && k !== '#text' && k !== '#cdata');
  if (!tag) return undefined;
  const rawAttrs = Object.fromEntries(Object.entries((raw[':@'] ?? {}) as Record<string, string>).map(([k, v]) => [k, decodeEntities(String(v))]));
  let scope = parentScope;
  for (const [k, v] of Object.entries(rawAttrs)) {
    if (k === 'xmlns' || k.startsWith('xmlns:')) {
      if (scope === parentScope) scope = { ...parentScope };
      scope[k === 'xmlns' ? '' : k.slice(6)] = v;
    }
  }
  const [prefix, local] = split(tag);
  const ns = scope[prefix];
  if (ns === undefined && prefix !== '') throw new XmlError(`The prefix "${prefix}" of <${tag}> is not declared.`);
  const attrs: Record<string, string> = {};
  for (const [k, v] of Object.entries(rawAttrs)) {
    if (k === 'xmlns' || k.startsWith('xmlns:')) continue;
    const [ap, al] = split(k);
    if (ap === '') attrs[al] = v;
    else {
      const ans = scope[ap];
      if (ans === undefined) throw new XmlError(`The prefix "${ap}" of the attribute ${k} is not declared.`);
      attrs[`{${ans}}${al}`] = v;
    }
  }
  const node: XmlNode = { ns: ns ?? '', local, attrs, children: [], text: '', scope };
  for (const c of (raw[tag] as Raw[]) ?? []) {
    if ('#text' in c) node.text += decodeEntities(String(c['#text']));
    else if ('#cdata' in c) node.text += ((c['#cdata'] as Raw[]) ?? []).map((t) => String(t['#text'] ?? '')).join('');
    else {
      const child = build(c, scope, depth + 1);
      if (child) node.children.push(child);
    }
  }
  return node;
}

/** Parses a document and returns its root element. */
export function parseXml(text: string): XmlNode {
  if (/<!DOCTYPE/i.test(text) || /<!ENTITY/i.test(text)) {
    throw new XmlError('Documents with a DOCTYPE or entity declarations are not accepted.');
  }
  const valid = XMLValidator.validate(text);
  if (valid !== true) throw new XmlError(`The request is not well-formed XML: ${valid.err.msg} (line ${valid.err.line}).`);
  const raws = parser.parse(text) as Raw[];
  const roots = raws.map((r) => build(r, { xml: 'http://www.w3.org/XML/1998/namespace' }, 0)).filter((n): n is XmlNode => !!n);
  if (roots.length !== 1) throw new XmlError('The document must have exactly one root element.');
  return roots[0];
}

/** Resolves a QName attribute value (like xsi:type="ns1:Foo") in the element's scope. */
export function resolveQName(node: XmlNode, value: string): { ns: string; local: string } {
  const [p, l] = split(value.trim());
  const ns = node.scope[p];
  if (ns === undefined) throw new XmlError(`The prefix "${p}" in "${value}" is not declared.`);
  return { ns, local: l };
}

export function isNil(node: XmlNode): boolean {
  const v = node.attrs[`{${XSI}}nil`];
  return v === 'true' || v === '1';
}

export function escapeText(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function escapeAttr(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

// Characters XML 1.0 cannot carry; they are dropped from text we send.
// eslint-disable-next-line no-control-regex
const BAD_CHARS = /[\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]/g;
export function cleanText(s: string): string {
  return s.replace(BAD_CHARS, '');
}
