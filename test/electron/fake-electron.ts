/**
 * NOT ELECTRON. A fake of the `electron` module, for unit tests of the shell under plain Node; a test
 * swaps it in with `vi.mock('electron', () => import('./fake-electron.ts'))`. It acts out what
 * Electron 45's documentation promises for the calls the shell makes, and records what the shell
 * asked for:
 * - `app.quit()` emits `before-quit`, whose preventDefault() stops the quit; otherwise the windows
 *   get `close`, then `will-quit`. `app.exit()` emits nothing at all.
 * - A utility process is a Node EventEmitter: an `error` nobody listens to throws, as in Electron's
 *   main process. Electron emits `exit` after `error` whatever happens; the tests do that by hand.
 * - Electron holds a main-process Notification only weakly (electron#16922): the fake keeps
 *   nothing but WeakRefs to its notifications, so one the shell drops is collected.
 * - `maximize()` shows a hidden window, as the BrowserWindow docs say.
 * Passing with this fake says the shell follows those rules; it says nothing about Electron itself,
 * which e2e/electron exercises where the binary exists.
 */
import { app, FakeBrowserWindow, Menu, dialog, shell } from './fake-electron-app.ts';
import { FakeNotification, FakeUtilityProcess, ipcMain, protocol, session } from './fake-electron-services.ts';

export * from './fake-electron-app.ts';
export * from './fake-electron-services.ts';

/** Back to a fresh, not yet ready Electron; every test file calls it before each test. */
export function resetFakeElectron(): void {
  app.reset();
  FakeBrowserWindow.reset();
  FakeNotification.reset();
  FakeUtilityProcess.forked = [];
  ipcMain.removeAllListeners();
  ipcMain.handlers.clear();
  protocol.privileged.length = 0;
  protocol.handlers.clear();
  session.defaultSession.requestHandler = undefined;
  session.defaultSession.checkHandler = undefined;
  dialog.errorBoxes.length = 0;
  shell.opened.length = 0;
  Menu.current = undefined;
}
