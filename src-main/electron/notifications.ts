/** A desktop notification when a circuit opens; clicking it brings the studio forward. */
import { type BrowserWindow, Notification } from 'electron';
import { IPC_CHANNELS } from '../../src-preload/ipc-channels.ts';

/** What the notifier needs of the studio's circuits: their state changes. */
export interface CircuitStateChanges {
  on(event: 'state_change', listener: (change: { circuit: string; to: string; reason: string }) => void): unknown;
}

export function notifyOnOpenCircuits(circuits: CircuitStateChanges, window: () => BrowserWindow | undefined): void {
  circuits.on('state_change', (change) => {
    if (change.to !== 'open' || !Notification.isSupported()) return;
    const note = new Notification({ title: `Circuit ${change.circuit} opened`, body: change.reason });
    note.on('click', () => {
      const w = window();
      if (!w) return;
      if (w.isMinimized()) w.restore();
      w.focus();
      w.webContents.send(IPC_CHANNELS.focusCircuit, change.circuit);
    });
    note.show();
  });
}
