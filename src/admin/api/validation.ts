/**
 * Checks of what a request carries (JSON body, path and query parameters) against the
 * schemas in schemas.ts, with the project's validator (src/config/validate.ts). A
 * failure is a SchedulerError INVALID naming the first field, every problem in
 * `details.problems`: the same value the service throws for its own rules, so the API
 * (400) and the CLI (exit 2) show both kinds alike. The CLI checks the plans it builds
 * from options here too, so a wrong field reads the same on both faces.
 */
import type { SchemaObject } from 'ajv';
import { type Failure, makeValidator } from '../../config/validate';
import { SchedulerError } from '../../scheduler/contract';
import { SCHEMAS, type SchemaName } from './schemas';

/** A path or query parameter: its schema (typed as the value, not as the string it arrives as). */
export interface ParamSpec {
  schema: SchemaObject;
  description: string;
  required?: boolean;
}

export type ParamSpecs = Readonly<Record<string, ParamSpec>>;

type Where = 'body' | 'path' | 'query';

// The rule puts the field before a NUL, so it can be read back without parsing prose.
const SEP = '\u0000';

/** A name a client made up, safe to print: control characters escaped, length capped. */
function shown(name: string): string {
  const s = JSON.stringify(name).slice(1, -1);
  return s.length > 64 ? `${s.slice(0, 64)}...` : s;
}

function typeWords(t: unknown): string {
  const words: Record<string, string> = { integer: 'an integer', number: 'a number', string: 'a string', boolean: 'true or false', object: 'an object', array: 'a list', null: 'null' };
  return (Array.isArray(t) ? t : [t]).map((x) => words[String(x)] ?? String(x)).join(' or ');
}

function sentence(f: Failure, where: Where): string {
  const p = f.params;
  const unknownName = f.keyword === 'additionalProperties' ? shown(String(p.additionalProperty)) : undefined;
  const field = unknownName !== undefined ? (f.path ? `${f.path}.${unknownName}` : unknownName) : f.property ?? (f.path || where);
  const text = (() => {
    switch (f.keyword) {
      case 'required': return where === 'body' ? 'is missing' : 'is required';
      case 'additionalProperties': return where === 'body' ? 'unknown field' : `unknown ${where} parameter`;
      case 'type': return `must be ${typeWords(p.type)}`;
      case 'enum': return `must be one of ${(p.allowedValues as unknown[]).map(String).join(', ')}`;
      case 'pattern': return `must be ${String(f.parentSchema.description ?? 'in the documented form')}`;
      case 'minimum': return `must be at least ${String(p.limit)}`;
      case 'maximum': return `must be at most ${String(p.limit)}`;
      case 'minLength': return p.limit === 1 ? 'must not be empty' : `must have at least ${String(p.limit)} characters`;
      case 'maxLength': return `must have at most ${String(p.limit)} characters`;
      case 'minItems': return `must name at least ${String(p.limit)}`;
      case 'maxItems': return `must name at most ${String(p.limit)}`;
      case 'minProperties': return 'must name at least one field to change';
      default: return f.message;
    }
  })();
  return `${field}${SEP}${field}: ${text}.`;
}

export type Checker<T> = (data: unknown) => T;

function checker<T>(schema: SchemaObject, where: Where): Checker<T> {
  const validate = makeValidator<T>(schema, { messages: { '#': (f) => sentence(f, where) } });
  return (data) => {
    const r = validate(data);
    if (r.ok) return r.value;
    const problems = r.problems.map((s) => (s.includes(SEP) ? { field: s.slice(0, s.indexOf(SEP)), message: s.slice(s.indexOf(SEP) + 1) } : { field: where, message: s }));
    throw new SchedulerError('INVALID', problems[0].message, problems[0].field, { problems: problems.map((x) => x.message) });
  };
}

/** Strings of a path or query as the types their schemas name: "12" -> 12, "true" -> true; anything else stays a string for the schema to refuse. */
function coerce(specs: ParamSpecs, raw: Record<string, unknown>): Record<string, unknown> {
  // Entries, not assignments: a parameter named "__proto__" stays a plain (unknown) name.
  return Object.fromEntries(Object.entries(raw).map(([name, value]) => {
    const type = Object.hasOwn(specs, name) ? specs[name].schema.type : undefined;
    if (typeof value === 'string' && type === 'integer' && /^-?[0-9]{1,15}$/.test(value)) return [name, Number(value)];
    if (typeof value === 'string' && type === 'boolean' && (value === 'true' || value === 'false')) return [name, value === 'true'];
    return [name, value];
  }));
}

/** The object schema of a parameter set (path or query), unknown names refused. */
export function paramsSchema(specs: ParamSpecs): SchemaObject {
  const required = Object.entries(specs).filter(([, s]) => s.required).map(([n]) => n);
  return {
    type: 'object', additionalProperties: false, ...(required.length ? { required } : {}),
    properties: Object.fromEntries(Object.entries(specs).map(([n, s]) => [n, s.schema])),
  };
}

/** The compiled checks of one face (one per router, one per CLI call): bodies by schema name, parameter sets by identity. */
export class RequestChecks {
  private readonly bodies = new Map<SchemaName, Checker<unknown>>();
  private readonly params = new Map<ParamSpecs, Checker<Record<string, unknown>>>();

  body<T>(name: SchemaName, data: unknown): T {
    let c = this.bodies.get(name);
    if (!c) this.bodies.set(name, (c = checker(SCHEMAS[name], 'body')));
    return c(data) as T;
  }

  parameters(specs: ParamSpecs, raw: Record<string, unknown>, where: 'path' | 'query'): Record<string, unknown> {
    let c = this.params.get(specs);
    if (!c) this.params.set(specs, (c = checker<Record<string, unknown>>(paramsSchema(specs), where)));
    return c(coerce(specs, raw));
  }
}
