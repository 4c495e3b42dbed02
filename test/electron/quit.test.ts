/**
 * Quitting the desktop app, on a FAKE of the electron module (fake-electron.ts), not Electron: the
 * fake acts out Electron's documented quit order (before-quit, whose preventDefault stops the quit;
 * app.exit emitting no event at all, not even the window's 'close').
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type Harness, onlyWindow, startFakeDesktop } from './desktop-harness.ts';
import { app } from './fake-electron.ts';

vi.mock('electron', () => import('./fake-electron.ts'));

let h: Harness;
beforeEach(async () => {
  h = await startFakeDesktop();
});
afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
  h.remove();
});

const savedState = () => JSON.parse(readFileSync(join(h.userData, 'window-state.json'), 'utf8')) as unknown;

describe('quitting (fake electron, not Electron)', () => {
  it('saves the window bounds when the app quits from the menu, which ends in app.exit and so emits no close', async () => {
    const window = onlyWindow();
    window.bounds = { x: 40, y: 50, width: 1000, height: 700 };
    app.quit(); // the menu's Quit, Cmd+Q: before-quit first
    expect(await app.exited()).toBe(0);
    expect(h.studio.closeCalls).toBe(1);
    expect(savedState()).toEqual({ x: 40, y: 50, width: 1000, height: 700, maximized: false });
  });

  it('still saves the bounds when the user closes the window', () => {
    const window = onlyWindow();
    window.bounds = { x: 10, y: 20, width: 990, height: 640 };
    window.close();
    expect(savedState()).toEqual({ x: 10, y: 20, width: 990, height: 640, maximized: false });
  });

  it('exits after a time limit when the studio never finishes closing, and says so on stderr', async () => {
    h.studio.closing = () => new Promise(() => {});
    const stderr = vi.spyOn(console, 'error').mockImplementation(() => {});
    vi.useFakeTimers();
    app.quit();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(app.exitCode, 'no app.exit within a minute: a close that hangs keeps the app alive for ever').toBeDefined();
    expect(app.exitCode).not.toBe(0);
    expect(stderr.mock.calls.flat().join('\n')).toMatch(/did not close within \d+ s; exiting anyway/);
  });

  it('exits non-zero, and says why, when closing the studio fails', async () => {
    h.studio.closing = () => Promise.reject(new Error('the queue could not be written'));
    const stderr = vi.spyOn(console, 'error').mockImplementation(() => {});
    app.quit();
    expect(await app.exited()).toBe(1);
    expect(stderr.mock.calls.flat().join('\n')).toContain('the queue could not be written');
  });

  it('a second quit while the studio closes neither closes it twice nor cuts the close short', async () => {
    let finish = () => {};
    h.studio.closing = () => new Promise<void>((resolve) => (finish = resolve));
    app.quit();
    app.quit();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(app.exitCode, 'the second quit ended the app before the studio had closed').toBeUndefined();
    expect(h.studio.closeCalls).toBe(1);
    finish();
    expect(await app.exited()).toBe(0);
  });
});
