/** Starting the shell once Electron is ready. */
import { app } from 'electron';

export function startWhenReady(start: () => Promise<void>): Promise<void> {
  return app.whenReady().then(start, (error: unknown) => {
    console.error(error);
    app.exit(1);
  });
}
