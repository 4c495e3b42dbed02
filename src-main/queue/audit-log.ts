/**
 * The audit log: who stopped, reset, resumed or reconfigured what, when and why. Never pruned: it
 * is the record operators answer to, and it grows by a handful of rows per operator action.
 */
import type { DatabaseSync, SQLOutputValue } from 'node:sqlite';
import type { AuditEntry } from './journal-entries.ts';

export class AuditLog {
  private readonly sql;

  constructor(db: DatabaseSync) {
    this.sql = {
      insert: db.prepare('INSERT INTO audit_log (at, actor, action, reason, detail_json) VALUES (:at, :actor, :action, :reason, :detail) RETURNING id'),
      newest: db.prepare('SELECT id, at, actor, action, reason, detail_json FROM audit_log ORDER BY id DESC LIMIT :limit'),
    };
  }

  append(entry: Omit<AuditEntry, 'id'>): AuditEntry {
    const at = Math.round(entry.at);
    const row = this.sql.insert.get({ at, actor: entry.actor, action: entry.action, reason: entry.reason, detail: JSON.stringify(entry.detail) });
    return { ...entry, at, id: Number(row!.id) };
  }

  /** Newest first. */
  newest(limit = 200): AuditEntry[] {
    return this.sql.newest.all({ limit: Math.max(0, Math.floor(limit)) }).map(toEntry);
  }
}

function toEntry(row: Record<string, SQLOutputValue>): AuditEntry {
  return {
    id: Number(row.id),
    at: Number(row.at),
    actor: String(row.actor),
    action: String(row.action),
    reason: row.reason === null ? null : String(row.reason),
    detail: JSON.parse(String(row.detail_json)) as Record<string, unknown>,
  };
}
