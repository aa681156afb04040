/**
 * What the hostile-input tests need beyond the SOAP helpers: a second client's timed
 * GET /version.xml (the measure of "the provider still answers"), requests from another
 * loopback address (Linux routes all of 127.0.0.0/8 to this machine, so an attacker can
 * be 127.0.0.2 while vCenter is 127.0.0.1), slow uploads and raw TCP sockets.
 */
import https from 'node:https';
import net from 'node:net';
import type { ClientCert, RawResponse } from './vasa-server';

/** GET /version.xml on a fresh connection; resolves with the status and how long it took. */
export async function timedVersion(port: number, localAddress = '127.0.0.1'): Promise<{ status: number; ms: number }> {
  const started = process.hrtime.bigint();
  const r = await request(port, { path: '/version.xml', localAddress, timeoutMs: 10_000 });
  return { status: r.status, ms: Number(process.hrtime.bigint() - started) / 1e6 };
}

export interface RequestOptions {
  path: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  cert?: ClientCert;
  localAddress?: string;
  timeoutMs?: number;
  /** TLS options for the handshake (ciphers, versions). */
  tls?: https.RequestOptions;
}

export function request(port: number, o: RequestOptions): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = https.request({
      host: '127.0.0.1', port, path: o.path, method: o.method ?? 'GET', headers: o.headers, rejectUnauthorized: false,
      cert: o.cert?.cert, key: o.cert?.key, agent: false, localAddress: o.localAddress, timeout: o.timeoutMs ?? 20_000, ...o.tls,
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`timeout: ${o.path}`)));
    req.on('error', reject);
    if (o.body !== undefined) req.write(o.body);
    req.end();
  });
}

/**
 * A POST that sends its headers (declaring `declared` bytes, or chunked) and the first
 * bytes of its body, then nothing until stop(): a slow upload. `answer` settles when the
 * server answers or closes the connection. By default a SOAP call to the VASA endpoint.
 */
export interface SlowUpload {
  declared?: number;
  /** No Content-Length: a chunked body that never ends. */
  chunked?: boolean;
  path?: string;
  contentType?: string;
  first?: string;
  localAddress?: string;
  cert?: ClientCert;
  headers?: Record<string, string>;
}

export function slowUpload(port: number, o: SlowUpload) {
  let settle: (v: { status: number; body: string } | { closed: true }) => void = () => undefined;
  const answer = new Promise<{ status: number; body: string } | { closed: true }>((r) => { settle = r; });
  const req = https.request({
    host: '127.0.0.1', port, path: o.path ?? '/vasa/services/vasaService', method: 'POST', rejectUnauthorized: false, agent: false,
    localAddress: o.localAddress, cert: o.cert?.cert, key: o.cert?.key,
    headers: { 'Content-Type': o.contentType ?? 'text/xml; charset=utf-8', ...(o.chunked ? {} : { 'Content-Length': String(o.declared) }), ...o.headers },
  }, (res) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => settle({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
  });
  req.on('error', () => settle({ closed: true }));
  req.on('close', () => settle({ closed: true }));
  req.write(o.first ?? '<?xml version="1.0"?>');
  return { answer, req, stop: () => req.destroy() };
}

/** Opens a plain TCP connection from `localAddress` that never starts TLS; resolves once connected (or refused). */
export function idleSocket(port: number, localAddress: string): Promise<net.Socket> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port, localAddress });
    s.on('error', () => undefined);
    s.once('connect', () => resolve(s));
    s.once('close', () => resolve(s));
  });
}

/** Resolves when the socket is closed (by the server). */
export const closed = (s: net.Socket): Promise<void> => (s.destroyed && !s.connecting ? Promise.resolve() : new Promise((r) => s.once('close', () => r())));
