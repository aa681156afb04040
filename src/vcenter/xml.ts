/**
 * vim25 answers read into a small element tree (saxes, namespace-aware) and the
 * requests written as text. What we read is vCenter's answer, not a stranger's request,
 * but a wrong host behind the configured address could send anything: the body is
 * capped by the transport, and here depth, elements and text per element are capped,
 * DOCTYPE refused, only the predefined entities decoded (saxes knows no others).
 */
import { SaxesParser, SaxesTagNS } from 'saxes';

export const VIM25 = 'urn:vim25';
export const SOAP_ENV = 'http://schemas.xmlsoap.org/soap/envelope/';
export const XSI = 'http://www.w3.org/2001/XMLSchema-instance';

export interface VimNode {
  ns: string;
  local: string;
  /** Attributes by local name (type="Folder" of a managed object reference). */
  attrs: Record<string, string>;
  /** xsi:type, without its prefix ("xsd:string" -> "string", "TraversalSpec"). */
  xsiType?: string;
  children: VimNode[];
  text: string;
}

export interface XmlCaps {
  maxElements: number;
  maxDepth: number;
  maxTextLength: number;
}

/** About 30 elements a VM: a million leaves room for tens of thousands of VMs in one page. */
export const DEFAULT_CAPS: Readonly<XmlCaps> = Object.freeze({ maxElements: 1_000_000, maxDepth: 64, maxTextLength: 1024 * 1024 });

export class VimXmlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'VimXmlError';
  }
}

function localOf(qname: string): string {
  const i = qname.indexOf(':');
  return i < 0 ? qname : qname.slice(i + 1);
}

/** Parses an answer; throws VimXmlError when it is not well-formed or over a cap. */
export function parseVim(text: string, caps: Readonly<XmlCaps> = DEFAULT_CAPS): VimNode {
  if (/<!DOCTYPE/i.test(text) || /<!ENTITY/i.test(text)) throw new VimXmlError('the answer has a DOCTYPE, which vim25 never sends');
  const p = new SaxesParser({ xmlns: true });
  const stack: VimNode[] = [];
  let root: VimNode | undefined;
  let elements = 0;
  p.on('opentag', (t: SaxesTagNS) => {
    if (++elements > caps.maxElements) throw new VimXmlError(`the answer has more than ${caps.maxElements} elements`);
    if (stack.length >= caps.maxDepth) throw new VimXmlError(`the answer nests elements deeper than ${caps.maxDepth} levels`);
    const attrs: Record<string, string> = {};
    let xsiType: string | undefined;
    for (const a of Object.values(t.attributes)) {
      if (a.prefix === 'xmlns' || a.name === 'xmlns') continue;
      if (a.uri === XSI && a.local === 'type') xsiType = localOf(a.value.trim());
      else attrs[a.local] = a.value;
    }
    const node: VimNode = { ns: t.uri, local: t.local, attrs, children: [], text: '', ...(xsiType ? { xsiType } : {}) };
    const parent = stack[stack.length - 1];
    if (parent) parent.children.push(node);
    else root = node;
    stack.push(node);
  });
  p.on('closetag', () => void stack.pop());
  const onText = (s: string): void => {
    const node = stack[stack.length - 1];
    if (!node) return;
    if (node.text.length + s.length > caps.maxTextLength) throw new VimXmlError(`the answer has an element with more than ${caps.maxTextLength} characters of text`);
    node.text += s;
  };
  p.on('text', onText);
  p.on('cdata', onText);
  try {
    p.write(text);
    p.close();
  } catch (e) {
    if (e instanceof VimXmlError) throw e;
    throw new VimXmlError(`the answer is not well-formed XML (${(e as Error).message})`);
  }
  if (!root) throw new VimXmlError('the answer is empty');
  return root;
}

export function child(n: VimNode | undefined, local: string): VimNode | undefined {
  return n?.children.find((c) => c.local === local);
}

export function children(n: VimNode | undefined, local: string): VimNode[] {
  return n ? n.children.filter((c) => c.local === local) : [];
}

export function textOf(n: VimNode | undefined): string | undefined {
  return n === undefined ? undefined : n.text;
}

/** A managed object reference as it is written: <obj type="VirtualMachine">vm-42</obj>. */
export interface MoRef {
  type: string;
  value: string;
}

export function moRefOf(n: VimNode | undefined): MoRef | undefined {
  if (!n || !n.attrs.type) return undefined;
  return { type: n.attrs.type, value: n.text.trim() };
}

// ---- writing -----------------------------------------------------------------------------

// eslint-disable-next-line no-control-regex
const BAD_CHARS = /[\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]/g;

export function esc(s: string): string {
  return s.replace(BAD_CHARS, '').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** <name>value</name>, the value escaped. */
export function el(name: string, value: string | number | boolean): string {
  return `<${name}>${esc(String(value))}</${name}>`;
}

/** <name type="Type">value</name>: a managed object reference. */
export function ref(name: string, r: MoRef): string {
  return `<${name} type="${esc(r.type)}">${esc(r.value)}</${name}>`;
}

/** The SOAP 1.1 envelope of one vim25 call; `body` is the method's element content, already written. */
export function envelope(method: string, body: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="${SOAP_ENV}" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="${XSI}"><soapenv:Body><${method} xmlns="${VIM25}">${body}</${method}></soapenv:Body></soapenv:Envelope>`;
}
