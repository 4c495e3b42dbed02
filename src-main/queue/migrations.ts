/**
 * Brings a database up to this build's schema version, one migration per transaction. Split in two
 * so that the refusals come before any write: `schemaVersion` only reads (and refuses a database a
 * newer build or another program made); `migrate` then writes.
 */
import type { DatabaseSync } from 'node:sqlite';
import { DatabaseOpenError } from './open-error.ts';
import { transaction } from './transaction.ts';

/** The version the database is at (0 for a new one). Reads only. */
export function schemaVersion(db: DatabaseSync, file: string, known: number): number {
  const tracked = db.prepare("SELECT 1 AS yes FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'").get() !== undefined;
  if (!tracked) {
    refuseForeignTables(db, file);
    return 0;
  }
  const current = Number(db.prepare('SELECT coalesce(max(version), 0) AS v FROM schema_migrations').get()?.v ?? 0);
  if (current > known) {
    throw new DatabaseOpenError(
      file,
      'newer_schema',
      `${file} was written by a newer StoryCore (schema version ${current}; this build knows up to ${known}). ` +
        'Run the newer StoryCore, or point this one at another data folder; nothing was changed.',
    );
  }
  return current;
}

/** Applies the migrations after `current`, each with its schema_migrations row in one transaction. */
export function migrate(db: DatabaseSync, file: string, migrations: readonly string[], current: number, now: () => number = Date.now): void {
  for (let version = current + 1; version <= migrations.length; version++) {
    try {
      transaction(db, () => {
        db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL) STRICT');
        db.exec(migrations[version - 1]!);
        db.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)').run(version, Math.round(now()));
      });
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      throw new DatabaseOpenError(
        file,
        'migration_failed',
        `${file}: schema migration ${version} failed (${detail}); it was rolled back, so the database is still at version ${version - 1}. ` +
          'This is a StoryCore bug: please report it with this message.',
        { cause: error },
      );
    }
  }
}

/** A SQLite file with tables but no migration record belongs to some other program: leave it be. */
function refuseForeignTables(db: DatabaseSync, file: string): void {
  const tables = db
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name LIMIT 5")
    .all()
    .map((row) => String(row.name));
  if (tables.length === 0) return;
  throw new DatabaseOpenError(
    file,
    'foreign',
    `${file} is a SQLite database, but not a StoryCore one (it has tables ${tables.join(', ')} and no schema_migrations). ` +
      'Point StoryCore at another data folder, or move that file aside; nothing was changed.',
  );
}
