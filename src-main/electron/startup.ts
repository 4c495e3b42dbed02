/**
 * Starting the shell once Electron is ready. A start that fails must end the process: Electron
 * would otherwise keep running one with no window that still holds the single-instance lock, so
 * every later launch hands over to it and shows nothing.
 */
import { app, dialog } from 'electron';
import { APP_NAME } from '../app-info.ts';

/** Runs `start` when the app is ready; any failure, in start or before it, is reported and exits with 1. */
export function startWhenReady(start: () => Promise<void>): Promise<void> {
  return app
    .whenReady()
    .then(() => start())
    .catch((error: unknown) => {
      reportStartFailure(error);
      app.exit(1);
    });
}

function reportStartFailure(error: unknown): void {
  const message = error instanceof Error ? error.message : String(error);
  console.error(`${APP_NAME} could not start:`, error instanceof Error ? (error.stack ?? message) : message);
  try {
    // After ready this is a modal box; a user launching from the desktop sees no stderr.
    dialog.showErrorBox(`${APP_NAME} could not start`, message);
  } catch {
    // The report on stderr stands; exiting matters more than the box.
  }
}
