/**
 * Namespace-aware XML reading in one streaming pass over saxes, with caps checked as
 * the document is read: the one parser for XML from outside. The VASA face parses
 * requests with it before it knows who sent them (issue 8 rows 1 and 10), the vCenter
 * client parses vim25 answers with it (a wrong host behind the configured address could
 * send anything), so the work and memory here must stay linear in the input and stop at
 * the first thing over a cap. Each caller brings its own caps and names what it reads
 * ("request", "answer") for the messages.
 *
 * Why saxes (it replaced fast-xml-parser + XMLValidator): fast-xml-parser needs a
 * separate validation pass, builds a tree of its own that we then copied, and offers no
 * hook to stop early, so a cap could only be checked after everything was built.
 * saxes calls us at each tag and attribute, so each cap fails at the first item over
 * it. Measured on the dev machine (node 20, CPU time of one parse; the machine was
 * shared, so ±30%):
 *   attack body (anonymous)              fast-xml-parser           saxes with the caps
 *   row 1, n = 10,000 prefixes (0.6 MB)  n = 4,000: 6.9 s, +857 MB  2 ms (33rd declaration)
 *   7 MB of empty elements               3.5 s, +549 MB            177 ms, +50 MB (element cap)
 *   7 MB, one tag, ~700k attributes      8.2 s, +728 MB            17 ms (attribute 65)
 *   7 MB of 3-attribute tags             2.2 s, +159 MB            ~200 ms, +31 MB (attribute total)
 *   7 MB, 1.4M character references      1.7 s, +496 MB            9 ms (counted before parsing)
 * With every cap lifted saxes stays linear (row 1 at n = 5,000 / 10,000 / 20,000:
 * 91 / 176 / 365 ms). Legitimate requests: the 7.4 MB snapshot batch below parses in
 * 650 ms (fast-xml-parser 925 ms), the big setContext in 56 ms (95 ms); a small
 * bindVirtualVolume envelope (700 characters) in about 49 µs against 44 µs: the one
 * place where the old parser was quicker. parseXmlAsync parses a large body in slices
 * with a turn of the event loop between them, so even a capped-out body or a large
 * legitimate batch does not hold up other clients for its whole length.
 *
 * Why the namespace scope is a prototype chain (row 1): each element used to copy every
 * prefix in scope when it declared one more, so n prefixes on the envelope and n
 * children declaring one each cost n² (n = 5,000 blocked the event loop 21 s). Now an
 * element that declares a prefix gets a scope object holding only its own declarations,
 * whose prototype is its parent's scope: O(1) per declaration, and a lookup walks at
 * most maxDepth links. `node.scope[p]` reads stay as they were.
 *
 * DOCTYPE is refused outright: that closes external entities (XXE) and entity expansion
 * ("billion laughs"). Only the five predefined entities and character references are
 * decoded; saxes knows no others without a DTD.
 */
import { SaxesAttributeNSIncomplete, SaxesParser, SaxesStartTagNS, SaxesTagNS } from 'saxes';

export interface XmlNode {
  ns: string;
  local: string;
  /** Attributes by "{ns}local" (no namespace: just local). xmlns declarations are left out. */
  attrs: Record<string, string>;
  children: XmlNode[];
  text: string;
  /**
   * Prefix -> namespace in scope at this element (to resolve QName values like xsi:type).
   * Read it by key only (`scope[p]`): inherited prefixes live on its prototype chain, so
   * Object.keys and spreading see only the element's own declarations.
   */
  scope: Readonly<Record<string, string>>;
}

export class XmlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'XmlError';
  }
}

/** A cap of XmlLimits exceeded: the document may be well-formed, it is only too big. */
export class XmlLimitError extends XmlError {
  constructor(readonly limit: keyof XmlLimits, message: string) {
    super(message);
    this.name = 'XmlLimitError';
  }
}

