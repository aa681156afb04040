/**
 * vim25 answers read with the provider's one capped XML parser (src/sys/xml.ts) and the
 * requests written as text. What we read is vCenter's answer, not a stranger's request,
 * but a wrong host behind the configured address could send anything: the body is
 * capped by the transport, and the parser caps elements, attributes, depth and text,
 * refuses a DOCTYPE and decodes only the predefined entities. The caps here are sized
 * for answers (a page of tens of thousands of VMs), not for VASA requests.
 */
import { cleanText, escapeAttr, parseXmlAsync, XML_SLICE_CHARS, XmlLimits, XmlNode, XSI } from '../sys/xml';

export const VIM25 = 'urn:vim25';
export const SOAP_ENV = 'http://schemas.xmlsoap.org/soap/envelope/';
export { XSI };

/** An element of a vim25 answer: attributes without a namespace by local name (type="Folder" of a reference). */
export type VimNode = XmlNode;

/**
 * About 30 elements (and as many xsi:type attributes) a VM: a million leaves room for
 * tens of thousands of VMs in one page.
 */
export const VIM_XML_LIMITS: Readonly<XmlLimits> = Object.freeze({
  maxElements: 1_000_000,
  maxDepth: 64,
  maxAttributesPerElement: 64,
  maxAttributes: 1_000_000,
  maxNamespaceDeclarationsPerElement: 32,
  maxNamespaceDeclarations: 100_000,
  maxReferences: 1_000_000,
  maxNameLength: 256,
  maxTextLength: 1024 * 1024,
});

/** Parses an answer, giving the event loop a turn between slices of a large one; throws XmlError when it is not well-formed or over a cap. */
export function parseVim(text: string, limits: Readonly<XmlLimits> = VIM_XML_LIMITS): Promise<VimNode> {
  return parseXmlAsync(text, limits, XML_SLICE_CHARS, 'answer');
}

/** xsi:type of an element, without its prefix ("xsd:string" -> "string", "TraversalSpec"). */
export function xsiTypeOf(n: VimNode | undefined): string | undefined {
  const v = n?.attrs[`{${XSI}}type`]?.trim();
  if (!v) return undefined;
  const i = v.indexOf(':');
  return i < 0 ? v : v.slice(i + 1);
}

export function child(n: VimNode | undefined, local: string): VimNode | undefined {
  return n?.children.find((c) => c.local === local);
}

export function children(n: VimNode | undefined, local: string): VimNode[] {
  return n ? n.children.filter((c) => c.local === local) : [];
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

function esc(s: string): string {
  return escapeAttr(cleanText(s));
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
