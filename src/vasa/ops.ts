/**
 * The dispatch table: every VASA operation we serve, by its wire name, with the
 * authentication it needs. Operations of the WSDL missing here are answered with the
 * fault for an unsupported call (NotImplemented), never a fake success.
 */
import type { OpEntry } from './dispatch';
import type { Call } from './face';
import { doneTask } from './convert';
import * as bind from './handlers/bind';
import * as bitmap from './handlers/bitmap';
import * as cert from './handlers/certificate';
import * as clone from './handlers/clone';
import * as events from './handlers/events';
import * as provider from './handlers/provider';
import * as snapshot from './handlers/snapshot';
import * as space from './handlers/space';
import * as task from './handlers/task';
import * as topology from './handlers/topology';
import * as vvol from './handlers/vvol';

export function operationTable(reloadCertificate: () => void): Record<string, OpEntry> {
  const s = (handler: OpEntry['handler'], quiet = false): OpEntry => ({ handler, auth: 'session', quiet });
  const none = (handler: OpEntry['handler']): OpEntry => ({ handler, auth: 'none' });
  return {
    // session and certificates
    setContext: { handler: provider.setContext, auth: 'none' },
    registerVASACertificate: none(cert.registerVASACertificate),
    unregisterVASACertificate: none(cert.unregisterVASACertificate),
    registerCACertificatesAndCRLs: none(cert.registerCACertificatesAndCRLs),
    registerCASignedProviderCertificate: none((c) => cert.registerCASignedProviderCertificate(c, reloadCertificate)),
    requestCSR: none(cert.requestCSR),
    refreshCACertificatesAndCRLs: s(cert.refreshCACertificatesAndCRLs),
    queryCACertificates: s(cert.queryCACertificates),
    queryCACertificateRevocationLists: s(cert.queryCACertificateRevocationLists),
    queryCatalog: s(provider.queryCatalog),
    // Active/active provider: activation has nothing to switch over.
    activateProviderEx: s((c: Call) => doneTask(c.face, 'activateProviderEx', undefined)),
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
  };
}
