/**
 * The admin REST API (issue 11 section 6) over a fake service: the OpenAPI document is
 * valid OpenAPI 3.1 (a structural meta-check written here, every $ref resolving, every
 * schema compiling as JSON Schema 2020-12), the router serves exactly the documented
 * routes and answers in the documented shapes; bodies, paths and queries are validated
 * with 400s naming the field; the service's refusals map to 400/404/409/422/429 with the
 * service's own message; each route hands the service what the request said.
 */
import http from 'node:http';
import type net from 'node:net';
import Ajv2020 from 'ajv/dist/2020';
import express from 'express';
import { adminApi, openApiDocument, ROUTES } from '../../src/admin/api';
import { SchedulerError } from '../../src/scheduler/contract';
import { VasaFault } from '../../src/vasa/faults';
import { captureLogger } from '../helpers/vasa-server';
import { FakeScheduler, PLAN } from './fake-scheduler';
import { answerChecker, type Doc, resolve } from './openapi-check';

const AUTH = `Basic ${Buffer.from('admin:pw').toString('base64')}`;

let fake: FakeScheduler;
let server: http.Server;
let base: string;
let logLines: { level: string; message: string }[];

beforeEach(async () => {
  fake = new FakeScheduler();
  const { log, lines } = captureLogger();
  logLines = lines;
  const app = express();
  app.use('/api/v1', adminApi({
    scheduler: () => fake,
    verify: async (_remote, user, password) => {
      if (user !== 'admin' || password !== 'pw') throw new VasaFault('InvalidLogin', 'The user name or password of the provider account is wrong.');
    },
    log,
  }));
  server = http.createServer(app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  base = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}/api/v1`;
});
afterEach(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

interface Answer {
  status: number;
  headers: Headers;
  text: string;
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

async function call(method: string, path: string, o: { body?: unknown; raw?: string; type?: string; auth?: string | null } = {}): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (o.auth !== null) headers.Authorization = o.auth ?? AUTH;
  let body: string | undefined;
  if (o.raw !== undefined || o.body !== undefined) {
    body = o.raw ?? JSON.stringify(o.body);
    headers['Content-Type'] = o.type ?? 'application/json';
  }
  const r = await fetch(`${base}${path}`, { method, headers, body });
  const text = await r.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: r.status, headers: r.headers, text, json };
}

// ------------------------------------------------------------------ the document

/** The parts of OpenAPI 3.1 this API uses, checked structurally: enough to catch a malformed document. */
const OPENAPI_31 = {
  type: 'object',
  required: ['openapi', 'info', 'paths'],
  additionalProperties: false,
  patternProperties: { '^x-': true },
  properties: {
    openapi: { type: 'string', pattern: '^3\\.1\\.[0-9]+$' },
    jsonSchemaDialect: { type: 'string' },
    info: { type: 'object', required: ['title', 'version'], properties: { title: { type: 'string', minLength: 1 }, version: { type: 'string', minLength: 1 }, description: { type: 'string' } } },
    servers: { type: 'array', items: { type: 'object', required: ['url'], properties: { url: { type: 'string' } } } },
    security: { $ref: '#/$defs/security' },
    tags: { type: 'array', items: { type: 'object', required: ['name'], properties: { name: { type: 'string' }, description: { type: 'string' } } } },
    paths: { type: 'object', propertyNames: { pattern: '^/' }, additionalProperties: { $ref: '#/$defs/pathItem' } },
    components: {
      type: 'object',
      additionalProperties: false,
      properties: {
        schemas: { type: 'object', additionalProperties: { type: ['object', 'boolean'] } },
        responses: { type: 'object', additionalProperties: { $ref: '#/$defs/response' } },
        securitySchemes: {
          type: 'object',
          additionalProperties: {
            type: 'object', required: ['type'],
            properties: { type: { enum: ['apiKey', 'http', 'mutualTLS', 'oauth2', 'openIdConnect'] }, scheme: { type: 'string' }, description: { type: 'string' } },
            if: { properties: { type: { const: 'http' } } }, then: { required: ['scheme'] },
          },
        },
      },
    },
  },
  $defs: {
    security: { type: 'array', items: { type: 'object', additionalProperties: { type: 'array', items: { type: 'string' } } } },
    pathItem: {
      type: 'object',
      propertyNames: { enum: ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] },
      additionalProperties: { $ref: '#/$defs/operation' },
    },
    operation: {
      type: 'object',
      required: ['responses'],
      additionalProperties: false,
      properties: {
        operationId: { type: 'string', pattern: '^[A-Za-z][A-Za-z0-9]*$' },
        summary: { type: 'string' },
        description: { type: 'string' },
        tags: { type: 'array', items: { type: 'string' } },
        parameters: { type: 'array', items: { $ref: '#/$defs/parameter' } },
        requestBody: { type: 'object', required: ['content'], additionalProperties: false, properties: { required: { type: 'boolean' }, description: { type: 'string' }, content: { $ref: '#/$defs/content' } } },
        responses: {
          type: 'object', minProperties: 1,
          propertyNames: { pattern: '^([1-5][0-9]{2}|[1-5]XX|default)$' },
          additionalProperties: { oneOf: [{ $ref: '#/$defs/reference' }, { $ref: '#/$defs/response' }] },
        },
        security: { $ref: '#/$defs/security' },
      },
    },
    parameter: {
      type: 'object',
      required: ['name', 'in', 'schema'],
      additionalProperties: false,
      properties: { name: { type: 'string', minLength: 1 }, in: { enum: ['query', 'header', 'path', 'cookie'] }, required: { type: 'boolean' }, description: { type: 'string' }, schema: { type: 'object' } },
      if: { properties: { in: { const: 'path' } } },
      then: { required: ['required'], properties: { required: { const: true } } },
    },
    content: {
      type: 'object', minProperties: 1,
      propertyNames: { pattern: '^[a-z]+/[a-z0-9.+-]+$' },
      additionalProperties: { type: 'object', additionalProperties: false, properties: { schema: { type: 'object' } } },
    },
    reference: { type: 'object', required: ['$ref'], additionalProperties: false, properties: { $ref: { type: 'string' } } },
    response: {
      type: 'object',
      required: ['description'],
      additionalProperties: false,
      properties: {
        description: { type: 'string' },
        headers: { type: 'object', additionalProperties: { type: 'object', required: ['schema'], properties: { description: { type: 'string' }, schema: { type: 'object' } } } },
        content: { $ref: '#/$defs/content' },
      },
    },
  },
};

/** Every `$ref` value anywhere in a document. */
function refs(v: unknown, out: string[] = []): string[] {
  if (Array.isArray(v)) v.forEach((x) => refs(x, out));
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) (k === '$ref' && typeof x === 'string' ? out.push(x) : refs(x, out));
  return out;
}

test('the OpenAPI document is valid OpenAPI 3.1: structure, resolving $refs, unique operation ids, declared path parameters, schemas that compile', async () => {
  const r = await call('GET', '/openapi.json');
  expect(r.status).toBe(200);
  expect(r.headers.get('content-type')).toMatch(/^application\/json/);
  const doc = r.json as Doc;
  expect(doc).toEqual(JSON.parse(JSON.stringify(openApiDocument())));

  const meta = new Ajv2020({ strict: true, strictRequired: false, allErrors: true, allowUnionTypes: true });
  const valid = meta.validate(OPENAPI_31, doc);
  expect(meta.errors ?? []).toEqual([]);
  expect(valid).toBe(true);

  for (const ref of refs(doc)) expect([ref, resolve(doc, ref) !== undefined]).toEqual([ref, true]);

  const ids = Object.values(doc.paths).flatMap((item) => Object.values(item).map((op) => op.operationId as string));
  expect(new Set(ids).size).toBe(ids.length);

  for (const [path, item] of Object.entries(doc.paths)) {
    const templated = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]).sort();
    for (const op of Object.values(item)) {
      const declared = ((op.parameters ?? []) as { name: string; in: string }[]).filter((p) => p.in === 'path').map((p) => p.name).sort();
      expect([path, declared]).toEqual([path, templated]);
      // Every operation is protected by the document-wide security and can refuse it.
      expect(op.responses['401']).toBeDefined();
    }
  }

  // Each schema, component or parameter, is a valid JSON Schema 2020-12 (strict: no unknown keywords).
  const ajv = new Ajv2020({ strict: true, allowUnionTypes: true });
  for (const schema of Object.values(doc.components.schemas)) expect(() => ajv.compile(schema)).not.toThrow();
  for (const item of Object.values(doc.paths)) for (const op of Object.values(item)) for (const p of op.parameters ?? []) expect(() => ajv.compile(p.schema)).not.toThrow();
});

test('the router answers exactly the documented routes, and each documented operation is served', async () => {
  const doc = openApiDocument() as Doc;
  const documented = Object.entries(doc.paths).flatMap(([p, item]) => Object.keys(item).map((m) => `${m.toUpperCase()} ${p}`)).sort();
  const router = adminApi({ scheduler: () => fake, verify: async () => undefined }) as unknown as { stack: { route?: { path: string; methods: Record<string, boolean> } }[] };
  const served = router.stack.flatMap((l) => (l.route ? Object.keys(l.route.methods).map((m) => `${m.toUpperCase()} ${l.route!.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}')}`) : [])).sort();
  expect(served).toEqual(documented);
  expect(documented).toHaveLength(ROUTES.length);

  // Live: with the account, no documented operation meets the router's "no such route" or "method not allowed".
  fake.createPlan(PLAN);
  fake.backupNow('web01');
  for (const entry of documented) {
    const [method, path] = entry.split(' ');
    const concrete = path.replace('{id}', path.startsWith('/images') ? 'img-none' : '1');
    const body = method === 'POST' && path === '/plans' ? { ...PLAN, name: 'other' } : method === 'POST' && path === '/backups' ? { vm: 'web02' } : method === 'PATCH' ? { retentionDays: 30 } : path.endsWith('/copy') ? { name: 'copied' } : undefined;
    const r = await call(method, concrete, { body });
    expect([entry, r.status === 405 || (r.status === 404 && /no API route/.test(r.json?.error ?? ''))]).toEqual([entry, false]);
  }
});

