/**
 * GENERATED from wsdl/ by src/vasa/soap/typegen.ts (npm run gen:types): do not edit.
 * test/vasa/typed-handlers.test.ts fails when this file no longer matches the WSDL.
 * Requests: as the codec decodes them. Responses (the `return` value, types named
 * ...Out): as the codec encodes them. See typegen.ts for how each XSD type maps.
 */
import type { QN } from '../soap/schema';

/** A value of a derived type in a slot of its base type: the codec writes/reads it with xsi:type. */
export interface Tagged {
  $type: QN;
}

/** The request of activateProviderEx, as decoded. */
export type ActivateProviderExRequest = {
  activationSpec: ActivationSpec;
};

/** ActivationSpec {http://data.vasa.vim.vmware.com/xsd} */
export type ActivationSpec = {
  currentActiveProviderUrl?: string;
  entityId: string;
};

export type AlarmStatusEnum = 'Red' | 'Green' | 'Yellow';

export type AlarmTypeEnum = 'SpaceCapacity' | 'Capability' | 'StorageObject' | 'Object' | 'Compliance' | 'Manageability';

/** The request of allocatedBitmapVirtualVolume, as decoded. */
export type AllocatedBitmapVirtualVolumeRequest = {
  vvolId: string;
  segmentStartOffsetBytes: number;
  segmentLengthBytes: number;
  chunkSizeBytes: number;
};

/** BackingConfig {http://data.vasa.vim.vmware.com/xsd} */
export type BackingConfigOut = {
  autoTieringEnabled?: boolean;
  deduplicationBackingIdentifier?: string;
  deduplicationEfficiency?: number | bigint;
  performanceOptimizationInterval?: number | bigint;
  thinProvisionBackingIdentifier?: string;
  $type?: QN;
};

/** BaseStorageEntity {http://data.vasa.vim.vmware.com/xsd} */
export type BaseStorageEntityOut = {
  uniqueIdentifier?: string;
  $type?: QN;
};

/** BatchErrorResult {http://vvol.data.vasa.vim.vmware.com/xsd} */
export type BatchErrorResultOut = {
  error?: unknown[];
  $type?: QN;
};

/** BatchReturnStatus {http://vvol.data.vasa.vim.vmware.com/xsd} */
export type BatchReturnStatusOut = {
  errorResult?: BatchErrorResultOut;
  uniqueId: string;
  $type?: QN;
};

/** BatchVirtualVolumeHandleResult {http://vvol.data.vasa.vim.vmware.com/xsd} */
export type BatchVirtualVolumeHandleResultOut = {
  fault?: unknown;
  vvolHandle?: VirtualVolumeHandleOut;
  vvolId: string;
  vvolInfo?: VirtualVolumeInfoOut;
  vvolLogicalSize?: number | bigint;
  $type?: QN;
};

export type BindContextEnum = 'Normal' | 'RebindStart';

/** The request of bindVirtualVolume, as decoded. */
export type BindVirtualVolumeRequest = {
  vvolId: string[];
  bindContext: BindContextEnum;
  containerCookie?: string;
};

export type BlockEnum = 'FC' | 'ISCSI' | 'FCoE' | 'Other';

export type BuiltinGenericTypesEnum = 'VMW_RANGE' | 'VMW_SET';

export type BuiltinTypesEnum = 'XSD_LONG' | 'XSD_INT' | 'XSD_STRING' | 'XSD_BOOLEAN' | 'XSD_DOUBLE' | 'XSD_DATETIME' | 'XSD_DURATION';

/** The request of cancelTask, as decoded. */
export type CancelTaskRequest = {
  taskId: string;
};

/** CapabilityConstraints {http://profile.policy.data.vasa.vim.vmware.com/xsd} */
export type CapabilityConstraints = {
  subProfiles?: SubProfile[];
};

/** CapabilityConstraints {http://profile.policy.data.vasa.vim.vmware.com/xsd} */
export type CapabilityConstraintsOut = {
  subProfiles?: SubProfileOut[];
  $type?: QN;
};

/** CapabilityId {http://capability.policy.data.vasa.vim.vmware.com/xsd} */
export type CapabilityId = {
  id: string;
  namespace: string;
};

/** CapabilityId {http://capability.policy.data.vasa.vim.vmware.com/xsd} */
export type CapabilityIdOut = {
  id: string;
  namespace: string;
  $type?: QN;
};

/** CapabilityInstance {http://capability.policy.data.vasa.vim.vmware.com/xsd} */
export type CapabilityInstance = {
  capabilityId: CapabilityId;
  constraint: ConstraintInstance[];
};

/** CapabilityInstance {http://capability.policy.data.vasa.vim.vmware.com/xsd} */
export type CapabilityInstanceOut = {
  capabilityId: CapabilityIdOut;
  constraint: ConstraintInstanceOut[];
  $type?: QN;
};

/** CapabilityMetadata {http://capability.policy.data.vasa.vim.vmware.com/xsd} */
export type CapabilityMetadataOut = {
  allowMultipleConstraints?: boolean;
  capabilityId: CapabilityIdOut;
  hint?: boolean;
  keyId?: string;
  mandatory?: boolean;
  propertyMetadata: PropertyMetadataOut[];
  summary: ExtendedElementDescriptionOut;
  $type?: QN;
};

/** CapabilityMetadataPerCategory {http://provider.capability.policy.data.vasa.vim.vmware.com/xsd} */
export type CapabilityMetadataPerCategoryOut = {
  capabilityMetadata: CapabilityMetadataOut[];
  category: string;
  $type?: QN;
};

/** CapabilitySchema {http://provider.capability.policy.data.vasa.vim.vmware.com/xsd} */
export type CapabilitySchemaOut = {
  capabilityMetadataPerCategory: CapabilityMetadataPerCategoryOut[];
  namespaceInfo: NamespaceInfoOut;
  schemaId: string;
  vendorInfo: VendorInfoOut;
  $type?: QN;
};

