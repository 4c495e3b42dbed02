import { defineConfig } from '@playwright/test';
import { E2E_PORT, E2E_TOKEN } from './e2e/studio.ts';

/** Debian's Chromium, no browser download; these flags keep it quiet on a machine with no internet. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
  '--no-first-run',
];

export default defineConfig({
  testDir: 'e2e',
  timeout: 180_000,
  fullyParallel: false,
  workers: 1,
  reporter: [['list']],
  use: {
    baseURL: `http://127.0.0.1:${E2E_PORT}`,
    launchOptions: { executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS },
    viewport: { width: 1280, height: 800 },
  },
  webServer: {
    // The real host in serve mode, on a fresh data folder, serving the built renderer (npm test builds first).
    command: `node src-main/cli.ts serve --port ${E2E_PORT} --data "$(mktemp -d)" --token ${E2E_TOKEN} --workers 2`,
    url: `http://127.0.0.1:${E2E_PORT}/api/health`,
    reuseExistingServer: false,
    timeout: 60_000,
  },
});