test('answers have the documented shapes (status, content type, schema, Location)', async () => {
  const check = answerChecker(openApiDocument() as Doc);
  const expectShape = (r: Answer, path: string, method: string) => {
    expect(check(path, method, { status: r.status, contentType: r.headers.get('content-type'), text: r.text, json: r.json })).toEqual([]);
  };

  const created = await call('POST', '/plans', { body: PLAN });
  expectShape(created, '/plans', 'post');
  expect(created.status).toBe(201);
  expect(created.headers.get('location')).toBe(`/api/v1/plans/${created.json.id}`);
  expectShape(await call('GET', '/plans'), '/plans', 'get');
  expectShape(await call('GET', '/plans/1'), '/plans/{id}', 'get');
  expectShape(await call('PATCH', '/plans/1', { body: { enabled: false } }), '/plans/{id}', 'patch');
  expectShape(await call('POST', '/plans/1/enable'), '/plans/{id}/enable', 'post');
  expectShape(await call('POST', '/plans/1/disable', { body: {} }), '/plans/{id}/disable', 'post');
  const copy = await call('POST', '/plans/1/copy', { body: { name: 'daily-web-2' } });
  expectShape(copy, '/plans/{id}/copy', 'post');
  expect(copy.headers.get('location')).toBe(`/api/v1/plans/${copy.json.id}`);
  const backup = await call('POST', '/backups', { body: { vm: 'web01' } });
  expectShape(backup, '/backups', 'post');
  expect(backup.status).toBe(202);
  expect(backup.headers.get('location')).toBe(`/api/v1/runs/${backup.json.id}`);
  expectShape(await call('GET', '/runs'), '/runs', 'get');
  fake.tick();
  expectShape(await call('GET', '/runs/1'), '/runs/{id}', 'get');
  fake.tick(); fake.tick(); fake.tick();
  expectShape(await call('GET', '/images'), '/images', 'get');
  expectShape(await call('GET', '/images/img-1'), '/images/{id}', 'get');
  expectShape(await call('POST', '/images/img-1/verify'), '/images/{id}/verify', 'post');
  expectShape(await call('POST', '/images/img-1/restore'), '/images/{id}/restore', 'post');
  expectShape(await call('GET', '/history'), '/history', 'get');
  expectShape(await call('GET', '/report.csv'), '/report.csv', 'get');
  expectShape(await call('DELETE', '/images/img-1'), '/images/{id}', 'delete');
  expectShape(await call('DELETE', '/plans/2'), '/plans/{id}', 'delete');
  expectShape(await call('POST', '/runs/1/cancel'), '/runs/{id}/cancel', 'post');
  expectShape(await call('GET', '/plans/99'), '/plans/{id}', 'get');
  expectShape(await call('POST', '/plans', { body: { ...PLAN, name: 7 } }), '/plans', 'post');
  expectShape(await call('GET', '/nothing', { auth: null }), '/plans', 'get');
  // The checker itself finds a wrong answer.
  expect(check('/plans', 'get', { status: 200, contentType: 'application/json', text: '', json: [{ id: 'x' }] })).not.toEqual([]);
  expect(check('/plans', 'get', { status: 418, contentType: 'application/json', text: '', json: {} })).toEqual(['get /plans: status 418 is not documented']);
});

