/** Quitting: running jobs go back to the queue, every worker and ffmpeg ends, then the app exits. */
import { app } from 'electron';

export function closeStudioOnQuit(studio: { close(): Promise<void> }): void {
  let closing = false;
  app.on('before-quit', (event) => {
    if (closing) return;
    closing = true;
    event.preventDefault();
    void studio.close().finally(() => app.exit(0));
  });
}
