/**
 * Allocation and sharing bitmaps, computed from the engine's chunk maps. Bit order of
 * chunkBitmap: the first chunk of the segment is the most significant bit of the
 * first byte (the public material does not say; this is the one place to change it).
 */
import type { Call } from '../face';
import type { Responses } from '../generated/operations';
import { VasaFault } from '../faults';
import { str } from '../convert';
import { vvolIdOf } from './vvol';

function pack(bits: boolean[]): Buffer {
  const buf = Buffer.alloc(Math.ceil(bits.length / 8));
  bits.forEach((b, i) => {
    if (b) buf[i >> 3] |= 0x80 >> (i & 7);
  });
  return buf;
}

function num(v: unknown, name: string): number {
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 0) throw new VasaFault('InvalidArgument', `${name} must be a non-negative integer (got ${str(v)}).`, {}, true);
  return n;
}

function segment(call: Call<'allocatedBitmapVirtualVolume' | 'unsharedBitmapVirtualVolume'>) {
  return {
    startBytes: num(call.req.segmentStartOffsetBytes, 'segmentStartOffsetBytes'),
    lengthBytes: num(call.req.segmentLengthBytes, 'segmentLengthBytes'),
    chunkSizeBytes: num(call.req.chunkSizeBytes, 'chunkSizeBytes'),
  };
}

export function allocatedBitmapVirtualVolume(call: Call<'allocatedBitmapVirtualVolume'>): Responses['allocatedBitmapVirtualVolume'] {
  const r = call.face.engine.allocatedBitmap(vvolIdOf(call.req.vvolId), segment(call));
  return { chunkBitmap: pack(r.bits) };
}

export function unsharedBitmapVirtualVolume(call: Call<'unsharedBitmapVirtualVolume'>): Responses['unsharedBitmapVirtualVolume'] {
  const r = call.face.engine.unsharedBitmap(vvolIdOf(call.req.vvolId), vvolIdOf(call.req.baseVvolId, 'baseVvolId'), segment(call));
  return { chunkBitmap: pack(r.bits) };
}

export function unsharedChunksVirtualVolume(call: Call<'unsharedChunksVirtualVolume'>): Responses['unsharedChunksVirtualVolume'] {
  const base = call.req.baseVvolId ? vvolIdOf(call.req.baseVvolId, 'baseVvolId') : undefined;
  const r = call.face.engine.unsharedChunks(vvolIdOf(call.req.vvolId), base, num(call.req.segmentStartOffsetBytes, 'segmentStartOffsetBytes'), num(call.req.segmentLengthBytes, 'segmentLengthBytes'));
  return { chunkSizeBytes: r.chunkSizeBytes, scannedChunks: r.scannedChunks, unsharedChunks: r.unsharedChunks };
}

export { pack };