// ------------------------------------------------------------------ translation

test('plans: create, show, change, enable, disable, copy and delete reach the service as the request said', async () => {
  const c = await call('POST', '/plans', { body: PLAN });
  expect(c.status).toBe(201);
  expect(c.json).toMatchObject({ id: 1, name: 'daily-web', vms: ['web01', 'web02'], enabled: true, schedule: PLAN.schedule });
  expect(fake.calls.at(-1)).toEqual({ method: 'createPlan', args: [PLAN] });

  expect((await call('GET', '/plans')).json.map((p: { name: string }) => p.name)).toEqual(['daily-web']);
  expect((await call('GET', '/plans/1')).json.name).toBe('daily-web');

  const changes = { retentionDays: 30, schedule: { type: 'weekly', startDate: '2026-01-06', slotHour: 4, weekday: 'mon' } };
  const u = await call('PATCH', '/plans/1', { body: changes });
  expect(u.status).toBe(200);
  expect(fake.calls.at(-1)).toEqual({ method: 'updatePlan', args: [1, changes] });
  expect(u.json.retentionDays).toBe(30);

  expect((await call('POST', '/plans/1/disable')).json.enabled).toBe(false);
  expect(fake.calls.at(-1)).toEqual({ method: 'setPlanEnabled', args: [1, false] });
  expect((await call('POST', '/plans/1/enable')).json.enabled).toBe(true);
  expect(fake.calls.at(-1)).toEqual({ method: 'setPlanEnabled', args: [1, true] });

  const copy = await call('POST', '/plans/1/copy', { body: { name: 'weekly-web', vms: ['web01'] } });
  expect(copy.status).toBe(201);
  expect(copy.json).toMatchObject({ id: 2, name: 'weekly-web', vms: ['web01'], derivedFrom: 1, retentionDays: 30 });
  expect(fake.calls.at(-1)).toEqual({ method: 'createPlanFrom', args: [1, { name: 'weekly-web', vms: ['web01'] }] });

  const d = await call('DELETE', '/plans/1');
  expect(d.status).toBe(204);
  expect(d.text).toBe('');
  const gone = await call('GET', '/plans/1');
  expect(gone.status).toBe(404);
  expect(gone.json).toEqual({ error: 'There is no plan 1.', code: 'NOT_FOUND', field: null, details: {} });
});

