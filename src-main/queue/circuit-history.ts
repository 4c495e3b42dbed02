/**
 * Every circuit state change, kept so the dashboard can draw a timeline that survives restarts.
 * Bounded: the newest `keep` rows stay; older ones are pruned every `pruneEvery` inserts (and once
 * at start), by rowid, which costs one index seek rather than a count.
 */
import type { DatabaseSync, SQLOutputValue } from 'node:sqlite';
import type { CircuitState } from '../breaker/types.ts';
import type { CircuitHistoryEntry } from './journal-entries.ts';

export interface CircuitHistoryOptions {
  /** Rows kept; default 10,000 (about a megabyte). */
  keep?: number;
  /** Prune after this many inserts; default 500. */
  pruneEvery?: number;
}

export interface HistoryQuery {
  circuit?: string;
  /** Only entries at or after this time, epoch ms. */
  since?: number;
  /** The newest this many; default 500. */
  limit?: number;
}

/** Every state, so a row we did not write (an edited file) is caught on read. */
const STATES: Record<CircuitState, true> = { closed: true, open: true, half_open: true, forced_open: true, disabled: true };

export class CircuitHistory {
  private readonly keep: number;
  private readonly pruneEvery: number;
  private sinceLastPrune = 0;
  private readonly sql;

  constructor(db: DatabaseSync, options: CircuitHistoryOptions = {}) {
    this.keep = Math.max(1, Math.floor(options.keep ?? 10_000));
    this.pruneEvery = Math.max(1, Math.floor(options.pruneEvery ?? 500));
    const columns = 'at, circuit, from_state, to_state, reason';
    this.sql = {
      insert: db.prepare(`INSERT INTO circuit_history (${columns}) VALUES (:at, :circuit, :from, :to, :reason)`),
      all: db.prepare(`SELECT ${columns} FROM circuit_history WHERE at >= :since ORDER BY at DESC, id DESC LIMIT :limit`),
      one: db.prepare(`SELECT ${columns} FROM circuit_history WHERE circuit = :circuit AND at >= :since ORDER BY at DESC, id DESC LIMIT :limit`),
      // The id of the oldest row to keep; everything below it goes.
      prune: db.prepare('DELETE FROM circuit_history WHERE id < (SELECT id FROM circuit_history ORDER BY id DESC LIMIT 1 OFFSET :offset)'),
    };
    this.prune();
  }

  record(entry: CircuitHistoryEntry): void {
    this.sql.insert.run({ at: Math.round(entry.at), circuit: entry.circuit, from: entry.from, to: entry.to, reason: entry.reason });
    if (++this.sinceLastPrune >= this.pruneEvery) this.prune();
  }

  /** The newest `limit` matching entries, oldest first (the order a timeline is drawn in). */
  list(query: HistoryQuery = {}): CircuitHistoryEntry[] {
    const params = { since: Math.round(query.since ?? 0), limit: Math.max(0, Math.floor(query.limit ?? 500)) };
    const rows = query.circuit === undefined ? this.sql.all.all(params) : this.sql.one.all({ ...params, circuit: query.circuit });
    return rows.map(toEntry).reverse();
  }

  /** Deletes all but the newest `keep` rows; returns how many went. */
  prune(): number {
    this.sinceLastPrune = 0;
    return Number(this.sql.prune.run({ offset: this.keep - 1 }).changes);
  }
}

function toEntry(row: Record<string, SQLOutputValue>): CircuitHistoryEntry {
  return { at: Number(row.at), circuit: String(row.circuit), from: state(row.from_state), to: state(row.to_state), reason: String(row.reason) };
}

function state(value: SQLOutputValue | undefined): CircuitState {
  if (typeof value === 'string' && Object.hasOwn(STATES, value)) return value as CircuitState;
  throw new Error(`circuit_history holds the unknown state ${JSON.stringify(value)} (was the database edited by hand?)`);
}
