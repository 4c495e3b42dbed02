import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DatabaseSync } from 'node:sqlite';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { CircuitHistoryEntry, QueueState } from '../../src-preload/contract.ts';
import { openDatabase } from '../../src-main/queue/database.ts';
import { Journal, type JournalOptions } from '../../src-main/queue/journal.ts';

let dir: string;
let file: string;
let db: DatabaseSync;
let journal: Journal;
let reports: string[];

function open(options: JournalOptions = {}): void {
  db = openDatabase(file);
  journal = new Journal(db, { report: (m) => reports.push(m), ...options });
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'storycore-journal-'));
  file = join(dir, 'studio.db');
  reports = [];
  open();
});

afterEach(() => {
  if (db.isOpen) db.close();
  rmSync(dir, { recursive: true, force: true });
});

function reopen(options?: JournalOptions): void {
  db.close();
  open(options);
}

const QueueStateSchema: z.ZodType<QueueState> = z.object({
  paused: z.boolean(),
  stopped: z.object({ at: z.number(), scope: z.enum(['immediate', 'after_current']), reason: z.string() }).nullable(),
});
const OverridesSchema = z.record(z.string(), z.object({ failureThreshold: z.number().int().positive().optional(), timeoutMs: z.number().positive().optional() }).strict());

const transition = (at: number, circuit = 'video_export'): CircuitHistoryEntry => ({ at, circuit, from: 'closed', to: 'open', reason: `failure ${at}` });

describe('settings', () => {
  it('survive a restart', () => {
    const state: QueueState = { paused: true, stopped: { at: 1234, scope: 'immediate', reason: 'smoke' } };
    journal.setSetting('queue_state', state);
    journal.setSetting('circuit_overrides', { video_export: { failureThreshold: 4 } });
    reopen();
    expect(journal.getSetting('queue_state', QueueStateSchema)).toEqual(state);
    expect(journal.getSetting('circuit_overrides', OverridesSchema)).toEqual({ video_export: { failureThreshold: 4 } });
    expect(journal.getSetting('chaos', z.array(z.unknown()))).toBeUndefined();
    expect(reports).toEqual([]);
  });

  it('are validated on read: a bad stored value is reported and ignored, not thrown', () => {
    journal.setSetting('circuit_overrides', { video_export: { failureThreshold: -2, colour: 'red' } });
    expect(journal.getSetting('circuit_overrides', OverridesSchema)).toBeUndefined();
    expect(reports).toHaveLength(1);
    expect(reports[0]).toContain('setting "circuit_overrides"');
    expect(reports[0]).toContain('video_export.failureThreshold');

    db.prepare("UPDATE settings SET value_json = '{not json' WHERE key = 'circuit_overrides'").run();
    expect(journal.getSetting('circuit_overrides', OverridesSchema)).toBeUndefined();
    expect(reports[1]).toContain('not valid JSON');

    // The next write replaces the bad value.
    journal.setSetting('circuit_overrides', {});
    expect(journal.getSetting('circuit_overrides', OverridesSchema)).toEqual({});
  });

  it('are removed by setting undefined', () => {
    journal.setSetting('chaos', [{ stage: 'export', mode: 'fail' }]);
    journal.setSetting('chaos', undefined);
    expect(journal.getSetting('chaos', z.array(z.unknown()))).toBeUndefined();
  });
});

describe('circuit history', () => {
  it('returns the newest entries, oldest first, by circuit and time', () => {
    for (let at = 1; at <= 6; at++) journal.recordTransition(transition(at * 100, at % 2 ? 'video_export' : 'error_retry'));
    expect(journal.history().map((e) => e.at)).toEqual([100, 200, 300, 400, 500, 600]);
    expect(journal.history({ limit: 2 }).map((e) => e.at)).toEqual([500, 600]);
    expect(journal.history({ circuit: 'error_retry' }).map((e) => e.at)).toEqual([200, 400, 600]);
    expect(journal.history({ since: 350 }).map((e) => e.at)).toEqual([400, 500, 600]);
    expect(journal.history({ circuit: 'video_export', since: 250, limit: 1 })).toEqual([transition(500)]);
  });

  it('keeps only the newest rows, pruning every few inserts and at start', () => {
    reopen({ history: { keep: 10, pruneEvery: 5 } });
    for (let at = 1; at <= 24; at++) journal.recordTransition(transition(at));
    const rows = () => Number(db.prepare('SELECT count(*) AS n FROM circuit_history').get()?.n);
    // Pruned after the 20th insert down to 10, then 4 more arrived.
    expect(rows()).toBe(14);
    expect(journal.history({ limit: 100 })[0]?.at).toBe(11);

    reopen({ history: { keep: 10, pruneEvery: 5 } });
    expect(rows()).toBe(10);
    expect(journal.history({ limit: 100 }).map((e) => e.at)).toEqual([15, 16, 17, 18, 19, 20, 21, 22, 23, 24]);
  });
});

describe('audit log', () => {
  it('numbers entries and lists them newest first, across restarts', () => {
    const first = journal.audit({ at: 1000, actor: 'ana', action: 'emergency_stop', reason: 'smoke', detail: { scope: 'immediate', jobs: ['j1'] } });
    expect(first.id).toBeGreaterThan(0);
    journal.audit({ at: 2000, actor: 'ana', action: 'reset', reason: null, detail: {} });
    reopen();
    journal.audit({ at: 3000, actor: 'bo', action: 'resume', reason: null, detail: {} });

    const log = journal.auditLog(10);
    expect(log.map((e) => e.action)).toEqual(['resume', 'reset', 'emergency_stop']);
    expect(log[2]).toEqual(first);
    expect(journal.auditLog(1).map((e) => e.actor)).toEqual(['bo']);
  });
});