test('runs and backups: immediate backup (202), progress, filters, cancel', async () => {
  fake.createPlan(PLAN);
  const b = await call('POST', '/backups', { body: { vm: 'web01' } });
  expect(b.status).toBe(202);
  expect(b.json).toMatchObject({ id: 1, kind: 'immediate', state: 'archiving', progress: { chunksDone: 0, chunksTotal: 8, percent: 0, vmsDone: 0, vmsTotal: 1 } });
  fake.tick();
  expect((await call('GET', '/runs/1')).json.progress).toEqual({ chunksDone: 2, chunksTotal: 8, percent: 25, vmsDone: 0, vmsTotal: 1 });

  expect((await call('GET', '/runs?active=true')).json).toHaveLength(1);
  expect(fake.calls.at(-1)).toEqual({ method: 'listRuns', args: [{ active: true }] });
  expect((await call('GET', '/runs?planId=1&active=false')).json).toEqual([]);
  expect(fake.calls.at(-1)).toEqual({ method: 'listRuns', args: [{ planId: 1, active: false }] });
  await call('GET', '/runs');
  expect(fake.calls.at(-1)).toEqual({ method: 'listRuns', args: [{}] });

  const c = await call('POST', '/runs/1/cancel');
  expect(c.status).toBe(200);
  expect(c.json.state).toBe('cancelled');
  const again = await call('POST', '/runs/1/cancel');
  expect(again.status).toBe(409);
  expect(again.json).toEqual({ error: 'Run 1 has ended (cancelled): it cannot be cancelled.', code: 'CONFLICT', field: null, details: {} });
});

