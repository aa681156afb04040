/**
 * Reads a request body under a size cap and a deadline, before anything parses it.
 * A declared Content-Length over the cap is refused before a byte is read; a body that
 * grows past the cap, or does not arrive whole before the deadline (a slow upload),
 * ends the read. Nothing here holds an admission slot: slots are taken once the body
 * is complete (see server.ts), so slow senders cost a socket, not the provider's work.
 */
import type { IncomingMessage } from 'node:http';

export class BodyError extends Error {
  constructor(readonly status: 400 | 408 | 413, message: string) {
    super(message);
    this.name = 'BodyError';
  }
}

export interface BodyLimits {
  maxBytes: number;
  /** The whole body must have arrived this long after the headers. */
  timeoutMs: number;
}

/** The Content-Length header's value when it is over the cap (refuse at once), else undefined. */
export function declaredTooLarge(req: IncomingMessage, maxBytes: number): number | undefined {
  const raw = req.headers['content-length'];
  if (raw === undefined) return undefined;
  const n = Number(raw);
  return Number.isFinite(n) && n > maxBytes ? n : undefined;
}

export function readBody(req: IncomingMessage, limits: BodyLimits): Promise<string> {
  return new Promise((resolve, reject) => {
    const declared = declaredTooLarge(req, limits.maxBytes);
    if (declared !== undefined) {
      reject(new BodyError(413, `The request body (${declared} bytes) is larger than ${limits.maxBytes} bytes.`));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const finish = (e?: BodyError) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('aborted', onAborted);
      if (e) {
        req.pause();
        reject(e);
      } else resolve(Buffer.concat(chunks, size).toString('utf8'));
    };
    const onData = (c: Buffer) => {
      size += c.length;
      if (size > limits.maxBytes) return finish(new BodyError(413, `The request body is larger than ${limits.maxBytes} bytes.`));
      chunks.push(c);
    };
    const onEnd = () => finish();
    const onError = () => finish(new BodyError(400, 'The request body could not be read.'));
    const onAborted = () => finish(new BodyError(400, 'The client went away while sending the request body.'));
    const timer = setTimeout(() => finish(new BodyError(408, `The request body did not arrive within ${limits.timeoutMs} ms.`)), limits.timeoutMs);
    timer.unref();
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('aborted', onAborted);
  });
}
