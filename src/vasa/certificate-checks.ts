/**
 * Checks of certificates and CRLs that arrive over the VASA face: taking only the
 * certificate out of a PEM text (a private key sent along is dropped, never stored),
 * whether a certificate may be a TLS client's, and CRLs (parsed and signature-checked
 * with pkijs: node:crypto does not read CRLs).
 */
import crypto from 'node:crypto';
import { decodePem, type PemBlock } from './pem';
import * as pkijs from 'pkijs';

/** A refusal whose message the admin can act on (the handlers send it as InvalidCertificate). */
export class CertificateError extends Error {}

/** Largest PEM text (one certificate, root or CRL) accepted, bytes. */
export const MAX_PEM_BYTES = 64 * 1024;

const DAY = 24 * 3600 * 1000;
/** Clocks of vCenter, its CA and this provider may differ a little: a certificate issued a moment ago is not "not yet valid". */
export const CLOCK_SKEW_MS = 5 * 60 * 1000;

const OID_CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';
const OID_SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
const OID_ANY_EKU = '2.5.29.37.0';
const OID_KEY_USAGE = '2.5.29.15';

/** WebCrypto of node for pkijs, passed per call rather than set globally. */
type EngineCrypto = ConstructorParameters<typeof pkijs.CryptoEngine>[0]['crypto'];
const engine = new pkijs.CryptoEngine({ name: 'node', crypto: crypto.webcrypto as unknown as EngineCrypto });

export interface PemBlocks {
  certificates: crypto.X509Certificate[];
  /** Labels of the other blocks found (e.g. PRIVATE KEY), dropped. */
  dropped: string[];
}

/**
 * The CERTIFICATE blocks of a PEM text, parsed, and the labels of everything else (which
 * is dropped). pem.ts splits the blocks; node:crypto parses each.
 */
export function pemBlocks(text: string, what: string): PemBlocks {
  if (Buffer.byteLength(text, 'utf8') > MAX_PEM_BYTES) throw new CertificateError(`The ${what} is larger than ${MAX_PEM_BYTES / 1024} KiB.`);
  let blocks: PemBlock[];
  try {
    blocks = decodePem(text);
  } catch {
    blocks = [];
  }
  if (blocks.length === 0) throw new CertificateError(`The ${what} is not a PEM X.509 certificate.`);
  const certificates: crypto.X509Certificate[] = [];
  const dropped: string[] = [];
  for (const b of blocks) {
    if (b.label !== 'CERTIFICATE') {
      dropped.push(b.label);
      continue;
    }
    try {
      certificates.push(new crypto.X509Certificate(b.der));
    } catch {
      throw new CertificateError(`The ${what} holds a CERTIFICATE block that is not an X.509 certificate.`);
    }
  }
  return { certificates, dropped };
}

/** Exactly one certificate out of a PEM text: more than one is ambiguous, so refused; keys and other blocks are dropped. */
export function oneCertificate(text: string, what: string): { cert: crypto.X509Certificate; dropped: string[] } {
  const { certificates, dropped } = pemBlocks(text, what);
  if (certificates.length === 0) throw new CertificateError(`The ${what} is not a PEM X.509 certificate.`);
  if (certificates.length > 1) throw new CertificateError(`The ${what} holds ${certificates.length} certificates: send exactly one.`);
  return { cert: certificates[0], dropped };
}

/** Lowercase hex SHA-256 of the DER, no colons: what sessions and the trust store are keyed by. */
export function fingerprintOf(x: crypto.X509Certificate): string {
  return x.fingerprint256.replace(/:/g, '').toLowerCase();
}

/** A serial number as lowercase hex without leading zeros (CRLs and node:crypto write them differently). */
export function normSerial(hex: string): string {
  return hex.toLowerCase().replace(/^0+(?=.)/, '');
}

const iso = (t: number) => new Date(t).toISOString();

/** Why a certificate is not valid at `now`, or undefined while it is. */
export function validityProblem(x: crypto.X509Certificate, now: number, what = 'certificate'): string | undefined {
  const from = Date.parse(x.validFrom);
  const to = Date.parse(x.validTo);
  if (now + CLOCK_SKEW_MS < from) return `the ${what} is not valid before ${iso(from)}`;
  if (now > to) return `the ${what} expired on ${iso(to)}`;
  return undefined;
}

/** The keyUsage bits of a certificate, or undefined when it has no keyUsage extension. */
function keyUsageBits(x: crypto.X509Certificate): Uint8Array | undefined {
  const c = pkijs.Certificate.fromBER(x.raw);
  const ext = c.extensions?.find((e) => e.extnID === OID_KEY_USAGE);
  const bits = ext?.parsedValue as { valueBlock?: { valueHexView?: Uint8Array } } | undefined;
  return ext ? (bits?.valueBlock?.valueHexView ?? new Uint8Array()) : undefined;
}

