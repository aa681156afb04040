/**
 * Certificate operations: vCenter registers its client certificate with the provider
 * account; with VMCA it asks for a CSR, installs the signed provider certificate and
 * registers its CA roots and CRLs. Who may call which (account, vCenter session) is the
 * dispatcher's table; here each operation checks what it is given. Refusals are
 * InvalidCertificate with the reason; a refused call changes nothing.
 */
import { CertificateError } from '../certificates';
import { VasaFault } from '../faults';
import type { Call } from '../face';
import type { Responses } from '../generated/operations';
import { str } from '../convert';
import { providerInfo } from './provider';

/** Runs a certificate-store change, turning its refusals into InvalidCertificate. */
async function certificateStep<T>(step: () => T | Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (e) {
    if (e instanceof CertificateError) throw new VasaFault('InvalidCertificate', e.message, {}, true);
    throw e;
  }
}

const short = (fp: string) => `${fp.slice(0, 16)}...`;

export async function registerVASACertificate(call: Call<'registerVASACertificate'>): Promise<Responses['registerVASACertificate']> {
  await call.face.login.verify(call.remoteAddress, call.req.userName, call.req.password);
  const { fingerprint, dropped } = await certificateStep(() => call.face.certs.trust(str(call.req.newCertificate)));
  call.face.log.info(`registered a client certificate (sha256 ${short(fingerprint)}) from ${call.remoteAddress ?? '?'}`);
  // Only the certificate is kept; say that something else came along (never what).
  if (dropped.length) call.face.log.warn(`the registration of client certificate ${short(fingerprint)} also carried ${dropped.join(', ')} block(s); they were discarded, not stored`);
  return providerInfo(call.face);
}

/** Stops trusting a client certificate and ends the sessions made with it. */
export async function unregisterVASACertificate(call: Call<'unregisterVASACertificate'>): Promise<Responses['unregisterVASACertificate']> {
  const fp = await certificateStep(() => call.face.certs.untrust(str(call.req.existingCertificate)));
  if (!fp) throw new VasaFault('InvalidCertificate', 'That certificate is not registered with this provider.', {}, true);
  const ended = call.face.sessions.removeByCertificate(fp);
  call.face.log.info(`unregistered the client certificate ${short(fp)}; ended ${ended} session(s) made with it`);
  return undefined;
}

export function requestCSR(call: Call<'requestCSR'>): Responses['requestCSR'] {
  return call.face.certs.csr();
}

export async function registerCASignedProviderCertificate(call: Call<'registerCASignedProviderCertificate'>, reload: () => void): Promise<Responses['registerCASignedProviderCertificate']> {
  const info = await certificateStep(() => call.face.certs.installSigned(str(call.req.providerCert)));
  call.face.log.info(`installed a CA-signed provider certificate ${info.fingerprint256} from ${info.issuer.replace(/\n/g, ', ')}, valid until ${new Date(info.validTo).toISOString()}`);
  reload();
  return undefined;
}

export async function registerCACertificatesAndCRLs(call: Call<'registerCACertificatesAndCRLs'>): Promise<Responses['registerCACertificatesAndCRLs']> {
  await call.face.login.verify(call.remoteAddress, call.req.providerUserName, call.req.providerPassword);
  const roots = call.req.caRootCert;
  if (roots.length === 0) throw new VasaFault('InvalidCertificate', 'No CA root certificate was given.', {}, true);
  const crls = call.req.caCRL ?? [];
  await certificateStep(() => call.face.certs.setCas(roots, crls));
  call.face.log.info(`registered ${roots.length} CA root certificate(s) and ${crls.length} CRL(s) from ${call.remoteAddress ?? '?'}`);
  return providerInfo(call.face);
}

/**
 * Replaces the CA roots and CRLs. Both lists are optional on the wire: without roots the
 * registered ones stay (and the CRLs given replace the old ones); with neither, nothing
 * changes. Emptying the trust of every ESXi host by a refresh with no roots is not a
 * refresh.
 */
export async function refreshCACertificatesAndCRLs(call: Call<'refreshCACertificatesAndCRLs'>): Promise<Responses['refreshCACertificatesAndCRLs']> {
  const roots = call.req.caRootCert ?? [];
  const crls = call.req.caCRL ?? [];
  if (roots.length === 0 && crls.length === 0) return undefined;
  await certificateStep(() => call.face.certs.setCas(roots.length ? roots : call.face.certs.cas().roots, crls));
  call.face.log.info(`refreshed the CA roots (${roots.length ? `${roots.length} given` : 'kept'}) and CRLs (${crls.length})`);
  return undefined;
}

export function queryCACertificates(call: Call<'queryCACertificates'>): Responses['queryCACertificates'] {
  return call.face.certs.cas().roots;
}

export function queryCACertificateRevocationLists(call: Call<'queryCACertificateRevocationLists'>): Responses['queryCACertificateRevocationLists'] {
  return call.face.certs.cas().crls;
}
