/**
 * The service description in wsdl/: every schema compiles, the sample payloads in
 * test/wsdl/samples validate (and the broken ones in samples/invalid are rejected for the
 * stated reason), and vasaService.wsdl is consistent with vasa.xsd and with the operation
 * and fault lists of the wire reference. xmllint (libxml2-utils) does the validating;
 * zeep (python3-zeep) and node-soap check that independent toolkits load the WSDL.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { XMLParser } from 'fast-xml-parser';
import * as soap from 'soap';
import { SCHEMAS, WSDL_DIR, XMLLINT } from '../helpers/schemas';

const WSDL_FILE = path.join(WSDL_DIR, 'vasaService.wsdl');
const SAMPLES = path.join(__dirname, 'samples');
const INVALID = path.join(SAMPLES, 'invalid');
const PYTHON = '/usr/bin/python3';

const XS = 'http://www.w3.org/2001/XMLSchema';
const TNS = 'http://com.vmware.vim.vasa/2.0/';
const VASA = 'http://com.vmware.vim.vasa/2.0/xsd';
const SOAP11 = 'http://schemas.xmlsoap.org/wsdl/soap/';
const SOAP12 = 'http://schemas.xmlsoap.org/wsdl/soap12/';


/** The 64 operations: sections 3.1–3.5 minus the ten whose request is unknown, plus the twelve 1.0 block/file queries. */
const OPERATIONS = [
  'setContext', 'registerVASACertificate', 'unregisterVASACertificate', 'queryCatalog', 'registerCACertificatesAndCRLs',
  'refreshCACertificatesAndCRLs', 'queryCACertificates', 'queryCACertificateRevocationLists', 'requestCSR',
  'registerCASignedProviderCertificate', 'activateProviderEx',
  'queryArrays', 'getNumberOfEntities', 'queryUniqueIdentifiersForEntity', 'queryStorageContainer', 'queryStorageContainerForArray',
  'queryProtocolEndpoint', 'queryProtocolEndpointForArray', 'setPEContext', 'queryDRSMigrationCapabilityForPerformance',
  'queryStorageProcessors', 'queryStoragePorts', 'queryStorageLuns', 'queryStorageFileSystems', 'queryStorageCapabilities',
  'queryAssociatedProcessorsForArray', 'queryAssociatedPortsForProcessor', 'queryAssociatedLunsForPort', 'queryAssociatedCapabilityForLun',
  'queryAssociatedCapabilityForFileSystem', 'queryUniqueIdentifiersForLuns', 'queryUniqueIdentifiersForFileSystems',
  'createVirtualVolume', 'deleteVirtualVolume', 'resizeVirtualVolume', 'bindVirtualVolume', 'unbindVirtualVolume',
  'unbindVirtualVolumeFromAllHost', 'unbindAllVirtualVolumesFromHost', 'queryVirtualVolume', 'queryVirtualVolumeInfo',
  'updateVirtualVolumeMetaData', 'updateStorageProfileForVirtualVolume',
  'prepareToSnapshotVirtualVolume', 'snapshotVirtualVolume', 'revertVirtualVolume', 'cloneVirtualVolume', 'fastCloneVirtualVolume',
  'copyDiffsToVirtualVolume', 'allocatedBitmapVirtualVolume', 'unsharedBitmapVirtualVolume', 'unsharedChunksVirtualVolume',
  'spaceStatsForStorageContainer', 'spaceStatsForVirtualVolume',
  'getTaskUpdate', 'getCurrentTask', 'cancelTask', 'getEvents', 'getAlarms', 'queryCapabilityMetadata', 'queryCapabilityProfile',
  'queryCapabilityProfileForResource', 'queryDefaultProfileForStorageContainer', 'queryComplianceResult',
];
const NOT_DECLARED = [
  'activateProvider', 'queryBackingStoragePools', 'setStorageContainerContext', 'queryDrsMigrationCapabilityForPerformanceEx',
  'setStatisticsContext', 'queryAssociatedStatisticsForEntity', 'queryAssociatedStatisticsManifestForArray', 'prepareForBindingChange',
  'bindingChangeComplete', 'cancelBindingChange',
];
const EMPTY_BODY = ['queryCatalog', 'queryCACertificates', 'queryCACertificateRevocationLists', 'requestCSR'];
const VOID = [
  'unregisterVASACertificate', 'refreshCACertificatesAndCRLs', 'registerCASignedProviderCertificate', 'setPEContext',
  'deleteVirtualVolume', 'unbindAllVirtualVolumesFromHost', 'updateVirtualVolumeMetaData', 'cancelTask',
];
const ABBR: Record<string, string> = {
  IS: 'InvalidSession', IA: 'InvalidArgument', SF: 'StorageFault', NF: 'NotFound', NI: 'NotImplemented', IP: 'InactiveProvider',
  BZ: 'VasaProviderBusy', PD: 'PermissionDenied', RU: 'ResourceInUse', OR: 'OutOfResource', NS: 'NotSupported', TM: 'TooMany',
  TO: 'Timeout', ST: 'SnapshotTooMany', IV: 'IncompatibleVolume', IPr: 'InvalidProfile', IC: 'InvalidCertificate', IL: 'InvalidLogin',
  LE: 'LostEvent', LA: 'LostAlarm', NC: 'NotCancellable', AF: 'ActivateProviderFailed', ISC: 'InvalidStatisticsContext',
};
const faultList = (abbrs: string) => abbrs.split(' ').map((a) => ABBR[a]);

