/**
 * Certificate operations: vCenter registers its client certificate with the provider
 * account; with VMCA it asks for a CSR, installs the signed provider certificate and
 * registers its CA roots and CRLs.
 */
import { isPemCertificate } from '../certificates';
import { VasaFault } from '../faults';
import type { Call } from '../face';
import { asList, str } from '../convert';
import { providerInfo } from './provider';

function checkLogin(call: Call, user: unknown, password: unknown): void {
  if (!call.face.account().verify(str(user), str(password))) {
    throw new VasaFault('InvalidLogin', 'The user name or password of the provider account is wrong.', {}, true);
  }
}

function pem(v: unknown, what: string): string {
  const p = str(v).trim();
  if (!isPemCertificate(p)) throw new VasaFault('InvalidCertificate', `The ${what} is not a PEM X.509 certificate.`, {}, true);
  return p;
}

export function registerVASACertificate(call: Call) {
  checkLogin(call, call.req.userName, call.req.password);
  const cert = pem(call.req.newCertificate, 'certificate to register');
  const fp = call.face.certs.trust(cert);
  call.face.log.info(`registered a client certificate (sha256 ${fp.slice(0, 16)}...)`);
  return providerInfo(call.face);
}

export function unregisterVASACertificate(call: Call) {
  const cert = pem(call.req.existingCertificate, 'certificate to unregister');
  if (!call.face.certs.untrust(cert)) throw new VasaFault('InvalidCertificate', 'That certificate is not registered with this provider.', {}, true);
  return undefined;
}

export function requestCSR(call: Call) {
  return call.face.certs.csr();
}

export function registerCASignedProviderCertificate(call: Call, reload: () => void) {
  try {
    const info = call.face.certs.installSigned(str(call.req.providerCert).trim());
    call.face.log.info(`installed a CA-signed provider certificate from ${info.issuer}, valid until ${new Date(info.validTo).toISOString()}`);
  } catch (e) {
    throw new VasaFault('InvalidCertificate', (e as Error).message, {}, true);
  }
  reload();
  return undefined;
}

function setCas(call: Call, roots: unknown, crls: unknown): void {
  const r = asList<string>(roots).map((x) => pem(x, 'CA root certificate'));
  const c = asList<string>(crls).map((x) => str(x).trim());
  for (const crl of c) if (!/-----BEGIN X509 CRL-----/.test(crl)) throw new VasaFault('InvalidCertificate', 'A CRL is not a PEM X.509 CRL.', {}, true);
  call.face.certs.setCas(r, c);
}

export function registerCACertificatesAndCRLs(call: Call) {
  checkLogin(call, call.req.providerUserName, call.req.providerPassword);
  if (asList(call.req.caRootCert).length === 0) throw new VasaFault('InvalidCertificate', 'No CA root certificate was given.', {}, true);
  setCas(call, call.req.caRootCert, call.req.caCRL);
  return providerInfo(call.face);
}

export function refreshCACertificatesAndCRLs(call: Call) {
  setCas(call, call.req.caRootCert, call.req.caCRL);
  return undefined;
}

export function queryCACertificates(call: Call) {
  return call.face.certs.cas().roots;
}

export function queryCACertificateRevocationLists(call: Call) {
  return call.face.certs.cas().crls;
}
