/**
 * What the journal writes down and reads back: audit entries and circuit transitions. Types only,
 * no Node: the contract re-exports them to the window, which compiles without Node's types.
 */
import type { StateChangeEvent } from '../breaker/types.ts';

export interface AuditEntry {
  id: number;
  at: number;
  /** OS user (desktop, CLI) or token name (serve mode). */
  actor: string;
  action: string;
  reason: string | null;
  detail: Record<string, unknown>;
}

/** A circuit's state change as the history keeps it: the breaker's event, as it was emitted. */
export type CircuitHistoryEntry = StateChangeEvent;
