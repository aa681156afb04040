/**
 * Sessions of the management screens: a random id (the cookie), the provider account
 * that logged in, a CSRF token (synchronizer token: sent by the page in X-CSRF-Token
 * on every change), and an idle expiry read from the injected clock. Kept in memory: a
 * restart logs everyone out, which is what a person expects of a restarted server.
 * The number of live sessions is capped; the least recently used goes first. A session
 * belongs to the provider account it logged in with: once the account changes (a new
 * password), every older session ends.
 */
import { randomBytes } from 'node:crypto';
import type express from 'express';
import type { Clock } from '../array/clock';
import { cookieValue } from './cookies';

export const SESSION_COOKIE = 'vvol_session';

export interface SessionOptions {
  /** A session unused this long ends (ms); default 15 minutes. */
  idleMs: number;
  /** ...and any session ends this long after its login (ms); default 12 hours. */
  maxAgeMs: number;
  /** Live sessions kept at most; default 200. */
  maxSessions: number;
}

export const DEFAULT_SESSION_OPTIONS: SessionOptions = { idleMs: 15 * 60_000, maxAgeMs: 12 * 3600_000, maxSessions: 200 };

export interface Session {
  id: string;
  user: string;
  csrf: string;
  createdAt: number;
  lastSeenAt: number;
  /** The account object it logged in with (compared by identity). */
  account: object | undefined;
}

const ID_PATTERN = /^[A-Za-z0-9_-]{43}$/;
const token = (): string => randomBytes(32).toString('base64url');

export class SessionStore {
  private readonly o: SessionOptions;
  /** In least-recently-used order (a Map keeps insertion order; a use re-inserts). */
  private readonly live = new Map<string, Session>();

  /** `account`: the provider account in force, a new object whenever it changes (default: one account forever). */
  constructor(private readonly clock: Clock, o: Partial<SessionOptions> = {}, private readonly account: () => object | undefined = () => undefined) {
    this.o = { ...DEFAULT_SESSION_OPTIONS, ...o };
  }

  get idleMs(): number {
    return this.o.idleMs;
  }

  create(user: string): Session {
    const now = this.clock.now();
    const s: Session = { id: token(), user, csrf: token(), createdAt: now, lastSeenAt: now, account: this.account() };
    this.live.set(s.id, s);
    while (this.live.size > this.o.maxSessions) this.live.delete(this.live.keys().next().value as string);
    return s;
  }

  /** The live session with this id, its idle time renewed; an expired one is dropped. */
  get(id: string | undefined): Session | undefined {
    if (id === undefined || !ID_PATTERN.test(id)) return undefined;
    const s = this.live.get(id);
    if (!s) return undefined;
    const now = this.clock.now();
    this.live.delete(id);
    if (now - s.lastSeenAt >= this.o.idleMs || now - s.createdAt >= this.o.maxAgeMs || s.account !== this.account()) return undefined;
    s.lastSeenAt = now;
    this.live.set(id, s);
    return s;
  }

  /** The session the request's cookie names. */
  fromRequest(req: express.Request): Session | undefined {
    return this.get(cookieValue(req.get('Cookie'), SESSION_COOKIE));
  }

  end(id: string): void {
    this.live.delete(id);
  }

  /** Ends every session (the provider account changed, the server stops). */
  clear(): void {
    this.live.clear();
  }

  get size(): number {
    return this.live.size;
  }

  /** The admin API's check (src/admin/api/auth.ts SessionCheck): null when a session cookie is sent but its session is over. */
  readonly check = (req: express.Request): { csrf: string } | null | undefined => {
    const id = cookieValue(req.get('Cookie'), SESSION_COOKIE);
    if (id === undefined || id === '') return undefined;
    return this.get(id) ?? null;
  };
}
