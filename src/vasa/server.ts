/**
 * The HTTPS face: GET /version.xml (registration), the SOAP endpoint with ?wsdl and
 * ?xsd=, the message catalogs. HTTPS only: a plain-HTTP request on the port is
 * answered 400 with a hint instead of a TLS error. Client certificates are requested
 * but checked in the application (setContext), as VASA does.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import express from 'express';
import type { DiskArrayEngine } from '../array/engine';
import type { Clock } from '../array/clock';
import type { ProviderAccount } from '../config/account';
import type { Logger } from '../log/logger';
import { Admission, AdmissionOptions, Busy } from './admission';
import { VasaFault } from './faults';
import { catalog } from './catalog';
import { CertificateStore, CertificateInfo } from './certificates';
import { watchProviderCertificate } from './certificate-watch';
import { Dispatcher, reachableWithoutSession, SESSION_COOKIE } from './dispatch';
import { BodyError, readBody } from './http/body';
import { ConnectionLimitOptions, ConnectionLimits, DEFAULT_CONNECTION_LIMITS, isLoopback, plainAddress } from './http/connections';
import { actionFrom } from './soap/envelope';
import { LoginGuard } from './login-guard';
import type { Face, FaceOptions } from './face';
import { operationTable } from './ops';
import { SessionManager, SessionOptions } from './sessions';
import { Codec } from './soap/codec';
import { SchemaSet } from './soap/schema';
import { loadOperations, WSDL_DIR } from './soap/wsdl';
import { SyntheticTasks } from './synthetic-tasks';
import { versionXml } from './version-xml';
import { dataLayout } from '../sys/layout';

export const SERVICE_PATH = '/vasa/services/vasaService';

export interface ServerOptions {
  dataDir: string;
  port: number;
  host?: string;
  /** Names in the certificate and the registration URL (first one). Default: this machine's addresses. */
  names?: string[];
  certFile?: string;
  keyFile?: string;
  bodyLimitBytes?: number;
  /** Limits that keep strangers from taking the provider's work or sockets (defaults: DEFAULT_LIMITS). */
  limits?: Partial<FaceLimits>;
  face?: Partial<FaceOptions>;
  sessions?: Partial<SessionOptions>;
  admission?: Partial<AdmissionOptions>;
  /** Warn this long before the provider certificate expires. */
  certWarnDays?: number;
}

export interface RunningServer {
  port: number;
  url: string;
  registrationUrl: string;
  certificate: CertificateInfo;
  face: Face;
  admission: Admission;
  connections: ConnectionLimits;
  close(): Promise<void>;
}

export interface FaceLimits {
  /** Body cap of a call on a live session bound to its certificate. */
  sessionBodyBytes: number;
  /** Body cap of a call without one (registerVASACertificate, registerCACertificatesAndCRLs, setContext). */
  anonymousBodyBytes: number;
  /** The whole body must arrive within this after the headers. */
  bodyTimeoutMs: number;
  /** Calls without a session run in a small pool of their own. */
  anonymousConcurrent: number;
  anonymousQueued: number;
  /** A TLS handshake not done by then closes the connection. */
  handshakeTimeoutMs: number;
  headersTimeoutMs: number;
  connections: ConnectionLimitOptions;
}

export const DEFAULT_LIMITS: FaceLimits = {
  sessionBodyBytes: 8 * 1024 * 1024,
  anonymousBodyBytes: 1024 * 1024,
  bodyTimeoutMs: 20_000,
  anonymousConcurrent: 4,
  anonymousQueued: 256,
  handshakeTimeoutMs: 10_000,
  headersTimeoutMs: 15_000,
  connections: DEFAULT_CONNECTION_LIMITS,
};

/**
 * TLS 1.2 suites: forward-secret key exchange (ECDHE) with AEAD ciphers only. TLS 1.3's
 * suites are all of that kind and are configured separately by Node.
 */
export const TLS12_CIPHERS = [
  'ECDHE-ECDSA-AES128-GCM-SHA256', 'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384', 'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305', 'ECDHE-RSA-CHACHA20-POLY1305',
].join(':');

export function machineNames(): string[] {
  const ips = Object.values(os.networkInterfaces()).flat().filter((i) => i && i.family === 'IPv4' && !i.internal).map((i) => (i as os.NetworkInterfaceInfo).address);
  return [...new Set([...ips, os.hostname(), 'localhost', '127.0.0.1'])];
}

function providerUid(dataDir: string): string {
  const f = dataLayout(dataDir).providerUid;
  if (!fs.existsSync(f)) fs.writeFileSync(f, `${crypto.randomUUID()}\n`, { mode: 0o600 });
  return fs.readFileSync(f, 'utf8').trim();
}

