/**
 * The certificates the provider trusts: client certificates registered with
 * registerVASACertificate (<certs>/trusted/<sha256>.pem) and the CA roots and CRLs of
 * registerCACertificatesAndCRLs (<certs>/ca/root-N.pem, crl-N.pem). Everything is read
 * and parsed once, at construction, and held in memory; a change is validated whole
 * and then swapped in (memory and folder), so a refused call changes nothing. Counts
 * and sizes are capped: thousands of roots once made every unknown certificate's
 * setContext re-read and parse them all.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Clock } from '../array/clock';
import { fsyncDirSync, writeFileAtomic } from '../sys/atomic-file';
import { CERT_NAMES } from '../sys/layout';
import {
  CertificateError, clientUsageProblem, crlSignedBy, fingerprintOf, MAX_PEM_BYTES, normSerial, oneCertificate, ParsedCrl, parseCrl, pemBlocks,
  subjectKey, validityProblem,
} from './certificate-checks';

export interface TrustLimits {
  /** CA certificates registered at once. */
  maxRoots: number;
  /** CRLs registered at once. */
  maxCrls: number;
  /** Client certificates registered with registerVASACertificate. */
  maxTrusted: number;
}

export const DEFAULT_TRUST_LIMITS: TrustLimits = { maxRoots: 64, maxCrls: 64, maxTrusted: 256 };

export type ClientVerdict = { ok: true; fingerprint: string } | { ok: false; reason: string };

interface Root {
  pem: string;
  x: crypto.X509Certificate;
  fp: string;
  /** The subject name's DER, hex (to match CRL issuers at load). */
  subjectDer: string;
}

interface Crl extends ParsedCrl {
  /** Fingerprint of the registered root that signed it: it applies to what that root issued. */
  rootFp: string;
}

/** What verifyClient learnt about one PEM, valid while trustVersion stays the same. */
interface Verdict {
  fingerprint?: string;
  /** Set when the certificate is refused whatever the time. */
  reason?: string;
  x?: crypto.X509Certificate;
  /** The registered root it chains to when it is not registered itself (its validity counts too). */
  anchor?: crypto.X509Certificate;
}

/** Different certificates remembered by verifyClient before the memo starts over. */
const MAX_MEMO = 4096;

const iso = (t: number) => new Date(t).toISOString();

export class TrustStore {
  private readonly trustedDir: string;
  private readonly caDir: string;
  private trusted = new Map<string, { pem: string; x: crypto.X509Certificate }>();
  private roots: Root[] = [];
  private crls: Crl[] = [];
  /**
   * Roots by subject (node:crypto's text, compared with a certificate's issuer; the
   * signature check confirms), CRLs by the root that signed them: an unknown
   * certificate costs one lookup and at most a few signature checks.
   */
  private rootsBySubject = new Map<string, Root[]>();
  private crlsByRoot = new Map<string, Crl[]>();
  private readonly memo = new Map<string, Verdict>();
  private memoVersion = -1;
  private version = 0;
  /** What was wrong with the folder at load (said once in the log by the certificate watch). */
  readonly loadWarnings: string[] = [];

  constructor(certsDir: string, private readonly clock: Clock, readonly limits: TrustLimits = DEFAULT_TRUST_LIMITS) {
    this.trustedDir = path.join(certsDir, CERT_NAMES.trusted);
    this.caDir = path.join(certsDir, CERT_NAMES.ca);
    this.recoverCaDir();
    for (const d of [this.trustedDir, this.caDir]) fs.mkdirSync(d, { recursive: true, mode: 0o700 });
    this.loadTrusted();
    this.loadCas();
  }

  /** Increments on every change of trust: verifyClient's answers are remembered per version. */
  get trustVersion(): number {
    return this.version;
  }

  // ------------------------------------------------------------------ client certificates

