import { type ChildProcess, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ShotSchema } from '../../src-main/engine/model.ts';
import { DatabaseOpenError, openDatabase } from '../../src-main/queue/database.ts';
import { RenderQueue } from '../../src-main/queue/render-queue.ts';
import { MIGRATIONS } from '../../src-main/queue/schema.ts';

let dir: string;
const children: ChildProcess[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'storycore-db-'));
});

afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill();
  rmSync(dir, { recursive: true, force: true });
});

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');
const pragma = (db: DatabaseSync, name: string) => Object.values(db.prepare(`PRAGMA ${name}`).get() ?? {})[0];

function openError(file: string, options?: Parameters<typeof openDatabase>[1]): DatabaseOpenError {
  try {
    openDatabase(file, options).close();
  } catch (error) {
    expect(error).toBeInstanceOf(DatabaseOpenError);
    return error as DatabaseOpenError;
  }
  throw new Error(`expected opening ${file} to fail`);
}

/** A real queue database with enough rows to span many pages. */
function validDatabase(file: string): void {
  const db = openDatabase(file);
  const queue = new RenderQueue(db);
  const shot = ShotSchema.parse({ id: 'shot', title: 'x'.repeat(150), duration: 2, keyframes: [{ generator: 'testsrc2' }] });
  queue.enqueue(Array.from({ length: 600 }, () => ({ projectName: 'demo', shot, baseDir: null, quality: 'draft' as const })));
  queue.close();
}

/** Runs a script in another node process and resolves once it prints `ready`. */
function holdInChild(script: string, args: string[], nodeArgs: string[] = []): Promise<ChildProcess> {
  const child = spawn(process.execPath, [...nodeArgs, '-e', script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('ready')) resolve(child);
    });
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('exit', (code) => reject(new Error(`child exited (${code}) before it was ready: ${output}`)));
  });
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));
}

describe('openDatabase', () => {
  it('creates the folder and sets WAL, synchronous NORMAL, foreign keys, a busy timeout and the exclusive lock', () => {
    const file = join(dir, 'nested', 'deeper', 'studio.db');
    const db = openDatabase(file, { busyTimeoutMs: 1500 });
    try {
      expect(pragma(db, 'journal_mode')).toBe('wal');
      expect(pragma(db, 'synchronous')).toBe(1);
      expect(pragma(db, 'foreign_keys')).toBe(1);
      expect(pragma(db, 'busy_timeout')).toBe(1500);
      expect(pragma(db, 'locking_mode')).toBe('exclusive');
    } finally {
      db.close();
    }
  });

  it('applies each migration once, in order, each recorded with its version', () => {
    const file = join(dir, 'studio.db');
    const v1 = ['CREATE TABLE a (x INTEGER)'];
    const v2 = [...v1, 'CREATE TABLE b (y INTEGER); INSERT INTO b VALUES (1)'];

    openDatabase(file, { migrations: v1 }).close();
    // Re-running migration 1 would fail ("table a already exists"); re-running 2 would add a row.
    openDatabase(file, { migrations: v2 }).close();
    const db = openDatabase(file, { migrations: v2 });
    try {
      expect(db.prepare('SELECT version FROM schema_migrations ORDER BY version').all().map((r) => r.version)).toEqual([1, 2]);
      expect(db.prepare('SELECT count(*) AS n FROM b').get()?.n).toBe(1);
      expect(typeof db.prepare('SELECT applied_at FROM schema_migrations WHERE version = 2').get()?.applied_at).toBe('number');
    } finally {
      db.close();
    }
  });

  it('rolls a failed migration back and names the version it stopped at', () => {
    const file = join(dir, 'studio.db');
    const v1 = ['CREATE TABLE a (x INTEGER)'];
    openDatabase(file, { migrations: v1 }).close();

    const error = openError(file, { migrations: [...v1, 'CREATE TABLE c (z INTEGER); CREATE TABLE a (x INTEGER)'] });
    expect(error.problem).toBe('migration_failed');
    expect(error.message).toContain('migration 2 failed');
    expect(error.message).toContain('still at version 1');

    const db = openDatabase(file, { migrations: v1 });
    try {
      expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'c'").get()).toBeUndefined();
    } finally {
      db.close();
    }
  });

  it('refuses a database from a newer StoryCore without touching it', () => {
    const file = join(dir, 'studio.db');
    openDatabase(file, { migrations: [...MIGRATIONS, 'CREATE TABLE from_the_future (x INTEGER)'] }).close();
    const before = sha256(file);

    const error = openError(file);
    expect(error.problem).toBe('newer_schema');
    expect(error.file).toBe(file);
    expect(error.message).toContain(file);
    expect(error.message).toContain(`schema version ${MIGRATIONS.length + 1}`);
    expect(error.message).toContain('nothing was changed');
    expect(sha256(file)).toBe(before);
  });

  it("refuses another program's SQLite database", () => {
    const file = join(dir, 'notes.db');
    const other = new DatabaseSync(file);
    other.exec('CREATE TABLE notes (body TEXT)');
    other.close();
    const before = sha256(file);

    const error = openError(file);
    expect(error.problem).toBe('foreign');
    expect(error.message).toContain('notes');
    expect(sha256(file)).toBe(before);
  });

  it('keeps what was written across close and reopen', () => {
    const file = join(dir, 'studio.db');
    validDatabase(file);
    const queue = new RenderQueue(openDatabase(file));
    try {
      expect(queue.counts().queued).toBe(600);
    } finally {
      queue.close();
    }
  });

  it('reports a folder where the file should be as unopenable', () => {
    const file = join(dir, 'studio.db');
    mkdirSync(file);
    const error = openError(file);
    expect(error.problem).toBe('unopenable');
    expect(error.message).toContain(file);
  });
});

