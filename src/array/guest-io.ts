/**
 * Simulated guest I/O on logical disks: write, read and trim whole chunks, each chunk
 * holding a content token. Writes into a full pool fail and put the LD into the fault
 * state with an alarm (B4). Writes to an MV whose pair is replicating are mirrored to
 * its RV, as the array keeps a synchronous pair. Guest I/O is the data path (host ->
 * PE -> array): it does not depend on iSM's monitoring state or configuration lock,
 * which only gate management operations (B3).
 */
import type { Ctx } from './context';
import { readChunks, trimChunk, writeChunk, chunksOf } from './chunks';
import { ArrayError, invalid, isArrayError } from './errors';
import { appendAlarm, appendEvent } from './events';
import { hex4, containerUuid } from './ids';
import { countWrite } from './io-load';
import { getArray, getLdById, getPoolById } from './lookup';
import { LIMITS } from './models';
import type { LogicalDisk } from './types';

const TOKEN = /^[\x21-\x7e]{1,128}$/;

function checkRange(ld: LogicalDisk, start: number, count: number): void {
  const chunks = chunksOf(ld.capacity);
  if (!Number.isInteger(start) || start < 0) throw invalid(`The chunk index ${start} is not valid.`, { start });
  if (!Number.isInteger(count) || count < 1 || count > LIMITS.chunksPerIo) throw invalid(`A request covers 1 to ${LIMITS.chunksPerIo} chunks.`, { count });
  if (start + count > chunks) throw invalid(`Chunks ${start}..${start + count - 1} are beyond the end of the LD (${chunks} chunks).`, { start, count, chunks });
}

function checkWritable(ld: LogicalDisk): void {
  if (ld.kind === 'pe' || ld.kind === 'ssv') throw new ArrayError('NOT_SUPPORTED', `The LD ${hex4(ld.ldn)}h is a ${ld.kind === 'pe' ? 'Protocol Endpoint' : 'solution reserved volume'} and holds no guest data.`);
  if (ld.state === 'fault') throw new ArrayError('IO_ERROR', `The LD ${hex4(ld.ldn)}h is in the fault state${ld.faultReason === 'pool-full' ? ' (its pool ran out of real capacity)' : ''}.`, { ldn: hex4(ld.ldn) });
  if (ld.state !== 'ready' || ld.access !== 'ReadWrite' || ld.snap === 'ESV') {
    throw new ArrayError('FAILED_PRECONDITION', `The LD ${hex4(ld.ldn)}h is not writable (state ${ld.state}, access ${ld.snap === 'ESV' ? 'ReadOnly' : ld.access}).`, { ldn: hex4(ld.ldn) });
  }
}

function mirrors(ctx: Ctx, ldId: number): LogicalDisk[] {
  return ctx.store
    .all<{ rv_id: number }>("SELECT rv_id FROM pairs WHERE mv_id = ? AND activity IN ('replicate', 'restore') AND sync_state NOT IN ('cancel', 'fault')", ldId)
    .map((r) => getLdById(ctx, r.rv_id));
}

/** Writes tokens into consecutive chunks starting at `start`. One transaction: all or nothing. */
export function writeChunks(ctx: Ctx, ld: LogicalDisk, start: number, tokens: string[]): { written: number } {
  checkRange(ld, start, tokens.length);
  for (const t of tokens) if (!TOKEN.test(t)) throw invalid('A content token is 1-128 printable characters without spaces.', { token: t.slice(0, 32) });
  try {
    return ctx.store.tx(() => {
      const cur = getLdById(ctx, ld.id);
      checkWritable(cur);
      const targets = [cur, ...mirrors(ctx, cur.id)];
      let written = 0;
      tokens.forEach((t, i) => {
        for (const x of targets) if (writeChunk(ctx, x, start + i, t) && x === cur) written++;
      });
      // The write load the image-backup scheduler orders its archives by (io-load.ts): one statement.
      countWrite(ctx, cur.id, tokens.length);
      return { written };
    });
  } catch (e) {
    if (isArrayError(e) && e.code === 'OUT_OF_RESOURCE') throw faultOnFullPool(ctx, ld, e);
    throw e;
  }
}

/** B4: the pool has no real capacity left: the LD goes to the fault state, an alarm is raised. */
function faultOnFullPool(ctx: Ctx, ld: LogicalDisk, cause: ArrayError): ArrayError {
  ctx.store.tx(() => {
    const pool = getPoolById(ctx, ld.poolId);
    const a = getArray(ctx, ld.arrayId);
    ctx.store.run("UPDATE lds SET state = 'fault', fault_reason = 'pool-full' WHERE id = ?", ld.id);
    appendAlarm(ctx, a.id, {
      type: 'StorageObject', status: 'Red', objectType: 'VirtualVolume', objectId: ld.vvolId ?? hex4(ld.ldn),
      containerId: pool.container ? containerUuid(a.wwn, pool.poolNo) : undefined, messageId: 'nec.ld.fault',
      message: `A write to the logical disk ${ld.name} (${hex4(ld.ldn)}h) failed because the pool(${hex4(pool.poolNo)}) on the disk array(${a.serial}) has no real capacity left; the logical disk is in the fault state.`,
      params: { ldn: hex4(ld.ldn), pool: hex4(pool.poolNo) },
    });
    appendEvent(ctx, a.id, { type: 'Config', configType: 'Update', objectType: 'VirtualVolume', objectId: ld.vvolId ?? hex4(ld.ldn), messageId: 'nec.ld.fault', message: `The logical disk ${ld.name} (${hex4(ld.ldn)}h) went to the fault state.` });
  });
  return new ArrayError('IO_ERROR', `The write to the logical disk ${hex4(ld.ldn)}h failed: ${cause.message} The logical disk is in the fault state.`, { ldn: hex4(ld.ldn), pool: String(cause.facts.pool ?? '') }, { cause });
}

export function readLd(ctx: Ctx, ld: LogicalDisk, start: number, count: number): (string | null)[] {
  checkRange(ld, start, count);
  return ctx.store.read(() => {
    const cur = getLdById(ctx, ld.id);
    if (cur.access === 'NotReady' && cur.snap !== 'ESV') throw new ArrayError('FAILED_PRECONDITION', `The LD ${hex4(cur.ldn)}h is not ready for reading.`);
    if (cur.state === 'prepared' || cur.state === 'deleting') throw new ArrayError('FAILED_PRECONDITION', `The LD ${hex4(cur.ldn)}h cannot be read (state ${cur.state}).`);
    return readChunks(ctx, cur.id, start, count);
  });
}

export function trimLd(ctx: Ctx, ld: LogicalDisk, start: number, count: number): { trimmed: number } {
  checkRange(ld, start, count);
  return ctx.store.tx(() => {
    const cur = getLdById(ctx, ld.id);
    checkWritable(cur);
    const targets = [cur, ...mirrors(ctx, cur.id)];
    let trimmed = 0;
    for (let i = start; i < start + count; i++) for (const x of targets) if (trimChunk(ctx, x.id, i) && x === cur) trimmed++;
    return { trimmed };
  });
}