  /**
   * Registers a client certificate (registerVASACertificate). Only the one certificate
   * of the text is kept; a key or anything else sent along is dropped (listed in the
   * answer so the caller can say so). Refused: not exactly one certificate, outside its
   * validity period, a CA certificate, not usable by a TLS client, over the cap.
   */
  trust(text: string): { fingerprint: string; dropped: string[] } {
    const { cert, dropped } = oneCertificate(text, 'certificate to register');
    const why = validityProblem(cert, this.clock.now()) ?? clientUsageProblem(cert);
    if (why) throw new CertificateError(`The certificate cannot be registered: ${why}.`);
    const fp = fingerprintOf(cert);
    if (!this.trusted.has(fp) && this.trusted.size >= this.limits.maxTrusted) {
      throw new CertificateError(`At most ${this.limits.maxTrusted} client certificates can be registered: unregister one (unregisterVASACertificate) first.`);
    }
    const pem = cert.toString();
    writeFileAtomic(path.join(this.trustedDir, `${fp}.pem`), pem);
    this.trusted.set(fp, { pem, x: cert });
    this.version++;
    return { fingerprint: fp, dropped };
  }

  /** Stops trusting a client certificate; its fingerprint, or undefined when it was not registered. */
  untrust(text: string): string | undefined {
    const { cert } = oneCertificate(text, 'certificate to unregister');
    const fp = fingerprintOf(cert);
    if (!this.trusted.has(fp)) return undefined;
    fs.rmSync(path.join(this.trustedDir, `${fp}.pem`), { force: true });
    this.trusted.delete(fp);
    this.version++;
    return fp;
  }

  isTrusted(fingerprint: string): boolean {
    return this.trusted.has(fingerprint);
  }

  // ------------------------------------------------------------------ CA roots and CRLs

  cas(): { roots: string[]; crls: string[] } {
    return { roots: this.roots.map((r) => r.pem), crls: this.crls.map((c) => c.pem) };
  }

  /**
   * Replaces the CA roots and CRLs. Each root text may hold a chain (every certificate
   * in it becomes a root; keys are dropped); each CRL must parse and be signed by one
   * of the new roots. All is checked before anything changes.
   */
  async setCas(rootTexts: string[], crlTexts: string[]): Promise<void> {
    const { maxRoots, maxCrls } = this.limits;
    if (rootTexts.length > maxRoots) throw new CertificateError(`At most ${maxRoots} CA certificates can be registered (got ${rootTexts.length}).`);
    if (crlTexts.length > maxCrls) throw new CertificateError(`At most ${maxCrls} CRLs can be registered (got ${crlTexts.length}).`);
    const roots: Root[] = [];
    const seen = new Set<string>();
    for (const text of rootTexts) {
      const { certificates } = pemBlocks(text, 'CA root certificate');
      if (certificates.length === 0) throw new CertificateError('A CA root certificate is not a PEM X.509 certificate.');
      for (const x of certificates) {
        const fp = fingerprintOf(x);
        if (seen.has(fp)) continue;
        seen.add(fp);
        if (roots.length >= maxRoots) throw new CertificateError(`At most ${maxRoots} CA certificates can be registered.`);
        let subjectDer: string;
        try {
          subjectDer = subjectKey(x);
        } catch {
          throw new CertificateError('A CA root certificate has a subject name that cannot be read.');
        }
        roots.push({ pem: x.toString(), x, fp, subjectDer });
      }
    }
    const crls: Crl[] = [];
    for (const text of crlTexts) {
      const c = parseCrl(text);
      let signer: Root | undefined;
      for (const r of roots) {
        if (r.x.ca && r.subjectDer === c.issuer && (await crlSignedBy(c, r.x))) {
          signer = r;
          break;
        }
      }
      if (!signer) throw new CertificateError('A CRL is not signed by any of the CA root certificates given with it.');
      crls.push({ ...c, rootFp: signer.fp });
    }
    this.writeCaDir(roots, crls);
    this.install(roots, crls);
  }

  // ------------------------------------------------------------------ verification

  /**
   * Whether a client certificate is acceptable now: within its validity period (by the
   * clock), usable by a TLS client, registered or signed by a registered (and valid)
   * CA root, and not listed by its issuer's registered CRL. Answers are remembered per
   * PEM until trust changes, so a call costs a Map lookup and two date comparisons.
   */
  verifyClient(pem: string): ClientVerdict {
    if (this.memoVersion !== this.version) {
      this.memo.clear();
      this.memoVersion = this.version;
    }
    let v = this.memo.get(pem);
    if (!v) {
      v = this.judge(pem);
      if (this.memo.size >= MAX_MEMO) this.memo.clear();
      this.memo.set(pem, v);
    }
    if (v.reason || !v.x || !v.fingerprint) return { ok: false, reason: v.reason ?? 'it cannot be read' };
    const now = this.clock.now();
    const why = validityProblem(v.x, now, 'client certificate') ?? (v.anchor && validityProblem(v.anchor, now, 'CA root certificate that signed it'));
    if (why) return { ok: false, reason: why };
    return { ok: true, fingerprint: v.fingerprint };
  }

