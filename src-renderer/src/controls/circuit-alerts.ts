/**
 * Browser alerts for serve mode: when a circuit opens, a notification through the browser's
 * Notification API, if the user switched alerts on (remembered in localStorage) and the browser
 * granted the permission. A click focuses the window and shows that circuit. The desktop app does
 * not use this: its main process notifies already, and a second alert would say the same twice.
 */
import type { EventBatch } from '../../../src-preload/contract.ts';
import { STATE_LABEL } from '../dashboard/CircuitCard.tsx';
import { alertText, openings } from './alert-text.ts';

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

/** A batch listener that notifies of openings; `onShow` is the window's one way to show a circuit. */
export function circuitAlerts(onShow: (circuit: string) => void): (batch: EventBatch) => void {
  return (batch) => {
    if (!notificationsSupported() || Notification.permission !== 'granted' || !alertsWanted()) return;
    const text = alertText(openings(batch), STATE_LABEL);
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
