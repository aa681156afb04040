/**
 * Schemas of the RV backup routes (Appendix E, F): the VM list and a VM's backup
 * information (backup-view.ts), the commands' answers (the manual's console lines),
 * the restore request, the backup script, the unmanaged VVols and the pool capacity.
 * Joined into schemas.ts's SCHEMAS, so they are documented as enforced.
 */
import type { SchemaObject } from 'ajv';

const msOrNull = (description: string) => ({ type: ['integer', 'null'], description: `${description} (epoch milliseconds, UTC), or null` });
const STATES = ['none', 'checking', 'backing-up', 'completed', 'failed', 'restore-copying', 'restored', 'restore-failed'];

const summaryProperties = {
  name: { type: 'string' },
  id: { type: 'string', description: 'VMW_VmID' },
  datacenter: { type: 'string' },
  policySet: { type: 'boolean', description: 'Whether the VM has backup volumes (3.9.1 backup policy).' },
  generations: { type: 'integer', minimum: 0, maximum: 2 },
  state: { type: 'string', enum: STATES },
  stateText: { type: 'string', description: 'F.2 (6) / F.3 (8) words, with "Time remaining" while a copy runs.' },
  lastBackupAt: msOrNull('the last backup of every disk'),
  previousBackupAt: msOrNull('the backup before it'),
  remainingMs: { type: ['integer', 'null'], description: 'Time remaining of the running copy, ms.' },
  busy: { type: 'boolean', description: 'A backup or restore copy runs.' },
};
const SUMMARY_REQUIRED = Object.keys(summaryProperties);

export const VmBackup: SchemaObject = { type: 'object', required: SUMMARY_REQUIRED, properties: summaryProperties };

const Point = { type: ['object', 'null'], required: ['poolName', 'rvName', 'backedUpAt'], properties: { poolName: { type: 'string' }, rvName: { type: 'string' }, backedUpAt: msOrNull('backed up') } };

export const VirtualDisk: SchemaObject = {
  type: 'object',
  required: ['role', 'ldName', 'ldn', 'diskFile', 'arrayName', 'generations', 'last', 'previous'],
  properties: {
    role: { type: 'string', enum: ['config', 'data'] },
    ldName: { type: 'string' },
    ldn: { type: 'string', description: 'LDN(h)' },
    diskFile: { type: 'string' },
    arrayName: { type: 'string' },
    generations: {
      type: 'array',
      items: {
        type: 'object',
        required: ['generation', 'rvName', 'rvLdn', 'poolName', 'state', 'stateText', 'backedUpAt', 'remainingMs'],
        properties: {
          generation: { type: 'integer' }, rvName: { type: 'string' }, rvLdn: { type: 'string' }, poolName: { type: 'string' },
          state: { type: 'string', enum: STATES }, stateText: { type: 'string' }, backedUpAt: msOrNull('backed up'), remainingMs: { type: ['integer', 'null'] },
        },
      },
    },
    last: Point,
    previous: Point,
  },
};

export const VmBackupDetail: SchemaObject = {
  type: 'object',
  required: [...SUMMARY_REQUIRED, 'disks'],
  properties: { ...summaryProperties, disks: { type: 'array', items: VirtualDisk } },
};

export const CommandMessages: SchemaObject = {
  type: 'object',
  description: 'What the backup command prints on success, line by line (the manual\'s messages).',
  required: ['messages'],
  properties: { messages: { type: 'array', items: { type: 'string' } } },
};

export const RvRestoreInput: SchemaObject = {
  type: 'object',
  additionalProperties: false,
  description: 'F.3.3: which backup, which disks; the config VVol only when asked for.',
  properties: {
    from: { type: 'string', enum: ['last', 'previous'], description: 'Default last.' },
    config: { type: 'boolean', description: 'Also restore the config VVol (not needed normally). Default false.' },
    disks: { type: 'array', maxItems: 256, items: { type: 'string', minLength: 1, maxLength: 200 }, description: 'Data VVols by LD name or disk file; empty or absent: every data VVol.' },
  },
};

export const BackupScript: SchemaObject = {
  type: 'object',
  required: ['fileName', 'content'],
  properties: { fileName: { type: 'string' }, content: { type: 'string', description: 'A POSIX shell script calling `vvolctl backup online`.' } },
};

export const UnmanagedVvol: SchemaObject = {
  type: 'object',
  required: ['kind', 'volume', 'ldn', 'status', 'attribute', 'arrayName', 'since', 'mvVmId', 'action'],
  properties: {
    kind: { type: 'string', enum: ['invalid', 'deleting', 'cloning', 'rv'] },
    volume: { type: 'string' }, ldn: { type: 'string' }, status: { type: 'string' }, attribute: { type: 'string' }, arrayName: { type: 'string' },
    since: msOrNull('deletingTime or cloningTime'),
    mvVmId: { type: ['string', 'null'] },
    action: { type: 'string', description: 'What the operator can do (manual A.2).' },
  },
};

export const PoolCapacity: SchemaObject = {
  type: 'object',
  required: ['arrayName', 'poolNo', 'name', 'container', 'capacityBytes', 'usedBytes', 'provisionedBytes', 'virtualCapacityBytes', 'threshold', 'thresholdExceeded'],
  properties: {
    arrayName: { type: 'string' }, poolNo: { type: 'string' }, name: { type: 'string' }, container: { type: 'boolean' },
    capacityBytes: { type: 'integer' }, usedBytes: { type: 'integer' }, provisionedBytes: { type: 'integer' }, virtualCapacityBytes: { type: 'integer' },
    threshold: { type: ['integer', 'null'] }, thresholdExceeded: { type: 'boolean' },
  },
};

export const RV_BACKUP_SCHEMAS = { VmBackup, VmBackupDetail, VirtualDisk, CommandMessages, RvRestoreInput, BackupScript, UnmanagedVvol, PoolCapacity } as const;