/**
 * The PEM client certificate of a TLS connection, read once per connection (it cannot
 * change on it): getPeerCertificate builds a whole object on every call.
 */
interface PeerCertificate {
  pem?: string;
  /** SHA-256 of the DER, lowercase hex: what sessions are bound to. */
  fingerprint?: string;
}
const peerCerts = new WeakMap<import('node:tls').TLSSocket, PeerCertificate>();
function clientCertOf(sock: import('node:tls').TLSSocket): PeerCertificate {
  let c = peerCerts.get(sock);
  if (c) return c;
  const peer = sock.getPeerCertificate?.(false);
  c = peer && peer.raw ? { pem: derToPem(peer.raw), fingerprint: crypto.createHash('sha256').update(peer.raw).digest('hex') } : {};
  peerCerts.set(sock, c);
  return c;
}

/**
 * Calls run one per event-loop turn: a call's work is synchronous (the store is), so
 * without this every call whose body arrived in the same turn ran back to back, and
 * timers, new connections and TLS handshakes waited for all of them.
 */
class Turns {
  private readonly waiting: (() => void)[] = [];
  private scheduled = false;

  next(): Promise<void> {
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(this.run);
      }
    });
  }

  private readonly run = (): void => {
    const resolve = this.waiting.shift();
    if (this.waiting.length) setImmediate(this.run);
    else this.scheduled = false;
    resolve?.();
  };
}

function derToPem(der: Buffer): string {
  return `-----BEGIN CERTIFICATE-----\n${der.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n-----END CERTIFICATE-----\n`;
}

/** User and password of an HTTP Basic Authorization header. */
function basicCredentials(header: string | undefined): { user: string; password: string } | undefined {
  const m = /^Basic\s+([A-Za-z0-9+/=]{1,1024})$/i.exec(header ?? '');
  if (!m) return undefined;
  const text = Buffer.from(m[1], 'base64').toString('utf8');
  const i = text.indexOf(':');
  return i < 0 ? undefined : { user: text.slice(0, i), password: text.slice(i + 1) };
}

function cookieSession(header: string | undefined): string | undefined {
  const m = new RegExp(`(?:^|;\\s*)${SESSION_COOKIE}=([^;]+)`).exec(header ?? '');
  return m?.[1];
}

