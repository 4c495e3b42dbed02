/**
 * The Electron shell: one secure window onto the renderer, served from a custom scheme, with the
 * Studio host running in this main process and its workers as utility processes. It stays thin
 * (Electron cannot start on the build machines): what it starts lives in electron/, tested with a
 * fake of the electron module, and every policy it applies is a tested plain module in shell/.
 */
import { app, BrowserWindow } from 'electron';
import { APP_ID } from './app-info.ts';
import { registerAppSchemes } from './electron/app-protocol.ts';
import { bundlePaths } from './electron/bundle-paths.ts';
import { startDesktop } from './electron/desktop.ts';
import { startWhenReady } from './electron/startup.ts';
import { guardAllWebContents } from './electron/web-contents-guard.ts';
import { choosePages } from './shell/app-pages.ts';

// Here, not in a module of electron/: a shared chunk of the bundle sits one folder lower than this entry.
const paths = bundlePaths(import.meta.dirname, app.isPackaged ? process.resourcesPath : null);
// `npm run dev`: electron-vite names its dev server here, for hot reload of the renderer.
const { pages, ignored } = choosePages(process.env.ELECTRON_RENDERER_URL, app.isPackaged);
if (ignored) console.error(ignored);

registerAppSchemes();
// Windows only (elsewhere Electron makes it a no-op): without it, notifications may not show.
app.setAppUserModelId(APP_ID);

// Tests (and anyone wanting a second, separate studio) may point the app at another data folder.
if (process.env.STORYCORE_USER_DATA) app.setPath('userData', process.env.STORYCORE_USER_DATA);

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => {
    const [window] = BrowserWindow.getAllWindows();
    if (window) {
      if (window.isMinimized()) window.restore();
      window.focus();
    }
  });
  app.on('window-all-closed', () => app.quit());
  guardAllWebContents(pages);
  void startWhenReady(() => startDesktop({ paths, pages }));
}
