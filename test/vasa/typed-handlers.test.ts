/**
 * Issue 9, item 6: typed handlers. The request and response types of every operation
 * are generated from the WSDL (src/vasa/generated/operations.ts); these tests hold the
 * generated file, the codec and the handlers to it:
 * - the committed file is what the generator makes of wsdl/ today;
 * - the codec's decoded values have the shapes the generated types claim;
 * - the dispatch table is keyed by WSDL operation names;
 * - every `call.req.<field>` a handler reads is a child of that operation's request
 *   (a scan of the sources, for corners the compiler cannot see);
 * - and the compiler itself refuses a misspelt field, a handler under another
 *   operation's name, and a response field the WSDL does not define.
 */
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { operationTable } from '../../src/vasa/ops';
import { Codec } from '../../src/vasa/soap/codec';
import { ANY_TYPE, key, QN, SchemaSet } from '../../src/vasa/soap/schema';
import { currentOperationTypes, GENERATED_FILE } from '../../src/vasa/soap/typegen';
import { loadOperations, WSDL_DIR } from '../../src/vasa/soap/wsdl';
import { parseXml, XSD } from '../../src/sys/xml';

const ROOT = path.resolve(__dirname, '..', '..');
const wsdl = path.join(WSDL_DIR, 'vasaService.wsdl');
const schema = SchemaSet.loadFrom(wsdl);
const ops = loadOperations(wsdl);
const codec = new Codec(schema);

/** The children the WSDL defines for an operation's request element. */
function requestFields(op: string): string[] {
  const def = ops.get(op);
  if (!def?.input) return [];
  const decl = schema.elements.get(key(def.input));
  return decl ? schema.elementsOf(decl.type).map((e) => e.name) : [];
}

function decodeRequest(op: string, xml: string): Record<string, unknown> {
  const def = ops.get(op);
  const decl = def?.input && schema.elements.get(key(def.input));
  if (!decl) throw new Error(`no request element for ${op}`);
  return codec.decodeComplex(parseXml(xml), decl.type, op);
}

const INTEGER = new Set(['long', 'int', 'short', 'byte', 'integer', 'unsignedLong', 'unsignedInt', 'unsignedShort', 'nonNegativeInteger', 'positiveInteger']);

/**
 * Where a decoded value differs from what the generated request type says it is (the
 * mapping in src/vasa/soap/typegen.ts, side "in"): one message per difference.
 */