/** The request of cloneVirtualVolume, as decoded. */
export type CloneVirtualVolumeRequest = {
  vvolId: string;
  newContainerId?: string;
  newProfile?: StorageProfile | (DefaultProfile & Tagged);
  metadata?: NameValuePair[];
  containerCookie?: string;
};

/** ComplianceAlarm {http://data.vasa.vim.vmware.com/xsd} */
export type ComplianceAlarmOut = {
  alarmId?: number | bigint;
  alarmTimeStamp?: string | number;
  alarmType?: AlarmTypeEnum;
  containerId?: string;
  messageId?: string;
  objectId?: string;
  objectType?: EntityTypeEnum;
  parameterList?: NameValuePairOut[];
  status?: AlarmStatusEnum;
  operationalStatus?: OperationalStatusOut;
  $type?: QN;
};

/** ComplianceResult {http://compliance.policy.data.vasa.vim.vmware.com/xsd} */
export type ComplianceResultOut = {
  checkTime: string | number;
  complianceStatus: ComplianceStatusEnum;
  objectId: string;
  operationalStatus?: OperationalStatusOut;
  profileId?: string;
  profileMismatch: boolean;
  violatedPolicy?: PolicyStatusOut[];
  $type?: QN;
};

export type ComplianceStatusEnum = 'compliant' | 'nonCompliant' | 'unknown';

/** ComplianceSubject {http://compliance.policy.data.vasa.vim.vmware.com/xsd} */
export type ComplianceSubject = {
  generationId?: number;
  objectId: string[];
  profileId?: string;
};

/** ConstraintInstance {http://capability.policy.data.vasa.vim.vmware.com/xsd} */
export type ConstraintInstance = {
  propertyInstance: PropertyInstance[];
};

/** ConstraintInstance {http://capability.policy.data.vasa.vim.vmware.com/xsd} */
export type ConstraintInstanceOut = {
  propertyInstance: PropertyInstanceOut[];
  $type?: QN;
};

/** ContainerSpaceStats {http://vvol.data.vasa.vim.vmware.com/xsd} */
export type ContainerSpaceStatsOut = {
  logicalFree: number | bigint;
  logicalLimit: number | bigint;
  logicalUsed: number | bigint;
  objectId: string;
  physicalFree: number | bigint;
  physicalTotal: number | bigint;
  physicalUsed: number | bigint;
  $type?: QN;
};

/** The request of copyDiffsToVirtualVolume, as decoded. */
export type CopyDiffsToVirtualVolumeRequest = {
  srcVVolId: string;
  srcBaseVVolId: string;
  dstVVolId: string;
  containerCookie?: string;
};

/** The request of createVirtualVolume, as decoded. */
export type CreateVirtualVolumeRequest = {
  containerId: string;
  vvolType: VirtualVolumeTypeEnum;
  storageProfile?: StorageProfile | (DefaultProfile & Tagged);
  sizeInMB: number;
  metadata: NameValuePair[];
  containerCookie?: string;
};

/** DefaultProfile {http://profile.policy.data.vasa.vim.vmware.com/xsd} */
export type DefaultProfile = {
  constraints?: CapabilityConstraints;
  createdBy: string;
  creationTime: string;
  description?: string;
  generationId: number;
  lastUpdatedBy?: string;
  lastUpdatedTime?: string;
  name: string;
  profileId: string;
  entityType?: VirtualVolumeTypeEnum[];
};

/** DefaultProfile {http://profile.policy.data.vasa.vim.vmware.com/xsd} */
export type DefaultProfileOut = {
  constraints?: CapabilityConstraintsOut;
  createdBy: string;
  creationTime: string | number;
  description?: string;
  generationId: number | bigint;
  lastUpdatedBy?: string;
  lastUpdatedTime?: string | number;
  name: string;
  profileId: string;
  entityType?: VirtualVolumeTypeEnum[];
  $type?: QN;
};

/** The request of deleteVirtualVolume, as decoded. */
export type DeleteVirtualVolumeRequest = {
  vvolId: string;
  containerCookie?: string;
};

export type EntityTypeEnum = 'StorageArray' | 'StorageProcessor' | 'StoragePort' | 'StorageLun' | 'StorageFileSystem' | 'StorageCapability' | 'StorageCapabilitySchema' | 'CapabilitySchema' | 'CapabilityProfile' | 'DefaultProfile' | 'ResourceAssociation' | 'StorageContainer' | 'StorageObject' | 'MessageCatalog' | 'ProtocolEndpoint' | 'VirtualVolumeInfo' | 'BackingStoragePool';

export type EventConfigTypeEnum = 'New' | 'Update' | 'Delete';

export type EventTypeEnum = 'System' | 'Config' | 'Policy' | 'ConfigProtocolEndpoint' | 'Rebind';

/** ExtendedElementDescription {http://policy.data.vasa.vim.vmware.com/xsd} */
export type ExtendedElementDescriptionOut = {
  key: string;
  label: string;
  messageArg?: KeyAnyValueOut[];
  messageCatalogKeyPrefix: string;
  summary: string;
  $type?: QN;
};

/** The request of fastCloneVirtualVolume, as decoded. */
export type FastCloneVirtualVolumeRequest = {
  vvolId: string;
  newProfile?: StorageProfile | (DefaultProfile & Tagged);
  metadata: NameValuePair[];
  containerCookie?: string;
};

export type FileSystemEnum = 'NFS' | 'Other';

/** FileSystemInfo {http://data.vasa.vim.vmware.com/xsd} */
export type FileSystemInfoOut = {
  fileServerName?: string;
  fileSystemPath?: string;
  ipAddress?: string;
  $type?: QN;
};

export type FileSystemVersionEnum = 'NFSV3_0';

/** GenericTypeInfo {http://capability.policy.data.vasa.vim.vmware.com/xsd} */
export type GenericTypeInfoOut = {
  typeName: BuiltinTypesEnum;
  genericTypeName: BuiltinGenericTypesEnum;
  $type?: QN;
};

