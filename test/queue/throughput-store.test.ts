import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DatabaseSync } from 'node:sqlite';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { builtinSecondsPerMpf } from '../../src-main/engine/chunks/cost-model.ts';
import { ThroughputLearner } from '../../src-main/engine/chunks/throughput-learner.ts';
import { openDatabase } from '../../src-main/queue/database.ts';
import { MIGRATIONS } from '../../src-main/queue/schema.ts';
import { ThroughputStore } from '../../src-main/queue/throughput-store.ts';

const KEY = { stage: 'export', method: 'mp4', quality: 'standard' } as const;
let dir: string;
let file: string;
const open: DatabaseSync[] = [];

function reopen(): DatabaseSync {
  for (const db of open.splice(0)) db.close();
  const db = openDatabase(file);
  open.push(db);
  return db;
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'storycore-throughput-'));
  file = join(dir, 'studio.db');
});

afterEach(() => {
  for (const db of open.splice(0)) db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('throughput store', () => {
  it('keeps what the learner learned and pinned across a restart of the host', () => {
    const first = new ThroughputLearner({ persistence: new ThroughputStore(reopen()), now: () => 1_700_000_000_000 });
    // 200 frames of one megapixel in 0.5 s start + 60 s: 0.3 s/MP-frame measured.
    first.observe({ key: KEY, frames: 200, width: 1000, height: 1000, wallSeconds: 60.5 });
    first.pin({ ...KEY, quality: 'final' }, 0.9);
    const learned = first.figure(KEY);
    expect(learned.source).toBe('learned');

    const second = new ThroughputLearner({ persistence: new ThroughputStore(reopen()) });
    expect(second.figure(KEY)).toEqual(learned);
    expect(second.figure({ ...KEY, quality: 'final' })).toEqual({ secondsPerMpf: 0.9, source: 'pinned', samples: 0 });
    expect(second.figure({ ...KEY, quality: 'draft' }).source).toBe('builtin');
  });

  it('upserts one row per key, and forgets a key back to the built-in figure', () => {
    const db = reopen();
    const store = new ThroughputStore(db);
    const learner = new ThroughputLearner({ persistence: store });
    for (let i = 0; i < 5; i++) learner.observe({ key: KEY, frames: 200, width: 1000, height: 1000, wallSeconds: 40 });
    expect(store.loadAll()).toHaveLength(1);
    expect(store.loadAll()[0]).toMatchObject({ key: 'export/mp4/standard', samples: 5, pinned: null });
    expect(store.forget('export/mp4/standard')).toBe(true);
    expect(store.forget('export/mp4/standard')).toBe(false);
    expect(new ThroughputLearner({ persistence: store }).figure(KEY)).toEqual({ secondsPerMpf: builtinSecondsPerMpf(KEY), source: 'builtin', samples: 0 });
  });

  it('refuses impossible figures at the door (the table is STRICT with CHECKs)', () => {
    const store = new ThroughputStore(reopen());
    const row = { key: 'export/mp4/draft', secondsPerMpf: 0.1, samples: 1, pinned: null, updatedAt: 1 };
    expect(() => store.save({ ...row, secondsPerMpf: 0 })).toThrow(/CHECK/);
    expect(() => store.save({ ...row, samples: -1 })).toThrow(/CHECK/);
    expect(() => store.save({ ...row, pinned: -2 })).toThrow(/CHECK/);
    store.save(row);
    expect(store.loadAll()).toEqual([row]);
  });

  it('is created by the schema migration on an existing version-1 database', () => {
    const v1 = openDatabase(file, { migrations: MIGRATIONS.slice(0, 1) });
    expect(v1.prepare("SELECT name FROM sqlite_master WHERE name = 'throughput'").get()).toBeUndefined();
    v1.close();
    const db = reopen();
    expect(db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'throughput'").get()).toBeDefined();
    expect(db.prepare('SELECT max(version) AS v FROM schema_migrations').get()?.v).toBe(MIGRATIONS.length);
    expect(new ThroughputStore(db).loadAll()).toEqual([]);
  });
});
