/**
 * Versioned schema. Each migration runs once, in its own transaction, and bumps
 * PRAGMA user_version. Never edit a shipped migration: add the next one.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/**
 * The entries of the VASA event feed: everything but the configuration events of the
 * object types vCenter and hosts learn about from their own calls. The partial index
 * events_feed (migration 3) holds exactly these rows; a query uses it only when its
 * WHERE clause contains this very expression.
 */
export const EVENT_FEED_HIDDEN_CONFIG = ['VirtualVolume', 'LogicalDisk', 'ReplicationPair', 'StoragePool', 'Host', 'Task'] as const;
export const EVENT_FEED_FILTER = `NOT (type = 'Config' AND object_type IN (${EVENT_FEED_HIDDEN_CONFIG.map((t) => `'${t}'`).join(', ')}))`;

export const MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'arrays, pools, logical disks, chunk maps, bindings, pairs, tasks, events',
    sql: `
CREATE TABLE arrays (
  id           INTEGER PRIMARY KEY,
  name         TEXT NOT NULL UNIQUE,
  serial       TEXT NOT NULL UNIQUE,
  wwn          TEXT NOT NULL UNIQUE,
  model        TEXT NOT NULL,
  ip           TEXT NOT NULL,
  monitoring   TEXT NOT NULL,
  config_lock  TEXT,
  event_seq    INTEGER NOT NULL DEFAULT 0,
  alarm_seq    INTEGER NOT NULL DEFAULT 0,
  created_at   INTEGER NOT NULL
);

CREATE TABLE licences (
  array_id  INTEGER NOT NULL REFERENCES arrays(id) ON DELETE CASCADE,
  name      TEXT NOT NULL,
  unlocked  INTEGER NOT NULL,
  PRIMARY KEY (array_id, name)
) WITHOUT ROWID;

CREATE TABLE pools (
  id                 INTEGER PRIMARY KEY,
  array_id           INTEGER NOT NULL REFERENCES arrays(id) ON DELETE CASCADE,
  pool_no            INTEGER NOT NULL,
  name               TEXT NOT NULL,
  virtual            INTEGER NOT NULL,
  container          INTEGER NOT NULL,
  raid               TEXT NOT NULL,
  pd_type            TEXT NOT NULL,
  encrypted          INTEGER NOT NULL,
  capacity           INTEGER NOT NULL,
  virtual_capacity   INTEGER NOT NULL,
  threshold          INTEGER,
  io_upper_mode      INTEGER NOT NULL DEFAULT 0,
  io_lower_mode      INTEGER NOT NULL DEFAULT 0,
  io_upper_default   INTEGER,
  io_lower_default   INTEGER,
  reserved_bytes     INTEGER NOT NULL DEFAULT 0,
  counted_blocks     INTEGER NOT NULL DEFAULT 0,
  provisioned_bytes  INTEGER NOT NULL DEFAULT 0,
  threshold_alarm    INTEGER NOT NULL DEFAULT 0,
  created_at         INTEGER NOT NULL,
  UNIQUE (array_id, pool_no),
  UNIQUE (array_id, name)
);

CREATE TABLE lds (
  id              INTEGER PRIMARY KEY,
  array_id        INTEGER NOT NULL REFERENCES arrays(id) ON DELETE CASCADE,
  ldn             INTEGER NOT NULL,
  name            TEXT NOT NULL,
  pool_id         INTEGER NOT NULL REFERENCES pools(id),
  capacity        INTEGER NOT NULL,
  kind            TEXT NOT NULL,
  vvol_type       TEXT,
  vvol_id         TEXT UNIQUE,
  allocation      TEXT NOT NULL,
  rpl             TEXT NOT NULL DEFAULT 'IV',
  snap            TEXT NOT NULL DEFAULT '---',
  clone           TEXT NOT NULL DEFAULT '---',
  state           TEXT NOT NULL DEFAULT 'ready',
  fault_reason    TEXT,
  access          TEXT NOT NULL DEFAULT 'ReadWrite',
  parent_id       INTEGER REFERENCES lds(id),
  layer           INTEGER NOT NULL DEFAULT 0,
  generation      INTEGER,
  temporary       INTEGER NOT NULL DEFAULT 0,
  vm_id           TEXT,
  io_upper        INTEGER,
  io_lower        INTEGER,
  deleting_since  INTEGER,
  cloning_since   INTEGER,
  created_at      INTEGER NOT NULL,
  UNIQUE (array_id, ldn),
  UNIQUE (array_id, name)
);
CREATE INDEX lds_pool ON lds(pool_id);
CREATE INDEX lds_parent ON lds(parent_id);
CREATE INDEX lds_vm ON lds(vm_id);

CREATE TABLE ld_metadata (
  ld_id  INTEGER NOT NULL REFERENCES lds(id) ON DELETE CASCADE,
  key    TEXT NOT NULL,
  value  TEXT NOT NULL,
  PRIMARY KEY (ld_id, key)
) WITHOUT ROWID;
CREATE INDEX ld_metadata_kv ON ld_metadata(key, value);

CREATE TABLE blocks (
  id       INTEGER PRIMARY KEY,
  pool_id  INTEGER NOT NULL,
  token    TEXT NOT NULL,
  refs     INTEGER NOT NULL,
  home_ld  INTEGER
);
CREATE INDEX blocks_home ON blocks(home_ld) WHERE home_ld IS NOT NULL;

CREATE TABLE ld_chunks (
  ld_id     INTEGER NOT NULL,
  idx       INTEGER NOT NULL,
  block_id  INTEGER NOT NULL,
  PRIMARY KEY (ld_id, idx)
) WITHOUT ROWID;

CREATE TABLE pe_hosts (
  pe_id  INTEGER NOT NULL REFERENCES lds(id) ON DELETE CASCADE,
  host   TEXT NOT NULL,
  PRIMARY KEY (pe_id, host)
) WITHOUT ROWID;
CREATE INDEX pe_hosts_host ON pe_hosts(host);

CREATE TABLE bindings (
  pe_id         INTEGER NOT NULL REFERENCES lds(id),
  vvol_ld_id    INTEGER NOT NULL REFERENCES lds(id),
  secondary_id  INTEGER NOT NULL,
  PRIMARY KEY (pe_id, vvol_ld_id),
  UNIQUE (pe_id, secondary_id)
) WITHOUT ROWID;
CREATE INDEX bindings_vvol ON bindings(vvol_ld_id);

CREATE TABLE binding_hosts (
  pe_id       INTEGER NOT NULL,
  vvol_ld_id  INTEGER NOT NULL,
  host        TEXT NOT NULL,
  bound_at    INTEGER NOT NULL,
  PRIMARY KEY (pe_id, vvol_ld_id, host)
) WITHOUT ROWID;
CREATE INDEX binding_hosts_host ON binding_hosts(host);

CREATE TABLE pairs (
  id               INTEGER PRIMARY KEY,
  array_id         INTEGER NOT NULL REFERENCES arrays(id) ON DELETE CASCADE,
  mv_id            INTEGER NOT NULL REFERENCES lds(id),
  rv_id            INTEGER NOT NULL UNIQUE REFERENCES lds(id),
  purpose          TEXT NOT NULL,
  activity         TEXT NOT NULL,
  sync_state       TEXT NOT NULL,
  copy_control     TEXT NOT NULL DEFAULT '-',
  separate_start   INTEGER,
  separate_end     INTEGER,
  rv_access        TEXT NOT NULL DEFAULT 'rw',
  previous_active  TEXT NOT NULL DEFAULT '-',
  task_id          TEXT,
  created_at       INTEGER NOT NULL
);
CREATE INDEX pairs_mv ON pairs(mv_id);

CREATE TABLE tasks (
  id             TEXT PRIMARY KEY,
  array_id       INTEGER NOT NULL,
  kind           TEXT NOT NULL,
  state          TEXT NOT NULL,
  progress       INTEGER NOT NULL DEFAULT 0,
  total_chunks   INTEGER NOT NULL DEFAULT 0,
  done_chunks    INTEGER NOT NULL DEFAULT 0,
  cursor         INTEGER NOT NULL DEFAULT -1,
  bytes_per_sec  INTEGER NOT NULL,
  queued_at      INTEGER NOT NULL,
  started_at     INTEGER,
  finished_at    INTEGER,
  last_tick      INTEGER,
  cancelable     INTEGER NOT NULL DEFAULT 1,
  cancelled      INTEGER NOT NULL DEFAULT 0,
  src_ld         INTEGER,
  dst_ld         INTEGER,
  base_ld        INTEGER,
  pair_id        INTEGER,
  result         TEXT,
  error_code     TEXT,
  error_message  TEXT
);
CREATE INDEX tasks_active ON tasks(array_id, state) WHERE state IN ('queued', 'running');

CREATE TABLE events (
  array_id     INTEGER NOT NULL,
  seq          INTEGER NOT NULL,
  gseq         INTEGER NOT NULL UNIQUE,
  time         INTEGER NOT NULL,
  type         TEXT NOT NULL,
  config_type  TEXT,
  object_type  TEXT,
  object_id    TEXT,
  message_id   TEXT NOT NULL,
  message      TEXT NOT NULL,
  params       TEXT NOT NULL,
  PRIMARY KEY (array_id, seq)
) WITHOUT ROWID;

CREATE TABLE alarms (
  array_id      INTEGER NOT NULL,
  seq           INTEGER NOT NULL,
  gseq          INTEGER NOT NULL UNIQUE,
  time          INTEGER NOT NULL,
  type          TEXT NOT NULL,
  status        TEXT NOT NULL,
  object_type   TEXT,
  object_id     TEXT,
  container_id  TEXT,
  message_id    TEXT NOT NULL,
  message       TEXT NOT NULL,
  params        TEXT NOT NULL,
  PRIMARY KEY (array_id, seq)
) WITHOUT ROWID;

CREATE TABLE counters (
  name   TEXT PRIMARY KEY,
  value  INTEGER NOT NULL
) WITHOUT ROWID;
`,
  },
  {
    version: 2,
    name: 'constant-time LD numbering and per-pool LD counts',
    sql: `
ALTER TABLE arrays ADD COLUMN ldn_hint INTEGER NOT NULL DEFAULT 0;
ALTER TABLE pools ADD COLUMN ld_count INTEGER NOT NULL DEFAULT 0;
UPDATE pools SET ld_count = (SELECT COUNT(*) FROM lds WHERE lds.pool_id = pools.id);
`,
  },
  {
    version: 3,
    name: 'per-PE binding counts kept by triggers (constant-time PE choice when binding); index of the PEs; event feed index',
    sql: `
CREATE INDEX lds_pe ON lds(array_id, ldn) WHERE kind = 'pe';
-- The VASA event feed (see EVENT_FEED_FILTER): only the entries it shows are indexed,
-- so a poll after thousands of per-VVol configuration events reads none of them.
CREATE INDEX events_feed ON events(gseq) WHERE ${EVENT_FEED_FILTER};
CREATE TABLE pe_binding_counts (
  pe_id  INTEGER PRIMARY KEY REFERENCES lds(id) ON DELETE CASCADE,
  n      INTEGER NOT NULL
);
INSERT INTO pe_binding_counts (pe_id, n) SELECT pe_id, COUNT(*) FROM bindings GROUP BY pe_id;
CREATE TRIGGER bindings_count_insert AFTER INSERT ON bindings BEGIN
  INSERT OR IGNORE INTO pe_binding_counts (pe_id, n) VALUES (NEW.pe_id, 0);
  UPDATE pe_binding_counts SET n = n + 1 WHERE pe_id = NEW.pe_id;
END;
CREATE TRIGGER bindings_count_delete AFTER DELETE ON bindings BEGIN
  UPDATE pe_binding_counts SET n = n - 1 WHERE pe_id = OLD.pe_id;
END;
CREATE TRIGGER bindings_count_update AFTER UPDATE OF pe_id ON bindings BEGIN
  UPDATE pe_binding_counts SET n = n - 1 WHERE pe_id = OLD.pe_id;
  INSERT OR IGNORE INTO pe_binding_counts (pe_id, n) VALUES (NEW.pe_id, 0);
  UPDATE pe_binding_counts SET n = n + 1 WHERE pe_id = NEW.pe_id;
END;
`,
  },
];
