/**
 * The events panel's list after a (re)connect: the host's stored transitions and audit entries from
 * the snapshot, turned back into the events they were when they happened, merged with what this page
 * already saw live. Without it a reload empties the panel even right after an emergency stop. Pure,
 * so it is tested under Node.
 */
import type { AuditEntry, CircuitHistoryEntry, StudioEvent } from '../../../src-preload/contract.ts';

/** When an event happened, host time. */
export const eventAt = (e: StudioEvent): number => (e.kind === 'circuit_transition' || e.kind === 'audit' ? e.entry.at : e.at);

/**
 * What makes two events the same one: an audit entry by its id, a transition by circuit, time and
 * states (the journal keeps them as emitted). Other kinds are never in the stored history, so each
 * object is its own.
 */
function identityOf(e: StudioEvent): string | StudioEvent {
  if (e.kind === 'audit') return `audit:${e.entry.id}`;
  if (e.kind === 'circuit_transition') return `transition:${e.entry.circuit}:${e.entry.at}:${e.entry.from}:${e.entry.to}`;
  return e;
}

/** The snapshot's stored history as events, newest first. */
export function eventsFromHistory(history: readonly CircuitHistoryEntry[], audit: readonly AuditEntry[]): StudioEvent[] {
  const events: StudioEvent[] = [...history.map((entry): StudioEvent => ({ kind: 'circuit_transition', entry })), ...audit.map((entry): StudioEvent => ({ kind: 'audit', entry }))];
  return events.sort((a, b) => eventAt(b) - eventAt(a));
}

/**
 * `seen` (newest first, what the panel showed) and `stored` (newest first, from the snapshot) as one
 * list, newest first, each event once, at most `cap`. The objects already shown are kept, so their
 * rows keep their keys.
 */
export function mergeEvents(seen: readonly StudioEvent[], stored: readonly StudioEvent[], cap: number): StudioEvent[] {
  const known = new Set<string | StudioEvent>(seen.map(identityOf));
  const fresh = stored.filter((e) => !known.has(identityOf(e)));
  if (fresh.length === 0) return seen.slice(0, cap);
  // A stable sort: events of one instant keep the order they were listed in.
  return [...seen, ...fresh].sort((a, b) => eventAt(b) - eventAt(a)).slice(0, cap);
}
