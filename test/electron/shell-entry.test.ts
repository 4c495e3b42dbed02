/**
 * src-main/index.ts as Electron would run it, on a FAKE of the electron module (fake-electron.ts),
 * not Electron, with the desktop's start replaced by one that fails: the entry must turn that into a
 * reported, non-zero exit rather than a window-less process holding the single-instance lock.
 */
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { app, dialog, protocol, resetFakeElectron } from './fake-electron.ts';

vi.mock('electron', () => import('./fake-electron.ts'));
vi.mock('../../src-main/electron/desktop.ts', () => ({
  startDesktop: vi.fn(() => Promise.reject(new Error('SQLITE_BUSY: database is locked'))),
}));

afterAll(() => vi.restoreAllMocks());

describe('the Electron entry (fake electron, not Electron)', () => {
  it('registers its schemes, takes the lock, and exits 1 with a report when start fails', async () => {
    resetFakeElectron();
    const stderr = vi.spyOn(console, 'error').mockImplementation(() => {});
    await import('../../src-main/index.ts');
    expect(protocol.privileged.map((s) => s.scheme)).toEqual(['storycore', 'storycore-media']);
    app.becomeReady();
    const exit = await Promise.race([app.exited(), new Promise((resolve) => setTimeout(() => resolve('no exit within 2 s'), 2000))]);
    expect(exit).toBe(1);
    expect(dialog.errorBoxes[0]?.content).toContain('SQLITE_BUSY');
    expect(stderr).toHaveBeenCalled();
  });

  it("names the app on Windows by electron-builder's appId, so its notifications show", () => {
    const appId = /^appId:\s*(\S+)\s*$/m.exec(readFileSync(new URL('../../electron-builder.yml', import.meta.url), 'utf8'))?.[1];
    expect(appId).toBeDefined();
    expect(app.userModelId).toBe(appId);
  });
});