// ------------------------------------------------------------------ helpers

function xmllint(schema: string, file: string): { status: number | null; out: string } {
  const r = spawnSync(XMLLINT, ['--noout', '--nonet', '--schema', schema, file], { encoding: 'utf8' });
  if (r.error) throw new Error(`cannot run ${XMLLINT} (install libxml2-utils): ${r.error.message}`);
  return { status: r.status, out: `${r.stdout}${r.stderr}`.trim() };
}

/** Namespace URI of a document's root element, from its own xmlns declarations. */
function rootNamespace(file: string): string {
  const text = fs.readFileSync(file, 'utf8').replace(/<\?xml[^>]*\?>/, '').replace(/<!--[\s\S]*?-->/g, '');
  const open = /<([A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)([^>]*)>/.exec(text);
  if (!open) throw new Error(`${file}: no root element`);
  const prefix = open[1] ? open[1].slice(0, -1) : '';
  const decl = new RegExp(`xmlns${prefix ? `:${prefix}` : ''}="([^"]*)"`).exec(open[3]);
  if (!decl) throw new Error(`${file}: root prefix "${prefix}" is not declared on the root element`);
  return decl[1];
}

function schemaFor(file: string): string {
  const ns = rootNamespace(file);
  const xsd = SCHEMAS[ns];
  if (!xsd) throw new Error(`${path.basename(file)}: root element in unknown namespace ${ns}`);
  return path.join(WSDL_DIR, xsd);
}

const tempDirs: string[] = [];
function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vasa-xsd-'));
  tempDirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const d of tempDirs) fs.rmSync(d, { recursive: true, force: true });
});

const xmlFiles = (dir: string) => fs.readdirSync(dir).filter((f) => f.endsWith('.xml')).sort();

type Node = Record<string, unknown>;
const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@_', ignoreDeclaration: true, commentPropName: '#comment' });
const asList = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** A parsed document plus a resolver for the prefixes declared on its root element. */
function load(file: string, rootLocal: string): { root: Node; ns: (prefix: string) => string; local: (qn: string) => [string, string] } {
  const doc = parser.parse(fs.readFileSync(file, 'utf8')) as Node;
  const key = Object.keys(doc).find((k) => k === rootLocal || k.endsWith(`:${rootLocal}`));
  if (!key) throw new Error(`${file}: no root ${rootLocal}`);
  const root = doc[key] as Node;
  const decls: Record<string, string> = {};
  for (const [k, v] of Object.entries(root)) {
    if (k === '@_xmlns') decls[''] = String(v);
    else if (k.startsWith('@_xmlns:')) decls[k.slice('@_xmlns:'.length)] = String(v);
  }
  const ns = (prefix: string) => {
    if (!(prefix in decls)) throw new Error(`${file}: undeclared prefix "${prefix}"`);
    return decls[prefix];
  };
  const local = (qn: string): [string, string] => {
    const i = qn.indexOf(':');
    return i < 0 ? [ns(''), qn] : [ns(qn.slice(0, i)), qn.slice(i + 1)];
  };
  return { root, ns, local };
}

