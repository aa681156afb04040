/** The limits and texts of the provider settings the manual gives (2.3.1, L1, L11). */

/** L11, verbatim from the manual (printed after "ERROR:"). */
export const INVALID_INTERVAL_MESSAGE = 'Invalid time value. Please set up an integer between 5 and 1440.';
export const INTERVAL_MIN = 5;
export const INTERVAL_MAX = 1440;
export const DEFAULT_INTERVAL_MINUTES = 5;
/** L1: up to four disk arrays per provider. */
export const MAX_DISK_ARRAYS = 4;
export const DEFAULT_VCENTER_HTTPS_PORT = 443;
/** Manual 2.3.1: symbols that cannot be used in the vCenter user name and password. */
export const VCENTER_FORBIDDEN_SYMBOLS = ['"', '&', "'", ',', ';', '<', '=', '>', '^', '|'] as const;

/** The image-backup scheduler's defaults (issue 11; seed 001: slots have a maximum; seed 003: N parallel readers). */
export const IMAGE_BACKUP_DEFAULTS = {
  slotCapacity: 10,
  parallelReaders: 4,
  ioWindowMinutes: 60,
  /** 200 chunks of 1 MiB a second per reader: 200 MiB/s, the array's default copy rate. */
  readerChunksPerSecond: 200,
  /** The seeds' shortest minimum retention (7, 30 or 365 days). */
  immediateRetentionDays: 7,
  mailFrom: 'vvol-provider@localhost',
} as const;
