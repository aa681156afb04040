/**
 * The provider's TLS identity and the certificates it trusts. At first start a key
 * (RSA 2048) and a self-signed certificate (SHA-256, subject alternative names for
 * the configured host names and addresses) are made with node-forge and kept in
 * <data>/certs with 0600 permissions; a configured pair replaces them. VASA's
 * certificate operations (requestCSR, registerCASignedProviderCertificate,
 * registerCACertificatesAndCRLs, registerVASACertificate) change what is here; the
 * certificates it trusts are held parsed in memory by TrustStore (trust-store.ts), and
 * certificate-watch.ts renews or alarms before the served certificate expires.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { forge } from './forge';
import type { Clock } from '../array/clock';
import { writeFileAtomic } from '../sys/atomic-file';
import { CertificateError, fingerprintOf, MIN_INSTALL_DAYS, MIN_INSTALL_MS, oneCertificate, serverUsageProblem, validityProblem } from './certificate-checks';
import { ClientVerdict, DEFAULT_TRUST_LIMITS, TrustLimits, TrustStore } from './trust-store';
import { CERT_NAMES, dataLayout } from '../sys/layout';

export { CertificateError } from './certificate-checks';
export type { ClientVerdict, TrustLimits } from './trust-store';

export interface CertificateOptions {
  /** Host names and IP addresses the certificate names (subject alternative names). */
  names: string[];
  /** A configured certificate and key (PEM files) that replace the generated pair. */
  certFile?: string;
  keyFile?: string;
  /** Lifetime of a generated certificate, days. */
  days?: number;
  /** Caps on registered client certificates, CA roots and CRLs. */
  limits?: Partial<TrustLimits>;
}

export interface CertificateInfo {
  fingerprint256: string;
  subject: string;
  issuer: string;
  validFrom: number;
  validTo: number;
  selfSigned: boolean;
  source: 'generated' | 'configured' | 'ca-signed';
}

const DAY = 24 * 3600 * 1000;


export function describeCertificate(pem: string, source: CertificateInfo['source']): CertificateInfo {
  const x = new crypto.X509Certificate(pem);
  return {
    fingerprint256: x.fingerprint256,
    subject: x.subject,
    issuer: x.issuer,
    validFrom: Date.parse(x.validFrom),
    validTo: Date.parse(x.validTo),
    selfSigned: x.subject === x.issuer,
    source,
  };
}

/** Makes a key and a self-signed certificate valid from now for `days`. */
export function makeSelfSigned(names: string[], now: number, days = 825): { key: string; cert: string } {
  const keys = forge().pki.rsa.generateKeyPair({ bits: 2048, e: 0x10001 });
  const cert = forge().pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = `01${crypto.randomBytes(15).toString('hex')}`;
  cert.validity.notBefore = new Date(now - 5 * 60 * 1000);
  cert.validity.notAfter = new Date(now + days * DAY);
  const cn = names[0] ?? 'localhost';
  const attrs = [
    { name: 'commonName', value: cn },
    { name: 'organizationName', value: 'vvol-provider' },
    { shortName: 'OU', value: 'VASA Provider' },
  ];
  cert.setSubject(attrs);
  cert.setIssuer(attrs);
  const altNames = names.map((n) => (net.isIP(n) ? { type: 7, ip: n } : { type: 2, value: n }));
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
    { name: 'extKeyUsage', serverAuth: true, clientAuth: true },
    { name: 'subjectAltName', altNames },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(keys.privateKey, forge().md.sha256.create());
  return { key: forge().pki.privateKeyToPem(keys.privateKey), cert: forge().pki.certificateToPem(cert) };
}

/** A PKCS#10 request for the provider's current key (VASA requestCSR). */
export function makeCsr(keyPem: string, names: string[]): string {
  const key = forge().pki.privateKeyFromPem(keyPem);
  const csr = forge().pki.createCertificationRequest();
  csr.publicKey = forge().pki.setRsaPublicKey(key.n, key.e);
  csr.setSubject([{ name: 'commonName', value: names[0] ?? 'localhost' }, { name: 'organizationName', value: 'vvol-provider' }]);
  const altNames = names.map((n) => (net.isIP(n) ? { type: 7, ip: n } : { type: 2, value: n }));
  csr.setAttributes([{ name: 'extensionRequest', extensions: [{ name: 'subjectAltName', altNames }] }]);
  csr.sign(key, forge().md.sha256.create());
  return forge().pki.certificationRequestToPem(csr);
}

/** Whether the certificate's public key belongs to the private key. */
export function keyMatches(certPem: string, keyPem: string): boolean {
  try {
    const pub = new crypto.X509Certificate(certPem).publicKey.export({ type: 'spki', format: 'der' });
    const fromKey = crypto.createPublicKey(crypto.createPrivateKey(keyPem)).export({ type: 'spki', format: 'der' });
    return Buffer.compare(pub, fromKey) === 0;
  } catch {
    return false;
  }
}