  /** The parts of verifyClient that do not depend on the time. */
  private judge(pem: string): Verdict {
    let x: crypto.X509Certificate;
    try {
      x = new crypto.X509Certificate(pem);
    } catch {
      return { reason: 'it is not an X.509 certificate' };
    }
    const fingerprint = fingerprintOf(x);
    const usage = clientUsageProblem(x);
    if (usage) return { fingerprint, reason: usage };
    const registered = this.trusted.has(fingerprint);
    const root = this.issuerOf(x);
    if (!registered && !root) {
      return { fingerprint, reason: 'it is not registered with this provider (registerVASACertificate) nor signed by a registered CA root (registerCACertificatesAndCRLs)' };
    }
    const revokedBy = root && this.revokedBy(x, root);
    if (revokedBy) return { fingerprint, reason: `it is revoked by the registered CRL of its issuer (serial ${normSerial(x.serialNumber)}, CRL of ${iso(revokedBy.thisUpdate)})` };
    return { fingerprint, x, anchor: registered ? undefined : root?.x };
  }

  /** The registered CA root that issued and signed this certificate, if any (whatever the time). */
  private issuerOf(x: crypto.X509Certificate): Root | undefined {
    const signedBy = (r: Root) => {
      try {
        return r.x.ca && x.checkIssued(r.x) && x.verify(r.x.publicKey);
      } catch {
        return false;
      }
    };
    return this.rootsBySubject.get(x.issuer)?.find(signedBy);
  }

  private revokedBy(x: crypto.X509Certificate, root: Root): Crl | undefined {
    const serial = normSerial(x.serialNumber);
    return this.crlsByRoot.get(root.fp)?.find((c) => c.revoked.has(serial));
  }

  /** The registered root that issued and signed this certificate and is valid now, if any. */
  issuingRoot(x: crypto.X509Certificate): crypto.X509Certificate | undefined {
    const r = this.issuerOf(x);
    return r && !validityProblem(r.x, this.clock.now()) ? r.x : undefined;
  }

  /** Whether the CRL of the registered root that issued this certificate lists it. */
  isRevoked(x: crypto.X509Certificate): boolean {
    const r = this.issuerOf(x);
    return !!(r && this.revokedBy(x, r));
  }

  hasRoots(): boolean {
    return this.roots.length > 0;
  }

  // ------------------------------------------------------------------ memory and folder

  private install(roots: Root[], crls: Crl[]): void {
    const bySubject = new Map<string, Root[]>();
    for (const r of roots) bySubject.set(r.x.subject, [...(bySubject.get(r.x.subject) ?? []), r]);
    const byRoot = new Map<string, Crl[]>();
    for (const c of crls) byRoot.set(c.rootFp, [...(byRoot.get(c.rootFp) ?? []), c]);
    this.roots = roots;
    this.crls = crls;
    this.rootsBySubject = bySubject;
    this.crlsByRoot = byRoot;
    this.version++;
  }

  /**
   * Writes the CA folder anew beside the old one and swaps them by renames, so a crash
   * leaves the old set or the new one (recoverCaDir finishes an interrupted swap).
   */
  private writeCaDir(roots: Root[], crls: Crl[]): void {
    const next = `${this.caDir}.next`;
    const old = `${this.caDir}.old`;
    fs.rmSync(next, { recursive: true, force: true });
    fs.mkdirSync(next, { mode: 0o700 });
    roots.forEach((r, i) => writeFileAtomic(path.join(next, `root-${i}.pem`), r.pem));
    crls.forEach((c, i) => writeFileAtomic(path.join(next, `crl-${i}.pem`), c.pem));
    fs.rmSync(old, { recursive: true, force: true });
    fs.renameSync(this.caDir, old);
    fs.renameSync(next, this.caDir);
    fsyncDirSync(path.dirname(this.caDir));
    fs.rmSync(old, { recursive: true, force: true });
  }

