/**
 * The admin API's JSON Schemas: the request bodies the router validates (ajv, through
 * src/config/validate.ts) and the answers it sends. They are also, unchanged, the
 * `components.schemas` of the OpenAPI document (openapi.ts): one source, so what is
 * documented is what is enforced. Written in the subset that reads the same as JSON
 * Schema draft-07 (ajv's default, used to validate) and 2020-12 (OpenAPI 3.1's dialect).
 *
 * The face checks shape only (types, required and unknown fields, generous size caps);
 * every rule of the scheduler (the 55-minute alert, slot capacity, names, retention)
 * stays in the service, which answers with its own message.
 */
import type { SchemaObject } from 'ajv';
import { RV_BACKUP_SCHEMAS } from './rv-backup-schemas';

const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
const ms = (description: string) => ({ type: 'integer', description: `${description} (epoch milliseconds, UTC)` });
const msOrNull = (description: string) => ({ type: ['integer', 'null'], description: `${description} (epoch milliseconds, UTC), or null` });
const strOrNull = (description: string) => ({ type: ['string', 'null'], description });

export const ScheduleInput: SchemaObject = {
  type: 'object',
  description: 'When a plan runs: dates and the slot are local to the plan\'s time zone.',
  additionalProperties: false,
  required: ['type', 'startDate', 'slotHour'],
  properties: {
    type: { type: 'string', enum: ['once', 'daily', 'weekly', 'monthly'] },
    startDate: { type: 'string', pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$', description: 'a local date YYYY-MM-DD (for once: the day it runs)' },
    slotHour: { type: 'integer', minimum: 0, maximum: 23, description: 'The one-hour start slot: local hour 0-23.' },
    startMinute: { type: 'integer', minimum: 0, maximum: 59, description: 'Minute in the slot the run is aimed at, default 0; 55-59 is refused with an alert message.' },
    weekday: { type: 'string', enum: WEEKDAYS, description: 'weekly, or monthly with ordinal: the day of the week.' },
    monthDay: { type: 'integer', minimum: 1, maximum: 31, description: 'monthly: a day of the month.' },
    ordinal: { enum: [1, 2, 3, 4, 5, 'last'], description: 'monthly: the n-th (or last) weekday of the month, with weekday.' },
  },
};

const planProperties = {
  name: { type: 'string', minLength: 1, maxLength: 200 },
  vms: { type: 'array', minItems: 1, maxItems: 1000, items: { type: 'string', minLength: 1, maxLength: 200 }, description: 'VM names as the provider knows them.' },
  enabled: { type: 'boolean', description: 'A disabled plan starts nothing (default true).' },
  schedule: ScheduleInput,
  timeZone: { type: 'string', minLength: 1, maxLength: 64, description: 'IANA time zone, e.g. Europe/Berlin.' },
  retentionDays: { type: 'integer', minimum: 1, maximum: 36500, description: 'Days an image is kept after its run\'s start (presets 7, 30, 365).' },
};

export const PlanInput: SchemaObject = {
  type: 'object',
  description: 'A new plan.',
  additionalProperties: false,
  required: ['name', 'vms', 'schedule', 'timeZone', 'retentionDays'],
  properties: planProperties,
};

export const PlanChanges: SchemaObject = {
  type: 'object',
  description: 'The fields to change; a schedule is given whole.',
  additionalProperties: false,
  minProperties: 1,
  properties: planProperties,
};

export const PlanCopy: SchemaObject = {
  type: 'object',
  description: 'A new plan from one used before: its fields, overridden by these, under a new name.',
  additionalProperties: false,
  required: ['name'],
  properties: planProperties,
};

export const BackupRequest: SchemaObject = {
  type: 'object',
  description: 'An immediate backup of one VM (at most 5 per VM in any 24 hours, scheduled ones counted).',
  additionalProperties: false,
  required: ['vm'],
  properties: { vm: { type: 'string', minLength: 1, maxLength: 200 } },
};

/** The body of an action (enable, cancel, verify ...): none, or an empty object. */
export const NoBody: SchemaObject = {
  type: 'object',
  description: 'No fields.',
  additionalProperties: false,
  properties: {},
};

// ---- answers (documented; the service's values are sent as they are) -------------------

export const Plan: SchemaObject = {
  type: 'object',
  required: ['id', 'name', 'vms', 'enabled', 'schedule', 'timeZone', 'retentionDays', 'createdAt', 'updatedAt', 'derivedFrom', 'nextRunAt', 'monthsWithoutRun'],
  properties: {
    id: { type: 'integer', minimum: 1 },
    ...planProperties,
    schedule: { ...ScheduleInput, additionalProperties: true },
    createdAt: ms('created'),
    updatedAt: ms('last changed'),
    derivedFrom: { type: ['integer', 'null'], description: 'The plan this one was made from, if any.' },
    nextRunAt: msOrNull('next slot start; null when none is left or the plan is disabled'),
    monthsWithoutRun: { type: 'array', items: { type: 'string' }, description: 'YYYY-MM of coming months in which the monthly rule names no day: no backup then.' },
  },
};

export const RunVm: SchemaObject = {
  type: 'object',
  required: ['vmId', 'vmName', 'state', 'ioLoad', 'order', 'chunksDone', 'chunksTotal', 'imageId', 'message'],
  properties: {
    vmId: { type: 'string' },
    vmName: { type: 'string' },
    state: { type: 'string', enum: ['waiting', 'snapshotted', 'archiving', 'completed', 'failed', 'cancelled', 'skipped'] },
    ioLoad: { type: 'number', description: 'Write load measured before the run; archives are written busiest first.' },
    order: { type: 'integer' },
    snapshotAt: msOrNull('snapshot taken'),
    snapshotReleasedAt: msOrNull('snapshot deleted'),
    snapshotHeldMs: { type: ['integer', 'null'], description: 'How long the snapshot was held, ms.' },
    chunksDone: { type: 'integer' },
    chunksTotal: { type: 'integer' },
    bytesRead: { type: 'integer' },
    bytesStored: { type: 'integer' },
    imageId: strOrNull('the image written, once complete'),
    message: strOrNull('why the VM failed or was skipped'),
  },
};

export const Progress: SchemaObject = {
  type: 'object',
  description: 'The run\'s progress over all its VMs.',
  required: ['chunksDone', 'chunksTotal', 'percent', 'vmsDone', 'vmsTotal'],
  properties: {
    chunksDone: { type: 'integer' },
    chunksTotal: { type: 'integer' },
    percent: { type: 'integer', minimum: 0, maximum: 100 },
    vmsDone: { type: 'integer' },
    vmsTotal: { type: 'integer' },
  },
};

export const Run: SchemaObject = {
  type: 'object',
  required: ['id', 'planId', 'planName', 'kind', 'state', 'startedAt', 'finishedAt', 'backupTime', 'message', 'vms', 'progress'],
  properties: {
    id: { type: 'integer', minimum: 1 },
    planId: { type: ['integer', 'null'] },
    planName: strOrNull('the plan\'s name; null for an immediate backup'),
    kind: { type: 'string', enum: ['scheduled', 'immediate'] },
    state: { type: 'string', enum: ['queued', 'snapshotting', 'archiving', 'completed', 'failed', 'cancelled', 'skipped', 'missed'] },
    slotStart: msOrNull('the slot this run belongs to'),
    startedAt: msOrNull('started'),
    finishedAt: msOrNull('finished'),
    backupTime: msOrNull('the one consistency point: every image of the run carries it'),
    message: strOrNull('why the run failed, was skipped or missed'),
    vms: { type: 'array', items: RunVm },
    progress: Progress,
  },
};

export const ImageDisk: SchemaObject = {
  type: 'object',
  required: ['name', 'role', 'capacityBytes', 'chunks', 'policy'],
  properties: {
    name: { type: 'string' },
    role: { type: 'string', enum: ['config', 'data'] },
    capacityBytes: { type: 'integer' },
    chunks: { type: 'integer' },
    policy: strOrNull('the storage policy (profile id) the VVol had'),
  },
};

export const Image: SchemaObject = {
  type: 'object',
  required: ['id', 'runId', 'planId', 'vmId', 'vmName', 'backupTime', 'startedAt', 'finishedAt', 'expiresAt', 'disks', 'bytesRead', 'bytesStored', 'local', 'secondary'],
  properties: {
    id: { type: 'string' },
    runId: { type: 'integer' },
    planId: { type: ['integer', 'null'] },
    vmId: { type: 'string' },
    vmName: { type: 'string' },
    backupTime: ms('the run\'s consistency point'),
    startedAt: ms('archive started'),
    finishedAt: ms('archive finished'),
    expiresAt: ms('deleted by the clock after'),
    disks: { type: 'array', items: ImageDisk },
    bytesRead: { type: 'integer' },
    bytesStored: { type: 'integer', description: 'Bytes this image added to the store (deduplicated).' },
    local: { type: 'string', enum: ['ok', 'damaged', 'missing'] },
    secondary: { type: 'string', enum: ['none', 'pending', 'ok', 'failed'] },
  },
};

export const HistoryEntry: SchemaObject = {
  type: 'object',
  required: ['jobId', 'type', 'planName', 'startedAt', 'finishedAt', 'durationMs', 'status', 'vms', 'message'],
  properties: {
    jobId: { type: 'string' },
    type: { type: 'string', enum: ['backup', 'restore'] },
    planName: strOrNull('the plan, or null for an immediate backup or a restore'),
    startedAt: ms('started'),
    finishedAt: msOrNull('finished'),
    durationMs: { type: ['integer', 'null'] },
    status: { type: 'string', enum: ['Success', 'Failed', 'Skipped', 'Cancelled', 'Running'] },
    vms: { type: 'array', items: { type: 'string' } },
    message: strOrNull('details'),
  },
};

export const VerifyResult: SchemaObject = {
  type: 'object',
  required: ['imageId', 'ok', 'problems'],
  properties: { imageId: { type: 'string' }, ok: { type: 'boolean' }, problems: { type: 'array', items: { type: 'string' } } },
};

export const RestoreResult: SchemaObject = {
  type: 'object',
  required: ['jobId', 'vmName', 'disks', 'source'],
  properties: {
    jobId: { type: 'string' },
    vmName: { type: 'string' },
    disks: { type: 'array', items: { type: 'object', required: ['name', 'chunks'], properties: { name: { type: 'string' }, chunks: { type: 'integer' } } } },
    source: { type: 'string', enum: ['local', 'secondary'], description: 'secondary only when the local image was missing or damaged' },
  },
};

export const ErrorBody: SchemaObject = {
  type: 'object',
  description: 'Every refusal: the message the user reads, a stable code, the request field it is about (400) and machine-readable facts.',
  required: ['error', 'code', 'field', 'details'],
  properties: {
    error: { type: 'string' },
    code: { type: 'string', enum: ['INVALID', 'NOT_FOUND', 'CONFLICT', 'LIMIT', 'FAILED', 'UNAUTHORIZED', 'FORBIDDEN', 'METHOD_NOT_ALLOWED', 'TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE', 'TIMEOUT', 'INTERNAL'] },
    field: strOrNull('the request field the message is about, e.g. schedule.slotHour'),
    details: { type: 'object', description: 'Suggested slots, the time the next backup is allowed, every validation problem ...' },
  },
};

/** Every named schema, as the OpenAPI document's components.schemas lists them. */
export const SCHEMAS = {
  ScheduleInput, PlanInput, PlanChanges, PlanCopy, BackupRequest, NoBody,
  Plan, Run, RunVm, Progress, Image, ImageDisk, HistoryEntry, VerifyResult, RestoreResult, Error: ErrorBody,
  ...RV_BACKUP_SCHEMAS,
} as const satisfies Record<string, SchemaObject>;

export type SchemaName = keyof typeof SCHEMAS;