/** A change of the served certificate made without being asked (the watch raises the alarm). */
export interface RenewalNotice {
  status: 'Yellow' | 'Red';
  message: string;
}

export interface Identity {
  key: string;
  cert: string;
  info: CertificateInfo;
  /** Whether this call replaced an expired (or unreadable) certificate with a new self-signed one. */
  renewed: boolean;
}

export class CertificateStore {
  readonly dir: string;
  private readonly trustStore: TrustStore;
  private notices: RenewalNotice[] = [];

  constructor(dataDir: string, private readonly clock: Clock, private readonly opts: CertificateOptions) {
    this.dir = dataLayout(dataDir).certs;
    fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    this.trustStore = new TrustStore(this.dir, clock, { ...DEFAULT_TRUST_LIMITS, ...opts.limits });
  }

  private get keyFile() { return path.join(this.dir, CERT_NAMES.key); }
  private get certFile() { return path.join(this.dir, CERT_NAMES.cert); }
  private get sourceFile() { return path.join(this.dir, CERT_NAMES.source); }

  /** Whether the provider serves a configured pair (certFile/keyFile settings). */
  get configured(): boolean {
    return !!(this.opts.certFile && this.opts.keyFile);
  }

  /** The files of the configured pair, for messages. */
  get configuredFiles(): { certFile?: string; keyFile?: string } {
    return { certFile: this.opts.certFile, keyFile: this.opts.keyFile };
  }

  /**
   * The key and certificate to serve. Generated on first use; a configured pair wins (and
   * is served even when expired: the admin chose it; the watch raises the alarm). A
   * generated certificate that has expired is renewed; a CA-signed one that has expired
   * (or whose files no longer agree with each other) is replaced by a new self-signed
   * pair: an expired CA-signed certificate is never served. Each replacement leaves a
   * notice for the watch (takeNotices).
   */
  identity(): Identity {
    if (this.opts.certFile && this.opts.keyFile) {
      const cert = fs.readFileSync(this.opts.certFile, 'utf8');
      const key = fs.readFileSync(this.opts.keyFile, 'utf8');
      if (!keyMatches(cert, key)) throw new Error(`The configured certificate ${this.opts.certFile} does not belong to the key ${this.opts.keyFile}.`);
      return { key, cert, info: describeCertificate(cert, 'configured'), renewed: false };
    }
    let renewed = false;
    if (!fs.existsSync(this.keyFile) || !fs.existsSync(this.certFile)) {
      this.generate();
    } else {
      const problem = this.installedProblem();
      if (problem) {
        this.generate();
        renewed = true;
        this.notices.push(problem);
      }
    }
    const cert = fs.readFileSync(this.certFile, 'utf8');
    return { key: fs.readFileSync(this.keyFile, 'utf8'), cert, info: describeCertificate(cert, this.source()), renewed };
  }

  /** Why the installed pair must not be served (and what to tell the admin), or undefined. */
  private installedProblem(): RenewalNotice | undefined {
    const source = this.source();
    const certPem = fs.readFileSync(this.certFile, 'utf8');
    let info: CertificateInfo;
    try {
      info = describeCertificate(certPem, source);
    } catch {
      return { status: 'Red', message: 'The provider certificate file could not be read; a new self-signed certificate was made: re-register the provider in vCenter.' };
    }
    if (!keyMatches(certPem, fs.readFileSync(this.keyFile, 'utf8'))) {
      return { status: 'Red', message: `The ${source} provider certificate ${info.fingerprint256} does not belong to the provider key; a new self-signed certificate was made: re-register the provider in vCenter.` };
    }
    if (info.validTo > this.clock.now()) return undefined;
    const when = new Date(info.validTo).toISOString();
    return source === 'ca-signed'
      ? { status: 'Red', message: `The CA-signed provider certificate ${info.fingerprint256} expired on ${when}; the provider now serves a new self-signed certificate: re-register the provider in vCenter (or refresh its certificate) to have a new one signed.` }
      : { status: 'Red', message: `The provider certificate ${info.fingerprint256} expired on ${when} and was renewed; re-register the provider or refresh its certificate in vCenter.` };
  }

  /** Renews the generated certificate before it expires (the watch calls this); leaves a notice. */
  renew(reason: string): CertificateInfo {
    this.generate();
    const info = describeCertificate(fs.readFileSync(this.certFile, 'utf8'), 'generated');
    this.notices.push({ status: 'Yellow', message: `${reason} A new self-signed provider certificate ${info.fingerprint256} was made, valid until ${new Date(info.validTo).toISOString()}; re-register the provider or refresh its certificate in vCenter.` });
    return info;
  }