function mismatches(v: unknown, q: QN, at: string): string[] {
  if (key(q) === key(ANY_TYPE)) return [];
  const t = schema.type(q);
  if (!t || t.kind === 'simple') {
    if (t?.kind === 'simple' && t.enumeration) return typeof v === 'string' && t.enumeration.includes(v) ? [] : [`${at}: ${JSON.stringify(v)} is not one of ${t.enumeration.join('|')}`];
    const b = t ? schema.builtin(q) : q.ns === XSD ? q.local : 'string';
    const ok = INTEGER.has(b) || ['double', 'float', 'decimal'].includes(b) ? typeof v === 'number'
      : b === 'boolean' ? typeof v === 'boolean'
        : b === 'base64Binary' ? Buffer.isBuffer(v)
          : typeof v === 'string';
    return ok ? [] : [`${at}: ${typeof v} for xsd:${b}`];
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return [`${at}: not an object`];
  const o = v as Record<string, unknown>;
  let actual = q;
  if ('$type' in o) {
    actual = o.$type as QN;
    if (key(actual) === key(q) || !schema.derivesFrom(actual, q)) return [`${at}: $type ${actual.local} is not a type derived from ${q.local}`];
  }
  const decls = schema.elementsOf(actual);
  const out: string[] = [];
  for (const k of Object.keys(o)) if (k !== '$type' && !decls.some((d) => d.name === k)) out.push(`${at}/${k}: not in ${actual.local}`);
  for (const d of decls) {
    const x = o[d.name];
    if (x === undefined) {
      if (d.min > 0) out.push(`${at}/${d.name}: required but absent`);
      continue;
    }
    if (d.max > 1) {
      if (!Array.isArray(x)) out.push(`${at}/${d.name}: a list (maxOccurs ${d.max}) that is not an array`);
      else x.forEach((e, i) => out.push(...mismatches(e, d.type, `${at}/${d.name}[${i}]`)));
    } else out.push(...mismatches(x, d.type, `${at}/${d.name}`));
  }
  return out;
}

function requestMismatches(op: string, req: Record<string, unknown>): string[] {
  const def = ops.get(op);
  const decl = def?.input && schema.elements.get(key(def.input));
  return decl ? mismatches(req, decl.type, op) : [];
}

const V = 'xmlns:vasa="http://com.vmware.vim.vasa/2.0/xsd" xmlns:vvol="http://vvol.data.vasa.vim.vmware.com/xsd" xmlns:data="http://data.vasa.vim.vmware.com/xsd" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema"';

describe('generated operation types', () => {
  test('the committed src/vasa/generated/operations.ts is what the generator makes of wsdl/ (else run npm run gen:types)', () => {
    expect(fs.readFileSync(GENERATED_FILE, 'utf8')).toBe(currentOperationTypes());
  });

  test('the generated file names every operation of the WSDL, with a request and a response type', () => {
    const text = fs.readFileSync(GENERATED_FILE, 'utf8');
    const block = (name: string) => (new RegExp(`export interface ${name} \\{\\n([^}]*)\\n\\}`).exec(text)?.[1] ?? '').split('\n').map((l) => l.trim().split(':')[0]);
    expect(block('Requests')).toEqual([...ops.keys()]);
    expect(block('Responses')).toEqual([...ops.keys()]);
  });

  test('the dispatch table is keyed by WSDL operation names only', () => {
    const table = operationTable(() => undefined);
    for (const name of Object.keys(table)) expect(ops.has(name) ? name : `${name} (not in the WSDL)`).toBe(name);
  });
});

describe('the codec decodes what the generated request types say', () => {
  test.each([
    ['createVirtualVolume', 'createVirtualVolume.xml'],
    ['bindVirtualVolume', 'bindVirtualVolume.xml'],
    ['setContext', 'setContext.xml'],
    ['snapshotVirtualVolume', 'snapshotVirtualVolume.xml'],
  ])('%s: the sample request decodes to the generated shape', (op, file) => {
    const req = decodeRequest(op, fs.readFileSync(path.join(ROOT, 'test', 'wsdl', 'samples', file), 'utf8'));
    expect(requestMismatches(op, req)).toEqual([]);
  });

  test('a list given once is still an array; integers are numbers; an optional nil element is absent', () => {
    const req = decodeRequest('unbindVirtualVolume', `<vasa:unbindVirtualVolume ${V}>
      <vasa:vvolHandle><data:uniqueIdentifier>naa.6</data:uniqueIdentifier><vvol:peInBandId><data:lunId>eui.1</data:lunId><data:protocolEndpointType>SCSI</data:protocolEndpointType></vvol:peInBandId><vvol:vvolSecondaryId>0x1</vvol:vvolSecondaryId></vasa:vvolHandle>
      <vasa:unbindContext>Normal</vasa:unbindContext></vasa:unbindVirtualVolume>`);
    expect(Array.isArray(req.vvolHandle)).toBe(true);
    expect(requestMismatches('unbindVirtualVolume', req)).toEqual([]);
    const nil = decodeRequest('getCurrentTask', `<vasa:getCurrentTask ${V}><vasa:arrayId xsi:nil="true"/></vasa:getCurrentTask>`);
    expect('arrayId' in nil).toBe(false);
  });

  test('an enumeration value is the value checked (whitespace trimmed), as its literal type says', () => {
    const req = decodeRequest('bindVirtualVolume', `<vasa:bindVirtualVolume ${V}><vasa:vvolId>naa.6</vasa:vvolId><vasa:bindContext> Normal </vasa:bindContext></vasa:bindVirtualVolume>`);
    expect(req.bindContext).toBe('Normal');
    expect(requestMismatches('bindVirtualVolume', req)).toEqual([]);
  });

  test('xsi:type="xsd:string" on a typed slot leaves the declared type in charge (a long stays a number)', () => {
    const req = decodeRequest('getEvents', `<vasa:getEvents ${V}><vasa:lastEventId xsi:type="xsd:string">7</vasa:lastEventId></vasa:getEvents>`);
    expect(req.lastEventId).toBe(7);
    expect(() => decodeRequest('getEvents', `<vasa:getEvents ${V}><vasa:lastEventId xsi:type="xsd:string">x</vasa:lastEventId></vasa:getEvents>`)).toThrow(/not an integer/);
  });

  test('a derived type in a base slot carries $type, as the generated union (Derived & Tagged) says', () => {
    const req = decodeRequest('createVirtualVolume', fs.readFileSync(path.join(ROOT, 'test', 'wsdl', 'samples', 'createVirtualVolume.xml'), 'utf8')
      .replace('<vasa:storageProfile>', '<vasa:storageProfile xsi:type="prof:DefaultProfile">')
      .replace('</vasa:storageProfile>', '<prof:entityType>Data</prof:entityType></vasa:storageProfile>'));
    expect((req.storageProfile as { $type: QN }).$type.local).toBe('DefaultProfile');
    expect(requestMismatches('createVirtualVolume', req)).toEqual([]);
  });
});

/** Every `<x>.req.<field>` read in src/vasa/handlers, with the operations its function names in Call<...>. */
interface ReqRead { file: string; line: number; field: string | undefined; ops: string[] | undefined; fn: string }

function reqReads(): ReqRead[] {
  const dir = path.join(ROOT, 'src', 'vasa', 'handlers');
  const reads: ReqRead[] = [];
  for (const f of fs.readdirSync(dir).filter((n) => n.endsWith('.ts'))) {
    const file = path.join(dir, f);
    const sf = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
    const opsOf = (fn: ts.SignatureDeclaration): string[] | undefined => {
      for (const p of fn.parameters) {
        const t = p.type;
        if (t && ts.isTypeReferenceNode(t) && t.typeName.getText(sf) === 'Call') {
          const arg = t.typeArguments?.[0];
          if (!arg) return undefined;
          const parts = ts.isUnionTypeNode(arg) ? arg.types : [arg];
          return parts.map((x) => (ts.isLiteralTypeNode(x) && ts.isStringLiteral(x.literal) ? x.literal.text : `?${x.getText(sf)}`));
        }
      }
      return undefined;
    };
    const visit = (n: ts.Node, fn: ts.SignatureDeclaration | undefined) => {
      const inner = ts.isFunctionLike(n) ? (n as ts.SignatureDeclaration) : fn;
      if (ts.isPropertyAccessExpression(n) && n.name.text === 'req') {
        const parent = n.parent;
        const field = ts.isPropertyAccessExpression(parent) && parent.expression === n ? parent.name.text : undefined;
        // The operations come from the nearest enclosing function that takes a typed Call.
        let owner: ts.Node | undefined = n;
        let named: string[] | undefined;
        let fnName = '?';
        while (owner && !named) {
          if (ts.isFunctionLike(owner)) {
            named = opsOf(owner as ts.SignatureDeclaration);
            fnName = (owner as ts.SignatureDeclaration).name?.getText(sf) ?? fnName;
          }
          owner = owner.parent;
        }
        reads.push({ file: f, line: sf.getLineAndCharacterOfPosition(n.getStart(sf)).line + 1, field, ops: named, fn: fnName });
      }
      ts.forEachChild(n, (c) => visit(c, inner));
    };
    visit(sf, undefined);
  }
  return reads;
}

describe('handlers read only fields the WSDL defines', () => {
  const reads = reqReads();

  test('the scan finds the handlers\' request reads', () => {
    expect(reads.length).toBeGreaterThan(30);
    expect(reads.some((r) => r.fn === 'createVirtualVolume' && r.field === 'storageProfile')).toBe(true);
  });

  test('every call.req.<field> in src/vasa/handlers names a child of the request of the operation(s) its Call<...> names', () => {
    const wrong = reads.flatMap((r) => {
      const where = `${r.file}:${r.line} (${r.fn})`;
      if (r.field === undefined) return [`${where}: reads req whole, not a named field`];
      if (!r.ops) return [`${where}: reads req.${r.field} in a function whose Call names no operation`];
      return r.ops.flatMap((op) => (!ops.has(op) ? [`${where}: ${op} is not an operation of the WSDL`]
        : requestFields(op).includes(r.field as string) ? [] : [`${where}: ${op} has no request field ${r.field} (it has ${requestFields(op).join(', ') || 'none'})`]));
    });
    expect(wrong).toEqual([]);
  });

  test('the scan catches a misspelt field (a handler source with vvolIdd)', () => {
    const src = "export function f(call: Call<'bindVirtualVolume'>) { return call.req.vvolIdd; }";
    const sf = ts.createSourceFile('x.ts', src, ts.ScriptTarget.ES2022, true);
    let field: string | undefined;
    const walk = (n: ts.Node): void => {
      if (ts.isPropertyAccessExpression(n) && ts.isPropertyAccessExpression(n.expression) && n.expression.name.text === 'req') field = n.name.text;
      ts.forEachChild(n, walk);
    };
    walk(sf);
    expect(field).toBe('vvolIdd');
    expect(requestFields('bindVirtualVolume')).not.toContain(field);
  });
});

/**
 * Type-checks small sources placed in src/vasa/ against the real code, with the
 * project's compiler options, and returns each one's errors.
 */
function typeErrors(sources: Record<string, string>): Record<string, string[]> {
  const config = ts.readConfigFile(path.join(ROOT, 'tsconfig.json'), ts.sys.readFile);
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, ROOT);
  const options = { ...parsed.options, noEmit: true };
  const files = new Map(Object.entries(sources).map(([name, text]) => [path.join(ROOT, 'src', 'vasa', name), text]));
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (f, lang, ...rest) => (files.has(f) ? ts.createSourceFile(f, files.get(f) as string, lang) : getSourceFile(f, lang, ...rest));
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (f) => files.has(f) || fileExists(f);
  const program = ts.createProgram([...files.keys()], options, host);
  const out: Record<string, string[]> = {};
  for (const [f] of files) {
    out[path.basename(f)] = ts.getPreEmitDiagnostics(program, program.getSourceFile(f)).filter((d) => d.file?.fileName === f).map((d) => ts.flattenDiagnosticMessageText(d.messageText, ' '));
  }
  return out;
}

