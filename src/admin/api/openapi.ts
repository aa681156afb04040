/**
 * The OpenAPI 3.1 document of the admin API, built as an object from the same route
 * declarations the router serves (route.ts) and the same schemas it validates with
 * (schemas.ts): paths, parameters, bodies, answers and refusals cannot drift from
 * what is enforced. Served at /api/v1/openapi.json, behind the provider account like
 * every other route (the issue: no call without it).
 */
import type { SchemaObject } from 'ajv';
import type { ApiRoute } from './route';
import { SCHEMAS } from './schemas';

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const errorContent = { 'application/json': { schema: ref('Error') } };

/** The refusals, as components.responses; keyed by status. */
const REFUSALS: Record<number, { name: string; description: string; headers?: Record<string, unknown> }> = {
  400: { name: 'BadRequest', description: 'The request is not valid: `field` names the body, path or query field, `details.problems` lists every problem.' },
  401: {
    name: 'Unauthorized', description: 'No or a wrong provider account (HTTP Basic), or the address is locked out after failed logins.',
    headers: { 'WWW-Authenticate': { description: 'Basic realm="vvol-provider"', schema: { type: 'string' } } },
  },
  403: { name: 'Forbidden', description: 'A management-screen session (cookie) without its CSRF token (X-CSRF-Token) on a change: nothing was done.' },
  404: { name: 'NotFound', description: 'No such plan, run, image or VM.' },
  405: { name: 'MethodNotAllowed', description: 'The path exists, the method does not: see Allow.' },
  408: { name: 'RequestTimeout', description: 'The body did not arrive in time.' },
  409: { name: 'Conflict', description: 'Refused in the current state (a backup or restore of the VM runs, the slot is full: suggested slots in details ...).' },
  413: { name: 'TooLarge', description: 'The body is larger than 64 KiB.' },
  415: { name: 'UnsupportedMediaType', description: 'The body is not application/json (UTF-8).' },
  422: { name: 'Failed', description: 'The request was valid, but the operation failed on this data (a damaged image ...).' },
  429: {
    name: 'TooManyRequests', description: 'The VM had 5 backups in the last 24 hours: details and Retry-After say when the next is allowed.',
    headers: { 'Retry-After': { description: 'When the next backup of the VM is allowed (HTTP date).', schema: { type: 'string' } } },
  },
  500: { name: 'InternalError', description: 'A fault of the provider; the provider log has the details.' },
};

function parameters(r: ApiRoute): unknown[] {
  const list = (where: 'path' | 'query', specs: ApiRoute['params']) =>
    Object.entries(specs ?? {}).map(([name, s]) => ({ name, in: where, required: where === 'path' || !!s.required, description: s.description, schema: s.schema }));
  return [...list('path', r.params), ...list('query', r.query)];
}

function okResponse(r: ApiRoute): Record<string, unknown> {
  const { ok } = r;
  const schema = ok.schema ? (ok.list ? { type: 'array', items: ref(ok.schema) } : ref(ok.schema))
    : ok.contentType === 'application/json' ? { type: 'object' } : ok.contentType ? { type: 'string' } : undefined;
  return {
    description: ok.description,
    ...(schema ? { content: { [ok.contentType ?? 'application/json']: { schema } } } : {}),
    ...(ok.location ? { headers: { Location: { description: 'The path of what was made or started.', schema: { type: 'string' } } } } : {}),
  };
}

/** What an operation may answer: its success, the route's refusals, and the ones every route shares. */
function responses(r: ApiRoute, readsBody: boolean): Record<string, unknown> {
  const statuses = new Set([400, 401, ...(r.method === 'get' ? [] : [403]), ...r.errors, ...(readsBody ? [408, 413, 415] : []), 500]);
  const out: Record<string, unknown> = { [String(r.ok.status)]: okResponse(r) };
  for (const s of [...statuses].sort()) out[String(s)] = { $ref: `#/components/responses/${REFUSALS[s].name}` };
  return out;
}

function operation(r: ApiRoute): Record<string, unknown> {
  const params = parameters(r);
  // An action (POST without a body schema) takes an empty object or nothing at all.
  const body = r.body ?? (r.method === 'post' ? 'NoBody' : undefined);
  return {
    operationId: r.operationId,
    summary: r.summary,
    ...(r.description ? { description: r.description } : {}),
    tags: [r.tag],
    ...(params.length ? { parameters: params } : {}),
    ...(body ? { requestBody: { required: !!r.body, content: { 'application/json': { schema: ref(body) } } } } : {}),
    responses: responses(r, !!body),
  };
}

export function buildOpenApi(routes: readonly ApiRoute[], version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) (paths[r.path] ??= {})[r.method] = operation(r);
  const usedRefusals = new Set<number>(Object.keys(REFUSALS).map(Number));
  return {
    openapi: '3.1.0',
    jsonSchemaDialect: 'https://spec.openapis.org/oas/3.1/dialect/base',
    info: {
      title: 'vvol-provider admin API: image-backup scheduler and RV backup',
      version,
      description: [
        'Plans, runs (with progress), immediate backups, images, verify, restore, history and the CSV report of the image-backup scheduler; the RV backup of VMs (state, online backup, cancel, restore, backup script: Appendix E, F), unmanaged VVols and pool capacity.',
        'Every route, this document included, needs the provider account (HTTP Basic) over HTTPS, or a management-screen session cookie with its X-CSRF-Token header on changes; failed logins lock the address out for a while.',
        'Bodies are JSON (application/json, UTF-8, at most 64 KiB, at most 16 levels deep); unknown fields are refused.',
        'Times are epoch milliseconds (UTC); a plan\'s dates and slot are local to its time zone.',
        'Every refusal is { error, code, field, details }: INVALID 400, NOT_FOUND 404, CONFLICT 409, LIMIT 429 (5 backups per VM in 24 hours; Retry-After) or 409 (a full slot), FAILED 422.',
      ].join('\n\n'),
    },
    servers: [{ url: '/api/v1' }],
    security: [{ providerAccount: [] }, { uiSession: [], csrfToken: [] }],
    tags: [
      { name: 'plans', description: 'Backup plans (schedule management)' },
      { name: 'runs', description: 'Runs and immediate backups' },
      { name: 'images', description: 'Backup images, verify, restore' },
      { name: 'history', description: 'Job history and report' },
      { name: 'vms', description: 'RV backup of VMs: state, online backup, cancel, restore, backup script (Appendix E, F)' },
      { name: 'arrays', description: 'Unmanaged VVols and pool capacity of the disk arrays' },
      { name: 'meta', description: 'This document' },
    ],
    paths,
    components: {
      securitySchemes: {
        providerAccount: { type: 'http', scheme: 'basic', description: 'The provider account (the one vCenter registers with).' },
        uiSession: { type: 'apiKey', in: 'cookie', name: 'vvol_session', description: 'A management-screen session (POST /ui/login with the provider account).' },
        csrfToken: { type: 'apiKey', in: 'header', name: 'X-CSRF-Token', description: 'The session\'s CSRF token (GET /ui/session); needed on every change made with the session cookie.' },
      },
      schemas: { ...(SCHEMAS as Record<string, SchemaObject>) },
      responses: Object.fromEntries([...usedRefusals].map((s) => [REFUSALS[s].name, { description: REFUSALS[s].description, ...(REFUSALS[s].headers ? { headers: REFUSALS[s].headers } : {}), content: errorContent }])),
    },
  };
}