/** Caps on one document, each checked while it is read. */
export interface XmlLimits {
  /** Elements in the whole document. */
  maxElements: number;
  /** Nesting depth; the root is at depth 1. */
  maxDepth: number;
  /** Attributes on one element, namespace declarations included. */
  maxAttributesPerElement: number;
  /** Attributes in the whole document, namespace declarations included. */
  maxAttributes: number;
  /** xmlns declarations on one element. */
  maxNamespaceDeclarationsPerElement: number;
  /** xmlns declarations in the whole document. */
  maxNamespaceDeclarations: number;
  /** Entity and character references (`&...;`) in the whole document. */
  maxReferences: number;
  /** Characters in an element or attribute name, prefix included. */
  maxNameLength: number;
  /** Characters of text in one element, and of one attribute value. */
  maxTextLength: number;
}

/*
 * The defaults let the largest legitimate requests through with room to spare and refuse
 * what only an attack sends. Measured with test/security/parser-limits.test.ts, which
 * builds these requests, parses them under the defaults and decodes them with the codec:
 *  - snapshotVirtualVolume, 64 VVols (maxBatchSize) x 300 metadata pairs each, written
 *    the Axis2/ADB way (a prefix redeclared on every element that needs it, xsi:type on
 *    every complex value), 7.4 MB (the session body cap is 8 MB): 57,796 elements,
 *    38,658 attributes of which 19,394 namespace declarations, 96,000 references
 *    (`&amp;` in values), depth 6;
 *  - one VVol with 1,024 pairs (the dispatcher's bound on a metadata list): 3,079
 *    elements, 1,029 declarations;
 *  - setContext from a host with 1,024 initiators, 1,024 mount points, 256 addresses:
 *    6,406 elements.
 * Why the namespace-declaration total is not tighter: some toolkits (Axis2/ADB among
 * them) redeclare a prefix on each element they write, so a total far below the element
 * total would refuse real batches. Row 1 is stopped by the per-element cap, and
 * a declaration now costs O(1) wherever it is. References: besides `&amp;` in text, a
 * client writing each CR of a PEM certificate or CRL as &#13; sends one per line.
 */
export const DEFAULT_XML_LIMITS: Readonly<XmlLimits> = Object.freeze({
  maxElements: 100_000,
  maxDepth: 64,
  maxAttributesPerElement: 64,
  maxAttributes: 100_000,
  maxNamespaceDeclarationsPerElement: 32,
  maxNamespaceDeclarations: 100_000,
  maxReferences: 200_000,
  maxNameLength: 256,
  maxTextLength: 4 * 1024 * 1024,
});

export const XSI = 'http://www.w3.org/2001/XMLSchema-instance';
export const XSD = 'http://www.w3.org/2001/XMLSchema';
const XML_NS = 'http://www.w3.org/XML/1998/namespace';
const NO_DOCTYPE = 'Documents with a DOCTYPE or entity declarations are not accepted.';

/** The root scope has no prototype, so no key like "constructor" or "__proto__" resolves by accident. */
function rootScope(): Record<string, string> {
  const s = Object.create(null) as Record<string, string>;
  s.xml = XML_NS;
  return s;
}

/** Every reference starts with `&`, so counting them bounds the references before any parsing. */
function countReferences(text: string, max: number, subject: string): void {
  let n = 0;
  for (let i = text.indexOf('&'); i >= 0; i = text.indexOf('&', i + 1)) {
    if (++n > max) throw new XmlLimitError('maxReferences', `The ${subject} has more than ${max} entity or character references.`);
  }
}

/** One parse: the tree being built and the counts the caps are checked against. */
class Builder {
  root: XmlNode | undefined;
  private readonly stack: XmlNode[] = [];
  private elements = 0;
  private attributes = 0;
  private attributesHere = 0;
  private declarations = 0;
  private declarationsHere = 0;

  constructor(
    private readonly limits: Readonly<XmlLimits>,
    private readonly subject: string,
  ) {}

