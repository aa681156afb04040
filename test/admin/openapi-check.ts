/**
 * Checks of an admin API answer against the OpenAPI document: the status is one the
 * operation documents, the content type is the documented one, and a JSON body is
 * valid against the documented schema (JSON Schema 2020-12, refs resolved inside the
 * document). Shared by the fake-service tests and the end-to-end test.
 */
import Ajv2020 from 'ajv/dist/2020';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Doc = { paths: Record<string, Record<string, any>>; components: { schemas: Record<string, object>; responses: Record<string, any> } };

/** The value a JSON pointer (`#/components/...`) names in the document. */
export function resolve(doc: unknown, pointer: string): unknown {
  return pointer.slice(2).split('/').reduce<unknown>((at, seg) => (at && typeof at === 'object' ? (at as Record<string, unknown>)[seg.replace(/~1/g, '/').replace(/~0/g, '~')] : undefined), doc);
}

export interface AnswerLike {
  status: number;
  contentType: string | null;
  text: string;
  json: unknown;
}

/** Problems of an answer to `method path` (documented form, e.g. /plans/{id}); [] when it is as documented. */
export function answerChecker(doc: Doc): (path: string, method: string, a: AnswerLike) => string[] {
  const ajv = new Ajv2020({ strict: true, allowUnionTypes: true, allErrors: true });
  ajv.addSchema({ $id: 'doc', $defs: doc.components.schemas });
  const validate = (schema: object, value: unknown): string[] => {
    const check = ajv.compile(JSON.parse(JSON.stringify(schema).replace(/"#\/components\/schemas\/([A-Za-z]+)"/g, '"doc#/$defs/$1"')) as object);
    return check(value) ? [] : (check.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`);
  };
  return (path, method, a) => {
    const op = doc.paths[path]?.[method];
    if (!op) return [`${method} ${path} is not documented`];
    const documented = op.responses[String(a.status)];
    if (!documented) return [`${method} ${path}: status ${a.status} is not documented`];
    const resp = (documented.$ref ? resolve(doc, documented.$ref) : documented) as { content?: Record<string, { schema: object }> };
    if (!resp.content) return a.text === '' ? [] : [`${method} ${path} ${a.status}: a body where none is documented`];
    const [type, media] = Object.entries(resp.content)[0];
    if (a.contentType?.split(';')[0] !== type) return [`${method} ${path} ${a.status}: content type ${a.contentType}, documented ${type}`];
    return type === 'application/json' ? validate(media.schema, a.json).map((p) => `${method} ${path} ${a.status}: ${p}`) : [];
  };
}
