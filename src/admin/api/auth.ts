/**
 * Every admin API call carries the provider account (HTTP Basic), checked by the VASA
 * face's throttled login (LoginGuard: hashing off the event loop, lockout after failed
 * attempts per address). No route, the OpenAPI document included, answers without it:
 * 401 with `WWW-Authenticate: Basic`, and a wrong user reads like a wrong password.
 * The check runs before any byte of the body is read.
 *
 * The management screens (src/web/) call the same routes with their session instead:
 * without an Authorization header, a live session cookie (SessionCheck, given by the
 * daemon's wiring) stands for the account, and every change (any method but GET/HEAD)
 * must carry the session's CSRF token in X-CSRF-Token, or it is refused with 403
 * before anything is read or done.
 */
import { timingSafeEqual } from 'node:crypto';
import type express from 'express';
import type { Logger } from '../../log/logger';
import { VasaFault } from '../../vasa/faults';
import { plainAddress } from '../../vasa/http/connections';
import { basicCredentials } from '../../vasa/http/health-route';
import { ApiError } from './errors';

export type VerifyAccount = (remote: string, user: string, password: string) => Promise<void>;

export const CHALLENGE = { 'WWW-Authenticate': 'Basic realm="vvol-provider", charset="UTF-8"' };

/**
 * The live session a request's cookie names (its idle time renewed); null when the request
 * names a session that is over (expired, logged out); undefined when it names none.
 */
export type SessionCheck = (req: express.Request) => { csrf: string } | null | undefined;
const SESSION_OVER = 'The management-screen session has ended (idle too long, or logged out): log in again.';

export const CSRF_HEADER = 'X-CSRF-Token';
const SAFE_METHODS = new Set(['GET', 'HEAD']);
const BAD_CSRF = 'This change needs the session\'s CSRF token (X-CSRF-Token): reload the management screen.';

/** Whether the request carries the session's CSRF token (compared in constant time). */
export function csrfMatches(req: express.Request, token: string): boolean {
  const given = Buffer.from(req.get(CSRF_HEADER) ?? '', 'utf8');
  const want = Buffer.from(token, 'utf8');
  return given.length === want.length && timingSafeEqual(given, want);
}

const MISSING = 'The admin API needs the provider account (HTTP Basic authentication).';
const WRONG = 'The user name or password of the provider account is wrong.';

/** What the caller reads when the account check rejects: the login guard's faults are meant for it (wrong, locked out, busy); anything else is ours, logged. */
export function accountRefusal(e: unknown, face: string, log?: Logger): string {
  if (e instanceof VasaFault) return e.message;
  log?.error(`${face}: the account check failed: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
  return WRONG;
}

export function requireAccount(verify: VerifyAccount, log?: Logger, session?: SessionCheck): express.RequestHandler {
  return (req, _res, next) => {
    const refuse = (message: string) => next(new ApiError(401, 'UNAUTHORIZED', message, null, CHALLENGE));
    const live = req.get('Authorization') === undefined ? session?.(req) : undefined;
    // No Basic challenge for a page whose session ended: a browser would pop up its own login box.
    if (live === null) return next(new ApiError(401, 'UNAUTHORIZED', SESSION_OVER));
    if (live) {
      if (SAFE_METHODS.has(req.method) || csrfMatches(req, live.csrf)) return next();
      return next(new ApiError(403, 'FORBIDDEN', BAD_CSRF, CSRF_HEADER, { Connection: 'close' }));
    }
    const credentials = basicCredentials(req.get('Authorization'));
    if (!credentials) return refuse(MISSING);
    const remote = plainAddress(req.socket.remoteAddress) ?? '';
    verify(remote, credentials.user, credentials.password).then(
      () => next(),
      (e: unknown) => refuse(accountRefusal(e, 'admin API', log)),
    );
  };
}
