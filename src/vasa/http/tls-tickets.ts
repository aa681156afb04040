/**
 * TLS session-ticket keys kept across restarts (issue 12, S3 reconnect storm). Node
 * makes new ticket keys in every process, so after a provider restart every host pays
 * a full handshake (certificate signature, key exchange) although it holds a ticket
 * from minutes ago. The keys (48 random bytes, what Node's setTicketKeys takes) are
 * kept in <data>/certs/tls-tickets.key (0600, written atomically; `.key`: never in the
 * support bundle) and replaced when older than `rotateMs` (12 h by default): at start,
 * and by the face's hourly check while it runs. A ticket made with older keys is
 * simply not accepted (a full handshake, as without tickets).
 *
 * Resumption keeps the client certificate: OpenSSL stores the peer's certificate in
 * the session, so a resumed connection presents the certificate its session was made
 * with (sessions stay bound to it; test/vasa/tls-tickets.test.ts).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Clock } from '../../array/clock';
import { writeFileAtomic } from '../../sys/atomic-file';
import { CERT_NAMES, dataLayout } from '../../sys/layout';

export const TICKET_KEY_BYTES = 48;
export const TICKET_ROTATE_MS = 12 * 3600_000;

interface KeyFile {
  createdAt: number;
  keys: string;
}

export class TicketKeys {
  private createdAt = 0;
  private keys?: Buffer;

  constructor(readonly file: string, private readonly clock: Clock, private readonly rotateMs = TICKET_ROTATE_MS) {}

  static inDataFolder(dataDir: string, clock: Clock, rotateMs?: number): TicketKeys {
    return new TicketKeys(path.join(dataLayout(dataDir).certs, CERT_NAMES.ticketKeys), clock, rotateMs);
  }

  /** The keys in force: those of the file while young enough (and well formed), else new ones. */
  current(): Buffer {
    if (this.keys && !this.due()) return this.keys;
    const kept = this.read();
    if (kept && this.clock.now() - kept.createdAt < this.rotateMs && kept.createdAt <= this.clock.now()) {
      this.keys = kept.keys;
      this.createdAt = kept.createdAt;
      return kept.keys;
    }
    return this.renew();
  }

  /** New keys when the ones in force are due; undefined while they are not. */
  rotateIfDue(): Buffer | undefined {
    return this.due() ? this.renew() : undefined;
  }

  private due(): boolean {
    return !this.keys || this.clock.now() - this.createdAt >= this.rotateMs;
  }

  private renew(): Buffer {
    const keys = crypto.randomBytes(TICKET_KEY_BYTES);
    const createdAt = this.clock.now();
    fs.mkdirSync(path.dirname(this.file), { recursive: true, mode: 0o700 });
    writeFileAtomic(this.file, `${JSON.stringify({ createdAt, keys: keys.toString('base64') } satisfies KeyFile)}\n`, { mode: 0o600 });
    this.keys = keys;
    this.createdAt = createdAt;
    return keys;
  }

  private read(): { createdAt: number; keys: Buffer } | undefined {
    try {
      const j = JSON.parse(fs.readFileSync(this.file, 'utf8')) as Partial<KeyFile>;
      const keys = typeof j.keys === 'string' ? Buffer.from(j.keys, 'base64') : undefined;
      if (!keys || keys.length !== TICKET_KEY_BYTES || typeof j.createdAt !== 'number' || !Number.isFinite(j.createdAt)) return undefined;
      return { createdAt: j.createdAt, keys };
    } catch {
      return undefined; // none yet, or unreadable: new keys (only resumption is lost)
    }
  }
}