test('images, verify, restore, history (7 days or all) and the CSV report', async () => {
  fake.backupNow('web01');
  for (let i = 0; i < 4; i++) fake.tick();
  fake.backupNow('db01');
  for (let i = 0; i < 4; i++) fake.tick();
  expect((await call('GET', '/images')).json.map((i: { id: string }) => i.id)).toEqual(['img-1', 'img-2']);
  expect((await call('GET', '/images?vm=db01')).json.map((i: { id: string }) => i.id)).toEqual(['img-2']);
  expect(fake.calls.at(-1)).toEqual({ method: 'listImages', args: [{ vmName: 'db01' }] });

  expect((await call('POST', '/images/img-1/verify')).json).toEqual({ imageId: 'img-1', ok: true, problems: [] });
  fake.images.get('img-2')!.local = 'damaged';
  const bad = await call('POST', '/images/img-2/verify');
  expect(bad.status).toBe(200);
  expect(bad.json.ok).toBe(false);

  const r = await call('POST', '/images/img-1/restore');
  expect(r.status).toBe(200);
  expect(r.json).toEqual({ jobId: 'restore-1', vmName: 'web01', disks: [{ name: 'web01.vmdk', chunks: 8 }], source: 'local' });
  expect(fake.calls.at(-1)).toEqual({ method: 'restore', args: [{ imageId: 'img-1' }] });

  const h = await call('GET', '/history');
  expect(fake.calls.at(-1)).toEqual({ method: 'history', args: [{ days: 7 }] });
  expect(h.json.map((j: { jobId: string }) => j.jobId)).toEqual(expect.arrayContaining(['run-1', 'run-2', 'restore-1']));
  await call('GET', '/history?view=all');
  expect(fake.calls.at(-1)).toEqual({ method: 'history', args: [{ days: 'all' }] });

  const csv = await call('GET', '/report.csv');
  expect(csv.status).toBe(200);
  expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
  expect(csv.headers.get('content-disposition')).toBe('attachment; filename="image-backup-report.csv"');
  expect(csv.text.split('\n')[0]).toBe('vm,plan,start,end,status,bytesRead,bytesStored');
  expect(csv.text).toContain('web01,,');

  expect((await call('DELETE', '/images/img-2')).status).toBe(204);
  expect((await call('GET', '/images/img-2')).status).toBe(404);
});

// ------------------------------------------------------------------ validation

