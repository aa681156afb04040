/**
 * Message texts users see, taken verbatim from the NEC manual (Appendix B and
 * chapter 2). Tests assert these exact strings; change them only against the manual.
 */
export const MSG = {
  configuring: 'Another user is configuring the disk array.',
  commandFailed: 'Command failed.',
  notMonitored: 'The disk array is not in normal monitoring state.',
  maintenance: 'The state of disk array monitoring is stop (maintenance). Check the status of monitoring, and then try again.',
  bindFailed: 'Failed to bind PE and VVOL.',
  unbindFailed: 'Failed to unbind PE and VVOL.',
  metadataFailed: 'Failed to write metadata to the VVOL.',
  infoFailed: 'Failed to get information from the disk array.',
  bitmapFailed: 'Failed to get the information (bitmap) on the specified VVOLs.',
  licenceDdr: 'The license for DynamicDataReplication is locked.',
  licenceSnapshot: 'The license for snapshot is locked.',
  licenceVvol: 'The license for Virtual Volume is locked.',
  licenceClone: 'The license for Volume Clone is locked.',
  licenceIoLoad: 'Failed to apply the storage policy because the license for I/O Load Manager is locked.',
  /**
   * B2: Appendix B has no text of its own for a locked ThinProvisioning licence (3.7.2 and
   * 2.1.2 name the licence, B.1 does not); this follows B.1's "The license for ... is
   * locked." wording for the other licences.
   */
  licenceThin: 'The license for ThinProvisioning is locked.',
  /** L10 (3.9.2): the range of an I/O upper or lower limit, in the manual's words. */
  ioRange: 'A decimal value within 10 to 1000000 can be specified.',
  /** L10 (3.9.2, where the manual writes "less that"): an iSM pool default. */
  ioLowerNotBelowUpper: 'The I/O lower limit must be less than the I/O upper limit.',
  /** L10 (B.1): the same rule met while applying a storage policy. */
  policyIoLowerAboveUpper: 'Failed to apply the storage policy because the I/O Lower Limit is larger than the I/O Upper Limit.',
  insufficientPool: 'Insufficient pool space.',
  noSsv: 'No SSV is created.',
  ldLimitPool: 'The number of LDs has reached the upper limit in the specified pool.',
  ldLimitArray: 'The number of LDs has reached the upper limit of the disk array.',
  pairLimit: 'The number of LDs paired to the LD has reached the upper limit.',
  layerLimit: 'The number of volume layers has reached the upper limit.',
  deletingSnapshots: 'The process cannot run on the virtual machine because the disk array is deleting snapshots.',
  ldLocked: 'The specified LD is locked.',
  ldNotExist: 'The specified LD does not exist.',
  poolNoSnapshot: 'The specified pool does not support this function (DynamicSnapVolume).',
  poolNoClone: 'The specified pool does not support this function (Volume Clone).',
  over10TB: 'The volume capacity over 10TB is not supported.',
  fcvLimit: 'You cannot create any more FCV because the number of FCVs of the specified FEV has reached the upper limit.',
  snapshotLimit: 'You cannot create any more snapshot because the number of snapshots is limited to 256 per virtual machine.',
  replicatingExpand: 'Failed to expand the specified volume because the volume is being replicated.',
  linkedCloneBackup: 'Backup can not be done for linked clones.',
  onlyOneBackupPool: 'The disk array has only one pool for backup.',
  noBackupPool: 'Failed to apply the storage policy because no pool for backup exists.',
  /** B8 (3.9.1, B.1): fewer generations (or Backup No) over more. */
  backupDecrease: "You cannot delete a virtual machine's backup volume only by applying a new backup policy.",
  /** 3.9.1 warns of this case without a message of its own: ours names the backup volume and the host. */
  backupVolumeInLdSet: (name: string, ldn: string, hosts: string) =>
    `The virtual machine cannot be deleted because its backup volume ${name} (${ldn}h) is allocated to the LD Set of ${hosts} (Backup Volume Automatic Deleted: Yes). Release the backup volume from the LD Set, or apply a policy with Backup Volume Automatic Deleted: No, and delete the virtual machine again.`,
  relationWriteFailed: 'Failed to create the file that shows the relation between storage and virtual machines.',
} as const;

/** "The specified <aaa...a> does not exist." (vCenter asked for a VVOL the array does not hold). */
export function specifiedDoesNotExist(what: string): string {
  return `The specified ${what} does not exist.`;
}

/** L4: a volume below 1 GB is created as 1 GB, with this warning. */
export function below1GB(requestedMB: number, uuid: string): string {
  return `The volume size you have specified (${requestedMB}MB) is less than 1 GB. But the volume (${uuid}) is created with 1 GB in the disk array because a volume requires at least 1 GB.`;
}

/** B4: the real-capacity threshold alarm. */
export function poolThresholdExceeded(poolNo: string, arraySerial: string): string {
  return `The capacity allocated to the pool(${poolNo}) on the disk array(${arraySerial}) has exceeded the actual capacity threshold of the pool.`;
}

/** B9 (B.1): the RVs were expanded, the VVol itself was not; aaa: the RVs' capacity now (MB). */
export function expandVolumeAfterBackup(rvMB: number): string {
  return `Failed to expand the volume(But had succeed in expanding backup volume. Target capacity:${rvMB}).`;
}

/** B9 (B.1): the first RV was expanded, the second (LD number aaa) was not; bbb: the capacity asked for (MB). */
export function expandSecondBackup(ldn: string, targetMB: number): string {
  return `Failed to expand the second backup volume(backup volume:${ldn}, capacity:${targetMB}).`;
}

/** B9 (B.1): an RV is already larger than the capacity asked for (after an earlier partial expansion). */
export function expandBackupBelowPresent(targetMB: number, presentMB: number): string {
  return `Failed to expand the backup volume because the target capacity(${targetMB}) is less than the present one(${presentMB}).`;
}
