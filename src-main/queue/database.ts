/**
 * Opens the studio's SQLite database (node:sqlite), the one way the host should.
 *
 * Synchronous on purpose: every statement the queue runs is tiny and indexed (one prepared
 * statement per operation, no table scans on the hot path), so a call costs microseconds, less
 * than the bookkeeping of an async driver would.
 *
 * One host per data folder. We hold SQLite's own lock for the life of the connection
 * (`locking_mode = EXCLUSIVE`) instead of writing a pid lock file: the operating system drops the
 * lock the moment the host dies, so there is no stale lock to detect, no pid reuse to fool us, and
 * no window between "check" and "create". The price: nothing else (not even the sqlite3 shell) can
 * read the database while a host runs, and the host must share its one connection between the
 * queue and the journal. Open the database before touching anything else in the folder, so that
 * a second host stops here, before it reaps or deletes what the first one is using.
 *
 * Nothing is written before the file has passed a check: a damaged file is reported, never repaired,
 * overwritten or deleted.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { migrate, schemaVersion } from './migrations.ts';
import { DatabaseOpenError } from './open-error.ts';
import { MIGRATIONS } from './schema.ts';

export { DatabaseOpenError, type DatabaseOpenProblem } from './open-error.ts';

export interface OpenDatabaseOptions {
  /** How long to wait for a lock someone else holds before giving up, ms. Short: a host does not let go. */
  busyTimeoutMs?: number;
  /** The schema, oldest first. Tests pass their own; the host uses this build's. */
  migrations?: readonly string[];
}

/** Below this many pages (about 8 MB) the full integrity check is cheap enough to run on every start. */
const FULL_CHECK_MAX_PAGES = 2048;

// SQLite's primary result codes (the low byte of an extended code).
const SQLITE_PERM = 3;
const SQLITE_BUSY = 5;
const SQLITE_LOCKED = 6;
const SQLITE_READONLY = 8;
const SQLITE_IOERR = 10;
const SQLITE_CORRUPT = 11;
const SQLITE_FULL = 13;
const SQLITE_CANTOPEN = 14;
const SQLITE_NOTADB = 26;

export function openDatabase(file: string, options: OpenDatabaseOptions = {}): DatabaseSync {
  const busyTimeoutMs = options.busyTimeoutMs ?? 2000;
  const migrations = options.migrations ?? MIGRATIONS;
  try {
    mkdirSync(dirname(file), { recursive: true });
  } catch (error) {
    throw new DatabaseOpenError(file, 'unopenable', `cannot create the folder for ${file}: ${describe(error)}. Check the path and its permissions; nothing was changed.`, { cause: error });
  }

  let db: DatabaseSync;
  try {
    db = new DatabaseSync(file);
  } catch (error) {
    throw classify(file, error);
  }
  try {
    db.exec(`PRAGMA busy_timeout = ${Math.max(0, Math.round(busyTimeoutMs))}`);
    // Before the first read, so the lock is taken by the check below and held from then on; and
    // before WAL, so SQLite keeps the WAL index in memory instead of a shared -shm file.
    db.exec('PRAGMA locking_mode = EXCLUSIVE');
    checkIntegrity(db, file);
    // Every refusal comes before the first write (switching to WAL rewrites the header).
    const version = schemaVersion(db, file, migrations.length);
    const mode = db.prepare('PRAGMA journal_mode = WAL').get()?.journal_mode;
    if (mode !== 'wal') throw new DatabaseOpenError(file, 'unopenable', `${file}: SQLite would not switch to WAL mode (it stayed in "${String(mode)}"); is the folder on a network share? Nothing was changed.`);
    db.exec('PRAGMA synchronous = NORMAL');
    db.exec('PRAGMA foreign_keys = ON');
    migrate(db, file, migrations, version);
    return db;
  } catch (error) {
    db.close();
    throw error instanceof DatabaseOpenError ? error : classify(file, error);
  }
}

/**
 * Takes the exclusive lock and checks the file inside a transaction that writes nothing. A foreign
 * lock shows up here as SQLITE_BUSY, a damaged file as SQLITE_NOTADB / SQLITE_CORRUPT or as rows
 * from the check.
 */
function checkIntegrity(db: DatabaseSync, file: string): void {
  db.exec('BEGIN EXCLUSIVE');
  try {
    const pages = Number(db.prepare('PRAGMA page_count').get()?.page_count ?? 0);
    const check = pages <= FULL_CHECK_MAX_PAGES ? 'integrity_check' : 'quick_check';
    const problems = db
      .prepare(`PRAGMA ${check}(5)`)
      .all()
      .map((row) => String(Object.values(row)[0]))
      .filter((line) => line !== 'ok');
    if (problems.length > 0) throw corrupt(file, `${check} found: ${problems.join('; ').replace(/\s+/g, ' ')}`);
  } finally {
    // Rollback, not commit: the check must not write, and in exclusive mode the lock stays ours.
    if (db.isTransaction) db.exec('ROLLBACK');
  }
}

function classify(file: string, error: unknown): DatabaseOpenError {
  const code = sqliteCode(error);
  const detail = describe(error);
  if (code === SQLITE_BUSY || code === SQLITE_LOCKED) {
    return new DatabaseOpenError(
      file,
      'locked',
      `${file} is locked by another process (another StoryCore host using this data folder?). ` +
        'Close that host, or give this one its own data folder, and try again; nothing was changed.',
      { cause: error },
    );
  }
  if (code === SQLITE_CORRUPT || code === SQLITE_NOTADB) return corrupt(file, detail, error);
  if (code === SQLITE_CANTOPEN || code === SQLITE_PERM || code === SQLITE_READONLY || code === SQLITE_IOERR || code === SQLITE_FULL) {
    return new DatabaseOpenError(file, 'unopenable', `cannot open ${file}: ${detail}. Check that it is a file (not a folder), that it and its folder are writable, and that the disk has room; nothing was changed.`, { cause: error });
  }
  return new DatabaseOpenError(file, 'unopenable', `cannot open ${file}: ${detail}; nothing was changed.`, { cause: error });
}

function corrupt(file: string, what: string, cause?: unknown): DatabaseOpenError {
  return new DatabaseOpenError(
    file,
    'corrupt',
    `${file} is not a usable StoryCore database (${what}). Move it aside (rename it, keep it if you want to inspect it) and start again: ` +
      'a new, empty queue will be created in its place; nothing was changed.',
    cause === undefined ? undefined : { cause },
  );
}

/** The primary SQLite result code of a node:sqlite error, read from the error, never from its text. */
function sqliteCode(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null || !('errcode' in error)) return undefined;
  const code = (error as { errcode: unknown }).errcode;
  return typeof code === 'number' ? code & 0xff : undefined;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