test('bodies: 400 naming the field for a missing field, a wrong type, a wrong nested value and an unknown field; nothing reaches the service', async () => {
  const cases: [unknown, string, string][] = [
    [{ ...PLAN, name: undefined }, 'name', 'name: is missing.'],
    [{ ...PLAN, vms: 'web01' }, 'vms', 'vms: must be a list.'],
    [{ ...PLAN, vms: [] }, 'vms', 'vms: must name at least 1.'],
    [{ ...PLAN, schedule: { ...PLAN.schedule, slotHour: 24 } }, 'schedule.slotHour', 'schedule.slotHour: must be at most 23.'],
    [{ ...PLAN, schedule: { ...PLAN.schedule, slotHour: '2' } }, 'schedule.slotHour', 'schedule.slotHour: must be an integer.'],
    [{ ...PLAN, schedule: { ...PLAN.schedule, type: 'hourly' } }, 'schedule.type', 'schedule.type: must be one of once, daily, weekly, monthly.'],
    [{ ...PLAN, schedule: { ...PLAN.schedule, startDate: '6.1.2026' } }, 'schedule.startDate', 'schedule.startDate: must be a local date YYYY-MM-DD (for once: the day it runs).'],
    [{ ...PLAN, schedule: { ...PLAN.schedule, ordinal: 6 } }, 'schedule.ordinal', 'schedule.ordinal: must be one of 1, 2, 3, 4, 5, last.'],
    [{ ...PLAN, retention: 7 }, 'retention', 'retention: unknown field.'],
    [{ ...PLAN, schedule: { ...PLAN.schedule, every: 2 } }, 'schedule.every', 'schedule.every: unknown field.'],
    [{ ...PLAN, enabled: 'yes' }, 'enabled', 'enabled: must be true or false.'],
    [[PLAN], 'body', 'body: must be an object.'],
    ['plan', 'body', 'body: must be an object.'],
  ];
  for (const [body, field, error] of cases) {
    const r = await call('POST', '/plans', { body });
    expect([field, r.status, r.json.code, r.json.field, r.json.error]).toEqual([field, 400, 'INVALID', field, error]);
    expect(r.json.details.problems).toContain(error);
  }
  // Several problems at once: the first names the field, all are listed.
  const many = await call('POST', '/plans', { body: { name: '', vms: [1], schedule: {}, timeZone: 'UTC', retentionDays: 0 } });
  expect(many.status).toBe(400);
  expect(many.json.details.problems).toEqual(expect.arrayContaining(['name: must not be empty.', 'vms[0]: must be a string.', 'schedule.type: is missing.', 'retentionDays: must be at least 1.']));
  // An unknown field with a hostile name is named, escaped and capped.
  const odd = await call('POST', '/backups', { body: { vm: 'web01', ['\n'.repeat(3) + 'x'.repeat(500)]: 1 } });
  expect(odd.json.field).toBe(`${'\\n'.repeat(3)}${'x'.repeat(58)}...`);
  expect(odd.json.error).not.toContain('\n');

  expect((await call('PATCH', '/plans/1', { body: {} })).json).toMatchObject({ field: 'body', error: 'body: must name at least one field to change.' });
  expect((await call('POST', '/plans/1/copy', { body: { vms: ['web01'] } })).json).toMatchObject({ field: 'name', error: 'name: is missing.' });
  expect((await call('POST', '/backups', {})).json).toMatchObject({ field: 'body', error: 'body: is missing: this request needs a JSON body.' });
  expect((await call('POST', '/backups', { body: { vm: 5 } })).json).toMatchObject({ field: 'vm', error: 'vm: must be a string.' });
  // An action takes no fields.
  expect((await call('POST', '/runs/1/cancel', { body: { force: true } })).json).toMatchObject({ field: 'force', error: 'force: unknown field.' });
  expect(fake.calls).toEqual([]);
});

test('path and query: ids and filters are validated (400 naming them), unknown query parameters refused', async () => {
  const cases: [string, string, string][] = [
    ['/plans/abc', 'id', 'id: must be an integer.'],
    ['/plans/0', 'id', 'id: must be at least 1.'],
    ['/plans/1.5', 'id', 'id: must be an integer.'],
    ['/plans/99999999999999999999', 'id', 'id: must be an integer.'],
    ['/runs/-1', 'id', 'id: must be at least 1.'],
    ['/images/..%2Fetc', 'id', 'id: must be an image id (letters, digits, . _ -).'],
    ['/images/.hidden', 'id', 'id: must be an image id (letters, digits, . _ -).'],
    [`/images/${'a'.repeat(200)}`, 'id', 'id: must have at most 80 characters.'],
    ['/runs?planId=x', 'planId', 'planId: must be an integer.'],
    ['/runs?active=yes', 'active', 'active: must be true or false.'],
    ['/runs?active=true&active=false', 'active', 'active: must be true or false.'],
    ['/history?view=30days', 'view', 'view: must be one of 7days, all.'],
    ['/images?vm=', 'vm', 'vm: must not be empty.'],
    ['/plans?sort=name', 'sort', 'sort: unknown query parameter.'],
    ['/runs?__proto__=1', '__proto__', '__proto__: unknown query parameter.'],
    ['/runs?constructor=1&planId=1', 'constructor', 'constructor: unknown query parameter.'],
  ];
  for (const [path, field, error] of cases) {
    const r = await call('GET', path);
    expect([path, r.status, r.json?.field, r.json?.error]).toEqual([path, 400, field, error]);
  }
  expect(fake.calls).toEqual([]);
  const malformed = await call('GET', '/plans/%E0%A4%A');
  expect(malformed.status).toBe(400);
});

