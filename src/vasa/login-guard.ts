/**
 * Checks of the provider account carried in a request (registerVASACertificate,
 * registerCACertificatesAndCRLs). Skeleton: the password check is the account's; the
 * throttling per source address comes next.
 */
import type { Clock } from '../array/clock';
import type { ProviderAccount } from '../config/account';
import type { Logger } from '../log/logger';
import { VasaFault } from './faults';

export interface LoginGuardOptions {
  /** Failed logins from one address before it is throttled. */
  freeFailures: number;
}

export class LoginGuard {
  constructor(
    private readonly clock: Clock,
    private readonly account: () => ProviderAccount,
    private readonly log: Logger,
    readonly opts: Partial<LoginGuardOptions> = {},
  ) {}

  /**
   * Resolves when user and password are the provider account's; rejects with the
   * InvalidLogin fault otherwise (and while the address is throttled).
   */
  async verify(remoteAddress: string | undefined, user: unknown, password: unknown): Promise<void> {
    void this.clock;
    const ok = typeof user === 'string' && typeof password === 'string' && this.account().verify(user, password);
    if (!ok) {
      this.log.warn(`failed provider-account login from ${remoteAddress ?? '?'}`);
      throw new VasaFault('InvalidLogin', 'The user name or password of the provider account is wrong.', {}, true);
    }
  }
}
