/**
 * Refusals as HTTP answers, decided once. Every error body is
 * `{ error, code, field, details }` (schema `Error` of the OpenAPI document):
 *
 *   SchedulerError INVALID    400  field names the request field (body, path or query)
 *   SchedulerError NOT_FOUND  404
 *   SchedulerError CONFLICT   409  (a backup or restore of the VM runs, a plan name is taken ...)
 *   SchedulerError LIMIT      429  when the service says when to retry (the 5-per-24-hours rule:
 *                                  Retry-After carries that time as an HTTP date); 409 otherwise
 *                                  (a full slot: retrying the same request will not help; the
 *                                  suggested slots are in details)
 *   SchedulerError FAILED     422  the request was valid but the operation failed on this data
 *                                  (a damaged image ...); the message says why
 *   anything else             500  "internal error": logged with its stack, never shown
 *
 * plus the face's own: 401 (no or wrong provider account), 403 (a management-screen session
 * without its CSRF token), 405, 408, 413, 415.
 */
import { SchedulerError } from '../../scheduler/contract';

export type ErrorCode = SchedulerError['code'] | 'UNAUTHORIZED' | 'FORBIDDEN' | 'METHOD_NOT_ALLOWED' | 'TOO_LARGE' | 'UNSUPPORTED_MEDIA_TYPE' | 'TIMEOUT' | 'INTERNAL';

export interface ErrorBody {
  error: string;
  code: ErrorCode;
  field: string | null;
  details: Record<string, unknown>;
}

export interface HttpRefusal {
  status: number;
  body: ErrorBody;
  headers: Record<string, string>;
}

/** A refusal of the face itself (not of the service), thrown by the request pipeline. */
export class ApiError extends Error {
  constructor(readonly status: number, readonly code: ErrorCode, message: string, readonly field: string | null = null, readonly headers: Record<string, string> = {}) {
    super(message);
    this.name = 'ApiError';
  }
}

/** Keys under which the service may say when a LIMIT stops applying (epoch ms or an ISO date). */
const RETRY_KEYS = ['nextAllowedAt', 'retryAt', 'allowedAt', 'notBefore'];

/** When the refused request may be made again, from a LIMIT's details, or undefined. */
export function retryAt(details: Record<string, unknown>): number | undefined {
  for (const k of RETRY_KEYS) {
    const v = details[k];
    const t = typeof v === 'number' ? v : typeof v === 'string' ? Date.parse(v) : NaN;
    if (Number.isFinite(t) && t > 0) return t;
  }
  return undefined;
}

const STATUS: Record<SchedulerError['code'], number> = { INVALID: 400, NOT_FOUND: 404, CONFLICT: 409, LIMIT: 429, FAILED: 422 };

/** The HTTP answer for an error thrown by the service or the pipeline; `internal` says whether to log it as a fault. */
export function refusal(e: unknown): HttpRefusal & { internal: boolean } {
  if (e instanceof SchedulerError) {
    const details = e.details ?? {};
    const at = e.code === 'LIMIT' ? retryAt(details) : undefined;
    const status = e.code === 'LIMIT' && at === undefined ? 409 : STATUS[e.code] ?? 500;
    return {
      status,
      body: { error: e.message, code: e.code, field: e.field ?? null, details },
      headers: at === undefined ? {} : { 'Retry-After': new Date(at).toUTCString() },
      internal: false,
    };
  }
  if (e instanceof ApiError) {
    return { status: e.status, body: { error: e.message, code: e.code, field: e.field, details: {} }, headers: e.headers, internal: false };
  }
  return { status: 500, body: { error: 'internal error; the provider log has the details.', code: 'INTERNAL', field: null, details: {} }, headers: {}, internal: true };
}
