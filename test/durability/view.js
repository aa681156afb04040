/**
 * What a caller can observe of the array's configuration, read the same way by the
 * durability child (after each acknowledged operation) and by the test (after each
 * kill): VVols with their state, access, capacity, pool, parent, snapshot attribute,
 * type and metadata; replication pairs; active tasks; host bindings. Chunk contents
 * are not in it (too large to journal per operation); the test's model predicts them.
 * An LD that is no VVol (a backup volume, RV) is named "ld<id>" in pairs and tasks.
 * Plain CommonJS so that child.js can require it under bare node.
 */
'use strict';

/** @param {{ all(sql: string, ...params: unknown[]): any[] }} store */
function storeView(store) {
  const vvols = {};
  for (const r of store.all(
    `SELECT l.vvol_id AS id, l.state, l.access, l.capacity, p.pool_no AS pool, par.vvol_id AS parent, l.snap, l.vvol_type AS type,
            (SELECT json_group_object(m.key, m.value) FROM (SELECT key, value FROM ld_metadata WHERE ld_id = l.id ORDER BY key) m) AS md
       FROM lds l JOIN pools p ON p.id = l.pool_id LEFT JOIN lds par ON par.id = l.parent_id
      WHERE l.kind = 'vvol' ORDER BY l.vvol_id`,
  )) {
    vvols[r.id] = { state: r.state, access: r.access, capacity: r.capacity, pool: r.pool, parent: r.parent, snap: r.snap, type: r.type, md: JSON.parse(r.md || '{}') };
  }
  const pairs = {};
  for (const r of store.all(
    `SELECT COALESCE(m.vvol_id, 'ld' || m.id) AS mv, COALESCE(r.vvol_id, 'ld' || r.id) AS rv, p.purpose, p.activity, p.sync_state AS sync
       FROM pairs p JOIN lds m ON m.id = p.mv_id JOIN lds r ON r.id = p.rv_id ORDER BY mv, rv`,
  )) {
    pairs[`${r.mv} ${r.rv}`] = { purpose: r.purpose, activity: r.activity, sync: r.sync };
  }
  const tasks = {};
  for (const r of store.all(
    `SELECT t.id, t.kind, COALESCE(s.vvol_id, 'ld' || s.id) AS src, COALESCE(d.vvol_id, 'ld' || d.id) AS dst FROM tasks t LEFT JOIN lds s ON s.id = t.src_ld LEFT JOIN lds d ON d.id = t.dst_ld
      WHERE t.state IN ('queued', 'running') ORDER BY t.id`,
  )) {
    tasks[r.id] = { kind: r.kind, src: r.src, dst: r.dst };
  }
  const bindings = store
    .all('SELECT h.host, v.vvol_id AS vvol FROM binding_hosts h JOIN lds v ON v.id = h.vvol_ld_id ORDER BY h.host, v.vvol_id')
    .map((r) => `${r.host} ${r.vvol}`);
  return { vvols, pairs, tasks, bindings };
}

module.exports = { storeView };
