/**
 * Reads the operations of wsdl/vasaService.wsdl: for each, the request and response
 * elements (absent for empty-Body requests and void responses) and the faults it may
 * raise. The dispatcher consults this so a handler never raises a fault the WSDL does
 * not list for its operation.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { QN } from './schema';
import { parseXml, XmlNode } from '../../sys/xml';

export const WSDL_NS = 'http://schemas.xmlsoap.org/wsdl/';

export interface OperationDef {
  name: string;
  input?: QN;
  output?: QN;
  /** Fault element local names (e.g. StorageFault, InvalidSession). */
  faults: string[];
}

function qn(node: XmlNode, value: string): QN {
  const i = value.indexOf(':');
  const p = i < 0 ? '' : value.slice(0, i);
  return { ns: node.scope[p] ?? '', local: i < 0 ? value : value.slice(i + 1) };
}

export function loadOperations(wsdlFile: string): Map<string, OperationDef> {
  const root = parseXml(fs.readFileSync(wsdlFile, 'utf8'));
  const w = (n: XmlNode, local: string) => n.children.filter((c) => c.ns === WSDL_NS && c.local === local);
  const messages = new Map<string, QN | undefined>();
  for (const m of w(root, 'message')) {
    const part = w(m, 'part')[0];
    messages.set(m.attrs.name, part?.attrs.element ? qn(part, part.attrs.element) : undefined);
  }
  const msg = (n: XmlNode | undefined) => (n ? messages.get(qn(n, n.attrs.message).local) : undefined);
  const ops = new Map<string, OperationDef>();
  for (const pt of w(root, 'portType')) {
    for (const op of w(pt, 'operation')) {
      const faults = w(op, 'fault').map((f) => msg(f)?.local ?? f.attrs.name);
      ops.set(op.attrs.name, { name: op.attrs.name, input: msg(w(op, 'input')[0]), output: msg(w(op, 'output')[0]), faults });
    }
  }
  return ops;
}

export const WSDL_DIR = path.resolve(__dirname, '..', '..', '..', 'wsdl');
