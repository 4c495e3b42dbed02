import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { _electron as electron, expect, test } from '@playwright/test';

/**
 * The Electron package fetches its binary lazily; where that cannot happen (no internet), there is
 * nothing to launch. Find the binary without triggering the download, and skip with the reason.
 */
function electronBinary(): { path?: string; missing?: string } {
  const pkgDir = dirname(createRequire(import.meta.url).resolve('electron/package.json'));
  const pathFile = join(pkgDir, 'path.txt');
  if (!existsSync(pathFile)) return { missing: 'the Electron binary is not installed (node_modules/electron/path.txt is missing; it downloads on first run, which this machine cannot do)' };
  const binary = join(pkgDir, 'dist', readFileSync(pathFile, 'utf8').trim());
  return existsSync(binary) ? { path: binary } : { missing: `the Electron binary ${binary} is missing` };
}

const { path: executablePath, missing } = electronBinary();

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
