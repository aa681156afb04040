/**
 * Writes src/vasa/generated/operations.ts from the schema model: for every operation of
 * the WSDL its request as the codec decodes it and its `return` as the codec encodes it,
 * so a handler that reads a field the WSDL does not define, or answers one, does not
 * compile. Run after a build with `npm run gen:types`; test/vasa/typed-handlers.test.ts
 * regenerates in memory and fails when the committed file is stale.
 *
 * Object types are type aliases, not interfaces, so a request is also a
 * Record<string, unknown> to code that walks any request (the dispatcher's log line).
 *
 * The two sides differ because the codec does (codec.ts):
 * - decoded (requests): lists (maxOccurs > 1) are always arrays, optional (minOccurs = 0)
 *   and nil elements are absent, integers and doubles are numbers, dateTime is the text,
 *   base64Binary a Buffer, an enumeration one of its values, xs:anyType `unknown`, and a
 *   derived type sent with xsi:type carries `$type`;
 * - encoded (responses, types named ...Out): integers may be bigint, dateTime a number
 *   (ms) or text, base64Binary a Buffer or text; undefined fields are left out.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ANY_TYPE, ElementDecl, key, QN, SchemaSet } from './schema';
import { loadOperations, OperationDef, WSDL_DIR } from './wsdl';
import { XSD } from '../../sys/xml';

type Side = 'in' | 'out';

const INTEGER = new Set(['long', 'int', 'short', 'byte', 'integer', 'unsignedLong', 'unsignedInt', 'unsignedShort', 'nonNegativeInteger', 'positiveInteger']);
const DOUBLE = new Set(['double', 'float', 'decimal']);

const pascal = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);
const ident = (s: string): string => s.replace(/[^A-Za-z0-9_]/g, '_');
/** A string literal as the project writes them (single quotes). */
const lit = (s: string): string => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
const prop = (s: string): string => (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(s) ? s : lit(s));

/** What an XSD built-in becomes on each side (see the header). */
function builtinType(builtin: string, side: Side): string {
  if (INTEGER.has(builtin)) return side === 'in' ? 'number' : 'number | bigint';
  if (DOUBLE.has(builtin)) return 'number';
  if (builtin === 'boolean') return 'boolean';
  if (builtin === 'dateTime') return side === 'in' ? 'string' : 'string | number';
  if (builtin === 'base64Binary') return side === 'in' ? 'Buffer' : 'Buffer | string';
  return 'string';
}

class Generator {
  /** Declarations by name, written sorted at the end. */
  private readonly decls = new Map<string, string>();

  constructor(private readonly schema: SchemaSet) {}

