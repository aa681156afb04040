/**
 * Why talking to vCenter failed, as one small set of kinds the callers choose their
 * message by: the relation writer and the alarm say "login to vCenter Server failed"
 * (manual B.1) for the first four, the backup commands say E.2's "Failed to get
 * information of vCenter server ...", a restore says the VM could not be powered off.
 * Foreign errors (sockets, TLS, the XML parser) are wrapped here with `cause`; a message
 * never holds the password or a session cookie.
 */
export type VCenterErrorKind =
  /** The user name or password was refused (InvalidLogin). */
  | 'login'
  /** No connection: refused, no route, timed out, reset. */
  | 'unreachable'
  /** The server's certificate is not the trusted one (thumbprint) or not trusted at all. */
  | 'certificate'
  /** The answer was not vim25 SOAP (another service on that port, a broken answer). */
  | 'protocol'
  /** vCenter answered a fault other than those above. */
  | 'fault'
  /** The VM is not (or no longer) in vCenter's inventory. */
  | 'not-found'
  /** A vCenter task did not end in the time allowed. */
  | 'timeout'
  /** The settings cannot be used (no key to unseal the password, ...). */
  | 'settings';

export class VCenterError extends Error {
  constructor(
    readonly kind: VCenterErrorKind,
    message: string,
    /** The vim25 fault type when vCenter answered one (InvalidLogin, NotAuthenticated, ...). */
    readonly fault?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'VCenterError';
  }
}

/** A session vCenter no longer knows (expired, logged out, restarted): log in again. */
export function isNotAuthenticated(e: unknown): boolean {
  return e instanceof VCenterError && e.fault === 'NotAuthenticated';
}

/** Kinds under which the provider could not log in at all (manual B.1's "login to vCenter Server failed"). */
export const LOGIN_KINDS: readonly VCenterErrorKind[] = ['login', 'unreachable', 'certificate', 'protocol', 'settings'];

/**
 * VMs named by vCenter were asked for while no inventory was ever read (vCenter is set
 * in the settings, but has not answered): carries why.
 */
export class VCenterUnavailableError extends Error {
  constructor(readonly server: string, readonly reason: string) {
    super(`vCenter Server ${server}: ${reason}`);
    this.name = 'VCenterUnavailableError';
  }
}

export const messageOf = (e: unknown): string => (e instanceof Error ? e.message : String(e));