/**
 * Why a certificate cannot be a TLS client's, or undefined: a CA certificate is not a
 * client's, keyUsage (when present) must allow digitalSignature, extKeyUsage (when
 * present) clientAuth.
 */
export function clientUsageProblem(x: crypto.X509Certificate): string | undefined {
  if (x.ca) return 'it is a CA certificate (basicConstraints cA=true), not a client certificate';
  const eku = x.keyUsage;
  if (eku && eku.length && !eku.includes(OID_CLIENT_AUTH) && !eku.includes(OID_ANY_EKU)) return 'its extended key usage does not allow TLS client authentication (clientAuth)';
  let ku: Uint8Array | undefined;
  try {
    ku = keyUsageBits(x);
  } catch {
    return 'its extensions cannot be read';
  }
  if (ku && !((ku[0] ?? 0) & 0x80)) return 'its key usage does not allow digitalSignature, which a TLS client needs';
  return undefined;
}

/** Why a certificate cannot be the provider's TLS server certificate, or undefined. */
export function serverUsageProblem(x: crypto.X509Certificate): string | undefined {
  if (x.ca) return 'it is a CA certificate (basicConstraints cA=true)';
  const eku = x.keyUsage;
  if (eku && eku.length && !eku.includes(OID_SERVER_AUTH) && !eku.includes(OID_ANY_EKU)) return 'its extended key usage does not allow TLS server authentication (serverAuth)';
  return undefined;
}

/** Days before `validTo` a provider certificate must still have when installed. */
export const MIN_INSTALL_DAYS = 1;
export const MIN_INSTALL_MS = MIN_INSTALL_DAYS * DAY;

export interface ParsedCrl {
  /** Canonical PEM (DER re-encoded), what is stored and queried. */
  pem: string;
  der: Buffer;
  /** The issuer name's DER, hex: matched against the roots' subjectKey. */
  issuer: string;
  /** Revoked serials, normalised (normSerial). */
  revoked: Set<string>;
  thisUpdate: number;
  nextUpdate?: number;
  crl: pkijs.CertificateRevocationList;
}

/** A DER object as PEM text under its label (CERTIFICATE, X509 CRL). */
export function derToPem(der: Buffer, label: string): string {
  return `-----BEGIN ${label}-----\n${der.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n-----END ${label}-----\n`;
}

/**
 * A name's DER. Names are compared by their encoding (CRL issuer against root subject,
 * certificate issuer against root subject): node:crypto's text form of a name is not
 * available for a CRL, and text forms can collide where encodings do not.
 */
function nameDer(n: pkijs.RelativeDistinguishedNames): Buffer {
  return Buffer.from(n.toSchema().toBER(false));
}

/** Parses one PEM CRL; throws CertificateError when it is not one. */
export function parseCrl(text: string): ParsedCrl {
  if (Buffer.byteLength(text, 'utf8') > MAX_PEM_BYTES) throw new CertificateError(`A CRL is larger than ${MAX_PEM_BYTES / 1024} KiB.`);
  let blocks: PemBlock[];
  try {
    blocks = decodePem(text);
  } catch {
    throw new CertificateError('A CRL is not a PEM X.509 CRL (-----BEGIN X509 CRL-----).');
  }
  const crls = blocks.filter((b) => b.label === 'X509 CRL');
  if (crls.length !== 1) throw new CertificateError(crls.length ? 'A caCRL element holds more than one CRL: send one per element.' : 'A CRL is not a PEM X.509 CRL (-----BEGIN X509 CRL-----).');
  const der = crls[0].der;
  let crl: pkijs.CertificateRevocationList;
  try {
    crl = pkijs.CertificateRevocationList.fromBER(der);
  } catch {
    throw new CertificateError('A CRL is malformed: it is not a DER X.509 CRL.');
  }
  const revoked = new Set<string>();
  for (const r of crl.revokedCertificates ?? []) revoked.add(normSerial(Buffer.from(r.userCertificate.valueBlock.valueHexView).toString('hex')));
  return {
    pem: derToPem(der, 'X509 CRL'),
    der,
    issuer: nameDer(crl.issuer).toString('hex'),
    revoked,
    thisUpdate: crl.thisUpdate.value.getTime(),
    nextUpdate: crl.nextUpdate?.value.getTime(),
    crl,
  };
}

/** The DER of a certificate's subject name, hex: what a CRL's issuer is matched against. */
export function subjectKey(x: crypto.X509Certificate): string {
  return nameDer(pkijs.Certificate.fromBER(x.raw).subject).toString('hex');
}

/** Whether the CRL's signature verifies with this root's key (pkijs also compares the names). */
export async function crlSignedBy(c: ParsedCrl, root: crypto.X509Certificate): Promise<boolean> {
  try {
    return await c.crl.verify({ issuerCertificate: pkijs.Certificate.fromBER(root.raw) }, engine);
  } catch {
    return false;
  }
}
