/**
 * Connection caps, counted on the raw TCP socket before TLS starts: at most `total`
 * open connections and `perAddress` from one address. Over a cap the new connection is
 * closed at once, so a flood from one address (or sockets that never start TLS; the TLS
 * handshake has its own timeout) cannot use up the descriptors that vCenter and the
 * hosts need.
 */
import type net from 'node:net';

export interface ConnectionLimitOptions {
  total: number;
  perAddress: number;
}

/**
 * Defaults: vCenter and each ESXi host hold a few keep-alive connections each (a host's
 * vvold at most 5 outstanding calls); 1,024 from one address leaves room for NAT and for
 * load tools on loopback, and the total stays well under the unit's LimitNOFILE (65,536).
 */
export const DEFAULT_CONNECTION_LIMITS: ConnectionLimitOptions = { total: 8192, perAddress: 1024 };

/** An IPv4 address as such, whether or not the socket reports it IPv4-mapped. */
export function plainAddress(a: string | undefined): string | undefined {
  return a?.startsWith('::ffff:') && a.includes('.') ? a.slice(7) : a;
}

export function isLoopback(a: string | undefined): boolean {
  const p = plainAddress(a);
  return !!p && (p.startsWith('127.') || p === '::1');
}

export class ConnectionLimits {
  private readonly byAddress = new Map<string, number>();
  private open = 0;
  /** The most connections one address held at once (what the per-address cap bounds). */
  private peakPerAddress = 0;
  refused = 0;

  constructor(readonly opts: ConnectionLimitOptions) {}

  /** Counts a new raw connection, or closes it when a cap is reached. */
  readonly admit = (sock: net.Socket): void => {
    const addr = plainAddress(sock.remoteAddress) ?? '?';
    const mine = this.byAddress.get(addr) ?? 0;
    if (this.open >= this.opts.total || mine >= this.opts.perAddress) {
      this.refused++;
      sock.destroy();
      return;
    }
    this.open++;
    this.byAddress.set(addr, mine + 1);
    this.peakPerAddress = Math.max(this.peakPerAddress, mine + 1);
    sock.once('close', () => {
      this.open--;
      const n = (this.byAddress.get(addr) ?? 1) - 1;
      if (n <= 0) this.byAddress.delete(addr);
      else this.byAddress.set(addr, n);
    });
  };

  stats(): { open: number; addresses: number; refused: number; peakPerAddress: number } {
    return { open: this.open, addresses: this.byAddress.size, refused: this.refused, peakPerAddress: this.peakPerAddress };
  }
}
