/**
 * `npm start`: builds the studio and opens its window (electron-vite preview). Where the Electron
 * binary was never downloaded, it says so at once and names what works without it, instead of
 * letting the electron package try (and fail, or hang) to download it.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { findElectronBinary } from '../src-main/shell/electron-binary.ts';

const FORWARDED_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

function explainMissing(missing: string): string {
  return [
    `StoryCore Studio cannot open its window on this machine: ${missing}.`,
    'Without Electron, the same studio runs in a browser, and renders run headless:',
    '  npm run build && npm run storycore -- serve        # serve mode: prints the URL to open',
    '  npm run storycore -- render --demo --out renders    # render the demo project',
    'If an Electron binary exists elsewhere, point ELECTRON_EXEC_PATH at it.',
    '',
  ].join('\n');
}

/** electron-vite's command-line entry, run with this Node: no npx, no npm start-up, no shell on Windows. */
function electronViteCli(): string {
  const require = createRequire(import.meta.url);
  const manifest = require.resolve('electron-vite/package.json');
  const { bin } = JSON.parse(readFileSync(manifest, 'utf8')) as { bin: Record<string, string> };
  return join(dirname(manifest), bin['electron-vite'] ?? 'bin/electron-vite.js');
}

const electron = findElectronBinary();
if ('missing' in electron) {
  process.stderr.write(explainMissing(electron.missing));
  process.exit(1);
}

const child = spawn(process.execPath, [electronViteCli(), 'preview', ...process.argv.slice(2)], {
  stdio: 'inherit',
  // electron-vite would otherwise look the binary up again through the electron package.
  env: { ...process.env, ELECTRON_EXEC_PATH: electron.path },
});
const forward = (signal: NodeJS.Signals) => child.kill(signal);
for (const signal of FORWARDED_SIGNALS) process.on(signal, forward);
child.on('error', (error) => {
  process.stderr.write(`could not start electron-vite: ${error.message}\n`);
  process.exit(1);
});
child.on('exit', (code, signal) => {
  if (signal === null) process.exit(code ?? 1);
  // End the way the child ended, so a caller sees the signal, not a made-up exit code.
  for (const s of FORWARDED_SIGNALS) process.off(s, forward);
  process.kill(process.pid, signal);
});
