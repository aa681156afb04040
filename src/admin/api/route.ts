/**
 * The shape of one admin API route, declared once: method, path (OpenAPI form),
 * parameters and body by schema, the answer, the refusals it may give, and the
 * handler. The router (router.ts) serves these declarations and the OpenAPI document
 * (openapi.ts) describes the same ones, so the two cannot drift apart.
 */
import type { ImageBackupApi } from '../../scheduler/contract';
import type { RvBackupFace } from './rv-backup-face';
import type { SchemaName } from './schemas';
import type { ParamSpecs } from './validation';

export type Method = 'get' | 'post' | 'patch' | 'delete';

export interface ApiContext {
  /** The service (asked for on first use: the OpenAPI route never needs it). */
  readonly api: ImageBackupApi;
  /** The RV backup operations and views (asked for on first use, like the scheduler). */
  readonly backup: RvBackupFace;
  params: Record<string, unknown>;
  query: Record<string, unknown>;
  body: unknown;
  /** Where the API is mounted (e.g. /api/v1), for Location headers. */
  base: string;
}

export interface Reply {
  status: number;
  json?: unknown;
  /** A text answer (the CSV report) and its content type. */
  text?: string;
  type?: string;
  headers?: Record<string, string>;
}

export interface ApiRoute {
  method: Method;
  /** OpenAPI form: /plans/{id}. */
  path: string;
  operationId: string;
  tag: 'plans' | 'runs' | 'images' | 'history' | 'vms' | 'arrays' | 'meta';
  summary: string;
  description?: string;
  params?: ParamSpecs;
  query?: ParamSpecs;
  /** The JSON body; without one, a route takes no body (or an empty object). */
  body?: SchemaName;
  ok: { status: number; description: string; schema?: SchemaName; list?: boolean; contentType?: string; location?: boolean };
  /** Refusals of the service this route may give, besides 400, 401 and 500 which every route may. */
  errors: number[];
  /** The service's names of fields this route's request spells otherwise (service `vmName` is the body's `vm`). */
  fields?: Readonly<Record<string, string>>;
  /** The answer; a promise where the service works asynchronously (an RV restore powers the VM off through vCenter first). */
  handle(c: ApiContext): Reply | Promise<Reply>;
}

export const json = (status: number, value: unknown, headers?: Record<string, string>): Reply => ({ status, json: value, headers });
export const noContent = (): Reply => ({ status: 204 });

/** Path parameter `id` of plans and runs: a positive integer. */
export const NUMERIC_ID: ParamSpecs = {
  id: { required: true, description: 'The id (a positive integer).', schema: { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER } },
};

/** Path parameter `id` of images. */
export const IMAGE_ID: ParamSpecs = {
  id: {
    required: true,
    description: 'The image id.',
    schema: { type: 'string', minLength: 1, maxLength: 80, pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$', description: 'an image id (letters, digits, . _ -)' },
  },
};
