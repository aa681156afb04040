/**
 * HTTPS to vCenter's SDK endpoint (node:https), one POST per vim25 call, on a TLS
 * connection that is checked before anything is sent over it: the Login body holds the
 * password, so a server that is not the trusted one must never see it.
 *
 * How the server is trusted (VCenterSettings):
 *  - with a thumbprint: the certificate's SHA-256 fingerprint must be that one (pinning,
 *    as govc's known hosts do; name and chain are not looked at: the pin is stronger);
 *  - without: the certificate must verify against this machine's trusted CAs and name
 *    the address. vCenter's own (VMCA) certificates usually do not, so the refusal says
 *    which thumbprint was presented and how to trust it (`settings -v ... --thumbprint`).
 *
 * The check runs in the agent's createConnection, whose callback hands the socket to
 * the request only once it passed, so the request body is written after the check and
 * never before. One connection per call, one at a time: a refresh is a few calls.
 * Time is bounded by timers (connect, answer), never by reading the clock.
 */
import https from 'node:https';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';
import { VCenterError } from './errors';
import { pinHint, where } from './messages';

export interface Endpoint {
  host: string;
  port: number;
  /** SHA-256 fingerprint of the certificate to trust, "AB:CD:..." (upper case); undefined: this machine's CAs. */
  thumbprint?: string;
}

export interface TransportOptions {
  /** TCP connect plus TLS handshake. */
  connectTimeoutMs: number;
  /** From the request to the end of the answer. */
  answerTimeoutMs: number;
  /** Larger answers are refused (a page of the inventory is far smaller). */
  maxBodyBytes: number;
}

export const DEFAULT_TRANSPORT: TransportOptions = { connectTimeoutMs: 10_000, answerTimeoutMs: 120_000, maxBodyBytes: 64 * 1024 * 1024 };

export interface Answer {
  status: number;
  contentType: string;
  body: string;
  /** The vmware_soap_session cookie as "name=value", when the answer sets one. */
  sessionCookie?: string;
}

export const SESSION_COOKIE = 'vmware_soap_session';

const REASONS: Record<string, string> = {
  ECONNREFUSED: 'the connection was refused',
  EHOSTUNREACH: 'there is no route to the host',
  ENETUNREACH: 'the network is unreachable',
  ETIMEDOUT: 'the connection timed out',
  ECONNRESET: 'the connection was reset',
  EPIPE: 'the connection was closed',
  EADDRNOTAVAIL: 'the address is not available',
};

/** A socket or TLS error as one of our kinds, with what it means in words. */
export function classify(e: unknown, ep: Endpoint): VCenterError {
  if (e instanceof VCenterError) return e;
  const err = e as NodeJS.ErrnoException;
  const code = err?.code ?? '';
  const at = where(ep.host, ep.port);
  if (REASONS[code]) return new VCenterError('unreachable', `vCenter Server ${at} cannot be reached: ${REASONS[code]} (${code}).`, undefined, { cause: e });
  if (code === 'EPROTO' || code.startsWith('ERR_SSL_') || /wrong version number|packet length too long/i.test(err?.message ?? '')) {
    return new VCenterError('protocol', `${at} does not speak TLS as vCenter's HTTPS port does (${err.message}); check the port number.`, undefined, { cause: e });
  }
  return new VCenterError('unreachable', `vCenter Server ${at} cannot be reached: ${err?.message ?? String(e)}.`, undefined, { cause: e });
}

/** Why the server's certificate is not trusted, or undefined when it is. */
export function certificateProblem(socket: tls.TLSSocket, ep: Endpoint): string | undefined {
  const at = where(ep.host, ep.port);
  const cert = socket.getPeerCertificate();
  const presented = cert?.fingerprint256;
  if (!presented) return `vCenter Server ${at} presented no certificate.`;
  if (ep.thumbprint) {
    if (presented.toUpperCase() === ep.thumbprint) return undefined;
    return `The certificate of vCenter Server ${at} does not match the trusted thumbprint: it presented SHA-256 ${presented}, the settings trust ${ep.thumbprint}. `
      + `If vCenter's certificate was replaced, set the new thumbprint (vvolctl settings -v ${ep.host} ${ep.port} <user> --thumbprint ${presented}); otherwise another server answers at this address.`;
  }
  if (!socket.authorized) {
    return `The certificate of vCenter Server ${at} is not trusted by this machine (${String(socket.authorizationError)}); it presented SHA-256 ${presented}. ${pinHint(ep.host, ep.port, presented)}`;
  }
  const identity = tls.checkServerIdentity(ep.host, cert);
  if (identity) return `The certificate of vCenter Server ${at} is not issued for ${ep.host} (${identity.message}); it presented SHA-256 ${presented}. ${pinHint(ep.host, ep.port, presented)}`;
  return undefined;
}