/** The request of getAlarms, as decoded. */
export type GetAlarmsRequest = {
  lastAlarmId: number;
};

/** The request of getCurrentTask, as decoded. */
export type GetCurrentTaskRequest = {
  arrayId?: string;
};

/** The request of getEvents, as decoded. */
export type GetEventsRequest = {
  lastEventId: number;
};

/** The request of getNumberOfEntities, as decoded. */
export type GetNumberOfEntitiesRequest = {
  entityType?: EntityTypeEnum;
};

/** The request of getTaskUpdate, as decoded. */
export type GetTaskUpdateRequest = {
  taskId: string;
};

/** HostInitiatorInfo {http://data.vasa.vim.vmware.com/xsd} */
export type HostInitiatorInfo = {
  uniqueIdentifier?: string;
  iscsiIdentifier?: string;
  nodeWwn?: string;
  portWwn?: string;
};

/** HostInitiatorInfo {http://data.vasa.vim.vmware.com/xsd} */
export type HostInitiatorInfoOut = {
  uniqueIdentifier?: string;
  iscsiIdentifier?: string;
  nodeWwn?: string;
  portWwn?: string;
  $type?: QN;
};

export type InBandBindCapabilityEnum = 'None' | 'LocalBind' | 'GlobalBind';

/** KeyAnyValue {http://policy.data.vasa.vim.vmware.com/xsd} */
export type KeyAnyValueOut = {
  key: string;
  value: unknown;
  $type?: QN;
};

/** MessageCatalog {http://data.vasa.vim.vmware.com/xsd} */
export type MessageCatalogOut = {
  catalogName?: StorageCatalogEnum;
  catalogUri?: string;
  catalogVersion?: string;
  lastModified?: string | number;
  locale?: string;
  moduleName?: string;
  $type?: QN;
};

/** MountInfo {http://data.vasa.vim.vmware.com/xsd} */
export type MountInfo = {
  filePath?: string;
  serverName?: string;
};

/** NameValuePair {http://data.vasa.vim.vmware.com/xsd} */
export type NameValuePair = {
  parameterName?: string;
  parameterValue?: string;
};

/** NameValuePair {http://data.vasa.vim.vmware.com/xsd} */
export type NameValuePairOut = {
  parameterName?: string;
  parameterValue?: string;
  $type?: QN;
};

/** NamespaceInfo {http://provider.capability.policy.data.vasa.vim.vmware.com/xsd} */
export type NamespaceInfoOut = {
  info?: ExtendedElementDescriptionOut;
  namespace: string;
  version: string;
  $type?: QN;
};

/** OperationalStatus {http://compliance.policy.data.vasa.vim.vmware.com/xsd} */
export type OperationalStatusOut = {
  healthy?: boolean;
  operationETA?: string | number;
  operationProgress?: number | bigint;
  transitional?: boolean;
  $type?: QN;
};

/** PolicyStatus {http://compliance.policy.data.vasa.vim.vmware.com/xsd} */
export type PolicyStatusOut = {
  currentValue: CapabilityInstanceOut;
  expectedValue: CapabilityInstanceOut;
  $type?: QN;
};

/** The request of prepareToSnapshotVirtualVolume, as decoded. */
export type PrepareToSnapshotVirtualVolumeRequest = {
  vvolId: string;
  storageProfile?: StorageProfile | (DefaultProfile & Tagged);
  containerCookie?: string;
  snapType?: string;
};

export type ProfileEnum = 'BlockDeviceProfile' | 'FileSystemProfile' | 'CapabilityProfile' | 'StorageObjectProfile' | 'VirtualVolumeProfile' | 'VirtualMetroStorageClusterProfile' | 'StatisticsProfile' | 'StorageDrsBlockDevice' | 'StorageDrsFileSystem';

/** PropertyInstance {http://capability.policy.data.vasa.vim.vmware.com/xsd} */
export type PropertyInstance = {
  id: string;
  value: unknown;
};

/** PropertyInstance {http://capability.policy.data.vasa.vim.vmware.com/xsd} */
export type PropertyInstanceOut = {
  id: string;
  value: unknown;
  $type?: QN;
};

/** PropertyMetadata {http://capability.policy.data.vasa.vim.vmware.com/xsd} */
export type PropertyMetadataOut = {
  allowedValue?: unknown[];
  defaultValue?: unknown;
  hint?: boolean;
  id: string;
  mandatory: boolean;
  requirementsTypeHint?: string;
  summary: ExtendedElementDescriptionOut;
  type: TypeInfoOut | (GenericTypeInfoOut & Tagged);
  $type?: QN;
};

/** ProtocolEndpoint {http://vvol.data.vasa.vim.vmware.com/xsd} */
export type ProtocolEndpoint = {
  uniqueIdentifier?: string;
  authType?: ProtocolEndpointAuthEnum;
  inBandBindCapability: InBandBindCapabilityEnum;
  inBandId: ProtocolEndpointInbandId;
  transportIpAddress?: string[];
};

export type ProtocolEndpointAuthEnum = 'System' | 'Kerberos5';

/** ProtocolEndpointInbandId {http://vvol.data.vasa.vim.vmware.com/xsd} */
export type ProtocolEndpointInbandId = {
  ipAddress?: string;
  lunId?: string;
  protocolEndpointType: ProtocolEndpointTypeEnum;
  serverMajor?: string;
  serverMinor?: string;
  serverMount?: string;
  serverScope?: string;
};

/** ProtocolEndpointInbandId {http://vvol.data.vasa.vim.vmware.com/xsd} */
export type ProtocolEndpointInbandIdOut = {
  ipAddress?: string;
  lunId?: string;
  protocolEndpointType: ProtocolEndpointTypeEnum;
  serverMajor?: string;
  serverMinor?: string;
  serverMount?: string;
  serverScope?: string;
  $type?: QN;
};

