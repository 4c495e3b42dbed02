/**
 * The desktop app's start, on a FAKE of the electron module (fake-electron.ts), not Electron, with a
 * fake host: what the shell sets up, and in what order the window appears.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { startDesktop } from '../../src-main/electron/desktop.ts';
import { choosePages } from '../../src-main/shell/app-pages.ts';
import { type Harness, onlyWindow, prepareDesktop } from './desktop-harness.ts';
import { app, FakeEvent, ipcMain, Menu, protocol, session, shell } from './fake-electron.ts';

vi.mock('electron', () => import('./fake-electron.ts'));

let h: Harness;
beforeEach(() => {
  h = prepareDesktop();
  app.becomeReady();
});
afterEach(() => {
  vi.restoreAllMocks();
  h.remove();
});

const start = () => startDesktop({ paths: h.paths, openStudio: async () => h.studio, actor: 'tester' });

describe('starting the desktop app (fake electron, not Electron)', () => {
  it('opens one hidden, sandboxed window on the app scheme, and shows it when it is ready to', async () => {
    await start();
    const window = onlyWindow();
    expect(window.options.webPreferences).toEqual({ preload: h.paths.preloadPath, contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true });
    expect(window.url).toBe('storycore://app/index.html');
    expect(window.visible).toBe(false);
    window.readyToShow();
    expect(window.visible).toBe(true);
  });

  it('serves both schemes, guards permissions, answers IPC and sets the menu', async () => {
    await start();
    expect([...protocol.handlers.keys()]).toEqual(['storycore', 'storycore-media']);
    expect(ipcMain.handlers.has('studio:command')).toBe(true);
    expect(ipcMain.listenerCount('studio:subscribe')).toBe(1);
    expect(Menu.current).toBeDefined();
    const check = session.defaultSession.checkHandler as (wc: unknown, permission: string, origin: string) => boolean;
    expect(check(null, 'clipboard-sanitized-write', 'storycore://app')).toBe(true);
    expect(check(null, 'media', 'storycore://app')).toBe(false);
    const decided: boolean[] = [];
    const request = session.defaultSession.requestHandler as (wc: unknown, permission: string, callback: (granted: boolean) => void, details: { requestingUrl: string }) => void;
    request(null, 'geolocation', (granted) => decided.push(granted), { requestingUrl: 'storycore://app/index.html' });
    expect(decided).toEqual([false]);
  });

  it('queues the demo on a first launch, and not when the queue already holds jobs', async () => {
    await start();
    expect(h.studio.port.commands).toEqual([{ command: { type: 'enqueue', demo: true }, actor: 'tester' }]);
    const again = prepareDesktop();
    again.studio.port.counts = { done: 3 };
    app.becomeReady();
    await startDesktop({ paths: again.paths, openStudio: async () => again.studio, actor: 'tester' });
    expect(again.studio.port.commands).toEqual([]);
    again.remove();
  });

  it('keeps the window on the app: navigation away is refused, external https links go to the browser', async () => {
    await start();
    const window = onlyWindow();
    const away = new FakeEvent();
    window.webContents.emit('will-navigate', away, 'https://example.com/');
    expect(away.defaultPrevented).toBe(true);
    const reload = new FakeEvent();
    window.webContents.emit('will-navigate', reload, 'storycore://app/index.html');
    expect(reload.defaultPrevented).toBe(false);
    expect(window.webContents.windowOpenHandler?.({ url: 'https://example.com/docs' })).toEqual({ action: 'deny' });
    expect(shell.opened).toEqual(['https://example.com/docs']);
    expect(window.webContents.windowOpenHandler?.({ url: 'file:///etc/passwd' })).toEqual({ action: 'deny' });
    expect(shell.opened).toEqual(['https://example.com/docs']);
  });

  it('under npm run dev loads the dev server, and trusts that origin alone', async () => {
    const pages = choosePages('http://localhost:5173', false).pages;
    await startDesktop({ paths: h.paths, pages, openStudio: async () => h.studio, actor: 'tester' });
    const window = onlyWindow();
    expect(window.url).toBe('http://localhost:5173/');
    const reload = new FakeEvent();
    window.webContents.emit('will-navigate', reload, 'http://localhost:5173/');
    expect(reload.defaultPrevented).toBe(false);
    const invoke = ipcMain.handlers.get('studio:command')!;
    const from = (url: string) => ({ sender: window.webContents, senderFrame: { url, parent: null } });
    expect(await invoke(from('http://localhost:5173/'), { type: 'pauseQueue' })).toMatchObject({ ok: true });
    expect(await invoke(from('storycore://app/index.html'), { type: 'pauseQueue' })).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
  });

  it('restores a maximized window without showing it before it is ready (no white flash)', async () => {
    writeFileSync(join(h.userData, 'window-state.json'), JSON.stringify({ x: 0, y: 0, width: 1200, height: 800, maximized: true }));
    await start();
    const window = onlyWindow();
    expect(window.visible, 'the window was shown (maximize() shows it) before ready-to-show').toBe(false);
    window.readyToShow();
    expect(window.maximized).toBe(true);
    expect(window.visible).toBe(true);
  });

  it('closes the studio it opened when a later step of start fails, and fails the start', async () => {
    vi.spyOn(protocol, 'handle').mockImplementation(() => {
      throw new Error('The scheme has been handled already');
    });
    await expect(start()).rejects.toThrow('The scheme has been handled already');
    expect(h.studio.closeCalls, 'the half-started studio was left open: its workers and database lock outlive the start').toBe(1);
  });
});
