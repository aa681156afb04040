/**
 * Keeps the served provider certificate from expiring unnoticed, whatever its origin.
 * A generated certificate is renewed warnDays before it expires; a CA-signed or a
 * configured one raises the expiring alarm (Yellow, Red once expired) at every check;
 * an expired CA-signed certificate is replaced by a new self-signed one
 * (CertificateStore.identity does it, the alarm is Red: vCenter must re-register).
 * Every replacement reloads the TLS context and raises nec.certificate.renewed.
 */
import type { Clock } from '../array/clock';
import type { Logger } from '../log/logger';
import type { CertificateStore } from './certificates';

export type AlarmStatus = 'Yellow' | 'Red';

export interface CertificateWatchOptions {
  certs: CertificateStore;
  clock: Clock;
  log: Logger;
  /** Renew (generated) or warn (CA-signed, configured) this many days before expiry. */
  warnDays: number;
  /** Raises an alarm on every array (the server knows them). */
  raiseAlarm: (status: AlarmStatus, messageId: string, message: string) => void;
  /** Makes the TLS server serve CertificateStore.identity() from now on. */
  reload: () => void;
  /** Check this often, ms (default 6 hours); 0 for no timer (the caller calls check()). */
  intervalMs?: number;
}

export interface CertificateWatch {
  check(): void;
  stop(): void;
}

const DAY = 24 * 3600 * 1000;

export function watchProviderCertificate(o: CertificateWatchOptions): CertificateWatch {
  for (const w of o.certs.loadWarnings) o.log.warn(`certificates: ${w}`);

  const check = (): void => {
    try {
      // identity() replaces an expired generated or CA-signed certificate (leaving a notice).
      let info = o.certs.identity().info;
      const left = info.validTo - o.clock.now();
      // A generated certificate shorter-lived than warnDays is left to run out (identity()
      // renews it then): renewing it early would renew it at every check.
      if (info.source === 'generated' && left < o.warnDays * DAY && info.validTo - info.validFrom > o.warnDays * DAY) {
        const days = Math.max(0, Math.floor(left / DAY));
        info = o.certs.renew(`The provider certificate ${info.fingerprint256} was due to expire on ${new Date(info.validTo).toISOString()} (${days} days left).`);
      }
      const notices = o.certs.takeNotices();
      if (notices.length) {
        o.reload();
        for (const n of notices) {
          o.log.warn(n.message);
          o.raiseAlarm(n.status, 'nec.certificate.renewed', n.message);
        }
        return;
      }
      if (left < o.warnDays * DAY) {
        const days = Math.max(0, Math.floor(left / DAY));
        const what = info.source === 'configured'
          ? `replace the configured certificate ${o.certs.configuredFiles.certFile ?? ''} and key`
          : 'have vCenter renew it (refresh the provider certificate, or re-register the provider)';
        const message = left <= 0
          ? `The provider certificate ${info.fingerprint256} expired on ${new Date(info.validTo).toISOString()}: ${what}.`
          : `The provider certificate ${info.fingerprint256} expires on ${new Date(info.validTo).toISOString()} (${days} days left): ${what} before it expires.`;
        o.log.warn(message);
        o.raiseAlarm(left <= 0 ? 'Red' : 'Yellow', 'nec.certificate.expiring', message);
      }
    } catch (e) {
      o.log.error(`checking the provider certificate failed: ${(e as Error).message}`);
    }
  };

  const interval = o.intervalMs ?? 6 * 3600 * 1000;
  const timer = interval > 0 ? setInterval(check, interval) : undefined;
  timer?.unref();
  return {
    check,
    stop() {
      if (timer) clearInterval(timer);
    },
  };
}
