/**
 * VASA sessions. setContext makes one (replacing the caller's previous session, keyed
 * by its client certificate plus hostGuid for ESXi hosts, vcGuid for vCenter); a session
 * is bound to that certificate (the dispatcher checks it on every call); the id travels in
 * VasaProviderInfo.sessionId and the VASASESSIONID cookie. Expiry slides: each valid
 * call refreshes it. Many vCenters and hosts hold sessions at once.
 */
import crypto from 'node:crypto';
import type { Clock } from '../array/clock';

export interface HostInitiator {
  uniqueIdentifier?: string;
  iscsiIdentifier?: string;
  nodeWwn?: string;
  portWwn?: string;
}

export interface SessionContext {
  hostGuid?: string;
  vcGuid?: string;
  hostInitiators: HostInitiator[];
  hostIoIpAddresses: string[];
  subscribeEvents: string[];
  /** Client certificate (PEM) presented on the TLS connection, when any. */
  clientCertificate?: string;
  /** SHA-256 of that certificate's DER, lowercase hex without colons: the session is bound to it. */
  certFingerprint?: string;
}

export interface Session extends SessionContext {
  id: string;
  /** 'host' (ESXi, has hostGuid), 'vc' (vCenter), or 'client' (neither). */
  kind: 'host' | 'vc' | 'client';
  /** The stable key of the client: its hostGuid, vcGuid or session id. */
  clientKey: string;
  createdAt: number;
  lastUsed: number;
  timeoutMs: number;
  /** PE LD numbers per array id that the host reported seeing in-band (setPEContext). */
  peContext?: Map<number, number[]>;
  /** Calls of this session now in progress (admission control). */
  inFlight: number;
  /** The host name the array knows this ESXi host by (PE access, bindings). */
  engineHost?: string;
}

export interface SessionOptions {
  defaultTimeoutSec: number;
  minTimeoutSec: number;
  maxTimeoutSec: number;
  maxSessions: number;
  /** Sessions one client certificate may hold; its oldest gives way (so one certificate cannot crowd out the others). */
  maxSessionsPerCertificate: number;
}

export const DEFAULT_SESSION_OPTIONS: SessionOptions = {
  defaultTimeoutSec: 1800,
  minTimeoutSec: 60,
  maxTimeoutSec: 24 * 3600,
  maxSessions: 10_000,
  maxSessionsPerCertificate: 1024,
};

export class SessionManager {
  private readonly byId = new Map<string, Session>();
  private readonly byClient = new Map<string, string>();
  /** Session ids per certificate fingerprint, oldest first. */
  private readonly byCertificate = new Map<string, Set<string>>();
  readonly opts: SessionOptions;

  constructor(private readonly clock: Clock, opts: Partial<SessionOptions> = {}) {
    this.opts = { ...DEFAULT_SESSION_OPTIONS, ...opts };
  }

  /** Makes a session for a setContext; replaces the client's previous one. */
  create(ctx: SessionContext, requestedTimeoutSec?: number): Session {
    this.sweep();
    const kind: Session['kind'] = ctx.hostGuid ? 'host' : ctx.vcGuid ? 'vc' : 'client';
    const id = crypto.randomBytes(24).toString('hex');
    // Keyed by certificate and GUID: a second registered certificate presenting vCenter's
    // vcGuid (public in vCenter's own requests) must not replace vCenter's session.
    const cert = ctx.certFingerprint ?? '-';
    const clientKey = ctx.hostGuid ? `host:${cert}:${ctx.hostGuid}` : ctx.vcGuid ? `vc:${cert}:${ctx.vcGuid}` : `session:${id}`;
    const old = this.byClient.get(clientKey);
    const oldSession = old ? this.byId.get(old) : undefined;
    if (oldSession) this.remove(oldSession);
    const mine = this.byCertificate.get(cert);
    if (mine && mine.size >= this.opts.maxSessionsPerCertificate) {
      const oldest = this.byId.get(mine.values().next().value as string);
      if (oldest) this.remove(oldest);
    }
    if (this.byId.size >= this.opts.maxSessions) this.evictOldest();
    const t = requestedTimeoutSec && requestedTimeoutSec > 0 ? requestedTimeoutSec : this.opts.defaultTimeoutSec;
    const timeoutSec = Math.min(this.opts.maxTimeoutSec, Math.max(this.opts.minTimeoutSec, t));
    const now = this.clock.now();
    const s: Session = { ...ctx, id, kind, clientKey, createdAt: now, lastUsed: now, timeoutMs: timeoutSec * 1000, inFlight: 0 };
    this.byId.set(id, s);
    this.byClient.set(clientKey, id);
    let set = this.byCertificate.get(cert);
    if (!set) this.byCertificate.set(cert, (set = new Set()));
    set.add(id);
    return s;
  }

  /** The live session with this id (refreshing its expiry), or undefined. */
  touch(id: string | undefined): Session | undefined {
    if (!id || id === '0') return undefined;
    const s = this.byId.get(id);
    if (!s) return undefined;
    const now = this.clock.now();
    if (now - s.lastUsed > s.timeoutMs) {
      this.remove(s);
      return undefined;
    }
    s.lastUsed = now;
    return s;
  }

  /** The live session with this id, without refreshing its expiry (admission control). */
  peek(id: string | undefined): Session | undefined {
    if (!id || id === '0') return undefined;
    const s = this.byId.get(id);
    return s && this.clock.now() - s.lastUsed <= s.timeoutMs ? s : undefined;
  }

  remove(s: Session): void {
    this.byId.delete(s.id);
    if (this.byClient.get(s.clientKey) === s.id) this.byClient.delete(s.clientKey);
    const cert = s.certFingerprint ?? '-';
    const set = this.byCertificate.get(cert);
    if (set) {
      set.delete(s.id);
      if (set.size === 0) this.byCertificate.delete(cert);
    }
  }

  /** Ends every session made with this client certificate (it was unregistered); returns how many. */
  removeByCertificate(fingerprint: string): number {
    const ids = [...(this.byCertificate.get(fingerprint) ?? [])];
    for (const id of ids) {
      const s = this.byId.get(id);
      if (s) this.remove(s);
    }
    return ids.length;
  }

  /** Drops expired sessions. */
  sweep(): number {
    const now = this.clock.now();
    let n = 0;
    for (const s of this.byId.values()) {
      if (now - s.lastUsed > s.timeoutMs) {
        this.remove(s);
        n++;
      }
    }
    return n;
  }

  private evictOldest(): void {
    let oldest: Session | undefined;
    for (const s of this.byId.values()) if (!oldest || s.lastUsed < oldest.lastUsed) oldest = s;
    if (oldest) this.remove(oldest);
  }

  count(): { total: number; hosts: number; vcenters: number } {
    let hosts = 0;
    let vcenters = 0;
    for (const s of this.byId.values()) {
      if (s.kind === 'host') hosts++;
      else if (s.kind === 'vc') vcenters++;
    }
    return { total: this.byId.size, hosts, vcenters };
  }

  all(): Session[] {
    return [...this.byId.values()];
  }
}
