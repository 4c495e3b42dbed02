/**
 * Quitting: the window's bounds are saved, running jobs go back to the queue, every worker and
 * ffmpeg ends, then the app exits. The quit itself is held (before-quit's preventDefault) until the
 * studio has closed, for at most a time limit: a close that hangs must not keep the app alive.
 */
import { app } from 'electron';

/** Closing interrupts jobs and SIGKILLs workers: seconds at worst. Past this something is stuck. */
export const QUIT_CLOSE_LIMIT_MS = 10_000;

export type CloseOutcome = 'closed' | 'timed_out' | { failed: unknown };

/** Runs `close`, waiting for it at most `limitMs`; never throws. */
export async function closeWithin(close: () => Promise<void>, limitMs: number): Promise<CloseOutcome> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<CloseOutcome>((resolve) => {
    timer = setTimeout(() => resolve('timed_out'), limitMs);
  });
  const closing = Promise.resolve()
    .then(close)
    .then(
      (): CloseOutcome => 'closed',
      (error: unknown): CloseOutcome => ({ failed: error }),
    );
  try {
    return await Promise.race([closing, limit]);
  } finally {
    clearTimeout(timer);
  }
}

export interface QuitOptions {
  /** Saves the window's bounds: quitting ends in app.exit, which emits no 'close' on the window. */
  saveWindowState(): void;
  limitMs?: number;
}

export function closeStudioOnQuit(studio: { close(): Promise<void> }, options: QuitOptions): void {
  const limitMs = options.limitMs ?? QUIT_CLOSE_LIMIT_MS;
  let closing = false;
  app.on('before-quit', (event) => {
    // Held every time, a second Cmd+Q too: the exit below comes once the studio has closed, or at the limit.
    event.preventDefault();
    if (closing) return;
    closing = true;
    options.saveWindowState();
    void closeWithin(() => studio.close(), limitMs).then((outcome) => {
      if (outcome === 'timed_out') {
        console.error(`the studio did not close within ${limitMs / 1000} s; exiting anyway (its next start puts interrupted jobs back in the queue)`);
      } else if (outcome !== 'closed') {
        console.error('closing the studio failed; exiting anyway:', outcome.failed);
      }
      app.exit(outcome === 'closed' ? 0 : 1);
    });
  });
}
