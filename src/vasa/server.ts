/**
 * The HTTPS face, composed: the face's state (sessions, certificates, codec, login
 * guard), the dispatcher and its table, the routes (http/documents.ts, http/health-route.ts,
 * http/soap-route.ts), the TLS server with its connection caps (http/tls.ts) and the
 * provider-certificate monitor (certificate-watch.ts). Started and closed as one.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import type https from 'node:https';
import type net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type http from 'node:http';
import type express from 'express';
import type { DiskArrayEngine } from '../array/engine';
import type { Clock } from '../array/clock';
import type { ProviderAccount } from '../config/account';
import type { Logger } from '../log/logger';
import { dataLayout } from '../sys/layout';
import { registrationAddress, registrationUrl } from '../sys/runtime';
import { Admission, AdmissionOptions } from './admission';
import { CertificateStore, CertificateInfo } from './certificates';
import { watchProviderCertificate } from './certificate-watch';
import { Dispatcher } from './dispatch';
import type { Face, FaceOptions } from './face';
import { ConnectionLimits } from './http/connections';
import { documentRoutes, SERVICE_PATH, VERSION_PATHS, versionXmlText } from './http/documents';
import { healthRoute } from './http/health-route';
import { DEFAULT_LIMITS, FaceLimits } from './http/limits';
import { soapRoute } from './http/soap-route';
import { createTlsServer } from './http/tls';
import { TicketKeys } from './http/tls-tickets';
import { Turns } from './http/turns';
import { LoginGuard } from './login-guard';
import { operationTable } from './ops';
import { SessionManager, SessionOptions } from './sessions';
import { Codec } from './soap/codec';
import { loadServiceDescription } from './soap/schema-cache';
import { SyntheticTasks } from './synthetic-tasks';

export { SERVICE_PATH };

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
  /** More routes on the same HTTPS server (the admin API at /api/v1), mounted before the 404 answer. */
  /** Routes of the faces above (admin API, screens); a function is called when Express is first needed. */
  routers?: MountedRouter[] | (() => MountedRouter[]);
}

export interface MountedRouter {
  path: string;
  router: express.RequestHandler;
}

