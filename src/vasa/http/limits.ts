/**
 * The limits that keep strangers from taking the provider's work or sockets (issue 8):
 * body caps and deadline, the strangers' admission pool, TLS handshake and header
 * timeouts, connection caps. The README's security model names the defaults.
 */
import { ConnectionLimitOptions, DEFAULT_CONNECTION_LIMITS } from './connections';

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
