/**
 * A ZIP archive holding one deflated file (X3: each superseded relation XML is kept as
 * <stamp>.zip holding <stamp>.xml), written by yazl.
 *
 * Why yazl and not archiver: it does exactly this (stream entries into a ZIP, ZIP64 when
 * an entry passes 4 GiB) with one dependency (buffer-crc32), where archiver brings
 * nine and a glob walker we have no use for. The entry is streamed from disk and
 * deflated on the way, so a large XML is never held in memory; yazl writes a data
 * descriptor after it (what unzip, Python's zipfile and Windows read).
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import { Readable, Transform, TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import { ZipFile } from 'yazl';

/** CRC-32 (IEEE 802.3, as ZIP uses it); pass the previous value to continue over several chunks. node:zlib's. */
export function crc32(data: Uint8Array, previous = 0): number {
  return zlib.crc32(data, previous);
}

/**
 * The Date whose local-time fields are the UTC fields of `ms`. ZIP's DOS time has no
 * zone and yazl fills it from local time; our file names are UTC, so the dates inside
 * the zip are UTC too, whatever zone the daemon runs in.
 */
export function utcFieldsAsLocal(ms: number): Date {
  const u = new Date(ms);
  return new Date(u.getUTCFullYear(), u.getUTCMonth(), u.getUTCDate(), u.getUTCHours(), u.getUTCMinutes(), u.getUTCSeconds());
}

/** Counts the bytes that flow through. */
class Counter extends Transform {
  bytes = 0;
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.bytes += chunk.length;
    cb(null, chunk);
  }
}

/**
 * Writes `dest` as a ZIP holding the file `src` under `entryName`, dated `mtimeMs` (UTC,
 * to two seconds). The caller writes to a temp name and renames (see atomic.ts and
 * rotation.ts); `dest` is fsynced here. Any failure (source unreadable, disk full)
 * rejects, and `dest` may be left half-written for the caller to discard.
 */
export async function zipFile(src: string, dest: string, entryName: string, mtimeMs: number): Promise<{ size: number; zipSize: number }> {
  // Opened first, so a source that cannot be read fails before anything is written.
  const source = fs.createReadStream(src, { highWaterMark: 1 << 20 });
  const counter = new Counter();
  await new Promise<void>((resolve, reject) => {
    source.once('open', () => resolve());
    source.once('error', reject);
  });
  const zip = new ZipFile();
  // forceDosTimestamp: no Info-ZIP "UT" field, whose Unix time would be the shifted one.
  zip.addReadStream(source.pipe(counter), entryName, { mtime: utcFieldsAsLocal(mtimeMs), mode: 0o100644, compress: true, forceDosTimestamp: true });
  zip.end();
  const out = fs.createWriteStream(dest, { mode: 0o644 });
  // yazl reports a failing entry stream on the ZipFile, not on its output: fail the pipeline with it.
  const failed = new Promise<never>((_resolve, reject) => {
    const fail = (e: Error) => {
      (zip.outputStream as Readable).destroy(e);
      reject(e);
    };
    zip.once('error', fail);
    source.once('error', fail);
  });
  failed.catch(() => undefined);
  try {
    await Promise.race([pipeline(zip.outputStream, out), failed]);
  } finally {
    source.destroy();
    out.destroy();
  }
  const fh = await fsp.open(dest, 'r+');
  try {
    await fh.sync();
    return { size: counter.bytes, zipSize: (await fh.stat()).size };
  } finally {
    await fh.close();
  }
}

const LOCAL_SIG = 0x04034b50;
const CENTRAL_SIG = 0x02014b50;
const METHOD_DEFLATE = 8;

/**
 * Reads the single entry of a small one-entry ZIP (ours or another tool's), stored or
 * deflated: its name and content, CRC checked. For tools and tests; it reads the whole
 * archive, synchronously, and does not know ZIP64.
 */
export function readSingleEntry(zipBytes: Buffer): { name: string; data: Buffer } {
  const endAt = zipBytes.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (endAt < 0) throw new Error('not a ZIP archive (no end of central directory)');
  const cdOffset = zipBytes.readUInt32LE(endAt + 16);
  if (zipBytes.readUInt32LE(cdOffset) !== CENTRAL_SIG) throw new Error('corrupt ZIP central directory');
  const method = zipBytes.readUInt16LE(cdOffset + 10);
  const crc = zipBytes.readUInt32LE(cdOffset + 16);
  const compressed = zipBytes.readUInt32LE(cdOffset + 20);
  const nameLen = zipBytes.readUInt16LE(cdOffset + 28);
  const localOffset = zipBytes.readUInt32LE(cdOffset + 42);
  const name = zipBytes.subarray(cdOffset + 46, cdOffset + 46 + nameLen).toString('utf8');
  if (zipBytes.readUInt32LE(localOffset) !== LOCAL_SIG) throw new Error('corrupt ZIP local header');
  const start = localOffset + 30 + zipBytes.readUInt16LE(localOffset + 26) + zipBytes.readUInt16LE(localOffset + 28);
  const body = zipBytes.subarray(start, start + compressed);
  const data = method === 0 ? Buffer.from(body) : method === METHOD_DEFLATE ? zlib.inflateRawSync(body) : undefined;
  if (!data) throw new Error(`unsupported ZIP compression method ${method}`);
  if (crc32(data) !== crc) throw new Error(`CRC mismatch in ${name}`);
  return { name, data };
}