/** ProtocolEndpoint {http://vvol.data.vasa.vim.vmware.com/xsd} */
export type ProtocolEndpointOut = {
  uniqueIdentifier?: string;
  authType?: ProtocolEndpointAuthEnum;
  inBandBindCapability: InBandBindCapabilityEnum;
  inBandId: ProtocolEndpointInbandIdOut;
  transportIpAddress?: string[];
  $type?: QN;
};

export type ProtocolEndpointTypeEnum = 'NFS' | 'SCSI' | 'NFS4x';

export type ProviderProfileEnum = 'ProfileBasedManagementProfile';

/** The request of queryArrays, as decoded. */
export type QueryArraysRequest = {
  arrayUniqueId?: string[];
};

/** The request of queryAssociatedCapabilityForFileSystem, as decoded. */
export type QueryAssociatedCapabilityForFileSystemRequest = {
  fsUniqueId?: string[];
};

/** The request of queryAssociatedCapabilityForLun, as decoded. */
export type QueryAssociatedCapabilityForLunRequest = {
  lunUniqueId?: string[];
};

/** The request of queryAssociatedLunsForPort, as decoded. */
export type QueryAssociatedLunsForPortRequest = {
  portUniqueId?: string[];
};

/** The request of queryAssociatedPortsForProcessor, as decoded. */
export type QueryAssociatedPortsForProcessorRequest = {
  spUniqueId?: string[];
};

/** The request of queryAssociatedProcessorsForArray, as decoded. */
export type QueryAssociatedProcessorsForArrayRequest = {
  arrayUniqueId?: string[];
};

/** The request of queryCACertificateRevocationLists, as decoded. */
export type QueryCACertificateRevocationListsRequest = {};

/** The request of queryCACertificates, as decoded. */
export type QueryCACertificatesRequest = {};

/** The request of queryCapabilityMetadata, as decoded. */
export type QueryCapabilityMetadataRequest = {
  schemaId?: string[];
};

/** The request of queryCapabilityProfileForResource, as decoded. */
export type QueryCapabilityProfileForResourceRequest = {
  resourceId?: string[];
};

/** The request of queryCapabilityProfile, as decoded. */
export type QueryCapabilityProfileRequest = {
  profileId?: string[];
};

/** The request of queryCatalog, as decoded. */
export type QueryCatalogRequest = {};

/** The request of queryComplianceResult, as decoded. */
export type QueryComplianceResultRequest = {
  compliance?: ComplianceSubject[];
};

/** QueryConstraint {http://vvol.data.vasa.vim.vmware.com/xsd} */
export type QueryConstraint = {
  key: string;
  value?: string;
};

/** The request of queryDRSMigrationCapabilityForPerformance, as decoded. */
export type QueryDRSMigrationCapabilityForPerformanceRequest = {
  srcUniqueId?: string;
  dstUniqueId?: string;
  entityType?: EntityTypeEnum;
};

/** The request of queryDefaultProfileForStorageContainer, as decoded. */
export type QueryDefaultProfileForStorageContainerRequest = {
  containerId: string;
  entityType?: VirtualVolumeTypeEnum[];
};

/** The request of queryProtocolEndpointForArray, as decoded. */
export type QueryProtocolEndpointForArrayRequest = {
  arrayId: string;
};

/** The request of queryProtocolEndpoint, as decoded. */
export type QueryProtocolEndpointRequest = {
  peId?: string[];
};

/** The request of queryStorageCapabilities, as decoded. */
export type QueryStorageCapabilitiesRequest = {
  capabilityUniqueId?: string[];
};

/** The request of queryStorageContainerForArray, as decoded. */
export type QueryStorageContainerForArrayRequest = {
  arrayId: string;
};

/** The request of queryStorageContainer, as decoded. */
export type QueryStorageContainerRequest = {
  containerId?: string[];
};

/** The request of queryStorageFileSystems, as decoded. */
export type QueryStorageFileSystemsRequest = {
  fsUniqueId?: string[];
};

/** The request of queryStorageLuns, as decoded. */
export type QueryStorageLunsRequest = {
  lunUniqueId?: string[];
};

/** The request of queryStoragePorts, as decoded. */
export type QueryStoragePortsRequest = {
  portUniqueId?: string[];
};

/** The request of queryStorageProcessors, as decoded. */
export type QueryStorageProcessorsRequest = {
  spUniqueId?: string[];
};

/** The request of queryUniqueIdentifiersForEntity, as decoded. */
export type QueryUniqueIdentifiersForEntityRequest = {
  entityType?: EntityTypeEnum;
};

/** The request of queryUniqueIdentifiersForFileSystems, as decoded. */
export type QueryUniqueIdentifiersForFileSystemsRequest = {
  fsUniqueId?: string;
};

/** The request of queryUniqueIdentifiersForLuns, as decoded. */
export type QueryUniqueIdentifiersForLunsRequest = {
  arrayUniqueId?: string;
};

/** The request of queryVirtualVolumeInfo, as decoded. */
export type QueryVirtualVolumeInfoRequest = {
  vvolId: string[];
};

/** The request of queryVirtualVolume, as decoded. */
export type QueryVirtualVolumeRequest = {
  searchConstraint?: QueryConstraint[];
};

/** RebindEvent {http://vvol.data.vasa.vim.vmware.com/xsd} */
export type RebindEventOut = {
  arrayId?: string;
  eventConfigType?: EventConfigTypeEnum;
  eventId?: number | bigint;
  eventObjType?: EntityTypeEnum;
  eventTimeStamp?: string | number;
  eventType?: EventTypeEnum;
  messageId?: string;
  objectId?: string;
  parameterList?: NameValuePairOut[];
  vvolId?: string[];
  $type?: QN;
};

/** The request of refreshCACertificatesAndCRLs, as decoded. */
export type RefreshCACertificatesAndCRLsRequest = {
  caRootCert?: string[];
  caCRL?: string[];
};

