/**
 * Consistency of the whole store, recomputed from first principles: no dangling
 * references, capacity counters equal to what the blocks and LDs add up to, pairs,
 * generations and bindings that make sense. Used by the durability tests after every
 * kill, and by the support bundle.
 */
import type { Ctx } from './context';
import { CHUNK_BYTES } from './models';

export function checkInvariants(ctx: Ctx): string[] {
  const s = ctx.store;
  const problems: string[] = [];
  const q = (label: string, sql: string) => {
    for (const r of s.all(sql)) problems.push(`${label}: ${JSON.stringify(r)}`);
  };
  q('chunk map of a missing LD', 'SELECT DISTINCT c.ld_id FROM ld_chunks c LEFT JOIN lds l ON l.id = c.ld_id WHERE l.id IS NULL');
  // An LD's map covers its capacity and no more: a chunk past the end would come back if the LD were expanded or copied from.
  q('chunk beyond the end of its LD', `SELECT c.ld_id, c.idx, l.capacity FROM ld_chunks c JOIN lds l ON l.id = c.ld_id WHERE c.idx * ${CHUNK_BYTES} >= l.capacity LIMIT 20`);
  q('chunk map pointing at a missing block', 'SELECT c.ld_id, c.idx FROM ld_chunks c LEFT JOIN blocks b ON b.id = c.block_id WHERE b.id IS NULL LIMIT 20');
  // Counted in one pass: ld_chunks has no index on block_id, so a per-block subquery would be quadratic.
  q('block reference count wrong', 'SELECT b.id, b.refs, COALESCE(c.n, 0) AS actual FROM blocks b LEFT JOIN (SELECT block_id, COUNT(*) AS n FROM ld_chunks GROUP BY block_id) c ON c.block_id = b.id WHERE b.refs <> COALESCE(c.n, 0) LIMIT 20');
  q('block home LD that does not map it', 'SELECT b.id, b.home_ld FROM blocks b WHERE b.home_ld IS NOT NULL AND NOT EXISTS (SELECT 1 FROM ld_chunks c WHERE c.block_id = b.id AND c.ld_id = b.home_ld) LIMIT 20');
  q('block home LD that is not thick', "SELECT b.id, b.home_ld FROM blocks b JOIN lds l ON l.id = b.home_ld WHERE l.allocation <> 'real' LIMIT 20");
  q('block in a pool other than its LD', 'SELECT b.id FROM blocks b LEFT JOIN pools p ON p.id = b.pool_id WHERE p.id IS NULL LIMIT 20');
  q('pool counted blocks wrong', 'SELECT p.id, p.counted_blocks, (SELECT COUNT(*) FROM blocks b WHERE b.pool_id = p.id AND b.home_ld IS NULL) AS actual FROM pools p WHERE p.counted_blocks <> (SELECT COUNT(*) FROM blocks b WHERE b.pool_id = p.id AND b.home_ld IS NULL)');
  q('pool reserved bytes wrong', "SELECT p.id, p.reserved_bytes, (SELECT COALESCE(SUM(capacity), 0) FROM lds l WHERE l.pool_id = p.id AND l.allocation = 'real' AND l.snap <> 'ESV') AS actual FROM pools p WHERE p.reserved_bytes <> (SELECT COALESCE(SUM(capacity), 0) FROM lds l WHERE l.pool_id = p.id AND l.allocation = 'real' AND l.snap <> 'ESV')");
  q('pool provisioned bytes wrong', "SELECT p.id, p.provisioned_bytes, (SELECT COALESCE(SUM(capacity), 0) FROM lds l WHERE l.pool_id = p.id AND l.snap <> 'ESV') AS actual FROM pools p WHERE p.provisioned_bytes <> (SELECT COALESCE(SUM(capacity), 0) FROM lds l WHERE l.pool_id = p.id AND l.snap <> 'ESV')");
  q('pool LD count wrong', 'SELECT p.id, p.ld_count, (SELECT COUNT(*) FROM lds l WHERE l.pool_id = p.id) AS actual FROM pools p WHERE p.ld_count <> (SELECT COUNT(*) FROM lds l WHERE l.pool_id = p.id)');
  q('free LD number below the allocation hint', 'SELECT a.id, a.ldn_hint FROM arrays a WHERE a.ldn_hint > 0 AND (SELECT COUNT(*) FROM lds l WHERE l.array_id = a.id AND l.ldn < a.ldn_hint) < a.ldn_hint');
  q('pool over its real capacity', 'SELECT id, capacity, reserved_bytes, counted_blocks FROM pools WHERE reserved_bytes + counted_blocks * 1048576 > capacity');
  q('LD in a pool of another array', 'SELECT l.id FROM lds l JOIN pools p ON p.id = l.pool_id WHERE p.array_id <> l.array_id');
  // N4: a VVol's id is derived from its array's WWN and its LD number (ids.ts vvolIdFor).
  q('VVol id not derived from the WWN and LD number', "SELECT l.id, l.ldn, l.vvol_id FROM lds l JOIN arrays a ON a.id = l.array_id WHERE l.vvol_id IS NOT NULL AND l.vvol_id <> lower('naa.6' || substr(a.wwn, 5, 6) || '000000000' || substr(a.wwn, 5) || printf('%04X', l.ldn)) LIMIT 20");
  q('LD with a missing parent', 'SELECT l.id, l.parent_id FROM lds l LEFT JOIN lds p ON p.id = l.parent_id WHERE l.parent_id IS NOT NULL AND p.id IS NULL');
  q('ESV without a base', "SELECT id FROM lds WHERE snap = 'ESV' AND parent_id IS NULL");
  q('EBV without snapshots', "SELECT l.id FROM lds l WHERE l.snap = 'EBV' AND NOT EXISTS (SELECT 1 FROM lds e WHERE e.parent_id = l.id AND e.snap = 'ESV')");
  q('base with snapshots not marked EBV', "SELECT DISTINCT p.id FROM lds e JOIN lds p ON p.id = e.parent_id WHERE e.snap = 'ESV' AND p.snap = '---'");
  q('duplicate snapshot generation', "SELECT parent_id, generation, COUNT(*) AS n FROM lds WHERE snap = 'ESV' GROUP BY parent_id, generation HAVING n > 1");
  q('generations over the limit', "SELECT parent_id, COUNT(*) AS n FROM lds WHERE snap = 'ESV' GROUP BY parent_id HAVING n > 256");
  q('FEV without clones', "SELECT l.id FROM lds l WHERE l.clone = 'FEV' AND NOT EXISTS (SELECT 1 FROM lds c WHERE c.parent_id = l.id AND c.clone = 'FCV')");
  q('FCVs over the limit', "SELECT parent_id, COUNT(*) AS n FROM lds WHERE clone = 'FCV' GROUP BY parent_id HAVING n > 256");
  q('layer deeper than 64', 'SELECT id, layer FROM lds WHERE layer > 64');
  q('layer not one below its parent', 'SELECT l.id FROM lds l JOIN lds p ON p.id = l.parent_id WHERE l.layer <> p.layer + 1 AND l.cloning_since IS NULL');
  q('pair with a missing LD', 'SELECT p.id FROM pairs p LEFT JOIN lds m ON m.id = p.mv_id LEFT JOIN lds r ON r.id = p.rv_id WHERE m.id IS NULL OR r.id IS NULL');
  q('pair MV/RV attributes wrong', "SELECT p.id FROM pairs p JOIN lds m ON m.id = p.mv_id JOIN lds r ON r.id = p.rv_id WHERE m.rpl <> 'MV' OR r.rpl <> 'RV'");
  q('RV/MV attribute without a pair', "SELECT l.id, l.rpl FROM lds l WHERE (l.rpl = 'RV' AND NOT EXISTS (SELECT 1 FROM pairs p WHERE p.rv_id = l.id)) OR (l.rpl = 'MV' AND NOT EXISTS (SELECT 1 FROM pairs p WHERE p.mv_id = l.id))");
  q('pair with a PE or the SSV (table 4-1)', "SELECT p.id FROM pairs p JOIN lds l ON l.id IN (p.mv_id, p.rv_id) WHERE l.kind IN ('pe', 'ssv')");
  q('I/O limits on a PE or ESV (table 4-2)', "SELECT id FROM lds WHERE (kind = 'pe' OR snap = 'ESV') AND (io_upper IS NOT NULL OR io_lower IS NOT NULL)");
  q('I/O limits out of range or out of order (L10)', 'SELECT id FROM lds WHERE io_upper NOT BETWEEN 10 AND 1000000 OR io_lower NOT BETWEEN 10 AND 1000000 OR io_lower >= io_upper');
  q('copying pair without a live task', "SELECT p.id FROM pairs p WHERE p.sync_state IN ('rpl/exec', 'rst/exec') AND NOT EXISTS (SELECT 1 FROM tasks t WHERE t.id = p.task_id AND t.state IN ('queued', 'running'))");
  q('binding to a missing LD', 'SELECT b.pe_id, b.vvol_ld_id FROM bindings b LEFT JOIN lds p ON p.id = b.pe_id LEFT JOIN lds v ON v.id = b.vvol_ld_id WHERE p.id IS NULL OR v.id IS NULL');
  q('binding through a non-PE', "SELECT b.pe_id FROM bindings b JOIN lds p ON p.id = b.pe_id WHERE p.kind <> 'pe'");
  q('PE binding count wrong', "SELECT p.id, COALESCE(c.n, 0) AS counted, (SELECT COUNT(*) FROM bindings b WHERE b.pe_id = p.id) AS actual FROM lds p LEFT JOIN pe_binding_counts c ON c.pe_id = p.id WHERE p.kind = 'pe' AND COALESCE(c.n, 0) <> (SELECT COUNT(*) FROM bindings b WHERE b.pe_id = p.id)");
  q('binding without hosts', 'SELECT b.pe_id, b.vvol_ld_id FROM bindings b WHERE NOT EXISTS (SELECT 1 FROM binding_hosts h WHERE h.pe_id = b.pe_id AND h.vvol_ld_id = b.vvol_ld_id)');
  q('binding host without binding', 'SELECT h.pe_id, h.vvol_ld_id, h.host FROM binding_hosts h WHERE NOT EXISTS (SELECT 1 FROM bindings b WHERE b.pe_id = h.pe_id AND b.vvol_ld_id = h.vvol_ld_id)');
  q('binding host without PE access', 'SELECT h.pe_id, h.host FROM binding_hosts h WHERE NOT EXISTS (SELECT 1 FROM pe_hosts a WHERE a.pe_id = h.pe_id AND a.host = h.host)');
  q('more than one SSV', "SELECT array_id, COUNT(*) AS n FROM lds WHERE kind = 'ssv' GROUP BY array_id HAVING n > 1");
  q('more than 8 PEs', "SELECT array_id, COUNT(*) AS n FROM lds WHERE kind = 'pe' GROUP BY array_id HAVING n > 8");
  q('PE outside a container', "SELECT l.id FROM lds l JOIN pools p ON p.id = l.pool_id WHERE l.kind = 'pe' AND p.container = 0");
  q('container that is not virtual', 'SELECT id FROM pools WHERE container = 1 AND virtual = 0');
  q('deleting snapshot without a task', "SELECT l.id FROM lds l WHERE l.state = 'deleting' AND NOT EXISTS (SELECT 1 FROM tasks t WHERE t.src_ld = l.id AND t.kind = 'snapshot-delete' AND t.state IN ('queued', 'running'))");
  q('event sequence ahead of the counter', 'SELECT e.array_id, MAX(e.seq) AS seq FROM events e JOIN arrays a ON a.id = e.array_id GROUP BY e.array_id HAVING MAX(e.seq) > (SELECT event_seq FROM arrays WHERE id = e.array_id)');
  q('more than 4 arrays', 'SELECT COUNT(*) AS n FROM arrays HAVING n > 4');
  const integrity = s.integrityCheck();
  if (integrity.length !== 1 || integrity[0] !== 'ok') problems.push(`SQLite integrity check: ${integrity.join('; ')}`);
  return problems;
}
