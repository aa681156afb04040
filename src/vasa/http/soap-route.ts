/**
 * The SOAP endpoint's route (POST /vasa/services/vasaService): who is calling and what
 * for, before the body is read; the body under the caller's caps; an admission slot;
 * one event-loop turn; the dispatcher.
 *
 * On Node's own request and response (no web framework): the server hands this path its
 * POSTs directly (server.ts), so a VASA call pays for no router, no body-parser probes,
 * no ETag hash of the answer (express hashed every body it sent). The express route with
 * the same handler stays for the same path with a query string.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../../log/logger';
import { Admission, Busy } from '../admission';
import { Dispatcher, OpEntry, reachableWithoutSession, SESSION_COOKIE } from '../dispatch';
import type { Face } from '../face';
import { actionFrom } from '../soap/envelope';
import { BodyError, readBody } from './body';
import { plainAddress } from './connections';
import type { FaceLimits } from './limits';
import { clientCertOf } from './tls';
import type { Turns } from './turns';

export interface SoapRouteDeps {
  face: Face;
  dispatcher: Dispatcher;
  table: Record<string, OpEntry>;
  admission: Admission;
  /** The small pool of callers without a session or a trusted certificate. */
  strangers: Admission;
  limits: FaceLimits;
  turns: Turns;
  log: Logger;
}

export function cookieSession(header: string | undefined): string | undefined {
  const m = new RegExp(`(?:^|;\\s*)${SESSION_COOKIE}=([^;]+)`).exec(header ?? '');
  return m?.[1];
}

/** The handler of the SOAP endpoint, for Node's server directly or as an express route. */
export type SoapHandler = (req: IncomingMessage, res: ServerResponse) => void;

export function soapRoute(d: SoapRouteDeps): SoapHandler {
  const { face, dispatcher, table, admission, strangers, limits, turns, log } = d;
  const faceOpts = face.opts;
  /**
   * A SOAP call, in the order that keeps strangers from costing anything: who is
   * calling (the session cookie must name a live session made on the certificate this
   * connection presents) and what for (the action header), before the body is read;
   * the body under the caller's size cap and deadline; only then an admission slot,
   * from the main pool for sessions and from a small pool of its own for everyone
   * else; then one event-loop turn to parse and run. A call over a bound is answered
   * VasaProviderBusy at once (the wire reference: storms must get busy, fast).
   */
  const soapCall = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const sock = req.socket as import('node:tls').TLSSocket;
    const peer = clientCertOf(sock);
    const remoteAddress = plainAddress(sock.remoteAddress);
    const sid = cookieSession(req.headers.cookie);
    const contentTypeHeader = req.headers['content-type'];
    const soapAction = header(req, 'soapaction');
    const known = face.sessions.peek(sid);
    const s = known && known.certFingerprint === peer.fingerprint ? known : undefined;
    const send = (r: { status: number; contentType: string; body: string; sessionId?: string }, close = false) => {
      if (close) res.setHeader('Connection', 'close');
      if (r.sessionId) res.setHeader('Set-Cookie', `${SESSION_COOKIE}=${r.sessionId}; Path=/; Secure; HttpOnly`);
      answer(res, r.status, r.contentType, r.body);
    };
    if (!s) {
      const action = actionFrom(soapAction, contentTypeHeader);
      const entry = action ? table[action] : undefined;
      if (action && (!entry || !reachableWithoutSession(entry.auth))) {
        // Refused before a byte of the body is read; the connection closes (its body is unread).
        return send(dispatcher.refuse(contentTypeHeader, soapAction, 'InvalidSession', 'The session is missing, unknown or expired: call setContext first.', remoteAddress), true);
      }
    } else if (s.inFlight >= faceOpts.maxConcurrentRequestsPerSession) {
      admission.rejected++;
      return send(dispatcher.refuse(contentTypeHeader, soapAction, 'VasaProviderBusy', `This session already has ${s.inFlight} calls in progress (at most ${faceOpts.maxConcurrentRequestsPerSession}); retry shortly.`, remoteAddress, sid), true);
    }
    if (s) s.inFlight++;
    let release: (() => void) | undefined;
    try {
      let body: string;
      try {
        body = await readBody(req, { maxBytes: s ? limits.sessionBodyBytes : limits.anonymousBodyBytes, timeoutMs: limits.bodyTimeoutMs });
      } catch (e) {
        if (!(e instanceof BodyError)) throw e;
        log.info(`vasa refused a request body from ${remoteAddress ?? '?'}: ${e.message}`);
        res.setHeader('Connection', 'close');
        answer(res, e.status, 'text/plain; charset=utf-8', `${e.message}\n`);
        return;
      }
      // A caller whose certificate the provider trusts (vCenter, a host after a restart,
      // calling setContext) is no stranger: it shares the main pool. verifyClient is cached.
      const trusted = !!s || (!!peer.pem && face.certs.verifyClient(peer.pem).ok);
      try {
        release = await (trusted ? admission : strangers).enter();
      } catch (e) {
        if (!(e instanceof Busy)) throw e;
        return send(dispatcher.refuse(contentTypeHeader, soapAction, 'VasaProviderBusy', e.message, remoteAddress, sid));
      }
      await turns.next();
      const r = await dispatcher.handle({
        body, soapAction, contentType: contentTypeHeader, sessionId: sid,
        clientCert: peer.pem, certFingerprint: peer.fingerprint, remoteAddress,
      });
      send(r);
    } finally {
      if (s) s.inFlight--;
      release?.();
    }
  };

  return (req, res) => {
    soapCall(req, res).catch((e: unknown) => {
      log.error(`vasa call failed: ${(e as Error).stack ?? String(e)}`);
      if (!res.headersSent) answer(res, 500, 'text/plain; charset=utf-8', 'Internal error\n');
      else res.destroy();
    });
  };
}

/** One header's value (the first, when a client sent it twice). */
function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** A complete answer: status, type, length, body. */
function answer(res: ServerResponse, status: number, contentType: string, body: string): void {
  res.statusCode = status;
  res.setHeader('Content-Type', contentType);
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.end(body);
}