/** The request of registerCACertificatesAndCRLs, as decoded. */
export type RegisterCACertificatesAndCRLsRequest = {
  providerUserName: string;
  providerPassword: string;
  caRootCert: string[];
  caCRL?: string[];
};

/** The request of registerCASignedProviderCertificate, as decoded. */
export type RegisterCASignedProviderCertificateRequest = {
  providerCert: string;
};

/** The request of registerVASACertificate, as decoded. */
export type RegisterVASACertificateRequest = {
  userName?: string;
  password?: string;
  newCertificate?: string;
};

/** The request of requestCSR, as decoded. */
export type RequestCSRRequest = {};

/** The request of resizeVirtualVolume, as decoded. */
export type ResizeVirtualVolumeRequest = {
  vvolId: string;
  sizeInMB: number;
  containerCookie?: string;
};

/** ResourceAssociation {http://policy.data.vasa.vim.vmware.com/xsd} */
export type ResourceAssociationOut = {
  profileId: string;
  resourceId: string;
  $type?: QN;
};

/** The request of revertVirtualVolume, as decoded. */
export type RevertVirtualVolumeRequest = {
  vvolId: string;
  snapshotVvolId: string;
  containerCookie?: string;
};

/** The request of setContext, as decoded. */
export type SetContextRequest = {
  usageContext?: UsageContext;
};

/** The request of setPEContext, as decoded. */
export type SetPEContextRequest = {
  listOfHostPE?: ProtocolEndpoint[];
};

/** The request of snapshotVirtualVolume, as decoded. */
export type SnapshotVirtualVolumeRequest = {
  snapshotInfo: VirtualVolumeInfo[];
  timeoutMS: number;
  containerCookie?: string;
};

/** The request of spaceStatsForStorageContainer, as decoded. */
export type SpaceStatsForStorageContainerRequest = {
  containerId: string;
  capabilityProfileId?: string[];
};

/** The request of spaceStatsForVirtualVolume, as decoded. */
export type SpaceStatsForVirtualVolumeRequest = {
  vvolId: string[];
};

/** SpaceStats {http://vvol.data.vasa.vim.vmware.com/xsd} */
export type SpaceStatsOut = {
  committed: number | bigint;
  logical: number | bigint;
  objectId: string;
  unshared: number | bigint;
  unsharedValid: boolean;
  $type?: QN;
};

/** StorageAlarm {http://data.vasa.vim.vmware.com/xsd} */
export type StorageAlarmOut = {
  alarmId?: number | bigint;
  alarmTimeStamp?: string | number;
  alarmType?: AlarmTypeEnum;
  containerId?: string;
  messageId?: string;
  objectId?: string;
  objectType?: EntityTypeEnum;
  parameterList?: NameValuePairOut[];
  status?: AlarmStatusEnum;
  $type?: QN;
};

/** StorageArray {http://data.vasa.vim.vmware.com/xsd} */
export type StorageArrayOut = {
  uniqueIdentifier?: string;
  alternateName?: string[];
  arrayName?: string;
  firmware?: string;
  modelId?: string;
  priority: number | bigint;
  supportedBlock?: BlockEnum[];
  supportedFileSystem?: FileSystemEnum[];
  supportedProfile?: ProfileEnum[];
  vendorId?: string;
  $type?: QN;
};

/** StorageCapability {http://data.vasa.vim.vmware.com/xsd} */
export type StorageCapabilityOut = {
  uniqueIdentifier?: string;
  capabilityDetail?: string;
  capabilityName?: string;
  $type?: QN;
};

export type StorageCatalogEnum = 'Alarm' | 'Event' | 'Fault';

/** StorageContainer {http://data.vasa.vim.vmware.com/xsd} */
export type StorageContainerOut = {
  uniqueIdentifier?: string;
  maxVvolSizeMB: number | bigint;
  name: string;
  protocolEndPointType?: string;
  $type?: QN;
};

/** StorageEvent {http://data.vasa.vim.vmware.com/xsd} */
export type StorageEventOut = {
  arrayId?: string;
  eventConfigType?: EventConfigTypeEnum;
  eventId?: number | bigint;
  eventObjType?: EntityTypeEnum;
  eventTimeStamp?: string | number;
  eventType?: EventTypeEnum;
  messageId?: string;
  objectId?: string;
  parameterList?: NameValuePairOut[];
  $type?: QN;
};

/** StorageFileSystem {http://data.vasa.vim.vmware.com/xsd} */
export type StorageFileSystemOut = {
  uniqueIdentifier?: string;
  fileSystem?: FileSystemEnum;
  fileSystemInfo?: FileSystemInfoOut[];
  fileSystemVersion?: FileSystemVersionEnum;
  nativeSnapshotSupported: boolean;
  thinProvisioningStatus?: string;
  $type?: QN;
};

/** StorageLun {http://data.vasa.vim.vmware.com/xsd} */
export type StorageLunOut = {
  uniqueIdentifier?: string;
  alternateIdentifier?: string[];
  backingConfig?: BackingConfigOut;
  capacityInMB: number | bigint;
  displayName?: string;
  drsManagementPermitted: boolean;
  esxLunIdentifier?: string;
  thinProvisioned: boolean;
  thinProvisioningStatus?: string;
  usedSpaceInMB: number | bigint;
  $type?: QN;
};

/** StoragePort {http://data.vasa.vim.vmware.com/xsd} */
export type StoragePortOut = {
  uniqueIdentifier?: string;
  alternateName?: string[];
  iscsiIdentifier?: string;
  nodeWwn?: string;
  portType?: BlockEnum;
  portWwn?: string;
  $type?: QN;
};

/** StorageProcessor {http://data.vasa.vim.vmware.com/xsd} */
export type StorageProcessorOut = {
  uniqueIdentifier?: string;
  spIdentifier?: string[];
  $type?: QN;
};

