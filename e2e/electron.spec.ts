import { _electron as electron, expect, test } from '@playwright/test';
import { findElectronBinary } from '../src-main/shell/electron-binary.ts';

// Where the binary was never downloaded (no internet), there is nothing to launch: skip with the reason.
const binary = findElectronBinary();
const executablePath = 'path' in binary ? binary.path : undefined;
const missing = 'missing' in binary ? binary.missing : undefined;

test('the desktop window opens securely on the custom scheme', async () => {
  test.skip(!executablePath, `Electron e2e skipped: ${missing}`);
  const app = await electron.launch({ executablePath, args: ['.'] });
  try {
    const window = await app.firstWindow();
    await expect(window.getByRole('heading', { level: 1 })).toHaveText('StoryCore Studio');
    expect(window.url()).toMatch(/^storycore:\/\/app\//);
    // No Node in the page: contextIsolation, sandbox and no nodeIntegration leave `require` undefined.
    expect(await window.evaluate(() => typeof (window as { require?: unknown }).require)).toBe('undefined');
    await expect(window.getByTestId('host')).toContainText('the desktop app');
  } finally {
    await app.close();
  }
});
