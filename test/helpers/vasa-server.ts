/**
 * The real VASA server (src/vasa/server.ts) on a free loopback port, over an engine
 * from buildArray(), plus what clients need to talk to it: a client certificate and a
 * raw SOAP poster over HTTPS that keeps the session cookie (for exact wire checks).
 */
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { Writable } from 'node:stream';
import * as soap from 'soap';
import winston from 'winston';
import { Clock, ManualClock } from '../../src/array/clock';
import type { EngineOptions } from '../../src/array/context';
import type { DiskArrayEngine } from '../../src/array/engine';
import { ProviderAccount } from '../../src/config/account';
import { Logger, silentLogger } from '../../src/log/logger';
import { makeSelfSigned } from '../../src/vasa/certificates';
import { RunningServer, ServerOptions, startServer } from '../../src/vasa/server';
import { buildArray, Fixture, tempDir } from './fixture';

export const USER = 'vasaadmin';
export const PASSWORD = 'Secret1!';

export interface TestServer {
  url: string;
  port: number;
  fixture: Fixture;
  server: RunningServer;
  close(): Promise<void>;
}

export interface TestServerOptions {
  engine?: Partial<EngineOptions>;
  /** Serve with this clock instead of the fixture's ManualClock (e.g. a SystemClock). */
  clock?: Clock;
  /** Call engine.tick() this often (ms), as main.ts does; off by default. */
  tickMs?: number;
  server?: Partial<ServerOptions>;
  /** The provider's logger (default: silent). */
  log?: Logger;
  /** The engine the face serves (default: the fixture's, every array): e.g. a managed scope of it. */
  faceEngine?: (f: Fixture) => DiskArrayEngine;
}

export async function startTestServer(o: TestServerOptions = {}): Promise<TestServer> {
  // With a real clock, the array is built at the real time (a ManualClock starts in 2026).
  const fixture = buildArray({ engine: o.engine, clock: o.clock ? new ManualClock(o.clock.now()) : undefined });
  if (o.clock) fixture.engine.ctx.clock = o.clock;
  const dataDir = path.join(fixture.dir, 'provider');
  fs.mkdirSync(dataDir, { recursive: true });
  const account = ProviderAccount.set(dataDir, USER, PASSWORD);
  const server = await startServer(o.faceEngine ? o.faceEngine(fixture) : fixture.engine, o.clock ?? fixture.clock, () => account, o.log ?? silentLogger(), {
    dataDir,
    port: 0,
    host: '127.0.0.1',
    names: ['127.0.0.1', 'localhost'],
    ...o.server,
  });
  const timer = o.tickMs ? setInterval(() => {
    try {
      fixture.engine.tick();
    } catch (e) {
      process.stderr.write(`engine.tick failed: ${(e as Error).stack ?? e}\n`);
    }
  }, o.tickMs) : undefined;
  return {
    url: server.url,
    port: server.port,
    fixture,
    server,
    async close() {
      if (timer) clearInterval(timer);
      await server.close();
      fixture.close();
      fs.rmSync(fixture.dir, { recursive: true, force: true });
    },
  };
}

/** A logger keeping every line (level and message) in memory, for assertions on the call log. */
export function captureLogger(): { log: Logger; lines: { level: string; message: string }[] } {
  const lines: { level: string; message: string }[] = [];
  const stream = new Writable({
    objectMode: true,
    write(info: { level: string; message: unknown }, _enc, done) {
      lines.push({ level: info.level, message: String(info.message) });
      done();
    },
  });
  return { log: winston.createLogger({ level: 'debug', transports: [new winston.transports.Stream({ stream })] }), lines };
}

// ------------------------------------------------------------------ client certificates

export interface ClientCert {
  cert: string;
  key: string;
  certFile: string;
  keyFile: string;
}

/** A self-signed client certificate (as vCenter has), also written to PEM files for zeep. */
/**
 * A self-signed client certificate valid from 2020 to 2045: whatever time a test's clock
 * shows (a ManualClock starts in 2026, a SystemClock reads the machine's), it is within
 * the validity period the provider checks.
 */
export function makeClientCert(name = 'vcenter.example.test'): ClientCert {
  const { key, cert } = makeSelfSigned([name], Date.UTC(2020, 0, 1), 25 * 365);
  const dir = tempDir('vasa-client-');
  const certFile = path.join(dir, 'client.crt');
  const keyFile = path.join(dir, 'client.key');
  fs.writeFileSync(certFile, cert);
  fs.writeFileSync(keyFile, key, { mode: 0o600 });
  return { cert, key, certFile, keyFile };
}

// ------------------------------------------------------------------ raw SOAP

