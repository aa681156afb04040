/**
 * What every VASA handler gets: the engine, the clock, sessions, certificates, the
 * provider account, the logger and the face's options. Made once by the server.
 */
import type { DiskArrayEngine } from '../array/engine';
import type { Clock } from '../array/clock';
import type { ProviderAccount } from '../config/account';
import type { Logger } from '../log/logger';
import type { OperationName, Requests, Responses } from './generated/operations';
import type { CertificateStore } from './certificates';
import type { LoginGuard } from './login-guard';
import type { Codec } from './soap/codec';
import type { Session, SessionManager } from './sessions';
import type { SyntheticTasks } from './synthetic-tasks';

export interface FaceOptions {
  /** Provider UUID (VasaProviderInfo.uid), stable for the data folder. */
  uid: string;
  name: string;
  version: string;
  /** Largest batch accepted by batch operations (advertised as maxBatchSize). */
  maxBatchSize: number;
  /** Calls one session may have in progress (advertised as maxConcurrentRequestsPerSession). */
  maxConcurrentRequestsPerSession: number;
  /** Events or alarms returned by one getEvents/getAlarms call. */
  maxEventsPerCall: number;
  /** Whether setContext requires a registered (or CA-signed) client certificate. */
  requireClientCertificate: boolean;
  /** Grant a host session access to every PE of an array it has none for (lab convenience). */
  autoPeAccess: boolean;
  /** Base URL of the service (for catalog URIs), e.g. https://10.0.0.5:9943 */
  baseUrl: string;
}

export interface Face {
  engine: DiskArrayEngine;
  clock: Clock;
  sessions: SessionManager;
  certs: CertificateStore;
  account: () => ProviderAccount;
  /** Provider-account checks (password, throttling per address). */
  login: LoginGuard;
  log: Logger;
  codec: Codec;
  tasks: SyntheticTasks;
  opts: FaceOptions;
}

/**
 * One call of operation Op. `req` is the decoded request element, typed from the WSDL
 * (src/vasa/generated/operations.ts): a field the WSDL does not define does not compile.
 * `Call` alone is a call of any operation (for helpers shared by several handlers).
 */
export interface Call<Op extends OperationName = OperationName> {
  face: Face;
  op: Op;
  req: Requests[Op];
  session?: Session;
  /** The PEM client certificate of the TLS connection, if one was presented. */
  clientCert?: string;
  /** SHA-256 of the client certificate's DER, lowercase hex (what sessions are bound to). */
  certFingerprint?: string;
  /** The caller's IP address (for throttling and the log). */
  remoteAddress?: string;
  /** Set by setContext: the new session, whose id goes into the cookie. */
  newSession?: Session;
  /**
   * Set by the handler from what its engine call read: the names of the disk arrays the
   * call was about, for the call log (the dispatcher looks nothing up for it).
   */
  arrays?: readonly string[];
}

/** A handler returns the `return` value(s) of the response, or undefined for void operations. */
export type Handler<Op extends OperationName> = (call: Call<Op>) => Responses[Op] | Promise<Responses[Op]>;