/** StorageProfile {http://profile.policy.data.vasa.vim.vmware.com/xsd} */
export type StorageProfile = {
  constraints?: CapabilityConstraints;
  createdBy: string;
  creationTime: string;
  description?: string;
  generationId: number;
  lastUpdatedBy?: string;
  lastUpdatedTime?: string;
  name: string;
  profileId: string;
};

/** StorageProfile {http://profile.policy.data.vasa.vim.vmware.com/xsd} */
export type StorageProfileOut = {
  constraints?: CapabilityConstraintsOut;
  createdBy: string;
  creationTime: string | number;
  description?: string;
  generationId: number | bigint;
  lastUpdatedBy?: string;
  lastUpdatedTime?: string | number;
  name: string;
  profileId: string;
  $type?: QN;
};

/** SubProfile {http://profile.policy.data.vasa.vim.vmware.com/xsd} */
export type SubProfile = {
  capability: CapabilityInstance[];
  name: string;
};

/** SubProfile {http://profile.policy.data.vasa.vim.vmware.com/xsd} */
export type SubProfileOut = {
  capability: CapabilityInstanceOut[];
  name: string;
  $type?: QN;
};

/** TaskInfo {http://vvol.data.vasa.vim.vmware.com/xsd} */
export type TaskInfoOut = {
  arrayId?: string;
  cancelable: boolean;
  cancelled: boolean;
  error?: unknown;
  estimatedTimeToComplete?: string | number;
  name: string;
  progress: number | bigint;
  progressUpdateAvailable: boolean;
  result?: unknown;
  startTime: string | number;
  taskId: string;
  taskState: TaskStateEnum;
  $type?: QN;
};

export type TaskStateEnum = 'Queued' | 'Running' | 'Success' | 'Error';

/** TypeInfo {http://capability.policy.data.vasa.vim.vmware.com/xsd} */
export type TypeInfoOut = {
  typeName: BuiltinTypesEnum;
  $type?: QN;
};

/** The request of unbindAllVirtualVolumesFromHost, as decoded. */
export type UnbindAllVirtualVolumesFromHostRequest = {
  hostUuid?: string;
};

export type UnbindContextEnum = 'Normal' | 'RebindStart' | 'RebindEnd';

/** The request of unbindVirtualVolumeFromAllHost, as decoded. */
export type UnbindVirtualVolumeFromAllHostRequest = {
  vvolId: string[];
};

/** The request of unbindVirtualVolume, as decoded. */
export type UnbindVirtualVolumeRequest = {
  vvolHandle: VirtualVolumeHandle[];
  unbindContext: UnbindContextEnum;
};

/** The request of unregisterVASACertificate, as decoded. */
export type UnregisterVASACertificateRequest = {
  existingCertificate?: string;
};

/** The request of unsharedBitmapVirtualVolume, as decoded. */
export type UnsharedBitmapVirtualVolumeRequest = {
  vvolId: string;
  baseVvolId: string;
  segmentStartOffsetBytes: number;
  segmentLengthBytes: number;
  chunkSizeBytes: number;
};

/** The request of unsharedChunksVirtualVolume, as decoded. */
export type UnsharedChunksVirtualVolumeRequest = {
  vvolId: string;
  baseVvolId?: string;
  segmentStartOffsetBytes: number;
  segmentLengthBytes: number;
};

/** The request of updateStorageProfileForVirtualVolume, as decoded. */
export type UpdateStorageProfileForVirtualVolumeRequest = {
  vvolId: string;
  newStorageProfile: StorageProfile | (DefaultProfile & Tagged);
};

/** The request of updateVirtualVolumeMetaData, as decoded. */
export type UpdateVirtualVolumeMetaDataRequest = {
  vvolId: string;
  keyValuePair: NameValuePair[];
  containerCookie?: string;
};

/** UsageContext {http://data.vasa.vim.vmware.com/xsd} */
export type UsageContext = {
  chapUsername?: string[];
  hostGuid?: string;
  hostInitiator?: HostInitiatorInfo[];
  hostIoIpAddress?: string[];
  iscsiInitiatorIpAddress?: string[];
  mountPoint?: MountInfo[];
  sessionTimeoutInSeconds?: number;
  subscribeEvent?: EventTypeEnum[];
  vcGuid?: string;
};

/** VasaAssociationObject {http://data.vasa.vim.vmware.com/xsd} */
export type VasaAssociationObjectOut = {
  associatedId?: (BaseStorageEntityOut | (HostInitiatorInfoOut & Tagged) | (StorageArrayOut & Tagged) | (StorageContainerOut & Tagged) | (StorageProcessorOut & Tagged) | (StoragePortOut & Tagged) | (StorageLunOut & Tagged) | (StorageFileSystemOut & Tagged) | (StorageCapabilityOut & Tagged) | (ProtocolEndpointOut & Tagged) | (VirtualVolumeHandleOut & Tagged) | (VirtualVolumeInfoOut & Tagged))[];
  entityId?: (BaseStorageEntityOut | (HostInitiatorInfoOut & Tagged) | (StorageArrayOut & Tagged) | (StorageContainerOut & Tagged) | (StorageProcessorOut & Tagged) | (StoragePortOut & Tagged) | (StorageLunOut & Tagged) | (StorageFileSystemOut & Tagged) | (StorageCapabilityOut & Tagged) | (ProtocolEndpointOut & Tagged) | (VirtualVolumeHandleOut & Tagged) | (VirtualVolumeInfoOut & Tagged))[];
  $type?: QN;
};

/** VasaProviderInfo {http://data.vasa.vim.vmware.com/xsd} */
export type VasaProviderInfoOut = {
  defaultNamespace?: string;
  defaultSessionTimeoutInSeconds?: number | bigint;
  maxBatchSize?: number | bigint;
  maxConcurrentRequestsPerSession?: number | bigint;
  name?: string;
  needsExplicitActivation?: boolean;
  retainVasaProviderCertificate?: boolean;
  sessionId?: string;
  supportedProfile: ProviderProfileEnum[];
  supportedVendorModel?: VendorModelOut[];
  uid: string;
  vasaApiVersion?: string;
  vasaProviderVersion?: string;
  $type?: QN;
};

