/**
 * The database schema, as an ordered list of migrations: index 0 is version 1. A shipped migration
 * is never edited, only followed by a new one, because databases in the field already ran it.
 * Enumerations are spelled out (not built from the TypeScript constants) for the same reason:
 * the text that ran must stay the text in this file.
 *
 * Tables are STRICT, so a wrong type is refused at the door instead of read back later as a surprise.
 */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE jobs (
    id            TEXT    PRIMARY KEY NOT NULL,
    project_name  TEXT    NOT NULL,
    shot_id       TEXT    NOT NULL,
    shot_json     TEXT    NOT NULL,
    base_dir      TEXT,
    quality       TEXT    NOT NULL CHECK (quality IN ('draft', 'preview', 'standard', 'final')),
    status        TEXT    NOT NULL CHECK (status IN ('queued', 'running', 'paused', 'blocked', 'done', 'failed', 'canceled')),
    priority      INTEGER NOT NULL DEFAULT 0,
    position      INTEGER NOT NULL,
    attempts      INTEGER NOT NULL DEFAULT 0,
    stage         TEXT    CHECK (stage IS NULL OR stage IN ('frame_processing', 'interpolation', 'export')),
    progress      REAL    NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 100),
    eta_seconds   REAL,
    blocked_by    TEXT,
    blocked_until INTEGER,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    started_at    INTEGER,
    finished_at   INTEGER,
    output        TEXT,
    sidecar       TEXT,
    error         TEXT,
    trace_json    TEXT,
    -- A job is never done without the file it promises.
    CHECK (status <> 'done' OR output IS NOT NULL)
  ) STRICT;
  -- nextRunnable and the display order of waiting jobs read this index in order: no sort, no scan.
  CREATE INDEX jobs_runnable ON jobs (status, priority DESC, position, created_at);
  -- New jobs go last: max(position) from the end of this index.
  CREATE INDEX jobs_position ON jobs (position);

  CREATE TABLE circuit_history (
    id         INTEGER PRIMARY KEY,
    at         INTEGER NOT NULL,
    circuit    TEXT    NOT NULL,
    from_state TEXT    NOT NULL,
    to_state   TEXT    NOT NULL,
    reason     TEXT    NOT NULL
  ) STRICT;
  CREATE INDEX circuit_history_at ON circuit_history (at);
  CREATE INDEX circuit_history_circuit_at ON circuit_history (circuit, at);

  CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY,
    at          INTEGER NOT NULL,
    actor       TEXT    NOT NULL,
    action      TEXT    NOT NULL,
    reason      TEXT,
    detail_json TEXT    NOT NULL
  ) STRICT;

  CREATE TABLE settings (
    key        TEXT    PRIMARY KEY NOT NULL,
    value_json TEXT    NOT NULL,
    updated_at INTEGER NOT NULL
  ) STRICT;
  `,
  // 2: the throughput each (stage, method, quality) runs at on this machine, learned from finished
  // chunks, and an operator's pinned figure that overrides it (engine/chunks/throughput-learner.ts).
  `
  CREATE TABLE throughput (
    key             TEXT    PRIMARY KEY NOT NULL,
    seconds_per_mpf REAL    NOT NULL CHECK (seconds_per_mpf > 0),
    samples         INTEGER NOT NULL CHECK (samples >= 0),
    pinned          REAL    CHECK (pinned IS NULL OR pinned > 0),
    updated_at      INTEGER NOT NULL
  ) STRICT;
  `,
  // 3: the shot's expected render time in seconds when it was queued (engine/chunks/shot-estimate.ts),
  // for the queue row; null for jobs queued before estimates existed.
  `
  ALTER TABLE jobs ADD COLUMN estimate_seconds REAL CHECK (estimate_seconds IS NULL OR estimate_seconds >= 0);
  `,
];