test('bodies: JSON only (415), at most 64 KiB (413), parseable (400), at most 16 levels deep (400)', async () => {
  const t = await call('POST', '/backups', { raw: 'vm=web01', type: 'application/x-www-form-urlencoded' });
  expect([t.status, t.json.code, t.json.field]).toEqual([415, 'UNSUPPORTED_MEDIA_TYPE', 'body']);
  expect((await call('POST', '/backups', { raw: '{"vm":"web01"}', type: 'text/plain' })).status).toBe(415);
  expect((await call('POST', '/backups', { raw: '{"vm":"web01"}', type: 'application/json; charset=latin1' })).status).toBe(415);
  expect((await call('POST', '/backups', { raw: '{"vm":"web01"}', type: 'application/json; charset=UTF-8' })).status).toBe(202);

  const big = await call('POST', '/plans', { raw: JSON.stringify({ ...PLAN, name: 'x'.repeat(70 * 1024) }) });
  expect([big.status, big.json.code]).toEqual([413, 'TOO_LARGE']);
  expect(big.json.error).toBe(`body: The request body (${JSON.stringify({ ...PLAN, name: 'x'.repeat(70 * 1024) }).length} bytes) is larger than 65536 bytes.`);

  const broken = await call('POST', '/plans', { raw: '{"name": "a",' });
  expect([broken.status, broken.json.error, broken.json.field]).toEqual([400, 'body: is not valid JSON.', 'body']);

  const deep = await call('POST', '/plans', { raw: `${'['.repeat(20_000)}${']'.repeat(20_000)}` });
  expect([deep.status, deep.json.error]).toEqual([400, 'body: is nested deeper than 16 levels.']);
  const deepObject = await call('POST', '/plans', { raw: `${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}` });
  expect(deepObject.status).toBe(400);

  const proto = await call('POST', '/backups', { raw: '{"vm":"web01","__proto__":{"admin":true}}' });
  expect([proto.status, proto.json.field]).toEqual([400, '__proto__']);
  expect(fake.calls.map((c) => c.method)).toEqual(['backupNow']);
});

// ------------------------------------------------------------------ refusals of the service