/** Children of a node whose tag is `prefix:local` for a prefix bound to `uri` (documents here use one prefix per namespace). */
function children(node: Node, ns: (p: string) => string, uri: string, localName: string): Node[] {
  const out: Node[] = [];
  for (const [k, v] of Object.entries(node)) {
    if (k.startsWith('@_') || k === '#text' || k === '#comment') continue;
    const i = k.indexOf(':');
    const [p, l] = i < 0 ? ['', k] : [k.slice(0, i), k.slice(i + 1)];
    if (l !== localName) continue;
    let bound: string | undefined;
    try {
      bound = ns(p);
    } catch {
      bound = undefined;
    }
    if (bound === uri) out.push(...asList(v as Node | Node[]).map((x) => (typeof x === 'object' && x !== null ? x : {})));
  }
  return out;
}

// ------------------------------------------------------------------ schemas and samples

beforeAll(() => {
  const r = spawnSync(XMLLINT, ['--version'], { encoding: 'utf8' });
  if (r.error) throw new Error(`xmllint is required for these tests (apt-get install libxml2-utils): ${r.error.message}`);
});

describe('schemas', () => {
  test('there is one schema per namespace, each qualified and with the right targetNamespace', () => {
    const onDisk = fs.readdirSync(WSDL_DIR).filter((f) => f.endsWith('.xsd'));
    expect(Object.values(SCHEMAS).filter((f) => !onDisk.includes(f))).toEqual([]);
    // Other schemas may live here (e.g. for files that are not VASA messages), but none may claim a VASA namespace.
    for (const other of onDisk.filter((f) => !Object.values(SCHEMAS).includes(f))) {
      const tns = load(path.join(WSDL_DIR, other), 'schema').root['@_targetNamespace'];
      expect({ other, tns }).toEqual({ other, tns: expect.not.stringMatching(/vasa/) });
    }
    for (const [uri, file] of Object.entries(SCHEMAS)) {
      const { root } = load(path.join(WSDL_DIR, file), 'schema');
      expect({ file, tns: root['@_targetNamespace'], efd: root['@_elementFormDefault'], afd: root['@_attributeFormDefault'] }).toEqual({
        file,
        tns: uri,
        efd: 'qualified',
        afd: 'qualified',
      });
    }
  });

  test.each(Object.values(SCHEMAS))('%s compiles on its own (its imports resolve)', (file) => {
    const dir = tempDir();
    const probe = path.join(dir, 'probe.xml');
    fs.writeFileSync(probe, '<probe/>\n');
    const r = xmllint(path.join(WSDL_DIR, file), probe);
    // 3 = the probe is not valid (expected); 5 = the schema itself failed to compile.
    expect({ file, status: r.status, out: r.out }).toEqual({ file, status: 3, out: expect.not.stringMatching(/failed to compile|parser error|warning/i) });
  });

  test('all ten schemas load together through a wrapper with absolute locations, and every sample validates against it', () => {
    const dir = tempDir();
    const wrapper = path.join(dir, 'all.xsd');
    const imports = Object.entries(SCHEMAS)
      .map(([uri, file]) => `  <xs:import namespace="${uri}" schemaLocation="${path.join(WSDL_DIR, file)}"/>`)
      .join('\n');
    fs.writeFileSync(wrapper, `<?xml version="1.0"?>\n<xs:schema xmlns:xs="${XS}">\n${imports}\n</xs:schema>\n`);
    for (const f of xmlFiles(SAMPLES)) {
      const r = xmllint(wrapper, path.join(SAMPLES, f));
      expect({ f, status: r.status, out: r.out }).toEqual({ f, status: 0, out: expect.stringContaining('validates') });
    }
  });

  test('named complex types list their own elements alphabetically', () => {
    const bad: string[] = [];
    for (const file of Object.values(SCHEMAS)) {
      const { root } = load(path.join(WSDL_DIR, file), 'schema');
      for (const ct of asList(root['xs:complexType'] as Node | Node[])) {
        const ext = (ct['xs:complexContent'] as Node | undefined)?.['xs:extension'] as Node | undefined;
        const seq = ((ext ?? ct)['xs:sequence'] ?? {}) as Node;
        const names = asList(seq['xs:element'] as Node | Node[]).map((e) => String(e['@_name']));
        const sorted = [...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
        if (names.join() !== sorted.join()) bad.push(`${file} ${String(ct['@_name'])}: ${names.join(', ')}`);
      }
    }
    expect(bad).toEqual([]);
  });
});

describe('samples', () => {
  const valid = xmlFiles(SAMPLES);

  test('the required samples are all there', () => {
    const required = [
      'setContext', 'setContextResponse', 'queryArraysResponse', 'queryStorageContainerResponse', 'queryProtocolEndpointResponse',
      'createVirtualVolume', 'createVirtualVolumeResponse', 'bindVirtualVolume', 'bindVirtualVolumeResponse', 'unbindVirtualVolumeResponse',
      'snapshotVirtualVolume', 'prepareToSnapshotVirtualVolumeResponse', 'allocatedBitmapVirtualVolumeResponse',
      'unsharedChunksVirtualVolumeResponse', 'spaceStatsForStorageContainerResponse', 'getEventsResponse', 'getAlarmsResponse',
      'getTaskUpdateResponse', 'StorageFault', 'TooMany', 'queryCatalogResponse',
    ];
    expect(required.filter((r) => !valid.includes(`${r}.xml`))).toEqual([]);
  });

  test.each(valid)('%s validates against the schema of its root namespace', (f) => {
    const file = path.join(SAMPLES, f);
    const r = xmllint(schemaFor(file), file);
    expect({ f, status: r.status, out: r.out }).toEqual({ f, status: 0, out: expect.stringContaining('validates') });
  });

  test('every valid sample is named after its root element', () => {
    for (const f of valid) {
      const text = fs.readFileSync(path.join(SAMPLES, f), 'utf8').replace(/<\?xml[^>]*\?>/, '').replace(/<!--[\s\S]*?-->/g, '');
      const root = /<(?:[\w.-]+:)?([\w.-]+)/.exec(text)![1];
      expect(`${root}.xml`).toBe(f);
    }
  });

  // Each broken sample must be rejected by xmllint for the reason it was written for.
  const invalid: Record<string, RegExp> = {
    'setContext-child-in-wrong-namespace.xml': /\{http:\/\/com\.vmware\.vim\.vasa\/2\.0\/xsd\}hostGuid': This element is not expected/,
    'queryArraysResponse-elements-out-of-order.xml': /\{http:\/\/data\.vasa\.vim\.vmware\.com\/xsd\}arrayName': This element is not expected/,
    'bindVirtualVolumeResponse-base-field-after-own.xml': /\{http:\/\/data\.vasa\.vim\.vmware\.com\/xsd\}uniqueIdentifier': This element is not expected/,
    'createVirtualVolume-missing-sizeInMB.xml': /\}metadata': This element is not expected\. Expected is one of \(.*\}sizeInMB/,
    'createVirtualVolume-request-alphabetical.xml': /\}metadata': This element is not expected\. Expected is \( \{http:\/\/com\.vmware\.vim\.vasa\/2\.0\/xsd\}vvolType/,
    'getTaskUpdateResponse-lowercase-state.xml': /taskState': \[facet 'enumeration'\] The value 'success' is not an element of the set/,
    'StorageFault-field-in-vasa-namespace.xml': /\{http:\/\/com\.vmware\.vim\.vasa\/2\.0\/xsd\}faultMessageId': This element is not expected/,
  };

  test('every broken sample has an expected reason', () => {
    expect(xmlFiles(INVALID)).toEqual(Object.keys(invalid).sort());
    expect(xmlFiles(INVALID).length).toBeGreaterThanOrEqual(3);
  });

  test.each(Object.entries(invalid))('%s is rejected', (f, reason) => {
    const file = path.join(INVALID, f);
    const r = xmllint(schemaFor(file), file);
    expect({ f, status: r.status }).toEqual({ f, status: 3 }); // 3 = does not validate (not a schema error)
    expect(r.out).toMatch(reason);
    expect(r.out).toContain('fails to validate');
  });
});