/** version.xml as Express's res.type('application/xml').send() answers it, without Express. */
function answerVersionXml(res: http.ServerResponse, text: string): void {
  const body = Buffer.from(text, 'utf8');
  res.writeHead(200, { 'Content-Type': 'application/xml; charset=utf-8', 'Content-Length': body.length });
  res.end(body);
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

export function machineNames(): string[] {
  const ips = Object.values(os.networkInterfaces()).flat().filter((i) => i && i.family === 'IPv4' && !i.internal).map((i) => (i as os.NetworkInterfaceInfo).address);
  return [...new Set([...ips, os.hostname(), 'localhost', '127.0.0.1'])];
}

function providerUid(dataDir: string): string {
  const f = dataLayout(dataDir).providerUid;
  if (!fs.existsSync(f)) fs.writeFileSync(f, `${crypto.randomUUID()}\n`, { mode: 0o600 });
  return fs.readFileSync(f, 'utf8').trim();
}

export async function startServer(engine: DiskArrayEngine, clock: Clock, account: () => ProviderAccount, log: Logger, o: ServerOptions): Promise<RunningServer> {
  const names = o.names?.length ? o.names : machineNames();
  const certs = new CertificateStore(o.dataDir, clock, { names, certFile: o.certFile, keyFile: o.keyFile });
  let identity = certs.identity();
  const { schema, ops } = loadServiceDescription();
  const codec = new Codec(schema);
  const faceOpts: FaceOptions = {
    uid: providerUid(o.dataDir), name: 'NEC Storage VASA Provider (vvol-provider)', version: '0.1.0', maxBatchSize: 64,
    maxConcurrentRequestsPerSession: 16, maxEventsPerCall: 1000, requireClientCertificate: true, autoPeAccess: true,
    baseUrl: '', ...o.face,
  };
  const face: Face = { engine, clock, sessions: new SessionManager(clock, o.sessions), certs, account, login: new LoginGuard(clock, account, log), log, codec, tasks: new SyntheticTasks(clock), opts: faceOpts };
  const admission = new Admission({ perSession: faceOpts.maxConcurrentRequestsPerSession, ...o.admission });
  let tls: https.Server | undefined;
  const reload = () => {
    identity = certs.identity();
    tls?.setSecureContext({ key: identity.key, cert: identity.cert });
    log.info(`provider certificate now ${identity.info.fingerprint256} (${identity.info.source}), valid until ${new Date(identity.info.validTo).toISOString()}`);
  };
  const table = operationTable(reload);
  const turns = new Turns();
  const dispatcher = new Dispatcher(face, ops, table, () => turns.resume());
  // Group commit (binds, unbinds): a group waits for the calls already queued for their turn.
  engine.setGroupPolicy({ more: () => turns.pending > 0 });
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();

  const limits: FaceLimits = { ...DEFAULT_LIMITS, ...o.limits, connections: { ...DEFAULT_LIMITS.connections, ...o.limits?.connections } };
  if (o.bodyLimitBytes) limits.sessionBodyBytes = o.bodyLimitBytes;
  const strangers = new Admission({ concurrent: limits.anonymousConcurrent, queued: limits.anonymousQueued, perSession: 1, maxWaitMs: 5_000 });
  const connections = new ConnectionLimits(limits.connections);

  const soapCall = soapRoute({ face, dispatcher, table, admission, strangers, limits, turns, log });

  // Express (with body-parser, ~0.1 s of module loading) serves everything but the two calls
  // a start is waited on: version.xml and the SOAP POST go straight to their handlers. It is
  // loaded when first needed, or a second after the start (issue 12, S6 cold start).
  let app: express.Express | undefined;
  const appOf = (): express.Express => {
    if (app) return app;
    const createApp = require('express') as typeof express;
    const a = createApp();
    a.disable('x-powered-by');
    documentRoutes(a, faceOpts);
    a.get('/health', healthRoute({ face, loopDelay, admission, strangers, connections }));
    a.post(SERVICE_PATH, soapCall);
    for (const r of (typeof o.routers === 'function' ? o.routers() : o.routers) ?? []) a.use(r.path, r.router);
    a.use((_req, res) => { res.status(404).type('text/plain').send('Not found\n'); });
    a.use((err: Error & { status?: number; type?: string }, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
      const status = err.status && err.status >= 400 && err.status < 600 ? err.status : 500;
      if (status >= 500) log.error(`HTTP error: ${err.stack ?? err}`);
      res.status(status).type('text/plain').send(status === 413 ? 'Request body too large\n' : `${err.message}\n`);
    });
    return (app = a);
  };
  const versionPaths = new Set(VERSION_PATHS);
  // No answer leaves before the commits it may have seen are durable: with the daemon's
  // deferred sync (Store deferredSync) the end of every response waits for engine.durable();
  // with synchronous=FULL every commit already is, and nothing waits.
  const holdUntilDurable = (res: http.ServerResponse): void => {
    const end = res.end;
    res.end = function held(this: http.ServerResponse, ...args: unknown[]) {
      if (engine.isDurable) return (end as (...a: unknown[]) => http.ServerResponse).apply(this, args);
      engine.durable().then(
        () => (end as (...a: unknown[]) => http.ServerResponse).apply(this, args),
        (e: unknown) => {
          log.error(`an answer was not sent: ${(e as Error).message}`);
          this.destroy(e as Error);
        },
      );
      return this;
    } as typeof res.end;
  };

  // The SOAP endpoint's POSTs go straight to its handler (soap-route.ts); the rest to express.
  // Session tickets a host got before a restart still resume its TLS session after it (tls-tickets.ts).
  const tickets = TicketKeys.inDataFolder(o.dataDir, clock);
  let ticketKeys: Buffer | undefined;
  try {
    ticketKeys = tickets.current();
  } catch (e) {
    log.warn(`TLS session tickets will not survive a restart: ${tickets.file} cannot be written (${(e as Error).message}).`);
  }
  tls = createTlsServer(identity, limits, connections, (req, res) => {
    holdUntilDurable(res);
    if (req.method === 'POST' && req.url === SERVICE_PATH) soapCall(req, res);
    else if (req.method === 'GET' && versionPaths.has(req.url ?? '')) answerVersionXml(res, versionXmlText(faceOpts));
    else appOf()(req, res);
  }, ticketKeys);
  await new Promise<void>((resolve, reject) => {
    tls.once('error', reject);
    tls.listen(o.port, o.host ?? '0.0.0.0', () => resolve());
  });
  const port = (tls.address() as net.AddressInfo).port;
  // The address vCenter registers: the one function the daemon, status and settings use.
  const registration = registrationUrl(registrationAddress(o.host), port);
  faceOpts.baseUrl = o.face?.baseUrl ?? registration.replace(/\/version\.xml$/, '');

  // Renews a generated certificate before it expires, falls back from an expired CA-signed
  // one, and raises the expiry alarms (certificate-watch.ts); its timer is its own.
  const certWatch = watchProviderCertificate({
    certs, clock, log, warnDays: o.certWarnDays ?? 30, reload,
    raiseAlarm: (status, messageId, message) => {
      for (const a of engine.listArrays()) engine.raiseAlarm(a.name, { type: 'Manageability', status, objectType: 'StorageArray', objectId: a.serial, messageId, message });
    },
  });
  certWatch.check();
  const warmTimer = setTimeout(() => {
    try {
      appOf();
    } catch (e) {
      log.error(`the HTTP routes could not be set up: ${(e as Error).stack ?? e}`);
    }
  }, 1000);
  warmTimer.unref();
  const sweepTimer = setInterval(() => face.sessions.sweep(), 60_000);
  sweepTimer.unref();
  const ticketTimer = setInterval(() => {
    try {
      const keys = tickets.rotateIfDue();
      if (keys) tls?.setTicketKeys(keys);
    } catch (e) {
      log.warn(`could not renew the TLS session-ticket keys in ${tickets.file}: ${(e as Error).message}`);
    }
  }, 3600_000);
  ticketTimer.unref();

  return {
    port,
    url: `${faceOpts.baseUrl}${SERVICE_PATH}`,
    registrationUrl: o.face?.baseUrl ? `${faceOpts.baseUrl}/version.xml` : registration,
    certificate: identity.info,
    face,
    admission,
    connections,
    async close() {
      certWatch.stop();
      clearTimeout(warmTimer);
      clearInterval(sweepTimer);
      clearInterval(ticketTimer);
      loopDelay.disable();
      await new Promise<void>((resolve) => {
        tls.close(() => resolve());
        tls.closeIdleConnections();
      });
    },
  };
}
