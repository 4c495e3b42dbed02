/**
 * How an audit entry reads in the history view: what changed, old → new. The entry's detail is
 * untyped JSON written by the host, so everything here reads it defensively.
 */
import type { AuditEntry } from '../../../src-preload/contract.ts';

export interface AuditChange {
  field: string;
  from: string;
  to: string;
}

export interface AuditDescription {
  /** `from`/`to` pairs, one per field that differs. */
  changes: AuditChange[];
  /** The rest of the detail, as `key: value` text. */
  notes: string[];
}

const isRecord = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

/** A value as an operator reads it: chaos rules as `stage=mode`, empty lists as `none`. */
export function formatValue(value: unknown): string {
  if (value === null || value === undefined) return 'none';
  if (Array.isArray(value)) {
    if (value.length === 0) return 'none';
    return value.map((v) => (isRecord(v) && typeof v.stage === 'string' && typeof v.mode === 'string' ? `${v.stage}=${v.mode}${typeof v.times === 'number' ? `:${v.times}` : ''}` : formatValue(v))).join(', ');
  }
  if (isRecord(value)) return Object.entries(value).map(([k, v]) => `${k}: ${formatValue(v)}`).join(', ');
  return String(value);
}

export function describeAudit(entry: AuditEntry): AuditDescription {
  const { from, to, ...rest } = entry.detail;
  const changes: AuditChange[] = [];
  if (from !== undefined || to !== undefined) {
    if (isRecord(from) && isRecord(to)) {
      for (const field of new Set([...Object.keys(from), ...Object.keys(to)])) {
        const a = formatValue(from[field]);
        const b = formatValue(to[field]);
        if (a !== b) changes.push({ field, from: a, to: b });
      }
    } else {
      changes.push({ field: entry.action === 'set_chaos' ? 'drill' : 'value', from: formatValue(from), to: formatValue(to) });
    }
  }
  const notes = Object.entries(rest).map(([k, v]) => `${k}: ${formatValue(v)}`);
  return { changes, notes };
}