  private recoverCaDir(): void {
    const old = `${this.caDir}.old`;
    if (!fs.existsSync(this.caDir) && fs.existsSync(old)) fs.renameSync(old, this.caDir);
    fs.rmSync(`${this.caDir}.next`, { recursive: true, force: true });
  }

  /** A file's text, or undefined (with a warning) when it is over the size cap. */
  private readCapped(file: string): string | undefined {
    const st = fs.statSync(file, { throwIfNoEntry: false });
    if (!st?.isFile()) return undefined;
    if (st.size > MAX_PEM_BYTES) {
      this.loadWarnings.push(`ignored ${file}: larger than ${MAX_PEM_BYTES / 1024} KiB`);
      return undefined;
    }
    return fs.readFileSync(file, 'utf8');
  }

  /**
   * Loads the registered client certificates. A file holding more than its certificate
   * (an older version stored whatever was sent, keys included) is rewritten with the
   * certificate alone.
   */
  private loadTrusted(): void {
    const files = fs.readdirSync(this.trustedDir).filter((f) => f.endsWith('.pem')).sort();
    for (const f of files) {
      if (this.trusted.size >= this.limits.maxTrusted) {
        this.loadWarnings.push(`only the first ${this.limits.maxTrusted} of ${files.length} registered client certificates were loaded`);
        break;
      }
      const file = path.join(this.trustedDir, f);
      const text = this.readCapped(file);
      if (text === undefined) continue;
      try {
        const { cert, dropped } = oneCertificate(text, `registered certificate ${f}`);
        const fp = fingerprintOf(cert);
        const pem = cert.toString();
        if (text !== pem || f !== `${fp}.pem`) {
          writeFileAtomic(path.join(this.trustedDir, `${fp}.pem`), pem);
          if (f !== `${fp}.pem`) fs.rmSync(file, { force: true });
          if (dropped.length) this.loadWarnings.push(`removed ${dropped.join(', ')} block(s) stored with the registered certificate ${fp.slice(0, 16)}...; only the certificate is kept`);
        }
        this.trusted.set(fp, { pem, x: cert });
      } catch (e) {
        this.loadWarnings.push(`ignored ${file}: ${(e as Error).message}`);
      }
    }
  }

  /**
   * Loads the CA roots and CRLs. A CRL's signature was checked when it was registered
   * and is not checked again here (that needs the asynchronous WebCrypto): a CRL can only
   * take trust away, so one that was never checked cannot let anyone in.
   */
  private loadCas(): void {
    const files = fs.readdirSync(this.caDir);
    const numbered = (prefix: string) => files
      .filter((f) => new RegExp(`^${prefix}-\\d+\\.pem$`).test(f))
      .sort((a, b) => Number(/\d+/.exec(a)?.[0]) - Number(/\d+/.exec(b)?.[0]));
    const roots: Root[] = [];
    const rootFiles = numbered('root');
    for (const f of rootFiles) {
      if (roots.length >= this.limits.maxRoots) {
        this.loadWarnings.push(`only the first ${this.limits.maxRoots} of ${rootFiles.length} CA root certificates were loaded`);
        break;
      }
      const text = this.readCapped(path.join(this.caDir, f));
      if (text === undefined) continue;
      try {
        for (const x of pemBlocks(text, `CA root ${f}`).certificates.slice(0, this.limits.maxRoots - roots.length)) roots.push({ pem: x.toString(), x, fp: fingerprintOf(x), subjectDer: subjectKey(x) });
      } catch (e) {
        this.loadWarnings.push(`ignored CA root ${f}: ${(e as Error).message}`);
      }
    }
    const crls: Crl[] = [];
    for (const f of numbered('crl').slice(0, this.limits.maxCrls)) {
      const text = this.readCapped(path.join(this.caDir, f));
      if (text === undefined) continue;
      try {
        const c = parseCrl(text);
        const root = roots.find((r) => r.x.ca && r.subjectDer === c.issuer);
        if (!root) throw new CertificateError('no registered CA root issued it');
        crls.push({ ...c, rootFp: root.fp });
      } catch (e) {
        this.loadWarnings.push(`ignored CRL ${f}: ${(e as Error).message}`);
      }
    }
    this.install(roots, crls);
    this.version = 0;
  }
}