/** VendorInfo {http://provider.capability.policy.data.vasa.vim.vmware.com/xsd} */
export type VendorInfoOut = {
  info: ExtendedElementDescriptionOut;
  vendorUuid: string;
  $type?: QN;
};

/** VendorModel {http://data.vasa.vim.vmware.com/xsd} */
export type VendorModelOut = {
  modelId?: string;
  vendorId?: string;
  $type?: QN;
};

/** VirtualVolumeBitmapResult {http://vvol.data.vasa.vim.vmware.com/xsd} */
export type VirtualVolumeBitmapResultOut = {
  chunkBitmap: Buffer | string;
  $type?: QN;
};

/** VirtualVolumeHandle {http://vvol.data.vasa.vim.vmware.com/xsd} */
export type VirtualVolumeHandle = {
  uniqueIdentifier?: string;
  peInBandId: ProtocolEndpointInbandId;
  vvolSecondaryId: string;
};

/** VirtualVolumeHandle {http://vvol.data.vasa.vim.vmware.com/xsd} */
export type VirtualVolumeHandleOut = {
  uniqueIdentifier?: string;
  peInBandId: ProtocolEndpointInbandIdOut;
  vvolSecondaryId: string;
  $type?: QN;
};

/** VirtualVolumeInfo {http://vvol.data.vasa.vim.vmware.com/xsd} */
export type VirtualVolumeInfo = {
  uniqueIdentifier?: string;
  metadata?: NameValuePair[];
  vvolId: string;
};

/** VirtualVolumeInfo {http://vvol.data.vasa.vim.vmware.com/xsd} */
export type VirtualVolumeInfoOut = {
  uniqueIdentifier?: string;
  metadata?: NameValuePairOut[];
  vvolId: string;
  $type?: QN;
};

export type VirtualVolumeTypeEnum = 'Config' | 'Data' | 'Swap' | 'Memory' | 'Other';

/** VirtualVolumeUnsharedChunksResult {http://vvol.data.vasa.vim.vmware.com/xsd} */
export type VirtualVolumeUnsharedChunksResultOut = {
  chunkSizeBytes: number | bigint;
  scannedChunks: number | bigint;
  unsharedChunks: number | bigint;
  $type?: QN;
};

/** The decoded request of every operation of the WSDL, by operation name. */
export interface Requests {
  setContext: SetContextRequest;
  registerVASACertificate: RegisterVASACertificateRequest;
  unregisterVASACertificate: UnregisterVASACertificateRequest;
  queryCatalog: QueryCatalogRequest;
  registerCACertificatesAndCRLs: RegisterCACertificatesAndCRLsRequest;
  refreshCACertificatesAndCRLs: RefreshCACertificatesAndCRLsRequest;
  queryCACertificates: QueryCACertificatesRequest;
  queryCACertificateRevocationLists: QueryCACertificateRevocationListsRequest;
  requestCSR: RequestCSRRequest;
  registerCASignedProviderCertificate: RegisterCASignedProviderCertificateRequest;
  activateProviderEx: ActivateProviderExRequest;
  queryArrays: QueryArraysRequest;
  getNumberOfEntities: GetNumberOfEntitiesRequest;
  queryUniqueIdentifiersForEntity: QueryUniqueIdentifiersForEntityRequest;
  queryStorageContainer: QueryStorageContainerRequest;
  queryStorageContainerForArray: QueryStorageContainerForArrayRequest;
  queryProtocolEndpoint: QueryProtocolEndpointRequest;
  queryProtocolEndpointForArray: QueryProtocolEndpointForArrayRequest;
  setPEContext: SetPEContextRequest;
  queryDRSMigrationCapabilityForPerformance: QueryDRSMigrationCapabilityForPerformanceRequest;
  queryStorageProcessors: QueryStorageProcessorsRequest;
  queryStoragePorts: QueryStoragePortsRequest;
  queryStorageLuns: QueryStorageLunsRequest;
  queryStorageFileSystems: QueryStorageFileSystemsRequest;
  queryStorageCapabilities: QueryStorageCapabilitiesRequest;
  queryAssociatedProcessorsForArray: QueryAssociatedProcessorsForArrayRequest;
  queryAssociatedPortsForProcessor: QueryAssociatedPortsForProcessorRequest;
  queryAssociatedLunsForPort: QueryAssociatedLunsForPortRequest;
  queryAssociatedCapabilityForLun: QueryAssociatedCapabilityForLunRequest;
  queryAssociatedCapabilityForFileSystem: QueryAssociatedCapabilityForFileSystemRequest;
  queryUniqueIdentifiersForLuns: QueryUniqueIdentifiersForLunsRequest;
  queryUniqueIdentifiersForFileSystems: QueryUniqueIdentifiersForFileSystemsRequest;
  createVirtualVolume: CreateVirtualVolumeRequest;
  deleteVirtualVolume: DeleteVirtualVolumeRequest;
  resizeVirtualVolume: ResizeVirtualVolumeRequest;
  bindVirtualVolume: BindVirtualVolumeRequest;
  unbindVirtualVolume: UnbindVirtualVolumeRequest;
  unbindVirtualVolumeFromAllHost: UnbindVirtualVolumeFromAllHostRequest;
  unbindAllVirtualVolumesFromHost: UnbindAllVirtualVolumesFromHostRequest;
  queryVirtualVolume: QueryVirtualVolumeRequest;
  queryVirtualVolumeInfo: QueryVirtualVolumeInfoRequest;
  updateVirtualVolumeMetaData: UpdateVirtualVolumeMetaDataRequest;
  updateStorageProfileForVirtualVolume: UpdateStorageProfileForVirtualVolumeRequest;
  prepareToSnapshotVirtualVolume: PrepareToSnapshotVirtualVolumeRequest;
  snapshotVirtualVolume: SnapshotVirtualVolumeRequest;
  revertVirtualVolume: RevertVirtualVolumeRequest;
  cloneVirtualVolume: CloneVirtualVolumeRequest;
  fastCloneVirtualVolume: FastCloneVirtualVolumeRequest;
  copyDiffsToVirtualVolume: CopyDiffsToVirtualVolumeRequest;
  allocatedBitmapVirtualVolume: AllocatedBitmapVirtualVolumeRequest;
  unsharedBitmapVirtualVolume: UnsharedBitmapVirtualVolumeRequest;
  unsharedChunksVirtualVolume: UnsharedChunksVirtualVolumeRequest;
  spaceStatsForStorageContainer: SpaceStatsForStorageContainerRequest;
  spaceStatsForVirtualVolume: SpaceStatsForVirtualVolumeRequest;
  getTaskUpdate: GetTaskUpdateRequest;
  getCurrentTask: GetCurrentTaskRequest;
  cancelTask: CancelTaskRequest;
  getEvents: GetEventsRequest;
  getAlarms: GetAlarmsRequest;
  queryCapabilityMetadata: QueryCapabilityMetadataRequest;
  queryCapabilityProfile: QueryCapabilityProfileRequest;
  queryCapabilityProfileForResource: QueryCapabilityProfileForResourceRequest;
  queryDefaultProfileForStorageContainer: QueryDefaultProfileForStorageContainerRequest;
  queryComplianceResult: QueryComplianceResultRequest;
}