// ------------------------------------------------------------------ the WSDL

describe('vasaService.wsdl', () => {
  const w = load(WSDL_FILE, 'definitions');
  const defs = w.root;
  const WSDL = 'http://schemas.xmlsoap.org/wsdl/';
  const wsdlKids = (node: Node, name: string) => children(node, w.ns, WSDL, name);

  const vasaXsd = load(path.join(WSDL_DIR, 'vasa.xsd'), 'schema');
  const vasaElements = new Set(asList(vasaXsd.root['xs:element'] as Node | Node[]).map((e) => String(e['@_name'])));

  const messages = new Map(wsdlKids(defs, 'message').map((m) => [String(m['@_name']), m]));
  const portTypes = wsdlKids(defs, 'portType');
  const ptOps = wsdlKids(portTypes[0] ?? {}, 'operation');
  const opNames = ptOps.map((o) => String(o['@_name']));

  /** The element (namespace, local name) a message's single part points at, or null for a part-less message. */
  function partElement(qname: string): [string, string] | null {
    const [uri, local] = w.local(qname);
    expect(uri).toBe(TNS);
    const m = messages.get(local);
    if (!m) throw new Error(`message ${local} is not declared`);
    const parts = wsdlKids(m, 'part');
    if (parts.length === 0) return null;
    expect(parts.map((p) => p['@_name'])).toEqual(['parameters']);
    return w.local(String(parts[0]['@_element']));
  }

  test('names and namespaces of the definitions, port type, service and ports', () => {
    expect(defs['@_targetNamespace']).toBe(TNS);
    expect(portTypes.map((p) => p['@_name'])).toEqual(['vasaServicePortType']);
    const services = wsdlKids(defs, 'service');
    expect(services.map((s) => s['@_name'])).toEqual(['vasaService']);
    const ports = wsdlKids(services[0], 'port').map((p) => ({
      name: p['@_name'],
      binding: w.local(String(p['@_binding'])),
      address: [...children(p, w.ns, SOAP11, 'address'), ...children(p, w.ns, SOAP12, 'address')].map((a) => a['@_location']),
    }));
    expect(ports).toEqual([
      { name: 'vasaServiceHttpSoap11Endpoint', binding: [TNS, 'vasaServiceSoap11Binding'], address: ['https://localhost:9943/vasa/services/vasaService'] },
      { name: 'vasaServiceHttpSoap12Endpoint', binding: [TNS, 'vasaServiceSoap12Binding'], address: ['https://localhost:9943/vasa/services/vasaService'] },
    ]);
  });

  test('wsdl:types imports every namespace by a plain relative file name next to the WSDL', () => {
    const types = wsdlKids(defs, 'types')[0];
    const imports = children(types, w.ns, XS, 'schema').flatMap((s) => asList(s['xsd:import'] as Node | Node[]));
    const got = Object.fromEntries(imports.map((i) => [String(i['@_namespace']), String(i['@_schemaLocation'])]));
    expect(got).toEqual(SCHEMAS);
    for (const loc of Object.values(got)) {
      expect(loc).toMatch(/^[a-z-]+\.xsd$/);
      expect(fs.existsSync(path.join(WSDL_DIR, loc))).toBe(true);
    }
  });

  test('the port type declares exactly the expected 64 operations and none of the unknown ones', () => {
    expect([...opNames].sort()).toEqual([...OPERATIONS].sort());
    expect(new Set(opNames).size).toBe(opNames.length);
    expect(opNames.filter((o) => NOT_DECLARED.includes(o))).toEqual([]);
  });

  test('every input and output message points at a vasa element named after the operation (or has no part)', () => {
    const emptyInputs: string[] = [];
    const voidOutputs: string[] = [];
    for (const op of ptOps) {
      const name = String(op['@_name']);
      const input = partElement(String(wsdlKids(op, 'input')[0]['@_message']));
      const output = partElement(String(wsdlKids(op, 'output')[0]['@_message']));
      if (input) {
        expect(input).toEqual([VASA, name]);
        expect(vasaElements.has(name)).toBe(true);
      } else emptyInputs.push(name);
      if (output) {
        expect(output).toEqual([VASA, `${name}Response`]);
        expect(vasaElements.has(`${name}Response`)).toBe(true);
      } else voidOutputs.push(name);
    }
    expect(emptyInputs.sort()).toEqual([...EMPTY_BODY].sort());
    expect(voidOutputs.sort()).toEqual([...VOID].sort());
  });

  test('every fault message points at the vasa wrapper element named after the fault', () => {
    for (const op of ptOps) {
      for (const fault of wsdlKids(op, 'fault')) {
        const name = String(fault['@_name']);
        expect(Object.values(ABBR)).toContain(name);
        expect(w.local(String(fault['@_message']))).toEqual([TNS, name]);
        expect(partElement(String(fault['@_message']))).toEqual([VASA, name]);
        expect(vasaElements.has(name)).toBe(true);
      }
    }
  });

  test('both bindings cover every operation with soapAction urn:<op>, literal bodies and the port type faults', () => {
    const bindings = wsdlKids(defs, 'binding');
    expect(bindings.map((b) => b['@_name'])).toEqual(['vasaServiceSoap11Binding', 'vasaServiceSoap12Binding']);
    for (const [b, soapNs] of [[bindings[0], SOAP11], [bindings[1], SOAP12]] as const) {
      expect(w.local(String(b['@_type']))).toEqual([TNS, 'vasaServicePortType']);
      const sb = children(b, w.ns, soapNs, 'binding')[0];
      expect({ style: sb['@_style'], transport: sb['@_transport'] }).toEqual({ style: 'document', transport: 'http://schemas.xmlsoap.org/soap/http' });
      const ops = wsdlKids(b, 'operation');
      expect(ops.map((o) => o['@_name'])).toEqual(opNames);
      for (const o of ops) {
        const name = String(o['@_name']);
        const so = children(o, w.ns, soapNs, 'operation')[0];
        expect({ name, action: so['@_soapAction'] }).toEqual({ name, action: `urn:${name}` });
        for (const dir of ['input', 'output']) {
          expect(children(wsdlKids(o, dir)[0], w.ns, soapNs, 'body')[0]['@_use']).toBe('literal');
        }
        const ptFaults = wsdlKids(ptOps.find((p) => p['@_name'] === name)!, 'fault').map((f) => f['@_name']);
        const bFaults = wsdlKids(o, 'fault');
        expect(bFaults.map((f) => f['@_name'])).toEqual(ptFaults);
        for (const f of bFaults) {
          const sf = children(f, w.ns, soapNs, 'fault')[0];
          expect({ name: sf['@_name'], use: sf['@_use'] }).toEqual({ name: f['@_name'], use: 'literal' });
        }
      }
    }
  });

  test.each([
    ['createVirtualVolume', 'IP NF IA BZ IS PD NI OR SF IPr'],
    ['getEvents', 'IS IA SF LE'],
    ['getAlarms', 'IS IA SF LA'],
    ['setContext', 'IS IA SF'],
    ['bindVirtualVolume', 'IP IA BZ IS TM PD NI SF'],
    ['snapshotVirtualVolume', 'IP NF IA BZ NS IS TM PD TO NI RU SF'],
    ['cancelTask', 'NC IP NF IA BZ IS NI SF'],
    ['registerCACertificatesAndCRLs', 'BZ IS IL IC SF'],
    ['activateProviderEx', 'IS IA BZ AF SF'],
    ['prepareToSnapshotVirtualVolume', 'IP NF IA BZ NS IS ST PD NI RU OR SF IPr'],
  ])('%s declares exactly the faults %s', (op, abbrs) => {
    const o = ptOps.find((p) => p['@_name'] === op)!;
    expect(wsdlKids(o, 'fault').map((f) => f['@_name'])).toEqual(faultList(abbrs));
  });
});

