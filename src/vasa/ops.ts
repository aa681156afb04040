/**
 * The dispatch table: every VASA operation we serve, by its wire name, with the
 * authentication it needs. Operations of the WSDL missing here are answered with the
 * fault for an unsupported call (NotImplemented), never a fake success.
 */
import type { OpEntryFor, OperationTable } from './dispatch';
import type { Call, Handler } from './face';
import type { OperationName } from './generated/operations';
import { doneTask } from './convert';
import * as bind from './handlers/bind';
import * as bitmap from './handlers/bitmap';
import * as cert from './handlers/certificate';
import * as clone from './handlers/clone';
import * as events from './handlers/events';
import * as policy from './handlers/policy';
import * as provider from './handlers/provider';
import * as snapshot from './handlers/snapshot';
import * as space from './handlers/space';
import * as task from './handlers/task';
import * as topology from './handlers/topology';
import * as vvol from './handlers/vvol';

/**
 * Typed by operation (OperationTable): each entry's handler takes the request of the
 * operation it is listed under and returns that operation's response, or the table does
 * not compile.
 */
export function operationTable(reloadCertificate: () => void): OperationTable {
  const s = <Op extends OperationName>(handler: Handler<Op>, quiet = false): OpEntryFor<Op> => ({ handler, auth: 'session', quiet });
  const vc = <Op extends OperationName>(handler: Handler<Op>): OpEntryFor<Op> => ({ handler, auth: 'vcenter' });
  const account = <Op extends OperationName>(handler: Handler<Op>): OpEntryFor<Op> => ({ handler, auth: 'account' });
  return {
    // Who may call what (the security model; README "Security model"):
    // - account: anyone on TLS, authorised by the provider account in the request itself;
    // - certificate: a registered (or registered-CA-signed) client certificate, no session yet;
    // - vcenter: a session made by vCenter (vcGuid), on the certificate it was made with;
    // - session: any session (vCenter or ESXi host), on the certificate it was made with.
    // Trust is changed only by the account or by vCenter; hosts cannot touch it.
    setContext: { handler: provider.setContext, auth: 'certificate' },
    registerVASACertificate: account(cert.registerVASACertificate),
    registerCACertificatesAndCRLs: account(cert.registerCACertificatesAndCRLs),
    unregisterVASACertificate: vc(cert.unregisterVASACertificate),
    registerCASignedProviderCertificate: vc((c: Call<'registerCASignedProviderCertificate'>) => cert.registerCASignedProviderCertificate(c, reloadCertificate)),
    requestCSR: vc(cert.requestCSR),
    refreshCACertificatesAndCRLs: vc(cert.refreshCACertificatesAndCRLs),
    queryCACertificates: s(cert.queryCACertificates),
    queryCACertificateRevocationLists: s(cert.queryCACertificateRevocationLists),
    queryCatalog: s(provider.queryCatalog),
    // Active/active provider: activation has nothing to switch over.
    activateProviderEx: s((c: Call<'activateProviderEx'>) => doneTask(c.face, 'activateProviderEx', undefined)),
    // topology
    queryArrays: s(topology.queryArrays),
    queryStorageContainer: s(topology.queryStorageContainer),
    queryStorageContainerForArray: s(topology.queryStorageContainerForArray),
    queryProtocolEndpoint: s(topology.queryProtocolEndpoint),
    queryProtocolEndpointForArray: s(topology.queryProtocolEndpointForArray),
    setPEContext: s(topology.setPEContext),
    getNumberOfEntities: s(topology.getNumberOfEntities),
    queryUniqueIdentifiersForEntity: s(topology.queryUniqueIdentifiersForEntity),
    queryDRSMigrationCapabilityForPerformance: s(topology.queryDRSMigrationCapabilityForPerformance),
    // VVols
    createVirtualVolume: s(vvol.createVirtualVolume),
    deleteVirtualVolume: s(vvol.deleteVirtualVolume),
    resizeVirtualVolume: s(vvol.resizeVirtualVolume),
    updateVirtualVolumeMetaData: s(vvol.updateVirtualVolumeMetaData),
    queryVirtualVolume: s(vvol.queryVirtualVolume),
    queryVirtualVolumeInfo: s(vvol.queryVirtualVolumeInfo),
    // binding
    bindVirtualVolume: s(bind.bindVirtualVolume),
    unbindVirtualVolume: s(bind.unbindVirtualVolume),
    unbindAllVirtualVolumesFromHost: s(bind.unbindAllVirtualVolumesFromHost),
    unbindVirtualVolumeFromAllHost: s(bind.unbindVirtualVolumeFromAllHost),
    // snapshots and clones
    prepareToSnapshotVirtualVolume: s(snapshot.prepareToSnapshotVirtualVolume),
    snapshotVirtualVolume: s(snapshot.snapshotVirtualVolume),
    revertVirtualVolume: s(snapshot.revertVirtualVolume),
    fastCloneVirtualVolume: s(clone.fastCloneVirtualVolume),
    cloneVirtualVolume: s(clone.cloneVirtualVolume),
    copyDiffsToVirtualVolume: s(clone.copyDiffsToVirtualVolume),
    // bitmaps and space
    allocatedBitmapVirtualVolume: s(bitmap.allocatedBitmapVirtualVolume),
    unsharedBitmapVirtualVolume: s(bitmap.unsharedBitmapVirtualVolume),
    unsharedChunksVirtualVolume: s(bitmap.unsharedChunksVirtualVolume),
    spaceStatsForStorageContainer: s(space.spaceStatsForStorageContainer),
    spaceStatsForVirtualVolume: s(space.spaceStatsForVirtualVolume),
    // tasks, events, alarms
    getTaskUpdate: s(task.getTaskUpdate, true),
    getCurrentTask: s(task.getCurrentTask),
    cancelTask: s(task.cancelTask),
    getEvents: s(events.getEvents, true),
    getAlarms: s(events.getAlarms, true),
    // storage policies
    queryCapabilityMetadata: s(policy.queryCapabilityMetadata),
    queryCapabilityProfile: s(policy.queryCapabilityProfile),
    queryCapabilityProfileForResource: s(policy.queryCapabilityProfileForResource),
    queryDefaultProfileForStorageContainer: s(policy.queryDefaultProfileForStorageContainer),
    queryComplianceResult: s(policy.queryComplianceResult),
    updateStorageProfileForVirtualVolume: s(policy.updateStorageProfileForVirtualVolume),
  };
}