  /** The replacements made since the last call (for the alarm), oldest first. */
  takeNotices(): RenewalNotice[] {
    const n = this.notices;
    this.notices = [];
    return n;
  }

  private source(): CertificateInfo['source'] {
    const s = fs.existsSync(this.sourceFile) ? fs.readFileSync(this.sourceFile, 'utf8').trim() : 'generated';
    return s === 'ca-signed' || s === 'configured' ? s : 'generated';
  }

  /** Makes a fresh key and self-signed certificate. */
  generate(): void {
    const { key, cert } = makeSelfSigned(this.opts.names, this.clock.now(), this.opts.days);
    writeFileAtomic(this.keyFile, key);
    writeFileAtomic(this.certFile, cert);
    writeFileAtomic(this.sourceFile, 'generated\n');
  }

  csr(): string {
    return makeCsr(fs.readFileSync(this.keyFile, 'utf8'), this.opts.names);
  }

  /**
   * Installs a CA-signed certificate for the current key (VASA
   * registerCASignedProviderCertificate), checked before it is served: exactly one
   * certificate, made for our key, valid now and for at least a day more, a server
   * certificate, and, once CA roots are registered, issued and signed by one of them
   * and not revoked. Throws CertificateError with the reason.
   */
  installSigned(text: string): CertificateInfo {
    if (this.configured) throw new CertificateError('The provider serves a configured certificate (certFile/keyFile settings); change those files instead.');
    const { cert } = oneCertificate(text, 'provider certificate');
    if (!keyMatches(cert.toString(), fs.readFileSync(this.keyFile, 'utf8'))) throw new CertificateError('The provider certificate does not belong to the provider key (was it signed from our CSR?).');
    const now = this.clock.now();
    const why = validityProblem(cert, now, 'provider certificate') ?? serverUsageProblem(cert);
    if (why) throw new CertificateError(`The provider certificate cannot be installed: ${why}.`);
    const to = Date.parse(cert.validTo);
    if (to - now < MIN_INSTALL_MS) throw new CertificateError(`The provider certificate expires on ${new Date(to).toISOString()}, in less than ${MIN_INSTALL_DAYS} day: sign one that lasts longer.`);
    if (this.trustStore.hasRoots()) {
      if (!this.trustStore.issuingRoot(cert)) throw new CertificateError('The provider certificate is not issued and signed by a registered CA root (registerCACertificatesAndCRLs), or that root is not valid now.');
      if (this.trustStore.isRevoked(cert)) throw new CertificateError('The provider certificate is revoked by a registered CRL.');
    }
    const pem = cert.toString();
    writeFileAtomic(this.certFile, pem);
    writeFileAtomic(this.sourceFile, 'ca-signed\n');
    return describeCertificate(pem, 'ca-signed');
  }

  // ------------------------------------------------------------------ trust (see trust-store.ts)

  /** Increments on every change of trust (trust, untrust, setCas). */
  get trustVersion(): number {
    return this.trustStore.trustVersion;
  }

  /** What was wrong with the trust folders at load (the watch logs it once). */
  get loadWarnings(): readonly string[] {
    return this.trustStore.loadWarnings;
  }

  /** Trusts a client certificate (registerVASACertificate); throws CertificateError when it is refused. */
  trust(text: string): { fingerprint: string; dropped: string[] } {
    return this.trustStore.trust(text);
  }

  /** Stops trusting a client certificate: its fingerprint, or undefined when it was not registered. */
  untrust(text: string): string | undefined {
    return this.trustStore.untrust(text);
  }

  /** Whether this exact certificate is registered. */
  isTrusted(pem: string): boolean {
    try {
      return this.trustStore.isTrusted(CertificateStore.fp(pem));
    } catch {
      return false;
    }
  }

  /** Replaces the CA roots and CRLs (registerCACertificatesAndCRLs / refresh); throws CertificateError, changing nothing. */
  setCas(roots: string[], crls: string[]): Promise<void> {
    return this.trustStore.setCas(roots, crls);
  }

  cas(): { roots: string[]; crls: string[] } {
    return this.trustStore.cas();
  }

  /** Whether a client certificate chains to one of the registered CA roots valid now. */
  signedByCa(pem: string): boolean {
    try {
      return !!this.trustStore.issuingRoot(new crypto.X509Certificate(pem));
    } catch {
      return false;
    }
  }

  /**
   * Whether a client certificate is acceptable now (setContext, and every call of its
   * session): see TrustStore.verifyClient. Costs a Map lookup for a PEM seen before.
   */
  verifyClient(pem: string): ClientVerdict {
    return this.trustStore.verifyClient(pem);
  }

  /** Lowercase hex SHA-256 of the DER, without colons. */
  static fp(pem: string): string {
    return fingerprintOf(new crypto.X509Certificate(pem));
  }
}