export async function startServer(engine: DiskArrayEngine, clock: Clock, account: () => ProviderAccount, log: Logger, o: ServerOptions): Promise<RunningServer> {
  const names = o.names?.length ? o.names : machineNames();
  const certs = new CertificateStore(o.dataDir, clock, { names, certFile: o.certFile, keyFile: o.keyFile });
  let identity = certs.identity();
  const schema = SchemaSet.loadFrom(path.join(WSDL_DIR, 'vasaService.wsdl'));
  const codec = new Codec(schema);
  const ops = loadOperations(path.join(WSDL_DIR, 'vasaService.wsdl'));
  const faceOpts: FaceOptions = {
    uid: providerUid(o.dataDir), name: 'NEC Storage VASA Provider (vvol-provider)', version: '0.1.0', maxBatchSize: 64,
    maxConcurrentRequestsPerSession: 16, maxEventsPerCall: 1000, requireClientCertificate: true, autoPeAccess: true,
    baseUrl: '', ...o.face,
  };
  const face: Face = { engine, clock, sessions: new SessionManager(clock, o.sessions), certs, account, login: new LoginGuard(clock, account, log), log, codec, tasks: new SyntheticTasks(clock), opts: faceOpts };
  const admission = new Admission({ perSession: faceOpts.maxConcurrentRequestsPerSession, ...o.admission });
  let tls: https.Server;
  const reload = () => {
    identity = certs.identity();
    tls.setSecureContext({ key: identity.key, cert: identity.cert });
    log.info(`provider certificate now ${identity.info.fingerprint256} (${identity.info.source}), valid until ${new Date(identity.info.validTo).toISOString()}`);
  };
  const table = operationTable(reload);
  const dispatcher = new Dispatcher(face, ops, table);
  const turns = new Turns();
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();

  const limits: FaceLimits = { ...DEFAULT_LIMITS, ...o.limits, connections: { ...DEFAULT_LIMITS.connections, ...o.limits?.connections } };
  if (o.bodyLimitBytes) limits.sessionBodyBytes = o.bodyLimitBytes;
  const strangers = new Admission({ concurrent: limits.anonymousConcurrent, queued: limits.anonymousQueued, perSession: 1, maxWaitMs: 5_000 });
  const connections = new ConnectionLimits(limits.connections);

  /**
   * A SOAP call, in the order that keeps strangers from costing anything: who is
   * calling (the session cookie must name a live session made on the certificate this
   * connection presents) and what for (the action header), before the body is read;
   * the body under the caller's size cap and deadline; only then an admission slot,
   * from the main pool for sessions and from a small pool of its own for everyone
   * else; then one event-loop turn to parse and run. A call over a bound is answered
   * VasaProviderBusy at once (the wire reference: storms must get busy, fast).
   */
  const soapCall = async (req: express.Request, res: express.Response): Promise<void> => {
    const sock = req.socket as import('node:tls').TLSSocket;
    const peer = clientCertOf(sock);
    const remoteAddress = plainAddress(sock.remoteAddress);
    const sid = cookieSession(req.get('Cookie'));
    const contentTypeHeader = req.get('Content-Type');
    const soapAction = req.get('SOAPAction');
    const known = face.sessions.peek(sid);
    const s = known && known.certFingerprint === peer.fingerprint ? known : undefined;
    const send = (r: { status: number; contentType: string; body: string; sessionId?: string }, close = false) => {
      if (close) res.setHeader('Connection', 'close');
      if (r.sessionId) res.setHeader('Set-Cookie', `${SESSION_COOKIE}=${r.sessionId}; Path=/; Secure; HttpOnly`);
      res.status(r.status).type(r.contentType).send(r.body);
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
        res.status(e.status).type('text/plain').send(`${e.message}\n`);
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

  const app = express();
  app.disable('x-powered-by');
  const wsdlText = () => {
    const base = faceOpts.baseUrl;
    return fs.readFileSync(path.join(WSDL_DIR, 'vasaService.wsdl'), 'utf8')
      .replace(/location="[^"]*"/g, `location="${base}${SERVICE_PATH}"`)
      .replace(/schemaLocation="([A-Za-z0-9_.-]+\.xsd)"/g, `schemaLocation="${base}${SERVICE_PATH}?xsd=$1"`);
  };
  const xsdText = (name: string) => {
    if (!/^[A-Za-z0-9_.-]+\.xsd$/.test(name) || !fs.existsSync(path.join(WSDL_DIR, name))) return undefined;
    return fs.readFileSync(path.join(WSDL_DIR, name), 'utf8').replace(/schemaLocation="([A-Za-z0-9_.-]+\.xsd)"/g, `schemaLocation="${faceOpts.baseUrl}${SERVICE_PATH}?xsd=$1"`);
  };
  const versions = () => versionXml([{ id: '2.0', url: `${faceOpts.baseUrl}${SERVICE_PATH}` }], faceOpts.name);
  app.get(['/version.xml', '/vasa/version.xml'], (_req, res) => { res.type('application/xml').send(versions()); });
  // Liveness and load for monitoring: memory, event-loop delay since the last reset (or
  // the start), sessions, admission and connections; nothing about arrays or credentials.
  // Readable from this machine (loopback) without credentials, from elsewhere only with
  // the provider account (HTTP Basic); ?reset=1 always needs the account.
  app.get('/health', (req, res, next) => {
    const remote = plainAddress(req.socket.remoteAddress);
    const reset = 'reset' in req.query;
    const credentials = basicCredentials(req.get('Authorization'));
    const answer = () => {
      const m = process.memoryUsage();
      const ms = (ns: number) => Math.round(ns / 1e4) / 100;
      res.setHeader('Cache-Control', 'no-store');
      res.json({
        status: 'ok', uptimeSeconds: Math.round(process.uptime()), rssBytes: m.rss, heapUsedBytes: m.heapUsed,
        eventLoopDelayMs: { p50: ms(loopDelay.percentile(50)), p99: ms(loopDelay.percentile(99)), max: ms(loopDelay.max), mean: ms(loopDelay.mean) },
        sessions: face.sessions.count().total, admission: admission.stats(), strangers: strangers.stats(), connections: connections.stats(),
      });
      if (reset) loopDelay.reset();
    };
    if (!credentials) {
      if (reset || !isLoopback(remote)) {
        res.setHeader('WWW-Authenticate', 'Basic realm="vvol-provider"');
        res.status(401).type('text/plain').send(reset ? 'Resetting the health figures needs the provider account.\n' : 'The health figures need the provider account from other machines.\n');
        return;
      }
      return answer();
    }
    face.login.verify(remote, credentials.user, credentials.password).then(answer, (e: unknown) => {
      if (!(e instanceof VasaFault)) return next(e);
      res.setHeader('WWW-Authenticate', 'Basic realm="vvol-provider"');
      res.status(401).type('text/plain').send(`${e.message}\n`);
    });
  });
  app.get(SERVICE_PATH, (req, res) => {
    if ('wsdl' in req.query || 'WSDL' in req.query) return void res.type('text/xml').send(wsdlText());
    const x = typeof req.query.xsd === 'string' ? xsdText(req.query.xsd) : undefined;
    if (x) return void res.type('text/xml').send(x);
    res.status(404).type('text/plain').send('Ask for ?wsdl, or POST a SOAP request.\n');
  });
  app.get(`${path.posix.dirname(SERVICE_PATH)}/:file`, (req, res) => {
    const x = xsdText(String(req.params.file));
    if (x) res.type('text/xml').send(x);
    else res.status(404).type('text/plain').send('Not found\n');
  });
  app.get('/catalog/:locale/:name.vmsg', (req, res) => {
    const text = req.params.locale === 'en' ? catalog(String(req.params.name)) : undefined;
    if (text) res.type('text/plain; charset=utf-8').send(text);
    else res.status(404).type('text/plain').send('No such catalog\n');
  });
  app.post(SERVICE_PATH, (req, res, next) => {
    soapCall(req, res).catch(next);
  });
  app.use((_req, res) => { res.status(404).type('text/plain').send('Not found\n'); });
  app.use((err: Error & { status?: number; type?: string }, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
    const status = err.status && err.status >= 400 && err.status < 600 ? err.status : 500;
    if (status >= 500) log.error(`HTTP error: ${err.stack ?? err}`);
    res.status(status).type('text/plain').send(status === 413 ? 'Request body too large\n' : `${err.message}\n`);
  });

  tls = https.createServer({
    key: identity.key, cert: identity.cert, requestCert: true, rejectUnauthorized: false,
    minVersion: 'TLSv1.2', ciphers: TLS12_CIPHERS, honorCipherOrder: true, handshakeTimeout: limits.handshakeTimeoutMs,
  }, app);
  tls.on('connection', connections.admit);
  tls.keepAliveTimeout = 65_000;
  tls.headersTimeout = limits.headersTimeoutMs;
  tls.requestTimeout = limits.bodyTimeoutMs + limits.headersTimeoutMs;
  // HTTPS only: a plain-HTTP request on the port fails the handshake; answer it in
  // plain text on the raw socket so the user learns why, instead of a reset.
  tls.on('tlsClientError', (err: NodeJS.ErrnoException, sock: import('node:tls').TLSSocket) => {
    const raw = (sock as unknown as { _parent?: net.Socket })._parent;
    if (err.code === 'ERR_SSL_HTTP_REQUEST' && raw && !raw.destroyed) {
      raw.end('HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\nThis is the HTTPS port of the VASA provider: use https://\r\n');
    } else sock.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    tls.once('error', reject);
    tls.listen(o.port, o.host ?? '0.0.0.0', () => resolve());
  });
  const port = (tls.address() as net.AddressInfo).port;
  const hostForUrl = names.find((n) => net.isIPv4(n) && n !== '127.0.0.1') ?? (o.host && o.host !== '0.0.0.0' ? o.host : '127.0.0.1');
  faceOpts.baseUrl = o.face?.baseUrl ?? `https://${hostForUrl}:${port}`;

  // Renews a generated certificate before it expires, falls back from an expired CA-signed
  // one, and raises the expiry alarms (certificate-watch.ts); its timer is its own.
  const certWatch = watchProviderCertificate({
    certs, clock, log, warnDays: o.certWarnDays ?? 30, reload,
    raiseAlarm: (status, messageId, message) => {
      for (const a of engine.listArrays()) engine.raiseAlarm(a.name, { type: 'Manageability', status, objectType: 'StorageArray', objectId: a.serial, messageId, message });
    },
  });
  certWatch.check();
  const sweepTimer = setInterval(() => face.sessions.sweep(), 60_000);
  sweepTimer.unref();

  return {
    port,
    url: `${faceOpts.baseUrl}${SERVICE_PATH}`,
    registrationUrl: `${faceOpts.baseUrl}/version.xml`,
    certificate: identity.info,
    face,
    admission,
    connections,
    async close() {
      certWatch.stop();
      clearInterval(sweepTimer);
      loopDelay.disable();
      await new Promise<void>((resolve) => {
        tls.close(() => resolve());
        tls.closeIdleConnections();
      });
    },
  };
}