  private typeName(q: QN, side: Side): string {
    const local = ident(q.local.replace(/^#\w+:/, ''));
    return side === 'in' ? pascal(local) : `${pascal(local)}Out`;
  }

  /** The TS type of one value of schema type q on a side, declaring what it needs. */
  valueType(q: QN, side: Side): string {
    if (key(q) === key(ANY_TYPE)) return 'unknown';
    const t = this.schema.type(q);
    if (!t) return builtinType(q.ns === XSD ? q.local : 'string', side);
    if (t.kind === 'simple') {
      if (!t.enumeration) return builtinType(this.schema.builtin(q), side);
      const name = this.typeName(q, 'in');
      if (!this.decls.has(name)) this.decls.set(name, `export type ${name} = ${t.enumeration.map(lit).join(' | ')};`);
      return name;
    }
    const name = this.complex(q, side);
    // A slot of a type others derive from may hold any of them, marked with $type.
    const derived = this.schema.derivedTypes(q).filter((d) => key(d.name) !== key(q));
    if (derived.length === 0) return name;
    return [name, ...derived.map((d) => `(${this.complex(d.name, side)} & Tagged)`)].join(' | ');
  }

  private complex(q: QN, side: Side): string {
    const name = this.typeName(q, side);
    if (this.decls.has(name)) return name;
    this.decls.set(name, ''); // reserved: recursive types end here
    const fields = this.schema.elementsOf(q).map((e) => this.field(e, side));
    // An encoded value may name its own type (an anyType slot needs it said).
    if (side === 'out') fields.push('  $type?: QN;');
    this.decls.set(name, `/** ${q.local} {${q.ns}} */\nexport type ${name} = {\n${fields.join('\n')}\n};`);
    return name;
  }

  field(e: ElementDecl, side: Side): string {
    const one = this.valueType(e.type, side);
    const t = e.max > 1 ? (one.includes(' ') ? `(${one})[]` : `${one}[]`) : one;
    return `  ${prop(e.name)}${e.min === 0 ? '?' : ''}: ${t};`;
  }

  /** The request element's children, or an empty object for an empty Body. */
  request(op: OperationDef): string {
    const name = `${pascal(op.name)}Request`;
    const decl = op.input ? this.schema.elements.get(key(op.input)) : undefined;
    if (op.input && !decl) throw new Error(`No schema element for the input of ${op.name}`);
    const fields = decl ? this.schema.elementsOf(decl.type).map((e) => this.field(e, 'in')) : [];
    this.decls.set(name, `/** The request of ${op.name}, as decoded. */\nexport type ${name} = {${fields.length ? `\n${fields.join('\n')}\n` : ''}};`);
    return name;
  }

  /** What the handler returns: the `return` element's value(s), undefined for void operations. */
  response(op: OperationDef): string {
    const decl = op.output ? this.schema.elements.get(key(op.output)) : undefined;
    if (op.output && !decl) throw new Error(`No schema element for the output of ${op.name}`);
    const ret = decl ? this.schema.elementsOf(decl.type).find((e) => e.name === 'return') : undefined;
    if (!ret) return 'undefined';
    const one = this.valueType(ret.type, 'out');
    if (ret.max > 1) return one.includes(' ') ? `(${one})[]` : `${one}[]`;
    return ret.min === 0 ? `${one} | undefined` : one;
  }

  declarations(): string[] {
    return [...this.decls.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, d]) => d);
  }
}

/** The text of src/vasa/generated/operations.ts for a schema and the WSDL's operations. */
export function operationTypes(schema: SchemaSet, ops: Map<string, OperationDef>): string {
  const g = new Generator(schema);
  const names = [...ops.keys()];
  const requests = names.map((n) => `  ${prop(n)}: ${g.request(ops.get(n) as OperationDef)};`);
  const responses = names.map((n) => `  ${prop(n)}: ${g.response(ops.get(n) as OperationDef)};`);
  return [
    '/**',
    ' * GENERATED from wsdl/ by src/vasa/soap/typegen.ts (npm run gen:types): do not edit.',
    ' * test/vasa/typed-handlers.test.ts fails when this file no longer matches the WSDL.',
    ' * Requests: as the codec decodes them. Responses (the `return` value, types named',
    ' * ...Out): as the codec encodes them. See typegen.ts for how each XSD type maps.',
    ' */',
    "import type { QN } from '../soap/schema';",
    '',
    '/** A value of a derived type in a slot of its base type: the codec writes/reads it with xsi:type. */',
    'export interface Tagged {',
    '  $type: QN;',
    '}',
    '',
    ...g.declarations().flatMap((d) => [d, '']),
    '/** The decoded request of every operation of the WSDL, by operation name. */',
    'export interface Requests {',
    ...requests,
    '}',
    '',
    '/** What each operation\'s handler returns (the response\'s `return`), by operation name. */',
    'export interface Responses {',
    ...responses,
    '}',
    '',
    '/** Every operation of the WSDL. */',
    'export type OperationName = keyof Requests;',
    '',
  ].join('\n');
}

/** Where the generated file lives in the source tree (from src/ or dist/ alike). */
export const GENERATED_FILE = path.resolve(WSDL_DIR, '..', 'src', 'vasa', 'generated', 'operations.ts');

/** The generated text for the WSDL in wsdl/. */
export function currentOperationTypes(): string {
  const wsdl = path.join(WSDL_DIR, 'vasaService.wsdl');
  return operationTypes(SchemaSet.loadFrom(wsdl), loadOperations(wsdl));
}

if (require.main === module) {
  fs.mkdirSync(path.dirname(GENERATED_FILE), { recursive: true });
  fs.writeFileSync(GENERATED_FILE, currentOperationTypes());
  process.stdout.write(`wrote ${path.relative(process.cwd(), GENERATED_FILE)}\n`);
}