  /** Called at `<name`, before the attributes are read: the element and depth caps fail here. */
  openTagStart(tag: SaxesStartTagNS): void {
    const l = this.limits;
    if (++this.elements > l.maxElements) throw new XmlLimitError('maxElements', `The ${this.subject} has more than ${l.maxElements} elements.`);
    if (this.stack.length >= l.maxDepth) throw new XmlLimitError('maxDepth', `The document nests elements too deeply (more than ${l.maxDepth} levels).`);
    if (tag.name.length > l.maxNameLength) throw new XmlLimitError('maxNameLength', `The ${this.subject} has an element name longer than ${l.maxNameLength} characters.`);
    this.attributesHere = 0;
    this.declarationsHere = 0;
  }

  /** Called at each attribute as it is read, so a tag with a million attributes stops at the first one over. */
  attribute(attr: SaxesAttributeNSIncomplete): void {
    const l = this.limits;
    if (++this.attributesHere > l.maxAttributesPerElement) throw new XmlLimitError('maxAttributesPerElement', `The ${this.subject} has an element with more than ${l.maxAttributesPerElement} attributes.`);
    if (++this.attributes > l.maxAttributes) throw new XmlLimitError('maxAttributes', `The ${this.subject} has more than ${l.maxAttributes} attributes.`);
    if (attr.name.length > l.maxNameLength) throw new XmlLimitError('maxNameLength', `The ${this.subject} has an attribute name longer than ${l.maxNameLength} characters.`);
    if (attr.value.length > l.maxTextLength) throw new XmlLimitError('maxTextLength', `The ${this.subject} has an attribute value longer than ${l.maxTextLength} characters.`);
    if (attr.prefix === 'xmlns' || attr.name === 'xmlns') {
      if (++this.declarationsHere > l.maxNamespaceDeclarationsPerElement) throw new XmlLimitError('maxNamespaceDeclarationsPerElement', `The ${this.subject} has an element with more than ${l.maxNamespaceDeclarationsPerElement} namespace declarations.`);
      if (++this.declarations > l.maxNamespaceDeclarations) throw new XmlLimitError('maxNamespaceDeclarations', `The ${this.subject} has more than ${l.maxNamespaceDeclarations} namespace declarations.`);
    }
  }

  /** Called once the tag is complete; saxes has resolved its namespaces (walking at most maxDepth tags). */
  openTag(tag: SaxesTagNS): void {
    const parent = this.stack[this.stack.length - 1];
    const parentScope = parent ? parent.scope : rootScope();
    let scope = parentScope;
    if (this.declarationsHere > 0) {
      // A new scope only if something changes: toolkits that redeclare the same prefix on
      // every element then cost no object at all.
      let own: Record<string, string> | undefined;
      for (const p in tag.ns) {
        if (parentScope[p] === tag.ns[p]) continue;
        own ??= Object.create(parentScope) as Record<string, string>;
        own[p] = tag.ns[p];
      }
      if (own) scope = own;
    }
    const attrs: Record<string, string> = {};
    for (const name in tag.attributes) {
      const a = tag.attributes[name];
      if (a.prefix === 'xmlns' || a.name === 'xmlns') continue;
      attrs[a.uri ? `{${a.uri}}${a.local}` : a.local] = a.value;
    }
    const node: XmlNode = { ns: tag.uri, local: tag.local, attrs, children: [], text: '', scope };
    if (parent) parent.children.push(node);
    else this.root = node;
    this.stack.push(node);
  }

  closeTag(): void {
    this.stack.pop();
  }

  text(t: string): void {
    const node = this.stack[this.stack.length - 1];
    if (!node) return; // whitespace around the root: saxes refuses anything else there
    if (node.text.length + t.length > this.limits.maxTextLength) throw new XmlLimitError('maxTextLength', `The ${this.subject} has an element with more than ${this.limits.maxTextLength} characters of text.`);
    node.text += t;
  }
}

