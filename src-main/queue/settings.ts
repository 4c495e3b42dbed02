/**
 * Settings that must survive a restart (circuit overrides, chaos rules, the queue's paused and
 * stopped state), as JSON by key. Validated on read with the caller's schema: a stored value that
 * no longer fits (an older build's shape, a hand edit) is reported and ignored, so the caller falls
 * back to its default instead of crashing at start. The bad value stays until the next write
 * replaces it, for whoever wants to look at it.
 */
import type { DatabaseSync } from 'node:sqlite';
import type { z } from 'zod';

export class Settings {
  private readonly now: () => number;
  private readonly report: (message: string) => void;
  private readonly sql;

  constructor(db: DatabaseSync, options: { now?: () => number; report?: (message: string) => void } = {}) {
    this.now = options.now ?? Date.now;
    this.report = options.report ?? ((message) => console.warn(message));
    this.sql = {
      get: db.prepare('SELECT value_json FROM settings WHERE key = :key'),
      set: db.prepare(
        'INSERT INTO settings (key, value_json, updated_at) VALUES (:key, :value, :now) ON CONFLICT (key) DO UPDATE SET value_json = excluded.value_json, updated_at = excluded.updated_at',
      ),
      delete: db.prepare('DELETE FROM settings WHERE key = :key'),
    };
  }

  get<T>(key: string, schema: z.ZodType<T>): T | undefined {
    const row = this.sql.get.get({ key });
    if (!row) return undefined;
    let value: unknown;
    try {
      value = JSON.parse(String(row.value_json));
    } catch (error) {
      this.report(`setting "${key}" is not valid JSON (${error instanceof Error ? error.message : String(error)}); ignored, the default applies until it is set again`);
      return undefined;
    }
    const parsed = schema.safeParse(value);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(value)'}: ${issue.message}`).join('; ');
      this.report(`setting "${key}" does not have the expected shape (${problems}); ignored, the default applies until it is set again`);
      return undefined;
    }
    return parsed.data;
  }

  /** Stores the value as JSON; undefined removes the setting. */
  set(key: string, value: unknown): void {
    if (value === undefined) {
      this.sql.delete.run({ key });
      return;
    }
    this.sql.set.run({ key, value: JSON.stringify(value), now: Math.round(this.now()) });
  }
}
