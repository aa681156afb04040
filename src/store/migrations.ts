/**
 * Versioned schema. Each migration runs once, in its own transaction, and bumps
 * PRAGMA user_version. Never edit a shipped migration: add the next one.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

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
-- The VASA event feed (see VASA_EVENT_FILTER in src/array/events.ts): only the entries it
-- shows are indexed, so a poll after thousands of per-VVol configuration events reads none
-- of them. A copy of that filter as it was when this shipped (a migration never changes):
-- test/store/boundary.test.ts checks that the store's index still matches the code's.
CREATE INDEX events_feed ON events(gseq) WHERE NOT (type = 'Config' AND object_type IN ('VirtualVolume', 'LogicalDisk', 'ReplicationPair', 'StoragePool', 'Host', 'Task'));
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
  {
    version: 4,
    name: 'N4: VVol ids are naa.6<WWN digits 5-10>000000000<last 12 WWN digits><LD number> (manual 3.1.3)',
    // The ids were random rfc4122.<uuid>; now each is derived from its array's WWN and
    // its LD number (src/array/ids.ts vvolIdFor, spelt out here in SQL as it is today).
    // Everything of ours that names a VVol by id follows: events, alarms, task results,
    // and the first id in a metadata value (VMW_VVolNamespace ends with the config-VVol's
    // id, which the relation XML and an admin's disk-path mapping read). The id carries
    // only the last 12 WWN digits, so two arrays sharing them would share ids: the named
    // CHECK below stops the migration (and the store's opening) with that name instead.
    sql: `
CREATE TEMP TABLE n4_wwn_guard (n INTEGER CONSTRAINT two_arrays_share_the_last_12_wwn_digits CHECK (n = 0));
INSERT INTO n4_wwn_guard SELECT COUNT(*) FROM (SELECT substr(wwn, 5) FROM arrays GROUP BY substr(wwn, 5) HAVING COUNT(*) > 1);
DROP TABLE n4_wwn_guard;
CREATE TEMP TABLE n4_ids (old TEXT PRIMARY KEY, new TEXT NOT NULL) WITHOUT ROWID;
INSERT INTO n4_ids (old, new)
  SELECT l.vvol_id, lower('naa.6' || substr(a.wwn, 5, 6) || '000000000' || substr(a.wwn, 5) || printf('%04X', l.ldn))
    FROM lds l JOIN arrays a ON a.id = l.array_id
   WHERE l.vvol_id IS NOT NULL AND l.vvol_id NOT LIKE 'naa.%';
UPDATE lds SET vvol_id = (SELECT new FROM n4_ids WHERE old = lds.vvol_id) WHERE vvol_id IN (SELECT old FROM n4_ids);
UPDATE events SET object_id = (SELECT new FROM n4_ids WHERE old = events.object_id) WHERE object_id IN (SELECT old FROM n4_ids);
UPDATE alarms SET object_id = (SELECT new FROM n4_ids WHERE old = alarms.object_id) WHERE object_id IN (SELECT old FROM n4_ids);
UPDATE tasks SET result = (SELECT new FROM n4_ids WHERE old = tasks.result) WHERE result IN (SELECT old FROM n4_ids);
UPDATE events SET params = replace(params, substr(params, instr(params, 'rfc4122.'), 44), (SELECT new FROM n4_ids WHERE old = substr(params, instr(params, 'rfc4122.'), 44)))
 WHERE instr(params, 'rfc4122.') > 0 AND substr(params, instr(params, 'rfc4122.'), 44) IN (SELECT old FROM n4_ids);
UPDATE ld_metadata SET value = replace(value, substr(value, instr(value, 'rfc4122.'), 44), (SELECT new FROM n4_ids WHERE old = substr(value, instr(value, 'rfc4122.'), 44)))
 WHERE instr(value, 'rfc4122.') > 0 AND substr(value, instr(value, 'rfc4122.'), 44) IN (SELECT old FROM n4_ids);
DROP TABLE n4_ids;
`,
  },
  {
    version: 5,
    name: 'storage policies: the profiles vCenter applied, and the profile of each VVol',
    // A profile is kept per (id, generation) as vCenter sent it (the rules as JSON the
    // policy room reads), so compliance can be judged later against the pool as it is
    // then. A VVol's row goes with its LD (ON DELETE CASCADE). The compliant column is the last
    // verdict, so an alarm is raised once when a VVol falls out of compliance. IF NOT EXISTS:
    // a store set back to an older version (test/rules/vvol-ids.test.ts) runs this again.
    sql: `
CREATE TABLE IF NOT EXISTS storage_profiles (
  profile_id  TEXT NOT NULL,
  generation  INTEGER NOT NULL,
  name        TEXT NOT NULL,
  document    TEXT NOT NULL,
  seen_at     INTEGER NOT NULL,
  PRIMARY KEY (profile_id, generation)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS vvol_profiles (
  ld_id       INTEGER PRIMARY KEY REFERENCES lds(id) ON DELETE CASCADE,
  profile_id  TEXT NOT NULL,
  generation  INTEGER NOT NULL,
  compliant   INTEGER NOT NULL DEFAULT 1,
  FOREIGN KEY (profile_id, generation) REFERENCES storage_profiles(profile_id, generation)
);
CREATE INDEX IF NOT EXISTS vvol_profiles_profile ON vvol_profiles (profile_id, generation);
`,
  },
  {
    version: 6,
    name: 'backup volumes (3.9.1): the RVs a VVol was given by its backup policy, with generation and Automatic Deleted',
    // One row per RV the provider made for a VVol (the MV). The MV may go while the RV
    // stays (Backup Volume Automatic Deleted = No, B10): mv_id then becomes NULL and the
    // relation file lists the RV in rvVVOLList.
    sql: `
CREATE TABLE IF NOT EXISTS backup_volumes (
  rv_id        INTEGER PRIMARY KEY REFERENCES lds(id) ON DELETE CASCADE,
  mv_id        INTEGER REFERENCES lds(id) ON DELETE SET NULL,
  generation   INTEGER NOT NULL,
  auto_delete  INTEGER NOT NULL,
  created_at   INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS backup_volumes_mv ON backup_volumes(mv_id);
`,
  },
  {
    version: 7,
    name: 'backup operations (Appendix E, F.3): backup and restore jobs per VM, the state of each backup volume',
    // One job per backup or restore command of a VM (K6: one active job per VM; L9: at most
    // four active at once). backup_states keeps, per RV (one backup generation), the K2 state
    // and the point in time its data holds (NULL: no valid data, never backed up or cancelled).
    // IF NOT EXISTS: a store set back to an older version runs this again.
    sql: `
CREATE TABLE IF NOT EXISTS backup_jobs (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  vm_id        TEXT NOT NULL,
  vm_name      TEXT NOT NULL,
  datacenter   TEXT NOT NULL,
  kind         TEXT NOT NULL CHECK (kind IN ('backup', 'restore')),
  state        TEXT NOT NULL CHECK (state IN ('active', 'completed', 'failed', 'cancelled')),
  started_at   INTEGER NOT NULL,
  finished_at  INTEGER
);
CREATE INDEX IF NOT EXISTS backup_jobs_active ON backup_jobs (state, vm_id);
CREATE TABLE IF NOT EXISTS backup_states (
  rv_id         INTEGER PRIMARY KEY REFERENCES lds(id) ON DELETE CASCADE,
  state         TEXT NOT NULL,
  backed_up_at  INTEGER,
  job_id        INTEGER REFERENCES backup_jobs(id),
  task_id       TEXT,
  updated_at    INTEGER NOT NULL
);
`,
  },
  {
    version: 8,
    name: 'backup volumes on migration (B10): the backup a full clone gets when its copy completes; LD Set allocation of backup volumes',
    // A full clone is the RV of its copy until the copy completes, and an RV cannot be an MV
    // too: the backup policy it was placed with waits here, and the engine's tick gives it
    // its backup volumes once the copy is done (backup-volumes.ts applyPendingBackups).
    // ldset_lds: ordinary LDs (backup volumes) allocated to a host's LD Set, e.g. for a
    // backup server; an RV allocated so is not deleted with its VM (3.9.1).
    sql: `
CREATE TABLE IF NOT EXISTS pending_backups (
  ld_id        INTEGER PRIMARY KEY REFERENCES lds(id) ON DELETE CASCADE,
  generations  INTEGER NOT NULL,
  auto_delete  INTEGER NOT NULL,
  since        INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS ldset_lds (
  ld_id  INTEGER NOT NULL REFERENCES lds(id) ON DELETE CASCADE,
  host   TEXT NOT NULL,
  PRIMARY KEY (ld_id, host)
) WITHOUT ROWID;
`,
  },
  {
    version: 9,
    name: 'image-backup plans',
    // The image-backup scheduler's plans (src/scheduler/plans.ts). A deleted plan stays as a row
    // with deleted_at set, so history still names it and a new plan can be made from it; names are
    // unique among the plans not deleted (case-insensitively). vms is a JSON array of VM names.
    // revision is a random tag of the row's content, changed with every change: the sum over the
    // table tells a process whether its in-memory copy of the plans is current. active_since: when
    // the schedule last took effect (created, enabled, rescheduled); no slot aimed before it runs.
    // IF NOT EXISTS: a store set back to an older version runs this again.
    sql: `
CREATE TABLE IF NOT EXISTS image_backup_plans (
  id              INTEGER PRIMARY KEY AUTOINCREMENT,
  name            TEXT NOT NULL,
  vms             TEXT NOT NULL,
  enabled         INTEGER NOT NULL,
  schedule_type   TEXT NOT NULL CHECK (schedule_type IN ('once', 'daily', 'weekly', 'monthly')),
  start_date      TEXT NOT NULL,
  slot_hour       INTEGER NOT NULL CHECK (slot_hour BETWEEN 0 AND 23),
  start_minute    INTEGER NOT NULL CHECK (start_minute BETWEEN 0 AND 54),
  weekday         TEXT,
  month_day       INTEGER,
  ordinal         TEXT,
  time_zone       TEXT NOT NULL,
  retention_days  INTEGER NOT NULL,
  derived_from    INTEGER REFERENCES image_backup_plans(id),
  created_at      INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL,
  active_since    INTEGER NOT NULL,
  deleted_at      INTEGER,
  revision        INTEGER NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS image_backup_plans_name ON image_backup_plans (name COLLATE NOCASE) WHERE deleted_at IS NULL;
`,
  },
  {
    version: 10,
    name: 'image-backup runs, images, restores; per-LD write load',
    // ld_write_load: chunks the guests wrote per LD per clock minute (src/array/io-load.ts); the
    // scheduler orders a run's archives by it (seed 003). No foreign key: the guest-write path
    // pays one UPSERT and nothing more; rows of deleted LDs age out with the pruning.
    // image_runs: one per plan slot (slot_key `${planId}@${slotStart}` UNIQUE: never two runs for
    // one slot, across restarts too) or immediate backup; image_run_vms: one per VM (by name, its id
    // once resolved at the run's start: a VM gone by then has none) of a run, with
    // its disks and the snapshots of the run's consistency point (JSON), its order, progress and
    // snapshot-held time; image_backup_starts: the 24-hour counters (5 backups per VM);
    // image_index: the images the backup store holds, by expiry; image_restores: restore jobs,
    // the running one per VM being the VM's restore lock (partial UNIQUE index).
    // IF NOT EXISTS: a store set back to an older version runs this again.
    sql: `
CREATE TABLE IF NOT EXISTS ld_write_load (
  ld_id   INTEGER NOT NULL,
  minute  INTEGER NOT NULL,
  chunks  INTEGER NOT NULL,
  PRIMARY KEY (ld_id, minute)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS image_runs (
  id              INTEGER PRIMARY KEY AUTOINCREMENT,
  plan_id         INTEGER,
  plan_name       TEXT,
  kind            TEXT NOT NULL CHECK (kind IN ('scheduled', 'immediate')),
  slot_key        TEXT UNIQUE,
  slot_start      INTEGER,
  slot_end        INTEGER,
  state           TEXT NOT NULL CHECK (state IN ('queued', 'snapshotting', 'archiving', 'completed', 'failed', 'cancelled', 'skipped', 'missed')),
  retention_days  INTEGER NOT NULL,
  created_at      INTEGER NOT NULL,
  started_at      INTEGER,
  finished_at     INTEGER,
  backup_time     INTEGER,
  message         TEXT,
  owner_pid       INTEGER,
  mailed          INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS image_runs_active ON image_runs (state) WHERE state IN ('queued', 'snapshotting', 'archiving');
CREATE INDEX IF NOT EXISTS image_runs_plan ON image_runs (plan_id, id);
CREATE INDEX IF NOT EXISTS image_runs_time ON image_runs (COALESCE(started_at, slot_start, created_at));
CREATE INDEX IF NOT EXISTS image_runs_unmailed ON image_runs (id) WHERE mailed = 0;
CREATE TABLE IF NOT EXISTS image_run_vms (
  run_id                INTEGER NOT NULL REFERENCES image_runs(id) ON DELETE CASCADE,
  vm_name               TEXT NOT NULL,
  vm_id                 TEXT,
  state                 TEXT NOT NULL CHECK (state IN ('waiting', 'snapshotted', 'archiving', 'completed', 'failed', 'cancelled', 'skipped')),
  io_load               INTEGER NOT NULL DEFAULT 0,
  ord                   INTEGER NOT NULL DEFAULT 0,
  disks                 TEXT NOT NULL DEFAULT '[]',
  snapshot_at           INTEGER,
  snapshot_released_at  INTEGER,
  snapshot_held_ms      INTEGER,
  archive_started_at    INTEGER,
  finished_at           INTEGER,
  chunks_done           INTEGER NOT NULL DEFAULT 0,
  chunks_total          INTEGER NOT NULL DEFAULT 0,
  bytes_read            INTEGER NOT NULL DEFAULT 0,
  bytes_stored          INTEGER NOT NULL DEFAULT 0,
  image_id              TEXT,
  attempt               INTEGER NOT NULL DEFAULT 0,
  message               TEXT,
  PRIMARY KEY (run_id, vm_name)
);
CREATE INDEX IF NOT EXISTS image_run_vms_active ON image_run_vms (vm_id) WHERE state IN ('waiting', 'snapshotted', 'archiving');
CREATE TABLE IF NOT EXISTS image_backup_starts (
  vm_id   TEXT NOT NULL,
  at      INTEGER NOT NULL,
  run_id  INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS image_backup_starts_vm ON image_backup_starts (vm_id, at);
CREATE TABLE IF NOT EXISTS image_backup_meta (
  key    TEXT PRIMARY KEY,
  value  INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS image_index (
  id               TEXT PRIMARY KEY,
  run_id           INTEGER NOT NULL,
  plan_id          INTEGER,
  vm_id            TEXT NOT NULL,
  vm_name          TEXT NOT NULL,
  backup_time      INTEGER NOT NULL,
  started_at       INTEGER NOT NULL,
  finished_at      INTEGER NOT NULL,
  expires_at       INTEGER NOT NULL,
  disks            TEXT NOT NULL,
  bytes_read       INTEGER NOT NULL,
  bytes_stored     INTEGER NOT NULL,
  local            TEXT NOT NULL CHECK (local IN ('ok', 'damaged')),
  secondary        TEXT NOT NULL CHECK (secondary IN ('none', 'pending', 'ok', 'failed')),
  secondary_at     INTEGER,
  secondary_error  TEXT
);
CREATE INDEX IF NOT EXISTS image_index_expires ON image_index (expires_at);
CREATE INDEX IF NOT EXISTS image_index_vm ON image_index (vm_name, backup_time);
CREATE INDEX IF NOT EXISTS image_index_pending ON image_index (finished_at) WHERE secondary = 'pending';
CREATE TABLE IF NOT EXISTS image_restores (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  image_id     TEXT NOT NULL,
  vm_id        TEXT NOT NULL,
  vm_name      TEXT NOT NULL,
  state        TEXT NOT NULL CHECK (state IN ('running', 'completed', 'failed')),
  source       TEXT,
  started_at   INTEGER NOT NULL,
  finished_at  INTEGER,
  message      TEXT,
  owner_pid    INTEGER,
  mailed       INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX IF NOT EXISTS image_restores_lock ON image_restores (vm_id) WHERE state = 'running';
CREATE INDEX IF NOT EXISTS image_restores_started ON image_restores (started_at);
`,
  },
  {
    version: 11,
    name: 'image-backup runs: the last ended run found by an index (status)',
    // `status` shows the last finished job; without this it reads every run ever kept.
    sql: `
CREATE INDEX IF NOT EXISTS image_runs_ended ON image_runs (COALESCE(finished_at, created_at), id) WHERE state NOT IN ('queued', 'snapshotting', 'archiving');
`,
  },
  {
    version: 12,
    name: 'bindings of one VVol for one host found by an index (unbind, rebind, delete)',
    // An unbind looked its VVol's bindings for the host up through binding_hosts_host, reading
    // every binding the host holds (thousands on a busy ESXi host) for each VVol of the batch;
    // dropping a VVol's bindings read the whole table.
    sql: `
CREATE INDEX IF NOT EXISTS binding_hosts_vvol ON binding_hosts (vvol_ld_id, host);
`,
  },
];
