/**
 * What the host writes down besides jobs: circuit history, the audit log and settings. One facade
 * over three small stores, all on the host's single connection (the database is opened in
 * exclusive locking mode, so there is only ever one).
 */
import type { DatabaseSync } from 'node:sqlite';
import type { z } from 'zod';
import { AuditLog } from './audit-log.ts';
import { CircuitHistory, type CircuitHistoryOptions, type HistoryQuery } from './circuit-history.ts';
import type { AuditEntry, CircuitHistoryEntry } from './journal-entries.ts';
import { Settings } from './settings.ts';

export type { HistoryQuery } from './circuit-history.ts';

export interface JournalOptions {
  history?: CircuitHistoryOptions;
  now?: () => number;
  /** Where a stored setting that fails validation is reported; console.warn by default. */
  report?: (message: string) => void;
}

export class Journal {
  private readonly circuitHistory: CircuitHistory;
  private readonly auditTrail: AuditLog;
  private readonly settings: Settings;

  constructor(db: DatabaseSync, options: JournalOptions = {}) {
    this.circuitHistory = new CircuitHistory(db, options.history);
    this.auditTrail = new AuditLog(db);
    this.settings = new Settings(db, { ...(options.now ? { now: options.now } : {}), ...(options.report ? { report: options.report } : {}) });
  }

  recordTransition(entry: CircuitHistoryEntry): void {
    this.circuitHistory.record(entry);
  }

  /** The newest `limit` (default 500) matching transitions, oldest first. */
  history(query?: HistoryQuery): CircuitHistoryEntry[] {
    return this.circuitHistory.list(query);
  }

  audit(entry: Omit<AuditEntry, 'id'>): AuditEntry {
    return this.auditTrail.append(entry);
  }

  /** Newest first. */
  auditLog(limit = 200): AuditEntry[] {
    return this.auditTrail.newest(limit);
  }

  /** The stored value if it passes the schema; undefined (reported) if it does not. */
  getSetting<T>(key: string, schema: z.ZodType<T>): T | undefined {
    return this.settings.get(key, schema);
  }

  /** Undefined removes the setting. */
  setSetting(key: string, value: unknown): void {
    this.settings.set(key, value);
  }
}