// ------------------------------------------------------------------ independent toolkits

describe('independent toolkits', () => {
  test('node-soap loads the WSDL and sees all operations on both ports', async () => {
    const client = await soap.createClientAsync(WSDL_FILE);
    const d = client.describe() as Record<string, Record<string, Record<string, unknown>>>;
    expect(Object.keys(d)).toEqual(['vasaService']);
    const ports = d.vasaService;
    expect(Object.keys(ports)).toEqual(['vasaServiceHttpSoap11Endpoint', 'vasaServiceHttpSoap12Endpoint']);
    for (const p of Object.values(ports)) expect(Object.keys(p).sort()).toEqual([...OPERATIONS].sort());
    expect(ports.vasaServiceHttpSoap12Endpoint.createVirtualVolume).toEqual({
      input: {
        containerId: 'xs:string',
        vvolType: 'vvol:VirtualVolumeTypeEnum',
        storageProfile: 'prof:StorageProfile',
        sizeInMB: 'xs:long',
        'metadata[]': 'data:NameValuePair',
        containerCookie: 'xs:string',
      },
      output: { return: 'vvol:TaskInfo' },
    });
  });

  test('zeep loads the WSDL, puts nested fields in their declaring namespace, and reads the samples', () => {
    const script = `
import json, sys, zeep
from lxml import etree
wsdl, samples = sys.argv[1], sys.argv[2]
c = zeep.Client('file://' + wsdl)
ports = {p.name: sorted(p.binding._operations) for s in c.wsdl.services.values() for p in s.ports.values()}
msg = c.create_message(c.service, 'setContext', usageContext={'hostGuid': 'h1', 'hostInitiator': [{'uniqueIdentifier': 'i1', 'iscsiIdentifier': 'iqn.x'}]})
tags = [el.tag for el in msg.iter() if isinstance(el.tag, str)]
def parse(name):
    el = c.get_element('{http://com.vmware.vim.vasa/2.0/xsd}' + name)
    return el.parse(etree.parse(samples + '/' + name + '.xml').getroot(), c.wsdl.types)
bind = parse('bindVirtualVolumeResponse')['return']
events = parse('getEventsResponse')['return']
fault = parse('StorageFault')['StorageFault']
print(json.dumps({
  'ports': ports, 'tags': tags,
  'secondaryId': bind[0]['vvolHandle']['vvolSecondaryId'],
  'rebindVvols': events[2]['vvolId'],
  'faultMessageId': fault['faultMessageId'],
}))
`;
    const r = spawnSync(PYTHON, ['-c', script, WSDL_FILE, SAMPLES], { encoding: 'utf8' });
    if (r.error || r.status !== 0) throw new Error(`zeep check failed (apt-get install python3-zeep): ${r.error?.message ?? r.stderr}`);
    const out = JSON.parse(r.stdout) as { ports: Record<string, string[]>; tags: string[]; secondaryId: string; rebindVvols: string[]; faultMessageId: string };
    expect(Object.keys(out.ports).sort()).toEqual(['vasaServiceHttpSoap11Endpoint', 'vasaServiceHttpSoap12Endpoint']);
    for (const ops of Object.values(out.ports)) expect(ops).toEqual([...OPERATIONS].sort());
    const data = 'http://data.vasa.vim.vmware.com/xsd';
    expect(out.tags.filter((t) => !t.includes('soap/envelope'))).toEqual([
      `{${VASA}}setContext`,
      `{${VASA}}usageContext`,
      `{${data}}hostGuid`,
      `{${data}}hostInitiator`,
      `{${data}}uniqueIdentifier`,
      `{${data}}iscsiIdentifier`,
    ]);
    expect(out.secondaryId).toBe('0x0001');
    expect(out.rebindVvols).toEqual(['naa.65cdb050000000005cdb053100000010', 'naa.65cdb050000000005cdb053100000011']);
    expect(out.faultMessageId).toBe('Fault.Array.Unreachable');
  });
});
