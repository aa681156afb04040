/**
 * Validation of configuration documents against a JSON Schema (ajv), reporting every
 * problem at once as a sentence that names the field, in the manual's words where it
 * has them. Used for conf/provider-settings.jsonc and conf/demo-array.jsonc; meant to be
 * reused by the admin API, which takes the same documents over HTTP.
 *
 * The schema says what is valid; the texts are kept beside it as rules keyed by where
 * in the schema a check failed, so one field's several failing checks (a port that is
 * neither an integer nor in range) give one sentence, and a check without a rule still
 * gives a readable one. No text ever quotes the schema's own patterns to the user.
 */
import Ajv, { type ErrorObject, type SchemaObject, type ValidateFunction } from 'ajv';

/** One failed check, as a message rule sees it. */
export interface Failure {
  /** Where in the document, as our messages write it: `diskArrays[1]`, `vCenter.ip`; '' for the document itself. */
  path: string;
  /** The field a `required` or `additionalProperties` check is about, with its path: `vCenter.user`. */
  property?: string;
  keyword: string;
  params: Record<string, unknown>;
  /** The value that failed (for `required` and `additionalProperties`, the object). */
  data: unknown;
  /** The schema object that holds the failed keyword. */
  parentSchema: SchemaObject;
  /** ajv's own sentence ("must be integer"). */
  message: string;
}

/** A sentence (or several, or none to use the default) for a failure. */
export type MessageRule = (f: Failure) => string | readonly string[] | undefined;

export interface ValidatorOptions {
  /**
   * Texts keyed by schema location: `#/properties/diskArrays/maxItems`, or a prefix of
   * failing locations such as `#/properties/diskArrays/items` (any check of an item) or
   * `#/$defs/pool/properties/raid`. The longest key that matches wins.
   */
  messages?: Readonly<Record<string, MessageRule>>;
  /** Named string formats the schema uses (`"format": "ipv4"`). */
  formats?: Readonly<Record<string, (value: string) => boolean>>;
}

export type Validated<T> = { ok: true; value: T } | { ok: false; problems: string[] };

/** JSON pointer `/arrays/0/pools/1` as `arrays[0].pools[1]`. */
export function fieldPath(pointer: string): string {
  let out = '';
  for (const raw of pointer.split('/').slice(1)) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    out += /^\d+$/.test(seg) ? `[${seg}]` : out ? `.${seg}` : seg;
  }
  return out;
}

const join = (path: string, name: string) => (path ? `${path}.${name}` : name);

/** The default sentence: the field and what ajv says of it. */
function fallback(f: Failure): string {
  if (f.keyword === 'additionalProperties') return `${f.property}: unknown field.`;
  if (f.keyword === 'required') return `${f.property}: is missing.`;
  return `${f.path || 'the document'}: ${f.message}.`;
}

function ruleFor(messages: Readonly<Record<string, MessageRule>>, schemaPath: string): MessageRule | undefined {
  let best: string | undefined;
  for (const key of Object.keys(messages)) {
    if ((schemaPath === key || schemaPath.startsWith(`${key}/`)) && (best === undefined || key.length > best.length)) best = key;
  }
  return best === undefined ? undefined : messages[best];
}

function toFailure(e: ErrorObject): Failure {
  const path = fieldPath(e.instancePath);
  const name = e.keyword === 'required' ? (e.params as { missingProperty: string }).missingProperty
    : e.keyword === 'additionalProperties' ? (e.params as { additionalProperty: string }).additionalProperty : undefined;
  return {
    path, property: name === undefined ? undefined : join(path, name), keyword: e.keyword, params: e.params as Record<string, unknown>,
    data: e.data, parentSchema: (e.parentSchema ?? {}) as SchemaObject, message: e.message ?? 'is not valid',
  };
}

/**
 * A validator for `schema`: fills in the schema's defaults on a copy of the document and
 * returns it typed, or every problem (each sentence once, in the document's order as
 * ajv walks it). Never throws for any input.
 */
export function makeValidator<T>(schema: SchemaObject, options: ValidatorOptions = {}): (data: unknown) => Validated<T> {
  // Compiled at the first validation, not when the module defining it loads: a daemon
  // start compiled every schema of the admin API and the demo array (~50 ms of a cold
  // start, issue 12 S6) though it validates only its settings.
  let compiled: ValidateFunction | undefined;
  const compile = (): ValidateFunction => {
    const ajv = new Ajv({ allErrors: true, verbose: true, useDefaults: true, allowUnionTypes: true, strict: true });
    for (const [name, check] of Object.entries(options.formats ?? {})) ajv.addFormat(name, { type: 'string', validate: check });
    return ajv.compile(schema);
  };
  const messages = options.messages ?? {};
  return (data: unknown): Validated<T> => {
    const check = (compiled ??= compile());
    // Defaults are written into what is validated: never into the caller's object.
    let copy: unknown;
    try {
      copy = data === undefined ? undefined : structuredClone(data);
    } catch {
      return { ok: false, problems: ['the document: must be JSON data (a function or a symbol is not).'] };
    }
    if (check(copy)) return { ok: true, value: copy as T };
    const problems: string[] = [];
    for (const e of check.errors ?? []) {
      const f = toFailure(e);
      const said = ruleFor(messages, e.schemaPath)?.(f) ?? fallback(f);
      for (const p of typeof said === 'string' ? [said] : said) if (!problems.includes(p)) problems.push(p);
    }
    return { ok: false, problems };
  };
}
