/** What a browser alert says about circuits that opened (circuit-alerts.ts shows it). Pure, so it is tested under Node. */
import type { CircuitHistoryEntry, CircuitState, EventBatch } from '../../../src-preload/contract.ts';

/** The transitions in a batch that opened a circuit: what an operator must hear about. */
export function openings(batch: EventBatch): CircuitHistoryEntry[] {
  return batch.events.flatMap((e) => (e.kind === 'circuit_transition' && (e.entry.to === 'open' || e.entry.to === 'forced_open') ? [e.entry] : []));
}

/** What one notification says; several circuits opening in one batch (an emergency stop) make one alert, not seven. */
export function alertText(opened: readonly CircuitHistoryEntry[], labels: Record<CircuitState, string>): { title: string; body: string; circuit: string } | null {
  const first = opened[0];
  if (!first) return null;
  if (opened.length === 1) return { title: `Circuit ${first.circuit} is ${labels[first.to]}`, body: first.reason, circuit: first.circuit };
  const names = [...new Set(opened.map((e) => e.circuit))];
  return { title: `${names.length} circuits opened`, body: `${names.join(', ')}: ${first.reason}`, circuit: first.circuit };
}
