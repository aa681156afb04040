/**
 * Per-LD write load: how many chunks the guests wrote to each LD, in one-minute buckets
 * of the injected clock. The image-backup scheduler reads it to order a run's archives
 * (seed 003: the busiest VM first), because write load is exactly what a held snapshot
 * costs on this array: every write to a chunk a snapshot still shares is a
 * copy-on-write (a new block, real capacity, a slower write). So the write counter is
 * the measure, not reads, which a snapshot does not slow.
 *
 * The guest-write path is hot: counting is one UPSERT inside the write's own
 * transaction (guest-io.ts writeChunks), nothing else. Buckets are pruned by the
 * scheduler's tick; rows of deleted LDs simply age out with them (no foreign key, so
 * the write path pays no extra lookup).
 */
import type { Ctx } from './context';

export const MINUTE_MS = 60_000;

/** The bucket a clock time falls in. */
export const minuteOf = (ms: number): number => Math.floor(ms / MINUTE_MS);

/** Counts `chunks` written to an LD now. Called inside the guest write's transaction. */
export function countWrite(ctx: Ctx, ldId: number, chunks: number): void {
  ctx.store.run(
    'INSERT INTO ld_write_load (ld_id, minute, chunks) VALUES (?, ?, ?) ON CONFLICT (ld_id, minute) DO UPDATE SET chunks = chunks + excluded.chunks',
    ldId, minuteOf(ctx.clock.now()), chunks,
  );
}

/**
 * Chunks written to each LD over the last `windowMinutes` (the current minute included),
 * keyed by LD id; LDs without writes are absent.
 */
export function writeLoad(ctx: Ctx, ldIds: readonly number[], windowMinutes: number): Map<number, number> {
  const out = new Map<number, number>();
  if (ldIds.length === 0) return out;
  const since = minuteOf(ctx.clock.now()) - windowMinutes + 1;
  const rows = ctx.store.all<{ ld_id: number; n: number }>(
    'SELECT ld_id, SUM(chunks) AS n FROM ld_write_load WHERE ld_id IN (SELECT value FROM json_each(?)) AND minute >= ? GROUP BY ld_id',
    JSON.stringify(ldIds), since,
  );
  for (const r of rows) out.set(r.ld_id, r.n);
  return out;
}

/** Drops buckets older than `keepMinutes`; returns how many rows went. */
export function pruneWriteLoad(ctx: Ctx, keepMinutes: number): number {
  return ctx.store.run('DELETE FROM ld_write_load WHERE minute < ?', minuteOf(ctx.clock.now()) - keepMinutes).changes;
}
