/**
 * SOAP 1.1 and 1.2 envelopes. A request is answered in its own version: the version
 * is read from the envelope's namespace, the action from SOAPAction (1.1) or the
 * action parameter of the Content-Type (1.2), and the operation from the action or
 * else the first Body child (empty-Body operations are routed by action alone).
 */
import { NS_DECLS } from './codec';
import { DEFAULT_XML_LIMITS, escapeText, parseXml, parseXmlAsync, XmlLimits, XmlNode } from '../../sys/xml';

export const SOAP11 = 'http://schemas.xmlsoap.org/soap/envelope/';
export const SOAP12 = 'http://www.w3.org/2003/05/soap-envelope';

export type SoapVersion = '1.1' | '1.2';

export interface SoapRequest {
  version: SoapVersion;
  /** Operation name from the action, when the client sent one. */
  action?: string;
  header?: XmlNode;
  /** The first Body child, absent for an empty Body. */
  body?: XmlNode;
}

export class EnvelopeError extends Error {
  constructor(message: string, readonly version: SoapVersion = '1.1', options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EnvelopeError';
  }
}

/** The operation named by a SOAPAction or Content-Type action ("urn:op", "op", quoted). */
export function actionFrom(soapAction: string | undefined, contentType: string | undefined): string | undefined {
  let a = soapAction;
  if (!a && contentType) {
    const m = /action\s*=\s*("([^"]*)"|[^;\s]+)/i.exec(contentType);
    if (m) a = m[2] ?? m[1];
  }
  if (!a) return undefined;
  a = a.trim().replace(/^"|"$/g, '');
  if (!a) return undefined;
  const i = Math.max(a.lastIndexOf(':'), a.lastIndexOf('/'));
  return a.slice(i + 1) || undefined;
}

/**
 * Reads a request envelope. The XML is parsed under `limits` (element, attribute,
 * namespace-declaration, depth and reference caps); a cap exceeded is an EnvelopeError
 * whose `cause` is the XmlLimitError naming the cap.
 */
export function readEnvelope(text: string, soapAction?: string, contentType?: string, limits: Readonly<XmlLimits> = DEFAULT_XML_LIMITS): SoapRequest {
  const guess = guessVersion(contentType);
  let root: XmlNode;
  try {
    root = parseXml(text, limits);
  } catch (e) {
    throw new EnvelopeError((e as Error).message, guess, { cause: e });
  }
  return fromRoot(root, guess, soapAction, contentType);
}

/** readEnvelope over parseXmlAsync: a large body is parsed in slices, giving other clients a turn between them. */
export async function readEnvelopeAsync(text: string, soapAction?: string, contentType?: string, limits: Readonly<XmlLimits> = DEFAULT_XML_LIMITS): Promise<SoapRequest> {
  const guess = guessVersion(contentType);
  let root: XmlNode;
  try {
    root = await parseXmlAsync(text, limits);
  } catch (e) {
    throw new EnvelopeError((e as Error).message, guess, { cause: e });
  }
  return fromRoot(root, guess, soapAction, contentType);
}

function guessVersion(contentType: string | undefined): SoapVersion {
  return /application\/soap\+xml/i.test(contentType ?? '') ? '1.2' : '1.1';
}

function fromRoot(root: XmlNode, guess: SoapVersion, soapAction: string | undefined, contentType: string | undefined): SoapRequest {
  if (root.local !== 'Envelope' || (root.ns !== SOAP11 && root.ns !== SOAP12)) {
    throw new EnvelopeError('The request is not a SOAP 1.1 or 1.2 envelope.', guess);
  }
  const version: SoapVersion = root.ns === SOAP12 ? '1.2' : '1.1';
  const header = root.children.find((c) => c.ns === root.ns && c.local === 'Header');
  const bodyEl = root.children.find((c) => c.ns === root.ns && c.local === 'Body');
  if (!bodyEl) throw new EnvelopeError('The SOAP envelope has no Body.', version);
  if (bodyEl.children.length > 1) throw new EnvelopeError('The SOAP Body must hold one element.', version);
  return { version, action: actionFrom(soapAction, contentType), header, body: bodyEl.children[0] };
}

function envNs(v: SoapVersion): string {
  return v === '1.2' ? SOAP12 : SOAP11;
}

export function contentType(v: SoapVersion, action?: string): string {
  return v === '1.2' ? `application/soap+xml; charset=utf-8${action ? `; action="urn:${action}"` : ''}` : 'text/xml; charset=utf-8';
}

export function envelope(v: SoapVersion, body: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="${envNs(v)}" ${NS_DECLS}><soapenv:Body>${body}</soapenv:Body></soapenv:Envelope>`;
}

/** A SOAP fault: `sender` for the client's mistakes (SOAP 1.1 Client, 1.2 Sender). */
export function faultEnvelope(v: SoapVersion, reason: string, detailXml: string, sender: boolean): string {
  const text = escapeText(reason);
  if (v === '1.2') {
    const code = sender ? 'soapenv:Sender' : 'soapenv:Receiver';
    return envelope(v, `<soapenv:Fault><soapenv:Code><soapenv:Value>${code}</soapenv:Value></soapenv:Code><soapenv:Reason><soapenv:Text xml:lang="en">${text}</soapenv:Text></soapenv:Reason>${detailXml ? `<soapenv:Detail>${detailXml}</soapenv:Detail>` : ''}</soapenv:Fault>`);
  }
  const code = sender ? 'soapenv:Client' : 'soapenv:Server';
  return envelope(v, `<soapenv:Fault><faultcode>${code}</faultcode><faultstring>${text}</faultstring>${detailXml ? `<detail>${detailXml}</detail>` : ''}</soapenv:Fault>`);
}
