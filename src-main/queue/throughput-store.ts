/**
 * Keeps the learned throughput per (stage, method, quality) in SQLite, so that a restarted studio
 * starts from what this machine has shown rather than from the built-in figures. One row per key;
 * a save is one upsert, a few times per chunk at most, so the synchronous API costs microseconds.
 */
import type { DatabaseSync, SQLOutputValue } from 'node:sqlite';
import type { ThroughputPersistence, ThroughputRecord } from '../engine/chunks/throughput-learner.ts';

export class ThroughputStore implements ThroughputPersistence {
  private readonly sql;

  constructor(db: DatabaseSync) {
    const columns = 'key, seconds_per_mpf, samples, pinned, updated_at';
    this.sql = {
      all: db.prepare(`SELECT ${columns} FROM throughput ORDER BY key`),
      upsert: db.prepare(
        `INSERT INTO throughput (${columns}) VALUES (:key, :spmf, :samples, :pinned, :at)
         ON CONFLICT (key) DO UPDATE SET seconds_per_mpf = :spmf, samples = :samples, pinned = :pinned, updated_at = :at`,
      ),
      remove: db.prepare('DELETE FROM throughput WHERE key = :key'),
    };
  }

  loadAll(): ThroughputRecord[] {
    return this.sql.all.all().map(toRecord);
  }

  save(record: ThroughputRecord): void {
    this.sql.upsert.run({ key: record.key, spmf: record.secondsPerMpf, samples: record.samples, pinned: record.pinned, at: Math.round(record.updatedAt) });
  }

  /** Forgets a key (an operator's reset): the next run starts from the built-in figure again. */
  forget(key: string): boolean {
    return Number(this.sql.remove.run({ key }).changes) > 0;
  }
}

function toRecord(row: Record<string, SQLOutputValue>): ThroughputRecord {
  const secondsPerMpf = Number(row.seconds_per_mpf);
  const samples = Number(row.samples);
  const pinned = row.pinned === null ? null : Number(row.pinned);
  // The table's CHECKs hold these; a row that breaks them was written by something else.
  if (typeof row.key !== 'string' || !(secondsPerMpf > 0) || !Number.isInteger(samples) || (pinned !== null && !(pinned > 0))) {
    throw new Error(`throughput holds an impossible row ${JSON.stringify(row)} (was the database edited by hand?)`);
  }
  return { key: row.key, secondsPerMpf, samples, pinned, updatedAt: Number(row.updated_at) };
}