/** What each operation's handler returns (the response's `return`), by operation name. */
export interface Responses {
  setContext: VasaProviderInfoOut | undefined;
  registerVASACertificate: VasaProviderInfoOut | undefined;
  unregisterVASACertificate: undefined;
  queryCatalog: MessageCatalogOut[];
  registerCACertificatesAndCRLs: VasaProviderInfoOut | undefined;
  refreshCACertificatesAndCRLs: undefined;
  queryCACertificates: string[];
  queryCACertificateRevocationLists: string[];
  requestCSR: string | undefined;
  registerCASignedProviderCertificate: undefined;
  activateProviderEx: TaskInfoOut | undefined;
  queryArrays: StorageArrayOut[];
  getNumberOfEntities: number | bigint | undefined;
  queryUniqueIdentifiersForEntity: string[];
  queryStorageContainer: StorageContainerOut[];
  queryStorageContainerForArray: string[];
  queryProtocolEndpoint: ProtocolEndpointOut[];
  queryProtocolEndpointForArray: string[];
  setPEContext: undefined;
  queryDRSMigrationCapabilityForPerformance: boolean | undefined;
  queryStorageProcessors: StorageProcessorOut[];
  queryStoragePorts: StoragePortOut[];
  queryStorageLuns: StorageLunOut[];
  queryStorageFileSystems: StorageFileSystemOut[];
  queryStorageCapabilities: StorageCapabilityOut[];
  queryAssociatedProcessorsForArray: VasaAssociationObjectOut[];
  queryAssociatedPortsForProcessor: VasaAssociationObjectOut[];
  queryAssociatedLunsForPort: VasaAssociationObjectOut[];
  queryAssociatedCapabilityForLun: VasaAssociationObjectOut[];
  queryAssociatedCapabilityForFileSystem: VasaAssociationObjectOut[];
  queryUniqueIdentifiersForLuns: string[];
  queryUniqueIdentifiersForFileSystems: string[];
  createVirtualVolume: TaskInfoOut | undefined;
  deleteVirtualVolume: undefined;
  resizeVirtualVolume: TaskInfoOut | undefined;
  bindVirtualVolume: BatchVirtualVolumeHandleResultOut[];
  unbindVirtualVolume: BatchReturnStatusOut[];
  unbindVirtualVolumeFromAllHost: BatchReturnStatusOut[];
  unbindAllVirtualVolumesFromHost: undefined;
  queryVirtualVolume: string[];
  queryVirtualVolumeInfo: VirtualVolumeInfoOut[];
  updateVirtualVolumeMetaData: undefined;
  updateStorageProfileForVirtualVolume: TaskInfoOut | undefined;
  prepareToSnapshotVirtualVolume: TaskInfoOut | undefined;
  snapshotVirtualVolume: BatchReturnStatusOut[];
  revertVirtualVolume: TaskInfoOut | undefined;
  cloneVirtualVolume: TaskInfoOut | undefined;
  fastCloneVirtualVolume: TaskInfoOut | undefined;
  copyDiffsToVirtualVolume: TaskInfoOut | undefined;
  allocatedBitmapVirtualVolume: VirtualVolumeBitmapResultOut | undefined;
  unsharedBitmapVirtualVolume: VirtualVolumeBitmapResultOut | undefined;
  unsharedChunksVirtualVolume: VirtualVolumeUnsharedChunksResultOut | undefined;
  spaceStatsForStorageContainer: ContainerSpaceStatsOut[];
  spaceStatsForVirtualVolume: SpaceStatsOut[];
  getTaskUpdate: TaskInfoOut | undefined;
  getCurrentTask: TaskInfoOut[];
  cancelTask: undefined;
  getEvents: (StorageEventOut | (RebindEventOut & Tagged))[];
  getAlarms: (StorageAlarmOut | (ComplianceAlarmOut & Tagged))[];
  queryCapabilityMetadata: CapabilitySchemaOut[];
  queryCapabilityProfile: (StorageProfileOut | (DefaultProfileOut & Tagged))[];
  queryCapabilityProfileForResource: ResourceAssociationOut[];
  queryDefaultProfileForStorageContainer: DefaultProfileOut[];
  queryComplianceResult: ComplianceResultOut[];
}

/** Every operation of the WSDL. */
export type OperationName = keyof Requests;