export const NS = {
  soap11: 'http://schemas.xmlsoap.org/soap/envelope/',
  soap12: 'http://www.w3.org/2003/05/soap-envelope',
  vasa: 'http://com.vmware.vim.vasa/2.0/xsd',
  data: 'http://data.vasa.vim.vmware.com/xsd',
  vvol: 'http://vvol.data.vasa.vim.vmware.com/xsd',
  fault: 'http://fault.vasa.vim.vmware.com/xsd',
  xsi: 'http://www.w3.org/2001/XMLSchema-instance',
};

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One HTTPS request with the client certificate; no proxies, no CA check. */
export function httpsRequest(
  url: string,
  o: { method?: string; headers?: Record<string, string>; body?: string | Buffer; cert?: ClientCert; timeoutMs?: number } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = https.request(url, {
      method: o.method ?? 'GET',
      headers: o.headers,
      rejectUnauthorized: false,
      cert: o.cert?.cert,
      key: o.cert?.key,
      agent: false,
      timeout: o.timeoutMs ?? 20_000,
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`timeout: ${url}`)));
    req.on('error', reject);
    if (o.body !== undefined) req.write(o.body);
    req.end();
  });
}

/** Builds a SOAP envelope around a body whose vasa/data/vvol/xsi prefixes are declared on the envelope. */
export function soapEnvelope(bodyXml: string, version: '1.1' | '1.2' = '1.1'): string {
  const env = version === '1.2' ? NS.soap12 : NS.soap11;
  return `<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="${env}" xmlns:vasa="${NS.vasa}" xmlns:data="${NS.data}" xmlns:vvol="${NS.vvol}" xmlns:xsi="${NS.xsi}"><soapenv:Body>${bodyXml}</soapenv:Body></soapenv:Envelope>`;
}

/** A tiny SOAP client: posts envelopes with the client certificate and keeps the VASASESSIONID cookie. */
export class RawSoap {
  cookie?: string;

  constructor(readonly url: string, readonly cert?: ClientCert, public version: '1.1' | '1.2' = '1.1') {}

  /** Posts a whole envelope (or anything else) as is. */
  async post(body: string, o: { action?: string; contentType?: string; version?: '1.1' | '1.2'; cookie?: string | null } = {}): Promise<RawResponse> {
    const version = o.version ?? this.version;
    const headers: Record<string, string> = {};
    if (version === '1.2') headers['Content-Type'] = o.contentType ?? `application/soap+xml; charset=utf-8${o.action ? `; action="urn:${o.action}"` : ''}`;
    else {
      headers['Content-Type'] = o.contentType ?? 'text/xml; charset=utf-8';
      if (o.action) headers.SOAPAction = `"urn:${o.action}"`;
    }
    const cookie = o.cookie === null ? undefined : (o.cookie ?? this.cookie);
    if (cookie) headers.Cookie = cookie;
    const r = await httpsRequest(this.url, { method: 'POST', headers, body, cert: this.cert });
    const set = r.headers['set-cookie'];
    const m = (Array.isArray(set) ? set : set ? [set] : []).map((c) => /^(VASASESSIONID=[^;]+)/.exec(c)?.[1]).find(Boolean);
    if (m) this.cookie = m;
    return r;
  }

  /** Calls an operation: `inner` is the XML inside <vasa:op>…</vasa:op> (prefixes vasa, data, vvol, xsi available). */
  call(op: string, inner = '', o: { version?: '1.1' | '1.2'; cookie?: string | null } = {}): Promise<RawResponse> {
    const version = o.version ?? this.version;
    return this.post(soapEnvelope(`<vasa:${op}>${inner}</vasa:${op}>`, version), { action: op, version, cookie: o.cookie });
  }
}