test('the compiler refuses a misspelt request field, a handler under another operation, and a response field the WSDL lacks', () => {
  const head = [
    "import type { OpEntryFor, OperationTable } from './dispatch';",
    "import type { Call, Handler } from './face';",
    "import type { OperationName } from './generated/operations';",
    "import * as bind from './handlers/bind';",
    "const s = <Op extends OperationName>(handler: Handler<Op>): OpEntryFor<Op> => ({ handler, auth: 'session' });",
    'void s;',
  ].join('\n');
  const errors = typeErrors({
    'typed-ok.ts': `${head}\nexport const t: OperationTable = { bindVirtualVolume: s(bind.bindVirtualVolume), queryArrays: s((c) => (c.req.arrayUniqueId ?? []).map((id) => ({ uniqueIdentifier: id, arrayName: 'a', firmware: '1', modelId: 'm', priority: 1, vendorId: 'NEC' }))) };\nexport const f = (call: Call<'bindVirtualVolume'>) => call.req.vvolId;`,
    'typed-misspelt.ts': `${head}\nexport const f = (call: Call<'bindVirtualVolume'>) => call.req.vvolIdd;`,
    'typed-wrong-name.ts': `${head}\nexport const t: OperationTable = { unbindVirtualVolume: s(bind.bindVirtualVolume) };`,
    // As the handlers are written: the return annotated with the operation's response (a
    // callback that builds the items, as in .map, annotates its own return: TypeScript
    // checks excess fields only against a declared type).
    'typed-extra-return.ts': `${head}\nimport type { Responses, StorageArrayOut } from './generated/operations';\nexport function queryArrays(call: Call<'queryArrays'>): Responses['queryArrays'] {\n  return (call.req.arrayUniqueId ?? []).map((id): StorageArrayOut => ({ uniqueIdentifier: id, arrayName: 'a', firmware: '1', modelId: 'm', priority: 1, vendorId: 'NEC', bogus: 1 }));\n}`,
  });
  expect(errors['typed-ok.ts']).toEqual([]);
  expect(errors['typed-misspelt.ts'].join('\n')).toMatch(/Property 'vvolIdd' does not exist on type 'BindVirtualVolumeRequest'/);
  expect(errors['typed-wrong-name.ts'].join('\n')).toMatch(/not assignable to type 'OpEntryFor<"unbindVirtualVolume">'/);
  expect(errors['typed-extra-return.ts'].join('\n')).toMatch(/'bogus' does not exist in type 'StorageArrayOut'/);
});
