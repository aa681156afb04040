/**
 * The TLS side of the face: the HTTPS server (TLS 1.2 and 1.3 only, ECDHE with AEAD,
 * client certificates requested but checked in the application, as VASA does), the
 * connection caps counted before TLS starts, a plain-text answer to plain HTTP on the
 * port, and the client certificate of a connection.
 */
import crypto from 'node:crypto';
import https from 'node:https';
import type net from 'node:net';
import type tlsTypes from 'node:tls';
import type { RequestListener } from 'node:http';
import { derToPem } from '../certificate-checks';
import type { ConnectionLimits } from './connections';
import type { FaceLimits } from './limits';

/**
 * TLS 1.2 suites: forward-secret key exchange (ECDHE) with AEAD ciphers only. TLS 1.3's
 * suites are all of that kind and are configured separately by Node.
 */
export const TLS12_CIPHERS = [
  'ECDHE-ECDSA-AES128-GCM-SHA256', 'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384', 'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305', 'ECDHE-RSA-CHACHA20-POLY1305',
].join(':');

export interface PeerCertificate {
  pem?: string;
  /** SHA-256 of the DER, lowercase hex: what sessions are bound to. */
  fingerprint?: string;
}

/**
 * The client certificate of a TLS connection, read once per connection (it cannot
 * change on it): getPeerCertificate builds a whole object on every call.
 */
const peerCerts = new WeakMap<tlsTypes.TLSSocket, PeerCertificate>();
export function clientCertOf(sock: tlsTypes.TLSSocket): PeerCertificate {
  let c = peerCerts.get(sock);
  if (c) return c;
  const peer = sock.getPeerCertificate?.(false);
  // The fingerprint equals certificate-checks' fingerprintOf, taken from the DER without parsing it.
  c = peer && peer.raw ? { pem: derToPem(peer.raw, 'CERTIFICATE'), fingerprint: crypto.createHash('sha256').update(peer.raw).digest('hex') } : {};
  peerCerts.set(sock, c);
  return c;
}


export function createTlsServer(identity: { key: string; cert: string }, limits: FaceLimits, connections: ConnectionLimits, app: RequestListener, ticketKeys?: Buffer): https.Server {
  const tls = https.createServer({
    key: identity.key, cert: identity.cert, requestCert: true, rejectUnauthorized: false, ...(ticketKeys ? { ticketKeys } : {}),
    minVersion: 'TLSv1.2', ciphers: TLS12_CIPHERS, honorCipherOrder: true, handshakeTimeout: limits.handshakeTimeoutMs,
  }, app);
  tls.on('connection', connections.admit);
  tls.keepAliveTimeout = 65_000;
  tls.headersTimeout = limits.headersTimeoutMs;
  tls.requestTimeout = limits.bodyTimeoutMs + limits.headersTimeoutMs;
  // HTTPS only: a plain-HTTP request on the port fails the handshake; answer it in
  // plain text on the raw socket so the user learns why, instead of a reset.
  tls.on('tlsClientError', (err: NodeJS.ErrnoException, sock: tlsTypes.TLSSocket) => {
    const raw = (sock as unknown as { _parent?: net.Socket })._parent;
    if (err.code === 'ERR_SSL_HTTP_REQUEST' && raw && !raw.destroyed) {
      raw.end('HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\nThis is the HTTPS port of the VASA provider: use https://\r\n');
    } else sock.destroy();
  });
  return tls;
}
