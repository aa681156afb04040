/**
 * Every admin API call carries the provider account (HTTP Basic), checked by the VASA
 * face's throttled login (LoginGuard: hashing off the event loop, lockout after failed
 * attempts per address). No route, the OpenAPI document included, answers without it:
 * 401 with `WWW-Authenticate: Basic`, and a wrong user reads like a wrong password.
 * The check runs before any byte of the body is read.
 */
import type express from 'express';
import type { Logger } from '../../log/logger';
import { VasaFault } from '../../vasa/faults';
import { plainAddress } from '../../vasa/http/connections';
import { basicCredentials } from '../../vasa/http/health-route';
import { ApiError } from './errors';

export type VerifyAccount = (remote: string, user: string, password: string) => Promise<void>;

export const CHALLENGE = { 'WWW-Authenticate': 'Basic realm="vvol-provider", charset="UTF-8"' };

const MISSING = 'The admin API needs the provider account (HTTP Basic authentication).';
const WRONG = 'The user name or password of the provider account is wrong.';

export function requireAccount(verify: VerifyAccount, log?: Logger): express.RequestHandler {
  return (req, _res, next) => {
    const refuse = (message: string) => next(new ApiError(401, 'UNAUTHORIZED', message, null, CHALLENGE));
    const credentials = basicCredentials(req.get('Authorization'));
    if (!credentials) return refuse(MISSING);
    const remote = plainAddress(req.socket.remoteAddress) ?? '';
    verify(remote, credentials.user, credentials.password).then(
      () => next(),
      (e: unknown) => {
        // The login guard's faults are meant for the caller (lockout, busy); anything else is ours.
        if (!(e instanceof VasaFault)) log?.error(`admin API: the account check failed: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
        refuse(e instanceof VasaFault ? e.message : WRONG);
      },
    );
  };
}
