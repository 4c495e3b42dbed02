/**
 * A desktop notification when a circuit opens; clicking it brings the studio forward on that circuit.
 *
 * Electron holds a main-process Notification only weakly: one nobody references is garbage-collected,
 * and its click handler with it, while it is still on screen (electron#16922). So each is kept here
 * until it is clicked or closed. 'close' is not promised on every platform, so the oldest are let go
 * (and dismissed) past a bound rather than kept for ever.
 */
import { type BrowserWindow, Notification } from 'electron';
import { IPC_CHANNELS } from '../../src-preload/ipc-channels.ts';

/** What the notifier needs of the studio's circuits: their state changes. */
export interface CircuitStateChanges {
  on(event: 'state_change', listener: (change: { circuit: string; to: string; reason: string }) => void): unknown;
}

/** More than a screen shows: seven circuits opening a few times each. */
export const MAX_KEPT_NOTIFICATIONS = 32;

export function notifyOnOpenCircuits(circuits: CircuitStateChanges, window: () => BrowserWindow | undefined): void {
  // Insertion-ordered, so the first is the oldest.
  const shown = new Set<Notification>();
  circuits.on('state_change', (change) => {
    if (change.to !== 'open' || !Notification.isSupported()) return;
    const note = new Notification({ title: `Circuit ${change.circuit} opened`, body: change.reason });
    const release = () => shown.delete(note);
    note.on('click', () => {
      release();
      const w = window();
      if (!w || w.isDestroyed()) return;
      if (w.isMinimized()) w.restore();
      w.focus();
      w.webContents.send(IPC_CHANNELS.focusCircuit, change.circuit);
    });
    note.on('close', release);
    note.on('failed', release);
    shown.add(note);
    for (const oldest of shown) {
      if (shown.size <= MAX_KEPT_NOTIFICATIONS) break;
      shown.delete(oldest);
      oldest.close();
    }
    note.show();
  });
}
