/**
 * Verifies a SQLite write-ahead log before SQLite opens it, as the file format
 * documents it (https://www.sqlite.org/fileformat2.html#walformat): a 32-byte header
 * (magic 0x377f0682/0x377f0683, version, page size, checkpoint sequence, two salts, a
 * checksum of the first 24 bytes), then frames of a 24-byte header (page number, the
 * database size after a commit frame, the header's salts, a checksum carried over from
 * the previous frame) and one page each.
 *
 * Hand-written because no maintained npm package reads the WAL format, SQLite itself
 * silently ignores a WAL whose header is bad and every frame from the first bad
 * checksum on (that is how it recovers from a torn write), so asking SQLite cannot tell
 * "nothing was there" from "committed work was thrown away". The reader is 80 lines
 * over a documented, frozen format.
 */
import fs from 'node:fs';

const HEADER = 32;
const FRAME_HEADER = 24;
const MAGIC_LE = 0x377f0682;
const MAGIC_BE = 0x377f0683;
const VERSION = 3007000;

export type WalState =
  | { state: 'missing' }
  /** Zero bytes: made by an open, nothing written since the last checkpoint restarted it. */
  | { state: 'empty' }
  | { state: 'valid'; frames: number; commits: number }
  | { state: 'damaged'; problem: string };

/** SQLite's checksum over 32-bit words (big- or little-endian as the magic says), carried on from (s0, s1). */
function checksum(buf: Buffer, start: number, end: number, bigEndian: boolean, s0: number, s1: number): [number, number] {
  for (let i = start; i < end; i += 8) {
    const x0 = bigEndian ? buf.readUInt32BE(i) : buf.readUInt32LE(i);
    const x1 = bigEndian ? buf.readUInt32BE(i + 4) : buf.readUInt32LE(i + 4);
    s0 = (s0 + x0 + s1) >>> 0;
    s1 = (s1 + x1 + s0) >>> 0;
  }
  return [s0, s1];
}

/**
 * What the WAL at `file` holds. Frames after the valid log that carry other salts are
 * left over from before a checkpoint restarted the log, and a short last frame is a
 * write cut off by the crash: both normal. A whole frame with the log's salts and a
 * wrong checksum that is a commit frame or is followed by more frames of the log means
 * committed transactions would be dropped: damaged.
 */
export function inspectWal(file: string): WalState {
  let buf: Buffer;
  try {
    buf = fs.readFileSync(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { state: 'missing' };
    throw e;
  }
  if (buf.length === 0) return { state: 'empty' };
  if (buf.length < HEADER) return { state: 'damaged', problem: `it is ${buf.length} bytes long, shorter than its 32-byte header` };
  const magic = buf.readUInt32BE(0);
  if (magic !== MAGIC_LE && magic !== MAGIC_BE) return { state: 'damaged', problem: `its header does not start with the WAL magic number (0x${magic.toString(16)})` };
  const bigEndian = magic === MAGIC_BE;
  if (buf.readUInt32BE(4) !== VERSION) return { state: 'damaged', problem: `its header names an unknown format version ${buf.readUInt32BE(4)}` };
  const pageSize = buf.readUInt32BE(8);
  if (pageSize < 512 || pageSize > 65536 || (pageSize & (pageSize - 1)) !== 0) return { state: 'damaged', problem: `its header names an impossible page size ${pageSize}` };
  const salt1 = buf.readUInt32BE(16);
  const salt2 = buf.readUInt32BE(20);
  let [s0, s1] = checksum(buf, 0, 24, bigEndian, 0, 0);
  if (s0 !== buf.readUInt32BE(24) || s1 !== buf.readUInt32BE(28)) return { state: 'damaged', problem: 'its header checksum does not match' };

  const frameSize = FRAME_HEADER + pageSize;
  const ofLog = (at: number) => buf.readUInt32BE(at + 8) === salt1 && buf.readUInt32BE(at + 12) === salt2;
  let frames = 0;
  let commits = 0;
  for (let at = HEADER; at + frameSize <= buf.length; at += frameSize) {
    if (!ofLog(at)) break; // left over from before the last restart of the log
    [s0, s1] = checksum(buf, at, at + 8, bigEndian, s0, s1);
    [s0, s1] = checksum(buf, at + FRAME_HEADER, at + frameSize, bigEndian, s0, s1);
    if (s0 !== buf.readUInt32BE(at + 16) || s1 !== buf.readUInt32BE(at + 20)) {
      const n = frames + 1;
      if (buf.readUInt32BE(at + 4) !== 0) return { state: 'damaged', problem: `frame ${n}, which commits a transaction, fails its checksum` };
      for (let later = at + frameSize; later + frameSize <= buf.length; later += frameSize) {
        if (ofLog(later)) return { state: 'damaged', problem: `frame ${n} fails its checksum and the log goes on after it: the transactions after it would be dropped` };
      }
      break;
    }
    frames++;
    if (buf.readUInt32BE(at + 4) !== 0) commits++;
  }
  return { state: 'valid', frames, commits };
}
