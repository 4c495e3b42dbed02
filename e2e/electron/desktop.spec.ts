import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { _electron as electron, type ElectronApplication, expect, test } from '@playwright/test';
import { findElectronBinary } from '../../src-main/shell/electron-binary.ts';
import { IPC_CHANNELS } from '../../src-preload/ipc-channels.ts';
import { CIRCUITS, circuitState } from '../studio.ts';

// Where the binary was never downloaded (no internet), there is nothing to launch: skip with the reason.
const binary = findElectronBinary();
const executablePath = 'path' in binary ? binary.path : undefined;
const missing = 'missing' in binary ? binary.missing : undefined;

let app: ElectronApplication | undefined;
let userData = '';

test.beforeEach(async () => {
  test.skip(!executablePath, `Electron e2e skipped: ${missing}`);
  userData = mkdtempSync(join(tmpdir(), 'storycore-electron-'));
  // Playwright passes --no-sandbox unless told otherwise, which would test a window the app never
  // runs in. (On Linux the sandbox needs unprivileged user namespaces, or a setuid chrome-sandbox.)
  app = await electron.launch({ executablePath, args: ['.'], chromiumSandbox: true, env: { ...process.env, STORYCORE_USER_DATA: userData } });
});

test.afterEach(async () => {
  if (app) await app.close().catch(() => {});
  app = undefined;
  if (userData) rmSync(userData, { recursive: true, force: true });
});

test('the desktop window opens securely on the custom scheme with the seven circuits', async () => {
  const window = await app!.firstWindow();
  await expect(window.getByRole('heading', { level: 1 })).toHaveText('StoryCore Studio');
  expect(window.url()).toMatch(/^storycore:\/\/app\//);
  // No Node in the page: contextIsolation, sandbox and no nodeIntegration leave `require` undefined.
  expect(await window.evaluate(() => typeof (window as { require?: unknown }).require)).toBe('undefined');
  await expect(window.getByTestId('connection-status')).toHaveAttribute('data-state', 'connected');
  for (const name of CIRCUITS) await expect(circuitState(window, name)).toHaveAttribute('data-state', 'closed');
});

test('a focused circuit reaches the page by name through window.studio.onFocusCircuit', async () => {
  const window = await app!.firstWindow();
  await expect(window.getByTestId('connection-status')).toHaveAttribute('data-state', 'connected');
  await window.evaluate(() => {
    const page = window as unknown as { studio: { onFocusCircuit(listener: (...args: unknown[]) => void): () => void }; focused: unknown[][] };
    page.focused = [];
    page.studio.onFocusCircuit((...args) => page.focused.push(args));
  });
  // What a clicked notification sends (electron/notifications.ts), by the channel map's name.
  await app!.evaluate(({ BrowserWindow }, channel) => BrowserWindow.getAllWindows()[0]?.webContents.send(channel, 'video_export'), IPC_CHANNELS.focusCircuit);
  await expect.poll(() => window.evaluate(() => (window as unknown as { focused: unknown[][] }).focused)).toEqual([['video_export']]);
});

test('Emergency Stop from the application menu latches every circuit', async () => {
  const window = await app!.firstWindow();
  await expect(circuitState(window, CIRCUITS[0]!)).toBeVisible();
  await app!.evaluate(({ Menu }) => Menu.getApplicationMenu()?.getMenuItemById('emergency-stop')?.click());
  for (const name of CIRCUITS) await expect(circuitState(window, name)).toHaveAttribute('data-state', 'forced_open');
  await app!.evaluate(({ Menu }) => Menu.getApplicationMenu()?.getMenuItemById('reset')?.click());
  for (const name of CIRCUITS) await expect(circuitState(window, name)).toHaveAttribute('data-state', 'closed');
});

test('quitting during a render leaves no worker or ffmpeg behind', async () => {
  const window = await app!.firstWindow();
  await window.getByTestId('add-demo').click();
  await expect(window.locator('[data-testid^="queue-row-"][data-status="running"]').first()).toBeVisible({ timeout: 30_000 });
  const pids = JSON.parse(readFileSync(join(userData, 'studio', 'processes.json'), 'utf8')) as { pid: number }[];
  expect(pids.length).toBeGreaterThan(0);
  await app!.close();
  app = undefined;
  // Quitting ends in app.exit, which emits no window 'close': the bounds are saved on the way out.
  expect(existsSync(join(userData, 'window-state.json'))).toBe(true);
  const alive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  await expect.poll(() => pids.filter((p) => alive(p.pid)), { timeout: 10_000 }).toEqual([]);
});
