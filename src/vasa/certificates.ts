/**
 * The provider's TLS identity and the certificates it trusts. At first start a key
 * (RSA 2048) and a self-signed certificate (SHA-256, subject alternative names for
 * the configured host names and addresses) are made with node-forge and kept in
 * <data>/certs with 0600 permissions; a configured pair replaces them. VASA's
 * certificate operations (requestCSR, registerCASignedProviderCertificate,
 * registerCACertificatesAndCRLs, registerVASACertificate) change what is here.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import forge from 'node-forge';
import type { Clock } from '../array/clock';
import { writeFileAtomic } from '../config/atomic-file';

export interface CertificateOptions {
  /** Host names and IP addresses the certificate names (subject alternative names). */
  names: string[];
  /** A configured certificate and key (PEM files) that replace the generated pair. */
  certFile?: string;
  keyFile?: string;
  /** Lifetime of a generated certificate, days. */
  days?: number;
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
  const keys = forge.pki.rsa.generateKeyPair({ bits: 2048, e: 0x10001 });
  const cert = forge.pki.createCertificate();
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
  cert.sign(keys.privateKey, forge.md.sha256.create());
  return { key: forge.pki.privateKeyToPem(keys.privateKey), cert: forge.pki.certificateToPem(cert) };
}

/** A PKCS#10 request for the provider's current key (VASA requestCSR). */
export function makeCsr(keyPem: string, names: string[]): string {
  const key = forge.pki.privateKeyFromPem(keyPem);
  const csr = forge.pki.createCertificationRequest();
  csr.publicKey = forge.pki.setRsaPublicKey(key.n, key.e);
  csr.setSubject([{ name: 'commonName', value: names[0] ?? 'localhost' }, { name: 'organizationName', value: 'vvol-provider' }]);
  const altNames = names.map((n) => (net.isIP(n) ? { type: 7, ip: n } : { type: 2, value: n }));
  csr.setAttributes([{ name: 'extensionRequest', extensions: [{ name: 'subjectAltName', altNames }] }]);
  csr.sign(key, forge.md.sha256.create());
  return forge.pki.certificationRequestToPem(csr);
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

export function isPemCertificate(pem: string): boolean {
  try {
    new crypto.X509Certificate(pem);
    return true;
  } catch {
    return false;
  }
}

export class CertificateStore {
  readonly dir: string;
  private readonly trustedDir: string;
  private readonly caDir: string;

  constructor(dataDir: string, private readonly clock: Clock, private readonly opts: CertificateOptions) {
    this.dir = path.join(dataDir, 'certs');
    this.trustedDir = path.join(this.dir, 'trusted');
    this.caDir = path.join(this.dir, 'ca');
    for (const d of [this.dir, this.trustedDir, this.caDir]) fs.mkdirSync(d, { recursive: true, mode: 0o700 });
  }

  private get keyFile() { return path.join(this.dir, 'provider.key'); }
  private get certFile() { return path.join(this.dir, 'provider.crt'); }
  private get sourceFile() { return path.join(this.dir, 'provider.source'); }

  /**
   * The key and certificate to serve. Generated on first use; a configured pair wins;
   * an expired generated certificate is renewed (the caller raises the alarm).
   */
  identity(): { key: string; cert: string; info: CertificateInfo; renewed: boolean } {
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
      const info = describeCertificate(fs.readFileSync(this.certFile, 'utf8'), this.source());
      if (info.validTo <= this.clock.now() && info.source === 'generated') {
        this.generate();
        renewed = true;
      }
    }
    const cert = fs.readFileSync(this.certFile, 'utf8');
    return { key: fs.readFileSync(this.keyFile, 'utf8'), cert, info: describeCertificate(cert, this.source()), renewed };
  }

  private source(): CertificateInfo['source'] {
    return fs.existsSync(this.sourceFile) ? (fs.readFileSync(this.sourceFile, 'utf8').trim() as CertificateInfo['source']) : 'generated';
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

  /** Installs a CA-signed certificate for the current key (VASA registerCASignedProviderCertificate). */
  installSigned(certPem: string): CertificateInfo {
    if (!isPemCertificate(certPem)) throw new Error('The provider certificate is not a PEM certificate.');
    if (!keyMatches(certPem, fs.readFileSync(this.keyFile, 'utf8'))) throw new Error('The provider certificate does not belong to the provider key (was it signed from our CSR?).');
    const info = describeCertificate(certPem, 'ca-signed');
    if (info.validTo <= this.clock.now()) throw new Error('The provider certificate has expired.');
    writeFileAtomic(this.certFile, certPem);
    writeFileAtomic(this.sourceFile, 'ca-signed\n');
    return info;
  }

  private static fp(pem: string): string {
    return new crypto.X509Certificate(pem).fingerprint256.replace(/:/g, '').toLowerCase();
  }

  /** Trusts a client certificate (VASA registerVASACertificate). */
  trust(pem: string): string {
    const fp = CertificateStore.fp(pem);
    writeFileAtomic(path.join(this.trustedDir, `${fp}.pem`), pem);
    return fp;
  }

  /** Stops trusting a client certificate; false when it was not trusted. */
  untrust(pem: string): boolean {
    const f = path.join(this.trustedDir, `${CertificateStore.fp(pem)}.pem`);
    if (!fs.existsSync(f)) return false;
    fs.rmSync(f);
    return true;
  }

  isTrusted(pem: string): boolean {
    return fs.existsSync(path.join(this.trustedDir, `${CertificateStore.fp(pem)}.pem`));
  }

  /** Replaces the CA roots and CRLs (VASA registerCACertificatesAndCRLs / refresh). */
  setCas(roots: string[], crls: string[]): void {
    for (const f of fs.readdirSync(this.caDir)) fs.rmSync(path.join(this.caDir, f));
    roots.forEach((pem, i) => writeFileAtomic(path.join(this.caDir, `root-${i}.pem`), pem));
    crls.forEach((pem, i) => writeFileAtomic(path.join(this.caDir, `crl-${i}.pem`), pem));
  }

  cas(): { roots: string[]; crls: string[] } {
    const files = fs.readdirSync(this.caDir).sort();
    const read = (prefix: string) => files.filter((f) => f.startsWith(prefix)).map((f) => fs.readFileSync(path.join(this.caDir, f), 'utf8'));
    return { roots: read('root-'), crls: read('crl-') };
  }

  /** Whether a client certificate chains to one of the registered CA roots. */
  signedByCa(pem: string): boolean {
    const x = new crypto.X509Certificate(pem);
    return this.cas().roots.some((r) => {
      try {
        const ca = new crypto.X509Certificate(r);
        return x.checkIssued(ca) && x.verify(ca.publicKey);
      } catch {
        return false;
      }
    });
  }
}
