/** Session and provider operations: setContext, queryCatalog. */
import { VasaFault } from '../faults';
import type { Call, Face } from '../face';
import type { MessageCatalogOut, Responses, UsageContext, VasaProviderInfoOut, VendorModelOut } from '../generated/operations';
import type { Session, SessionContext } from '../sessions';

export function providerInfo(face: Face, session?: Session): VasaProviderInfoOut {
  return {
    defaultNamespace: 'com.nec.jp.ism.vasaprovider',
    defaultSessionTimeoutInSeconds: face.sessions.opts.defaultTimeoutSec,
    maxBatchSize: face.opts.maxBatchSize,
    maxConcurrentRequestsPerSession: face.opts.maxConcurrentRequestsPerSession,
    name: face.opts.name,
    needsExplicitActivation: false,
    retainVasaProviderCertificate: false,
    sessionId: session?.id,
    supportedProfile: ['ProfileBasedManagementProfile'],
    supportedVendorModel: [...new Set(face.engine.listArrays().map((a) => a.model))].map((modelId): VendorModelOut => ({ modelId, vendorId: 'NEC' })),
    uid: face.opts.uid,
    vasaApiVersion: '2.0',
    vasaProviderVersion: face.opts.version,
  };
}

/**
 * The TLS client certificate must be acceptable now (CertificateStore.verifyClient:
 * registered or signed by a registered CA root, within its validity period, not
 * revoked, a client certificate). Refused with InvalidSession, the fault setContext has
 * for it, and the reason the admin can act on.
 */
export function checkClientCertificate(call: Call): void {
  const { face, clientCert } = call;
  if (!face.opts.requireClientCertificate) return;
  if (!clientCert) throw new VasaFault('InvalidSession', 'No client certificate was presented: register it with registerVASACertificate and connect with it.', {}, true);
  const v = face.certs.verifyClient(clientCert);
  if (!v.ok) throw new VasaFault('InvalidSession', `The client certificate is refused: ${v.reason}.`, {}, true);
}

/** The identifiers of a host, most specific first; the array knows hosts by one of them. */
function hostIds(s: SessionContext): string[] {
  const ids: string[] = [];
  for (const i of s.hostInitiators) for (const v of [i.iscsiIdentifier, i.portWwn, i.nodeWwn, i.uniqueIdentifier]) if (v) ids.push(v);
  if (s.hostGuid) ids.push(s.hostGuid);
  return [...new Set(ids)].filter((v) => /^[A-Za-z0-9_.:\-]{1,223}$/.test(v));
}

/** Finds (or, with autoPeAccess, gives) the host's PE access on every array. */
function attachHost(face: Face, s: Session): void {
  const ids = hostIds(s);
  if (ids.length === 0) return;
  for (const a of face.engine.listArrays()) {
    const pes = face.engine.listProtocolEndpoints(a.name, ids);
    const known = ids.find((id) => pes.some((pe) => pe.hosts.includes(id)));
    if (known) {
      s.engineHost ??= known;
      continue;
    }
    if (face.opts.autoPeAccess && pes.length) {
      const id = s.engineHost ?? ids[0];
      for (const pe of pes) face.engine.grantPeAccess(a.name, pe.ldn, id);
      s.engineHost = id;
      face.log.info(`gave host ${id} access to the ${pes.length} Protocol Endpoint(s) of ${a.name} (autoPeAccess)`);
    }
  }
  s.engineHost ??= ids[0];
}

export function setContext(call: Call<'setContext'>): Responses['setContext'] {
  checkClientCertificate(call);
  const u: UsageContext = call.req.usageContext ?? {};
  const ctx: SessionContext = {
    hostGuid: u.hostGuid || undefined,
    vcGuid: u.vcGuid || undefined,
    hostInitiators: u.hostInitiator ?? [],
    hostIoIpAddresses: u.hostIoIpAddress ?? [],
    subscribeEvents: u.subscribeEvent ?? [],
    clientCertificate: call.clientCert,
    certFingerprint: call.certFingerprint,
  };
  const session = call.face.sessions.create(ctx, u.sessionTimeoutInSeconds);
  if (session.kind === 'host') attachHost(call.face, session);
  call.newSession = session;
  return providerInfo(call.face, session);
}

export function queryCatalog(call: Call<'queryCatalog'>): Responses['queryCatalog'] {
  const base = call.face.opts.baseUrl;
  return (['Alarm', 'Event', 'Fault'] as const).map((catalogName): MessageCatalogOut => ({
    catalogName,
    catalogUri: `${base}/catalog/en/${catalogName.toLowerCase()}.vmsg`,
    catalogVersion: call.face.opts.version,
    locale: 'en',
    moduleName: 'com.nec.jp.ism.vasaprovider',
  }));
}
