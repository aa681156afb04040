/**
 * A small PKI for certificate tests: CA certificates, leaves (client or provider
 * certificates) and CRLs, all dated around a given time (the server's ManualClock, not
 * the wall clock). Certificates are made with node-forge; CRLs with pkijs, as forge
 * cannot write them.
 */
import crypto from 'node:crypto';
import * as asn1js from 'asn1js';
import forge from 'node-forge';
import * as pkijs from 'pkijs';
import type { ClientCert } from './vasa-server';

const DAY = 24 * 3600 * 1000;

export interface Ca {
  key: forge.pki.rsa.PrivateKey;
  keyPem: string;
  cert: forge.pki.Certificate;
  pem: string;
}

export interface Validity {
  /** Default: an hour before `now`. */
  notBefore?: number;
  /** Default: 30 days after `now`. */
  notAfter?: number;
}

/**
 * An RSA pair made by node:crypto (faster than forge's). Tests making many certificates
 * share one pair, and may use 1024 bits where only the count matters: forge signs in
 * JavaScript, about 0.15 s per 2048-bit signature.
 */
export function makeKeys(bits = 2048): forge.pki.rsa.KeyPair {
  const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: bits });
  const priv = forge.pki.privateKeyFromPem(privateKey.export({ type: 'pkcs1', format: 'pem' }).toString());
  return { privateKey: priv, publicKey: forge.pki.setRsaPublicKey(priv.n, priv.e) };
}

function serial(): string {
  return `01${crypto.randomBytes(8).toString('hex')}`;
}

function dates(cert: forge.pki.Certificate, now: number, v: Validity): void {
  cert.validity.notBefore = new Date(v.notBefore ?? now - 3600_000);
  cert.validity.notAfter = new Date(v.notAfter ?? now + 30 * DAY);
}

/** A self-signed CA certificate (basicConstraints cA=true, keyCertSign and cRLSign). */
export function makeCa(now: number, cn = 'Test VMCA', v: Validity & { keys?: forge.pki.rsa.KeyPair } = {}): Ca {
  const k = v.keys ?? makeKeys();
  const cert = forge.pki.createCertificate();
  cert.publicKey = k.publicKey;
  cert.serialNumber = serial();
  dates(cert, now, v);
  const attrs = [{ name: 'commonName', value: cn }, { name: 'organizationName', value: 'vsphere.local' }];
  cert.setSubject(attrs);
  cert.setIssuer(attrs);
  cert.setExtensions([{ name: 'basicConstraints', cA: true, critical: true }, { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true }]);
  cert.sign(k.privateKey, forge.md.sha256.create());
  return { key: k.privateKey, keyPem: forge.pki.privateKeyToPem(k.privateKey), cert, pem: forge.pki.certificateToPem(cert) };
}

export interface LeafOptions extends Validity {
  cn?: string;
  /** Hex serial number (default random). */
  serial?: string;
  /** Mark it a CA (basicConstraints cA=true). */
  ca?: boolean;
  /** extKeyUsage to write (default clientAuth and serverAuth); [] for none. */
  eku?: ('clientAuth' | 'serverAuth' | 'codeSigning')[];
  /** The key to certify (e.g. a CSR's); default a new pair. */
  publicKey?: forge.pki.PublicKey;
  /** The pair to certify (shared between certificates to save time); default a new pair. */
  keys?: forge.pki.rsa.KeyPair;
}

/**
 * A leaf certificate signed by `issuer`, or self-signed when issuer is undefined; with
 * its key as a ClientCert for RawSoap (empty key when `publicKey` was given).
 */
export function makeLeaf(now: number, issuer: Ca | undefined, o: LeafOptions = {}): ClientCert {
  const k = o.publicKey ? undefined : (o.keys ?? makeKeys());
  const cert = forge.pki.createCertificate();
  cert.publicKey = o.publicKey ?? (k as forge.pki.rsa.KeyPair).publicKey;
  cert.serialNumber = o.serial ?? serial();
  dates(cert, now, o);
  const subject = [{ name: 'commonName', value: o.cn ?? 'esx-01.example.test' }];
  cert.setSubject(subject);
  cert.setIssuer(issuer ? issuer.cert.subject.attributes : subject);
  const eku = o.eku ?? ['clientAuth', 'serverAuth'];
  const ext: object[] = [
    { name: 'basicConstraints', cA: !!o.ca },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, keyCertSign: !!o.ca },
    { name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] },
  ];
  if (eku.length) ext.push({ name: 'extKeyUsage', ...Object.fromEntries(eku.map((e) => [e, true])) });
  cert.setExtensions(ext);
  cert.sign(issuer ? issuer.key : (k as forge.pki.rsa.KeyPair).privateKey, forge.md.sha256.create());
  return { cert: forge.pki.certificateToPem(cert), key: k ? forge.pki.privateKeyToPem(k.privateKey) : '', certFile: '', keyFile: '' };
}

/** The hex serial number of a PEM certificate, as written in it. */
export function serialOf(pem: string): string {
  return new crypto.X509Certificate(pem).serialNumber.toLowerCase();
}

const engine = new pkijs.CryptoEngine({ name: 'test', crypto: crypto.webcrypto as unknown as ConstructorParameters<typeof pkijs.CryptoEngine>[0]['crypto'] });

/** A CRL of `ca` listing these hex serials, signed with `signer`'s key (default the CA's own). */
export async function makeCrl(now: number, ca: Ca, serials: string[], signer: Ca = ca): Promise<string> {
  const caCert = pkijs.Certificate.fromBER(new crypto.X509Certificate(ca.pem).raw);
  const der = crypto.createPrivateKey(signer.keyPem).export({ type: 'pkcs8', format: 'der' });
  const key = await crypto.webcrypto.subtle.importKey('pkcs8', der, { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, false, ['sign']);
  const crl = new pkijs.CertificateRevocationList();
  crl.version = 1;
  crl.issuer = caCert.subject;
  crl.thisUpdate = new pkijs.Time({ type: 0, value: new Date(now - 3600_000) });
  crl.nextUpdate = new pkijs.Time({ type: 0, value: new Date(now + 7 * DAY) });
  crl.revokedCertificates = serials.map((s) => new pkijs.RevokedCertificate({
    userCertificate: new asn1js.Integer({ valueHex: Buffer.from(s.length % 2 ? `0${s}` : s, 'hex') }),
    revocationDate: new pkijs.Time({ type: 0, value: new Date(now - 1800_000) }),
  }));
  await crl.sign(key as unknown as Parameters<pkijs.CertificateRevocationList['sign']>[0], 'SHA-256', engine);
  const out = Buffer.from(crl.toSchema(true).toBER(false));
  return `-----BEGIN X509 CRL-----\n${out.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n-----END X509 CRL-----\n`;
}