/** XML-escapes text for element content. */
export const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** The first Body child of a SOAP response, as text, with the envelope's namespace declarations copied onto it. */
export function bodyChild(envelope: string): string {
  const decls = /<([A-Za-z0-9_]+:)?Envelope([^>]*)>/.exec(envelope)?.[2] ?? '';
  const inner = /<([A-Za-z0-9_]+:)?Body[^>]*>([\s\S]*)<\/([A-Za-z0-9_]+:)?Body>/.exec(envelope)?.[2] ?? '';
  const ns = [...decls.matchAll(/xmlns(:[A-Za-z0-9_]+)?="[^"]*"/g)].map((m) => m[0]).join(' ');
  return inner.replace(/^<([A-Za-z0-9_:.-]+)/, `<$1 ${ns}`);
}

/** Text of the first element with this local name (any prefix). */
export function textOf(xml: string, local: string): string | undefined {
  const m = new RegExp(`<(?:[A-Za-z0-9_]+:)?${local}(?:\\s[^>]*)?>([^<]*)</(?:[A-Za-z0-9_]+:)?${local}>`).exec(xml);
  return m?.[1];
}

/** Texts of all elements with this local name. */
export function textsOf(xml: string, local: string): string[] {
  return [...xml.matchAll(new RegExp(`<(?:[A-Za-z0-9_]+:)?${local}(?:\\s[^>]*)?>([^<]*)</(?:[A-Za-z0-9_]+:)?${local}>`, 'g'))].map((m) => m[1]);
}

// ------------------------------------------------------------------ node-soap client

export interface SoapFault {
  /** The detail's element name (InvalidSession, NotFound, ...), when a VASA detail came. */
  name?: string;
  message: string;
  detail?: Record<string, unknown>;
}

export interface SoapResult {
  result?: Record<string, unknown>;
  fault?: SoapFault;
  /** The response envelope as received and the request envelope as sent. */
  raw: string;
  request: string;
  status?: number;
}

export interface VasaSoapClient {
  client: soap.Client;
  call(op: string, args?: Record<string, unknown>): Promise<SoapResult>;
  /** Calls and fails the test on a fault; gives the `return` value(s). */
  ok<T = unknown>(op: string, args?: Record<string, unknown>): Promise<T>;
  setSession(id: string): void;
}

function faultFrom(err: unknown): SoapFault {
  const e = err as { root?: { Envelope?: { Body?: { Fault?: Record<string, unknown> } } }; message?: string };
  const f = e.root?.Envelope?.Body?.Fault;
  if (!f) return { message: String(e.message ?? err) };
  const reason = f.faultstring ?? (f.Reason as { Text?: unknown } | undefined)?.Text;
  const text = typeof reason === 'object' && reason !== null ? String((reason as { $value?: unknown }).$value ?? JSON.stringify(reason)) : String(reason ?? '');
  const detail = (f.detail ?? f.Detail) as Record<string, unknown> | undefined;
  const name = detail ? Object.keys(detail).find((k) => k !== 'attributes' && k !== '$value') : undefined;
  return { name, message: text, detail };
}

/** A node-soap client generated from the served WSDL, on the SOAP 1.1 or 1.2 port, presenting `cert`. */
export async function vasaSoapClient(url: string, cert: ClientCert, version: '1.1' | '1.2' = '1.1'): Promise<VasaSoapClient> {
  const agent = new https.Agent({ rejectUnauthorized: false, cert: cert.cert, key: cert.key });
  const client = await soap.createClientAsync(`${url}?wsdl`, {
    // node-soap 1.x fetches over axios: TLS options go in an agent (rejectUnauthorized alone is ignored).
    wsdl_options: { httpsAgent: agent },
    forceSoap12Headers: version === '1.2',
  });
  client.setSecurity(new soap.ClientSSLSecurity(Buffer.from(cert.key), Buffer.from(cert.cert), { rejectUnauthorized: false }));
  const portName = version === '1.2' ? 'vasaServiceHttpSoap12Endpoint' : 'vasaServiceHttpSoap11Endpoint';
  const port = (client as unknown as { vasaService: Record<string, Record<string, Function>> }).vasaService[portName];
  const call = (op: string, args: Record<string, unknown> = {}): Promise<SoapResult> =>
    new Promise((resolve) => {
      port[op](args, (err: unknown, result: Record<string, unknown>, raw: string, _headers: unknown, request: string) => {
        if (err) {
          const e = err as { response?: { status?: number; data?: string } };
          resolve({ fault: faultFrom(err), raw: String(e.response?.data ?? raw ?? ''), request: String(request ?? (client as unknown as { lastRequest?: string }).lastRequest ?? ''), status: e.response?.status });
        } else resolve({ result: result ?? {}, raw: String(raw ?? ''), request: String(request ?? '') });
      });
    });
  return {
    client,
    call,
    async ok<T>(op: string, args: Record<string, unknown> = {}): Promise<T> {
      const r = await call(op, args);
      if (r.fault) throw new Error(`${op} failed: ${r.fault.name ?? 'fault'}: ${r.fault.message}`);
      return (r.result as { return?: unknown }).return as T;
    },
    setSession(id: string) {
      client.clearHttpHeaders();
      client.addHttpHeader('Cookie', `VASASESSIONID=${id}`);
    },
  };
}

/**
 * An ESXi host's session on the test server: the client certificate `esx-<name>`, registered
 * with the provider account, then setContext with host GUID `host-guid-<name>` and the iSCSI
 * initiator `iqn.1998-01.com.vmware:esx-<name>` (returned as iqn: the engine's host name).
 */
export async function hostClient(t: TestServer, name: string): Promise<{ c: VasaSoapClient; cert: ClientCert; iqn: string }> {
  const cert = makeClientCert(`esx-${name}`);
  const c = await vasaSoapClient(t.url, cert);
  await c.ok('registerVASACertificate', { userName: USER, password: PASSWORD, newCertificate: cert.cert });
  const iqn = `iqn.1998-01.com.vmware:esx-${name}`;
  const info = await c.ok<{ sessionId: string }>('setContext', {
    usageContext: { hostGuid: `host-guid-${name}`, hostInitiator: [{ uniqueIdentifier: iqn, iscsiIdentifier: iqn }] },
  });
  c.setSession(info.sessionId);
  return { c, cert, iqn };
}

/** A list from node-soap's one-or-many representation. */
export const list = <T>(v: T | T[] | undefined | null): T[] => (v === undefined || v === null ? [] : Array.isArray(v) ? v : [v]);

/** The text of a node-soap value that may carry attributes ({ attributes, $value }). */
export const val = (v: unknown): string => (typeof v === 'object' && v !== null && '$value' in v ? String((v as { $value: unknown }).$value) : String(v));
