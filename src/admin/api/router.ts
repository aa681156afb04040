/**
 * The admin REST API as an express router, mounted by the daemon at /api/v1 on the
 * provider's HTTPS server. Every request runs one pipeline, in this order:
 *
 *   call log -> provider account (401) -> route (404, 405) -> path and query checks (400)
 *   -> JSON body: type (415), size (413), deadline (408), JSON, depth, schema (400)
 *   -> the service (ImageBackupApi) -> answer, or the one refusal mapping (errors.ts)
 *
 * Answers are JSON (the CSV report aside) and never cached. The routes, their
 * schemas and the OpenAPI document come from one declaration list (routes.ts).
 */
import express from 'express';
import type { Clock } from '../../array/clock';
import type { Logger } from '../../log/logger';
import { type ImageBackupApi, SchedulerError } from '../../scheduler/contract';
import { requireAccount, type SessionCheck, type VerifyAccount } from './auth';
import { type BodyLimits, DEFAULT_BODY_LIMITS, readJsonBody } from './body';
import { ApiError, refusal } from './errors';
import type { ApiContext, ApiRoute, Reply } from './route';
import type { RvBackupFace } from './rv-backup-face';
import { ROUTES } from './routes';
import { RequestChecks } from './validation';

export interface AdminApiDeps {
  /** The image-backup service (asked for per request: the assembly may build it after the router). */
  scheduler: () => ImageBackupApi;
  /** The RV backup operations' engine and options (asked for per request); without it the /vms, /unmanaged-vvols and /pools routes fail. */
  backup?: () => RvBackupFace;
  /** The management screens' sessions: a live session cookie (with its CSRF token on changes) stands for the account. */
  session?: SessionCheck;
  /** Resolves when user and password are the provider account's; rejects otherwise (the VASA face's throttled login). */
  verify: VerifyAccount;
  log?: Logger;
  /** Body caps (default: 64 KiB, 20 s, 16 levels). */
  limits?: Partial<BodyLimits>;
  /** The provider's clock: every answer says its time in `X-Provider-Time` (ms), what the screens show as "Last updated". */
  clock?: Clock;
}

/** The header with the provider's clock time (ms since the epoch) at the answer. */
export const PROVIDER_TIME_HEADER = 'X-Provider-Time';

/** `/plans/{id}` as express writes it (`/plans/:id`). */
export const expressPath = (p: string): string => p.replace(/\{([A-Za-z0-9_]+)\}/g, ':$1');

/** A matcher of the route's path with any parameter values (for 405 answers). */
const pathPattern = (p: string): RegExp => new RegExp(`^${p.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{[A-Za-z0-9_]+\\?\}/g, '[^/]+')}/?$`);

/** A client's text in a message: JSON-escaped and capped. */
const shown = (s: string) => JSON.stringify(s.length > 200 ? `${s.slice(0, 200)}...` : s);

function send(res: express.Response, reply: Reply): void {
  for (const [k, v] of Object.entries(reply.headers ?? {})) res.setHeader(k, v);
  res.status(reply.status);
  if (reply.status === 204) res.end();
  else if (reply.text !== undefined) res.type(reply.type ?? 'text/plain; charset=utf-8').send(reply.text);
  else res.json(reply.json);
}

function serve(r: ApiRoute, deps: AdminApiDeps, checks: RequestChecks, limits: BodyLimits): express.RequestHandler {
  return async (req, res, next) => {
    try {
      const params = checks.parameters(r.params ?? {}, { ...req.params }, 'path');
      const query = checks.parameters(r.query ?? {}, { ...(req.query as Record<string, unknown>) }, 'query');
      const raw = await readJsonBody(req, limits);
      let body: unknown;
      if (r.body) {
        if (raw === undefined) throw new SchedulerError('INVALID', 'body: is missing: this request needs a JSON body.', 'body');
        body = checks.body(r.body, raw);
      } else if (raw !== undefined) checks.body('NoBody', raw);
      let api: ImageBackupApi | undefined;
      const ctx: ApiContext = {
        get api() { return (api ??= deps.scheduler()); },
        get backup() {
          if (!deps.backup) throw new Error('the admin API was built without the RV backup operations (AdminApiDeps.backup)');
          return deps.backup();
        },
        params, query, body, base: req.baseUrl,
      };
      const reply = await r.handle(ctx);
      if (deps.clock) res.setHeader(PROVIDER_TIME_HEADER, String(deps.clock.now()));
      send(res, reply);
    } catch (e) {
      next(renamed(e, r.fields));
    }
  };
}