describe('openDatabase on a damaged file', () => {
  function expectRefusedUnchanged(file: string): DatabaseOpenError {
    const before = sha256(file);
    const listing = readdirSync(dir).sort();
    const error = openError(file);
    expect(error.problem).toBe('corrupt');
    expect(error.file).toBe(file);
    expect(error.message).toContain(file);
    expect(error.message).toContain('Move it aside');
    expect(error.message).toContain('nothing was changed');
    expect(sha256(file)).toBe(before);
    // No journal, WAL or replacement file left behind either.
    expect(readdirSync(dir).sort()).toEqual(listing);
    return error;
  }

  it('refuses random bytes', () => {
    const file = join(dir, 'random.db');
    writeFileSync(file, randomBytes(16384));
    expectRefusedUnchanged(file);
  });

  it('refuses a truncated copy of a valid database', () => {
    const source = join(dir, 'source', 'studio.db');
    validDatabase(source);
    const bytes = readFileSync(source);
    expect(bytes.length).toBeGreaterThan(8 * 4096);

    for (const [name, length] of [
      ['half.db', Math.floor(bytes.length / 2)],
      ['mid-page.db', 3 * 4096 + 100],
      ['header-only.db', 60],
    ] as const) {
      const file = join(dir, name);
      writeFileSync(file, bytes.subarray(0, length));
      expectRefusedUnchanged(file);
    }
  });

  it('refuses a database whose pages the integrity check finds damaged', () => {
    const source = join(dir, 'source', 'studio.db');
    validDatabase(source);
    const bytes = Buffer.from(readFileSync(source));
    // Overwrite a page in the middle (a b-tree page of the jobs table) with garbage.
    const page = Math.floor(bytes.length / 4096 / 2);
    bytes.fill(0x5a, page * 4096, page * 4096 + 4096);
    const file = join(dir, 'damaged.db');
    writeFileSync(file, bytes);
    expectRefusedUnchanged(file);
  });
});

describe('openDatabase when someone else holds the database', () => {
  it('says another process holds it, and opens once that process is gone', async () => {
    const file = join(dir, 'studio.db');
    openDatabase(file).close();
    const holder = await holdInChild(
      `const { DatabaseSync } = require('node:sqlite');
       const db = new DatabaseSync(process.argv[1]);
       db.exec('BEGIN EXCLUSIVE');
       console.log('ready');
       setInterval(() => {}, 1000);`,
      [file],
    );

    const error = openError(file, { busyTimeoutMs: 200 });
    expect(error.problem).toBe('locked');
    expect(error.message).toContain(file);
    expect(error.message).toContain('another StoryCore host');

    holder.kill();
    await exited(holder);
    openDatabase(file).close();
  });

  it('lets only one host at a time use a data folder, with no stale lock after the first one dies', async () => {
    const file = join(dir, 'studio.db');
    openDatabase(file).close();
    const moduleUrl = new URL('../../src-main/queue/database.ts', import.meta.url).href;
    const host = await holdInChild(
      `const { openDatabase } = await import(process.argv[1]);
       openDatabase(process.argv[2]);
       console.log('ready');
       setInterval(() => {}, 1000);`,
      [moduleUrl, file],
      ['--input-type=module'],
    );

    const error = openError(file, { busyTimeoutMs: 200 });
    expect(error.problem).toBe('locked');

    // A host that dies without closing (SIGKILL) leaves no lock behind: the OS drops it.
    host.kill('SIGKILL');
    await exited(host);
    const db = openDatabase(file);
    db.close();
  });

  it('keeps what a killed host committed (its WAL is replayed), so the next host can recover its jobs', async () => {
    const file = join(dir, 'studio.db');
    const url = (path: string) => new URL(path, import.meta.url).href;
    const host = await holdInChild(
      `const { openDatabase } = await import(process.argv[1]);
       const { RenderQueue } = await import(process.argv[2]);
       const { ShotSchema } = await import(process.argv[3]);
       const queue = new RenderQueue(openDatabase(process.argv[4]));
       const shot = ShotSchema.parse({ id: 'crash', duration: 2, keyframes: [{ generator: 'testsrc2' }] });
       const [job] = queue.enqueue([{ projectName: 'demo', shot, baseDir: null, quality: 'draft' }]);
       queue.markRunning(job.id);
       console.log('ready');
       setInterval(() => {}, 1000);`,
      [url('../../src-main/queue/database.ts'), url('../../src-main/queue/render-queue.ts'), url('../../src-main/engine/model.ts'), file],
      ['--input-type=module'],
    );
    host.kill('SIGKILL');
    await exited(host);

    const queue = new RenderQueue(openDatabase(file));
    try {
      const recovered = queue.recoverInterrupted();
      expect(recovered.map((j) => [j.shotId, j.status, j.attempts])).toEqual([['crash', 'queued', 1]]);
    } finally {
      queue.close();
    }
  });

  it('refuses a second connection from the same process too', () => {
    const file = join(dir, 'studio.db');
    const first = openDatabase(file);
    try {
      expect(openError(file, { busyTimeoutMs: 50 }).problem).toBe('locked');
    } finally {
      first.close();
    }
  });
});