/** A TLS connection whose certificate passed the check; rejects with a VCenterError otherwise. */
export function connectVerified(ep: Endpoint, timeoutMs: number, pending?: Set<tls.TLSSocket>): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({
      host: ep.host, port: ep.port, rejectUnauthorized: false, minVersion: 'TLSv1.2',
      // SNI carries names only; vCenter is registered by IPv4 address (manual 2.3.1).
      ...(net.isIP(ep.host) ? {} : { servername: ep.host }),
    });
    pending?.add(socket);
    // Destroyed while connecting (the transport closed): fails like a reset connection.
    socket.once('close', () => done(new VCenterError('unreachable', `The connection to vCenter Server ${where(ep.host, ep.port)} was closed while connecting.`)));
    let settled = false;
    const done = (e: VCenterError | undefined): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      pending?.delete(socket);
      socket.removeListener('error', onError);
      if (e) {
        socket.destroy();
        reject(e);
      } else resolve(socket);
    };
    const onError = (e: Error): void => done(classify(e, ep));
    const timer = setTimeout(() => done(new VCenterError('unreachable', `vCenter Server ${where(ep.host, ep.port)} cannot be reached: no TLS connection within ${Math.round(timeoutMs / 1000)} s.`)), timeoutMs);
    socket.once('error', onError);
    socket.once('secureConnect', () => {
      const problem = certificateProblem(socket, ep);
      done(problem ? new VCenterError('certificate', problem) : undefined);
    });
  });
}

/** An https agent whose every connection is checked (connectVerified) before http may use it. */
class VerifyingAgent extends https.Agent {
  /** Connections still in their handshake or check (not yet the agent's). */
  readonly connecting = new Set<tls.TLSSocket>();

  constructor(private readonly ep: Endpoint, private readonly connectTimeoutMs: number) {
    // No keep-alive: vCenter closes idle connections, and a call sent on one it is closing would fail
    // as "unreachable"; a refresh is a few calls every few minutes, a handshake each costs nothing.
    super({ keepAlive: false, maxSockets: 1 });
  }

  // Node's Agent calls createConnection(options, callback); returning nothing makes it wait for the callback.
  override createConnection(_options: unknown, callback?: (err: Error | null, stream: Duplex) => void): undefined {
    connectVerified(this.ep, this.connectTimeoutMs, this.connecting).then((s) => callback?.(null, s), (e: Error) => callback?.(e, undefined as unknown as Duplex));
    return undefined;
  }
}

/** One vCenter's SDK endpoint: POSTs SOAP bodies, returns the answers. */
export class HttpsTransport {
  private readonly agent: VerifyingAgent;

  constructor(readonly ep: Endpoint, private readonly o: TransportOptions = DEFAULT_TRANSPORT) {
    this.agent = new VerifyingAgent(ep, o.connectTimeoutMs);
  }

  post(body: string, soapAction: string, cookie?: string): Promise<Answer> {
    const { ep, o } = this;
    return new Promise((resolve, reject) => {
      let settled = false;
      const fail = (e: unknown): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        req.destroy();
        reject(classify(e, ep));
      };
      const timer = setTimeout(() => fail(new VCenterError('unreachable', `vCenter Server ${where(ep.host, ep.port)} did not answer within ${Math.round(o.answerTimeoutMs / 1000)} s.`)), o.answerTimeoutMs);
      const req = https.request({
        host: ep.host, port: ep.port, method: 'POST', path: '/sdk', agent: this.agent,
        headers: {
          'Content-Type': 'text/xml; charset=utf-8', SOAPAction: soapAction, 'Content-Length': Buffer.byteLength(body),
          'User-Agent': 'vvol-provider', ...(cookie ? { Cookie: cookie } : {}),
        },
      }, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > o.maxBodyBytes) fail(new VCenterError('protocol', `vCenter Server ${where(ep.host, ep.port)} sent an answer larger than ${o.maxBodyBytes} bytes.`));
          else chunks.push(c);
        });
        res.on('error', fail);
        res.on('end', () => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          const session = (res.headers['set-cookie'] ?? []).map((c) => c.split(';')[0].trim()).find((c) => c.startsWith(`${SESSION_COOKIE}=`));
          resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type'] ?? ''), body: Buffer.concat(chunks).toString('utf8'), ...(session ? { sessionCookie: session } : {}) });
        });
      });
      req.on('error', fail);
      req.end(body);
    });
  }

  /** Closes every connection, those being made too: calls in progress fail at once. */
  close(): void {
    for (const s of this.agent.connecting) s.destroy();
    this.agent.destroy();
  }
}
