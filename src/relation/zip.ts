/**
 * A ZIP archive holding one deflated file (X3: each superseded relation XML is kept as
 * <stamp>.zip holding <stamp>.xml). Written as a stream, so a large XML is never held in
 * memory: the local header is written with zero CRC and sizes, the data is deflated
 * through, and the header is patched in place once they are known (no data descriptor,
 * so every unzip tool reads it). No ZIP64: an entry must stay below 4 GiB.
 */
import fsp, { FileHandle } from 'node:fs/promises';
import { Transform, TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import fs from 'node:fs';
import zlib from 'node:zlib';

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 (IEEE 802.3, as ZIP uses it); pass the previous value to continue over several chunks. */
export function crc32(data: Uint8Array, previous = 0): number {
  let c = (previous ^ 0xffffffff) >>> 0;
  for (let i = 0; i < data.length; i++) c = CRC_TABLE[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** MS-DOS date and time of a moment, in UTC (ZIP has no zone; our names are UTC too). */
export function dosDateTime(ms: number): { date: number; time: number } {
  const d = new Date(ms);
  const year = Math.min(2107, Math.max(1980, d.getUTCFullYear()));
  return {
    date: ((year - 1980) << 9) | ((d.getUTCMonth() + 1) << 5) | d.getUTCDate(),
    time: (d.getUTCHours() << 11) | (d.getUTCMinutes() << 5) | (d.getUTCSeconds() >> 1),
  };
}

const LOCAL_SIG = 0x04034b50;
const CENTRAL_SIG = 0x02014b50;
const END_SIG = 0x06054b50;
const VERSION_NEEDED = 20; // deflate
const MADE_BY_UNIX = (3 << 8) | 20;
const METHOD_DEFLATE = 8;
const FLAG_UTF8 = 1 << 11;
const MAX32 = 0xffffffff;

interface Entry {
  name: Buffer;
  date: number;
  time: number;
  crc: number;
  compressed: number;
  size: number;
}

function localHeader(e: Entry): Buffer {
  const b = Buffer.alloc(30 + e.name.length);
  b.writeUInt32LE(LOCAL_SIG, 0);
  b.writeUInt16LE(VERSION_NEEDED, 4);
  b.writeUInt16LE(FLAG_UTF8, 6);
  b.writeUInt16LE(METHOD_DEFLATE, 8);
  b.writeUInt16LE(e.time, 10);
  b.writeUInt16LE(e.date, 12);
  b.writeUInt32LE(e.crc, 14);
  b.writeUInt32LE(e.compressed, 18);
  b.writeUInt32LE(e.size, 22);
  b.writeUInt16LE(e.name.length, 26);
  b.writeUInt16LE(0, 28);
  e.name.copy(b, 30);
  return b;
}

function centralDirectory(e: Entry, localOffset: number): Buffer {
  const c = Buffer.alloc(46 + e.name.length);
  c.writeUInt32LE(CENTRAL_SIG, 0);
  c.writeUInt16LE(MADE_BY_UNIX, 4);
  c.writeUInt16LE(VERSION_NEEDED, 6);
  c.writeUInt16LE(FLAG_UTF8, 8);
  c.writeUInt16LE(METHOD_DEFLATE, 10);
  c.writeUInt16LE(e.time, 12);
  c.writeUInt16LE(e.date, 14);
  c.writeUInt32LE(e.crc, 16);
  c.writeUInt32LE(e.compressed, 20);
  c.writeUInt32LE(e.size, 24);
  c.writeUInt16LE(e.name.length, 28);
  // extra length, comment length, disk number start, internal attributes: all 0
  c.writeUInt32LE((0o100644 << 16) >>> 0, 38); // external attributes: a regular file, rw-r--r--
  c.writeUInt32LE(localOffset, 42);
  e.name.copy(c, 46);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(END_SIG, 0);
  end.writeUInt16LE(1, 8); // entries on this disk
  end.writeUInt16LE(1, 10); // entries in total
  end.writeUInt32LE(c.length, 12);
  end.writeUInt32LE(localOffset + 30 + e.name.length + e.compressed, 16);
  return Buffer.concat([c, end]);
}

/** Counts the bytes and the CRC of what flows through. */
class Tap extends Transform {
  bytes = 0;
  crc = 0;
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.bytes += chunk.length;
    this.crc = crc32(chunk, this.crc);
    cb(null, chunk);
  }
}

async function writeAll(fh: FileHandle, buf: Buffer, position: number): Promise<void> {
  for (let done = 0; done < buf.length; ) {
    const { bytesWritten } = await fh.write(buf, done, buf.length - done, position + done);
    if (bytesWritten <= 0) throw new Error('the file system accepted no bytes');
    done += bytesWritten;
  }
}

/**
 * Writes `dest` as a ZIP holding the file `src` under `entryName`, dated `mtimeMs`.
 * The caller writes to a temp name and renames (see atomic.ts); `dest` is fsynced here.
 */
export async function zipFile(src: string, dest: string, entryName: string, mtimeMs: number): Promise<{ size: number; compressed: number }> {
  const { date, time } = dosDateTime(mtimeMs);
  const entry: Entry = { name: Buffer.from(entryName, 'utf8'), date, time, crc: 0, compressed: 0, size: 0 };
  const fh = await fsp.open(dest, 'w', 0o644);
  try {
    const header = localHeader(entry);
    await writeAll(fh, header, 0);
    const raw = new Tap();
    let at = header.length;
    await pipeline(fs.createReadStream(src, { highWaterMark: 1 << 20 }), raw, zlib.createDeflateRaw({ level: 6 }), async (packed: AsyncIterable<Buffer>) => {
      for await (const chunk of packed) {
        await writeAll(fh, chunk, at);
        at += chunk.length;
      }
    });
    entry.crc = raw.crc;
    entry.size = raw.bytes;
    entry.compressed = at - header.length;
    if (entry.size > MAX32 || entry.compressed > MAX32) throw new Error(`${src} is too large for a ZIP without ZIP64 (${entry.size} bytes).`);
    const patched = localHeader(entry);
    await writeAll(fh, patched, 0);
    await writeAll(fh, centralDirectory(entry, 0), header.length + entry.compressed);
    await fh.sync();
    return { size: entry.size, compressed: entry.compressed };
  } finally {
    await fh.close();
  }
}

/**
 * Reads the single entry of a ZIP written by zipFile (and any plain one-entry ZIP that
 * is stored or deflated): its name and content, CRC checked. Small files only (tools
 * and tests); it reads the whole archive.
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