/** A service refusal with its field spelled as this route's request spells it. */
function renamed(e: unknown, fields: ApiRoute['fields']): unknown {
  // Own names only: a client's field "__proto__" must not find Object.prototype.
  if (!(e instanceof SchedulerError) || e.field === undefined || !fields || !Object.hasOwn(fields, e.field)) return e;
  return new SchedulerError(e.code, e.message, fields[e.field], e.details);
}

/** No route matched: 405 (with Allow) when the path exists with other methods, else 404. */
function unmatched(routes: readonly ApiRoute[]): express.RequestHandler {
  const patterns = routes.map((r) => ({ method: r.method.toUpperCase(), re: pathPattern(r.path) }));
  return (req, _res, next) => {
    const allowed = [...new Set(patterns.filter((p) => p.re.test(req.path)).map((p) => p.method))];
    if (allowed.includes('GET')) allowed.push('HEAD');
    if (allowed.length) next(new ApiError(405, 'METHOD_NOT_ALLOWED', `${shown(req.method)} is not allowed here; use ${allowed.join(', ')}.`, null, { Allow: allowed.join(', ') }));
    else next(new ApiError(404, 'NOT_FOUND', `There is no API route ${shown(req.path)}; see openapi.json.`));
  };
}

/** Errors express itself raises (a malformed %-escape in the path ...) carry a 4xx status: they are the client's. */
function asClientError(e: unknown): unknown {
  const status = (e as { status?: unknown; statusCode?: unknown } | null)?.status ?? (e as { statusCode?: unknown } | null)?.statusCode;
  if (e instanceof ApiError || e instanceof SchedulerError || typeof status !== 'number' || status < 400 || status > 499) return e;
  return new ApiError(400, 'INVALID', 'The request could not be read (a malformed path or header).');
}

/** The last stop of every refusal; it cannot throw (a failure here ends the response as it is). */
function errorHandler(log?: Logger): express.ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    try {
      const r = refusal(asClientError(err));
      if (r.internal) log?.error(`admin API: ${req.method} ${req.originalUrl.slice(0, 200)} failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
      if (res.headersSent) {
        res.destroy();
        return;
      }
      for (const [k, v] of Object.entries(r.headers)) res.setHeader(k, v);
      res.status(r.status).json(r.body);
    } catch {
      if (!res.headersSent) res.status(500);
      res.end();
    }
  };
}

/** One line per call on its end: 5xx at error (with the stack, above), refusals and changes at info, reads at debug. */
function callLog(log?: Logger): express.RequestHandler {
  return (req, res, next) => {
    if (!log) return next();
    const started = process.hrtime.bigint();
    res.once('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const line = `admin API: ${req.method} ${req.originalUrl.slice(0, 200)} -> ${res.statusCode} (${ms.toFixed(1)} ms)`;
      if (res.statusCode >= 500) log.error(line);
      else if (res.statusCode >= 400 || req.method !== 'GET') log.info(line);
      else log.debug(line);
    });
    next();
  };
}

export function adminApi(deps: AdminApiDeps): express.Router {
  const router = express.Router({ caseSensitive: true });
  const checks = new RequestChecks();
  const limits: BodyLimits = { ...DEFAULT_BODY_LIMITS, ...deps.limits };
  router.use(callLog(deps.log));
  router.use((_req, res, next) => {
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    next();
  });
  router.use(requireAccount(deps.verify, deps.log, deps.session));
  for (const r of ROUTES) router[r.method](expressPath(r.path), serve(r, deps, checks, limits));
  router.use(unmatched(ROUTES));
  router.use(errorHandler(deps.log));
  return router;
}