/** The checks made on the whole text before saxes sees it. */
function precheck(text: string, limits: Readonly<XmlLimits>, subject: string): void {
  // saxes would skip a DTD rather than refuse it; this also catches a lower-case or misplaced one.
  if (/<!DOCTYPE/i.test(text) || /<!ENTITY/i.test(text)) throw new XmlError(NO_DOCTYPE);
  countReferences(text, limits.maxReferences, subject);
}

function start(limits: Readonly<XmlLimits>, subject: string): { b: Builder; p: SaxesParser<{ xmlns: true; position: true }> } {
  const b = new Builder(limits, subject);
  const p = new SaxesParser({ xmlns: true, position: true });
  p.on('opentagstart', (t) => b.openTagStart(t));
  p.on('attribute', (a) => b.attribute(a));
  p.on('opentag', (t) => b.openTag(t));
  p.on('closetag', () => b.closeTag());
  p.on('text', (t) => b.text(t));
  p.on('cdata', (t) => b.text(t));
  p.on('doctype', () => {
    throw new XmlError(NO_DOCTYPE);
  });
  return { b, p };
}

/** Feeds saxes (a chunk, or the end when `chunk` is undefined), turning its errors into XmlError. */
function feed(p: SaxesParser<{ xmlns: true; position: true }>, chunk: string | undefined, subject: string): void {
  try {
    if (chunk === undefined) p.close();
    else p.write(chunk);
  } catch (e) {
    if (e instanceof XmlError) throw e;
    // saxes reports "line:column: what"; its messages hold no input beyond a name.
    throw new XmlError(`The ${subject} is not well-formed XML: ${(e as Error).message}`);
  }
}

function finish(b: Builder): XmlNode {
  if (!b.root) throw new XmlError('The document must have exactly one root element.');
  return b.root;
}

/**
 * Parses a document and returns its root element. Throws XmlError at the first cap
 * exceeded or the first well-formedness error; `limits` default to DEFAULT_XML_LIMITS;
 * `subject` names the document in the messages ("The request has more than ...").
 */
export function parseXml(text: string, limits: Readonly<XmlLimits> = DEFAULT_XML_LIMITS, subject = 'request'): XmlNode {
  precheck(text, limits, subject);
  const { b, p } = start(limits, subject);
  feed(p, text, subject);
  feed(p, undefined, subject);
  return finish(b);
}

/** Characters parsed between two turns of the event loop by parseXmlAsync (~10-40 ms of work). */
export const XML_SLICE_CHARS = 256 * 1024;

/**
 * parseXml that gives the event loop a turn after every `sliceChars` characters, so a
 * large body (a legitimate 7 MB batch takes ~650 ms) does not hold up other clients.
 * Bodies up to one slice parse in the same turn, as with parseXml.
 */
export async function parseXmlAsync(text: string, limits: Readonly<XmlLimits> = DEFAULT_XML_LIMITS, sliceChars = XML_SLICE_CHARS, subject = 'request'): Promise<XmlNode> {
  precheck(text, limits, subject);
  const { b, p } = start(limits, subject);
  for (let i = 0; i < text.length; i += sliceChars) {
    if (i > 0) await new Promise<void>((resolve) => setImmediate(resolve));
    // saxes carries a surrogate pair or a CR LF cut by the slice over to the next write.
    feed(p, text.slice(i, i + sliceChars), subject);
  }
  feed(p, undefined, subject);
  return finish(b);
}

/** Resolves a QName attribute value (like xsi:type="ns1:Foo") in the element's scope. */
export function resolveQName(node: XmlNode, value: string): { ns: string; local: string } {
  const v = value.trim();
  const i = v.indexOf(':');
  const p = i < 0 ? '' : v.slice(0, i);
  const ns = node.scope[p];
  if (ns === undefined) throw new XmlError(`The prefix "${p}" in "${value}" is not declared.`);
  return { ns, local: i < 0 ? v : v.slice(i + 1) };
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