test('the service\'s refusals: its message and field, INVALID 400, NOT_FOUND 404, CONFLICT 409, slot LIMIT 409 with suggestions, 24-hour LIMIT 429 with Retry-After, FAILED 422', async () => {
  const minute = await call('POST', '/plans', { body: { ...PLAN, schedule: { ...PLAN.schedule, startMinute: 57 } } });
  expect(minute.status).toBe(400);
  expect(minute.json).toEqual({
    error: 'A start in the last 5 minutes of a slot (minute 55 to 59) is refused: the backup could not start inside its slot. Choose minute 0 to 54.',
    code: 'INVALID', field: 'schedule.startMinute', details: {},
  });

  const full = await call('POST', '/plans', { body: { ...PLAN, schedule: { ...PLAN.schedule, slotHour: 3 } } });
  expect(full.status).toBe(409);
  expect(full.json).toMatchObject({ code: 'LIMIT', field: 'schedule.slotHour', details: { nearestSlotHour: 4, nearestDate: '2026-01-07' } });
  expect(full.json.error).toMatch(/^The slot 3:00-4:00 is full/);
  expect(full.headers.get('retry-after')).toBeNull();

  expect((await call('POST', '/plans', { body: { ...PLAN, vms: ['nope'] } })).json).toMatchObject({ code: 'NOT_FOUND', field: 'vms' });
  await call('POST', '/plans', { body: PLAN });
  expect((await call('POST', '/plans', { body: PLAN })).status).toBe(409);

  for (let i = 0; i < 5; i++) {
    expect((await call('POST', '/backups', { body: { vm: 'web02' } })).status).toBe(202);
    for (let k = 0; k < 4; k++) fake.tick();
  }
  const sixth = await call('POST', '/backups', { body: { vm: 'web02' } });
  expect(sixth.status).toBe(429);
  // The service names the field vmName; the API's body calls it vm.
  expect(sixth.json).toEqual({
    error: 'VM web02 had 5 backups in the last 24 hours: the next is allowed at 2026-01-06T10:00:00.000Z.', code: 'LIMIT', field: 'vm',
    details: { vmName: 'web02', nextAllowedAt: '2026-01-06T10:00:00.000Z', nextAllowedAtMs: Date.UTC(2026, 0, 6, 10, 0, 0) },
  });
  expect(sixth.headers.get('retry-after')).toBe('Tue, 06 Jan 2026 10:00:00 GMT');

  fake.images.get('img-1')!.local = 'missing';
  const failed = await call('POST', '/images/img-1/restore');
  expect(failed.status).toBe(422);
  expect(failed.json).toEqual({ error: 'Image img-1 is missing locally and in the second store.', code: 'FAILED', field: null, details: {} });
});

test('an unexpected error is a 500 with no detail for the client and the stack in the log; 404 and 405 for unknown routes and methods', async () => {
  fake.failNext = new TypeError('secret internals at /opt/x.js');
  const r = await call('GET', '/plans');
  expect(r.status).toBe(500);
  expect(r.json).toEqual({ error: 'internal error; the provider log has the details.', code: 'INTERNAL', field: null, details: {} });
  expect(r.text).not.toContain('secret');
  expect(logLines.some((l) => l.level === 'error' && l.message.includes('TypeError: secret internals'))).toBe(true);

  const unknown = await call('GET', '/plans/1/owner');
  expect(unknown.status).toBe(404);
  expect(unknown.json).toEqual({ error: 'There is no API route "/plans/1/owner"; see openapi.json.', code: 'NOT_FOUND', field: null, details: {} });
  const put = await call('PUT', '/plans/1', { body: PLAN });
  expect(put.status).toBe(405);
  expect(put.headers.get('allow')).toBe('GET, PATCH, DELETE, HEAD');
  expect(put.json.code).toBe('METHOD_NOT_ALLOWED');
  expect((await call('DELETE', '/report.csv')).headers.get('allow')).toBe('GET, HEAD');

  // Answers are never cached; every call is logged once, without the Authorization header.
  expect(r.headers.get('cache-control')).toBe('no-store');
  expect(logLines.some((l) => l.message.startsWith('admin API: PUT /api/v1/plans/1 -> 405'))).toBe(true);
  expect(logLines.map((l) => l.message).join('\n')).not.toContain(AUTH.slice(6));
});

test('without the account nothing is answered and the service is not asked', async () => {
  const none = await call('GET', '/plans', { auth: null });
  expect(none.status).toBe(401);
  expect(none.headers.get('www-authenticate')).toBe('Basic realm="vvol-provider", charset="UTF-8"');
  expect(none.json).toEqual({ error: 'The admin API needs the provider account (HTTP Basic authentication).', code: 'UNAUTHORIZED', field: null, details: {} });
  const wrong = await call('POST', '/plans', { body: PLAN, auth: `Basic ${Buffer.from('admin:nope').toString('base64')}` });
  expect(wrong.status).toBe(401);
  expect(wrong.json.error).toBe('The user name or password of the provider account is wrong.');
  expect((await call('GET', '/openapi.json', { auth: null })).status).toBe(401);
  expect((await call('GET', '/no/such/route', { auth: null })).status).toBe(401);
  expect(fake.calls).toEqual([]);
});
