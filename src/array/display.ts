/**
 * N1/N2: what iSM shows for a pool's and an LD's "VMware Type" and an LD's "Purpose"
 * (manual 3.1.1, 3.1.2, A.2). Pure functions of the stored attributes, so the CLI and
 * the VASA face show the same words.
 */
import { VMWARE_TYPE_LABEL } from './models';
import type { LogicalDisk, Pool } from './types';

export type PoolVmwareType = 'Container' | '---';
export type LdVmwareType = 'config-VVOL' | 'vmdk-VVOL' | 'swap-VVOL' | 'memory-VVOL' | 'PE' | '---';
export type LdPurpose = 'VVOL' | 'Solution Reserved Volume' | 'Snapshot/Clone' | 'Clone' | 'Snapshot' | '---';

/** "Container" for a Storage Container, "---" for any other pool. */
export function poolVmwareType(pool: Pick<Pool, 'container'>): PoolVmwareType {
  return pool.container ? 'Container' : '---';
}

/** config-/vmdk-/swap-/memory-VVOL for a VVOL (snapshots and clones show their source's type), PE, or "---". */
export function ldVmwareType(ld: Pick<LogicalDisk, 'kind' | 'vvolType'>): LdVmwareType {
  if (ld.kind === 'pe') return 'PE';
  if (ld.kind === 'vvol' && ld.vvolType) return VMWARE_TYPE_LABEL[ld.vvolType] as LdVmwareType;
  return '---';
}

/**
 * The Purpose column: FEV "Snapshot/Clone", FCV "Clone" (also when it is an EBV, as
 * the manual's A.2 listing shows), EBV/ESV "Snapshot", SSV "Solution Reserved
 * Volume", VVOL and PE "VVOL", anything else "---".
 */
export function ldPurpose(ld: Pick<LogicalDisk, 'kind' | 'snap' | 'clone'>): LdPurpose {
  if (ld.clone === 'FEV') return 'Snapshot/Clone';
  if (ld.clone === 'FCV') return 'Clone';
  if (ld.snap === 'EBV' || ld.snap === 'ESV') return 'Snapshot';
  if (ld.kind === 'ssv') return 'Solution Reserved Volume';
  if (ld.kind === 'vvol' || ld.kind === 'pe') return 'VVOL';
  return '---';
}
