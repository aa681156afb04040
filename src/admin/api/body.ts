/**
 * The JSON body of an admin API request: JSON only (415 otherwise), read under a size
 * cap (413, refused from Content-Length before a byte is read) and a deadline (408) by
 * the face's own reader (src/vasa/http/body.ts), parsed, and refused when nested deeper
 * than a few levels (no schema here needs more), before any schema or service sees it.
 */
import type express from 'express';
import { BodyError, readBody } from '../../vasa/http/body';
import { ApiError } from './errors';

export interface BodyLimits {
  maxBytes: number;
  timeoutMs: number;
  maxDepth: number;
}

export const DEFAULT_BODY_LIMITS: BodyLimits = { maxBytes: 64 * 1024, timeoutMs: 20_000, maxDepth: 16 };

/** Whether the request carries a body at all (a declared length above 0, or chunked). */
export function hasBody(req: express.Request): boolean {
  const te = req.headers['transfer-encoding'];
  const cl = req.headers['content-length'];
  return te !== undefined || (cl !== undefined && cl !== '0');
}

function isJsonType(header: string | undefined): boolean {
  if (!header) return false;
  const [type, ...params] = header.split(';').map((s) => s.trim().toLowerCase());
  if (type !== 'application/json') return false;
  const charset = params.find((p) => p.startsWith('charset='))?.slice(8).replace(/"/g, '');
  return charset === undefined || charset === 'utf-8' || charset === 'utf8';
}

/** Depth of a parsed JSON value, walked without recursion (a hostile body cannot overflow the stack). */
export function depthOver(value: unknown, max: number): boolean {
  const stack: { v: unknown; d: number }[] = [{ v: value, d: 0 }];
  while (stack.length) {
    const { v, d } = stack.pop() as { v: unknown; d: number };
    if (v === null || typeof v !== 'object') continue;
    if (d + 1 > max) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v as Record<string, unknown>)) stack.push({ v: child, d: d + 1 });
  }
  return false;
}

/** The parsed body, or undefined when the request has none. */
export async function readJsonBody(req: express.Request, limits: BodyLimits): Promise<unknown> {
  if (!hasBody(req)) return undefined;
  if (!isJsonType(req.get('Content-Type'))) {
    throw new ApiError(415, 'UNSUPPORTED_MEDIA_TYPE', 'body: the request body must be JSON (Content-Type: application/json, UTF-8).', 'body', { Connection: 'close' });
  }
  let text: string;
  try {
    text = await readBody(req, { maxBytes: limits.maxBytes, timeoutMs: limits.timeoutMs });
  } catch (e) {
    if (!(e instanceof BodyError)) throw e;
    // The rest of the body is not read: the connection cannot be reused.
    const code = e.status === 413 ? 'TOO_LARGE' : e.status === 408 ? 'TIMEOUT' : 'INVALID';
    throw new ApiError(e.status, code, `body: ${e.message}`, 'body', { Connection: 'close' });
  }
  if (text.trim() === '') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ApiError(400, 'INVALID', 'body: is not valid JSON.', 'body');
  }
  if (depthOver(value, limits.maxDepth)) throw new ApiError(400, 'INVALID', `body: is nested deeper than ${limits.maxDepth} levels.`, 'body');
  return value;
}
