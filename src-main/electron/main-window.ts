/**
 * The studio's one window: sandboxed, isolated, its bounds restored from and saved to a file, and
 * unable to navigate away or open others (the rules are in shell/navigation-policy.ts).
 */
import { BrowserWindow, screen, shell } from 'electron';
import { APP_NAME } from '../app-info.ts';
import type { AppPages } from '../shell/app-pages.ts';
import { externalLinkToOpen, navigationDecision, windowOpenDecision } from '../shell/navigation-policy.ts';
import { MIN_WINDOW_SIZE, loadWindowState, restoreBounds, saveWindowState } from '../shell/window-state.ts';

export interface MainWindowOptions {
  preloadPath: string;
  /** Where the window's bounds are kept between runs. */
  stateFile: string;
  /** The studio's pages: the window loads their entry and may not leave their origin. */
  pages: AppPages;
}

export interface MainWindow {
  window: BrowserWindow;
  /** Saves the bounds now (the quit path calls it); does nothing once the window is gone. */
  saveState(): void;
}

export function createMainWindow(options: MainWindowOptions): MainWindow {
  const { stateFile } = options;
  const bounds = restoreBounds(loadWindowState(stateFile), screen.getAllDisplays().map((d) => d.workArea), { width: 1280, height: 800 });
  const window = new BrowserWindow({
    title: APP_NAME,
    ...bounds,
    center: bounds.x === undefined,
    minWidth: MIN_WINDOW_SIZE.width,
    minHeight: MIN_WINDOW_SIZE.height,
    show: false,
    webPreferences: { preload: options.preloadPath, contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true },
  });
  // maximize() shows a hidden window at once, before its first paint (a white flash): wait for it.
  window.once('ready-to-show', () => {
    if (bounds.maximized) window.maximize();
    window.show();
  });
  window.webContents.on('will-navigate', (event, url) => {
    if (navigationDecision(url, options.pages) === 'deny') event.preventDefault();
  });
  window.webContents.setWindowOpenHandler(({ url }) => {
    const external = externalLinkToOpen(url);
    if (external) void shell.openExternal(external);
    return windowOpenDecision(url);
  });
  const saveState = () => {
    if (!window.isDestroyed()) saveWindowState(stateFile, { ...window.getNormalBounds(), maximized: window.isMaximized() });
  };
  window.on('close', saveState);
  void window.loadURL(options.pages.entryUrl);
  return { window, saveState };
}
