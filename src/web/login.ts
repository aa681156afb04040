/**
 * Login, logout and the session's facts for the management screens. The login checks
 * the provider account with the same throttled login guard as the admin API and the
 * VASA face (lockout after failed attempts per address); it takes a small JSON body
 * only (a cross-site form cannot send one without a CORS preflight, which this server
 * never grants), and a foreign Origin is refused. Each login makes a new session id.
 */
import type express from 'express';
import type { Logger } from '../log/logger';
import { accountRefusal, csrfMatches, type VerifyAccount } from '../admin/api/auth';
import { type BodyLimits, readJsonBody } from '../admin/api/body';
import { ApiError } from '../admin/api/errors';
import { setCookie } from './cookies';
import { SESSION_COOKIE, type SessionStore } from './sessions';

export const LOGIN_LIMITS: BodyLimits = { maxBytes: 4096, timeoutMs: 10_000, maxDepth: 2 };
const MAX_FIELD = 256;

export interface LoginDeps {
  verify: VerifyAccount;
  sessions: SessionStore;
  log?: Logger;
  limits?: Partial<BodyLimits>;
}

/** The peer's address as the login guard counts it. */
function remoteOf(req: express.Request): string {
  const a = req.socket.remoteAddress ?? '';
  return a.startsWith('::ffff:') ? a.slice(7) : a;
}

/** A request from another site's page carries its Origin: refused. */
export function checkOrigin(req: express.Request): void {
  const origin = req.get('Origin');
  if (origin !== undefined && origin !== `https://${req.get('Host') ?? ''}`) {
    throw new ApiError(403, 'FORBIDDEN', 'This request comes from another site and is refused.', 'Origin');
  }
}

function field(body: Record<string, unknown>, name: 'user' | 'password'): string {
  const v = body[name];
  if (typeof v !== 'string' || v === '') throw new ApiError(400, 'INVALID', `${name}: is missing.`, name);
  if (v.length > MAX_FIELD) throw new ApiError(400, 'INVALID', `${name}: must have at most ${MAX_FIELD} characters.`, name);
  return v;
}

export function loginHandler(deps: LoginDeps): express.RequestHandler {
  const limits: BodyLimits = { ...LOGIN_LIMITS, ...deps.limits };
  return async (req, res, next) => {
    try {
      checkOrigin(req);
      const body = await readJsonBody(req, limits);
      if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new ApiError(400, 'INVALID', 'body: must be an object with user and password.', 'body');
      const b = body as Record<string, unknown>;
      const unknown = Object.keys(b).find((k) => k !== 'user' && k !== 'password');
      if (unknown !== undefined) throw new ApiError(400, 'INVALID', `${JSON.stringify(unknown.slice(0, 64))}: unknown field.`, 'body');
      const user = field(b, 'user');
      const password = field(b, 'password');
      try {
        await deps.verify(remoteOf(req), user, password);
      } catch (e) {
        throw new ApiError(401, 'UNAUTHORIZED', accountRefusal(e, 'management screens', deps.log));
      }
      const s = deps.sessions.create(user);
      deps.log?.info(`management screens: ${JSON.stringify(user)} logged in from ${remoteOf(req)}`);
      res.setHeader('Set-Cookie', setCookie(SESSION_COOKIE, s.id));
      res.status(200).json({ user: s.user, csrf: s.csrf, idleMs: deps.sessions.idleMs });
    } catch (e) {
      next(e);
    }
  };
}

/** Ends the session (a change like any other: it needs the CSRF token). */
export function logoutHandler(deps: LoginDeps): express.RequestHandler {
  return (req, res, next) => {
    const s = deps.sessions.fromRequest(req);
    if (!s) return next(new ApiError(401, 'UNAUTHORIZED', 'Not logged in.'));
    if (!csrfMatches(req, s.csrf)) return next(new ApiError(403, 'FORBIDDEN', 'This change needs the session\'s CSRF token (X-CSRF-Token): reload the management screen.', 'X-CSRF-Token'));
    deps.sessions.end(s.id);
    res.setHeader('Set-Cookie', setCookie(SESSION_COOKIE, '', { maxAge: 0 }));
    res.status(204).end();
  };
}

/** The session's user and CSRF token, for the page's script. */
export function sessionHandler(deps: LoginDeps): express.RequestHandler {
  return (req, res, next) => {
    const s = deps.sessions.fromRequest(req);
    if (!s) return next(new ApiError(401, 'UNAUTHORIZED', 'Not logged in.'));
    res.status(200).json({ user: s.user, csrf: s.csrf, idleMs: deps.sessions.idleMs });
  };
}
