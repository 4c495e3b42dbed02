/**
 * Browser alerts for serve mode: when a circuit opens, a notification through the browser's
 * Notification API, if the user switched alerts on (remembered in localStorage) and the browser
 * granted the permission. A click focuses the window and shows that circuit. The desktop app does
 * not use this: its main process notifies already, and a second alert would say the same twice.
 */
import type { CircuitHistoryEntry, EventBatch } from '../../../src-preload/contract.ts';
import { STATE_LABEL } from '../dashboard/CircuitCard.tsx';

const STORAGE_KEY = 'storycore.alerts';

export const notificationsSupported = (): boolean => typeof Notification !== 'undefined';

/** Whether the user asked for alerts in this browser; storage may be refused (private mode), then no. */
export function alertsWanted(): boolean {
  try {
    return localStorage.getItem(STORAGE_KEY) === 'on';
  } catch {
    return false;
  }
}

export function rememberAlertsWanted(on: boolean): void {
  try {
    localStorage.setItem(STORAGE_KEY, on ? 'on' : 'off');
  } catch {
    // Not remembered: the toggle still works for this page.
  }
}

/** The transitions in a batch that opened a circuit: what an operator must hear about. */
export function openings(batch: EventBatch): CircuitHistoryEntry[] {
  return batch.events.flatMap((e) => (e.kind === 'circuit_transition' && (e.entry.to === 'open' || e.entry.to === 'forced_open') ? [e.entry] : []));
}

/** What one notification says; several circuits opening in one batch (an emergency stop) make one alert, not seven. */
export function alertText(opened: readonly CircuitHistoryEntry[]): { title: string; body: string; circuit: string } | null {
  const first = opened[0];
  if (!first) return null;
  if (opened.length === 1) return { title: `Circuit ${first.circuit} is ${STATE_LABEL[first.to]}`, body: first.reason, circuit: first.circuit };
  const names = [...new Set(opened.map((e) => e.circuit))];
  return { title: `${names.length} circuits opened`, body: `${names.join(', ')}: ${first.reason}`, circuit: first.circuit };
}

/** A batch listener that notifies of openings; `onShow` is the window's one way to show a circuit. */
export function circuitAlerts(onShow: (circuit: string) => void): (batch: EventBatch) => void {
  return (batch) => {
    if (!notificationsSupported() || Notification.permission !== 'granted' || !alertsWanted()) return;
    const text = alertText(openings(batch));
    if (!text) return;
    // One tag: a new opening replaces the last alert instead of stacking them.
    const notification = new Notification(text.title, { body: text.body, tag: 'storycore-circuit-opened' });
    notification.onclick = () => {
      window.focus();
      onShow(text.circuit);
      notification.close();
    };
  };
}
