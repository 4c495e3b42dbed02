/**
 * Starting the shell, on a FAKE of the electron module (fake-electron.ts), not Electron. When start
 * fails, Electron keeps running a process with no window that still holds the single-instance lock,
 * so every later launch shows nothing: the shell must say why and exit.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { startWhenReady } from '../../src-main/electron/startup.ts';
import { app, dialog, resetFakeElectron } from './fake-electron.ts';

vi.mock('electron', () => import('./fake-electron.ts'));

beforeEach(() => resetFakeElectron());
afterEach(() => vi.restoreAllMocks());

describe('startWhenReady (fake electron, not Electron)', () => {
  it('runs start once the app is ready, and exits on nothing when it succeeds', async () => {
    const start = vi.fn(async () => {});
    const started = startWhenReady(start);
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(start).not.toHaveBeenCalled();
    app.becomeReady();
    await started;
    expect(start).toHaveBeenCalledOnce();
    expect(app.exitCode).toBeUndefined();
  });

  it('reports a failure inside start and exits non-zero, so no windowless process keeps the lock', async () => {
    const stderr = vi.spyOn(console, 'error').mockImplementation(() => {});
    const started = startWhenReady(() => Promise.reject(new Error('the data folder is held by another studio')));
    app.becomeReady();
    await expect(started, 'the failure escaped as an unhandled rejection').resolves.toBeUndefined();
    expect(app.exitCode).toBe(1);
    expect(dialog.errorBoxes).toEqual([{ title: 'StoryCore Studio could not start', content: expect.stringContaining('the data folder is held by another studio') }]);
    expect(stderr.mock.calls.flat().join('\n')).toContain('the data folder is held by another studio');
  });

  it('exits non-zero when start throws before its first await, too', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    const started = startWhenReady(() => {
      throw new TypeError('not a function');
    });
    app.becomeReady();
    await expect(started).resolves.toBeUndefined();
    expect(app.exitCode).toBe(1);
  });
});
