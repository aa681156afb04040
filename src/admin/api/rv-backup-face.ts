/**
 * What the RV backup routes work on: the managed arrays' engine, the backup options
 * (the provider's datacenter and vCenter), the data folder (the backup script's
 * `--data`) and the clock. The daemon builds it from the assembly.
 */
import type { Clock } from '../../array/clock';
import type { DiskArrayEngine } from '../../array/engine';
import type { BackupOptions } from '../../backup/operations';

export interface RvBackupFace {
  engine: DiskArrayEngine;
  options: BackupOptions;
  dataDir: string;
  clock: Clock;
}
