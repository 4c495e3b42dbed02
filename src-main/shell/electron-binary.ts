/**
 * Where the Electron binary is, found without running the electron package: its `index.js`
 * downloads the binary on first use, which hangs or fails on machines without internet access.
 * Used by `npm start` and the Electron e2e spec, never by the app itself.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export type ElectronBinary = { path: string } | { missing: string };

export interface FindOptions {
  env?: NodeJS.ProcessEnv;
  /** The electron package's folder; found with the module resolver when not given, null for "not installed". */
  packageDir?: string | null;
}

function electronPackageDir(): string | null {
  try {
    return dirname(createRequire(import.meta.url).resolve('electron/package.json'));
  } catch {
    return null;
  }
}

const found = (path: string, missing: string): ElectronBinary => (existsSync(path) ? { path } : { missing });

export function findElectronBinary(options: FindOptions = {}): ElectronBinary {
  const env = options.env ?? process.env;
  // electron-vite's own override comes first, so `npm start` and electron-vite agree on the binary.
  const execPath = env.ELECTRON_EXEC_PATH;
  if (execPath) return found(execPath, `ELECTRON_EXEC_PATH names ${execPath}, which does not exist`);
  const packageDir = options.packageDir === undefined ? electronPackageDir() : options.packageDir;
  if (packageDir === null) return { missing: 'the electron package is not installed (run npm install)' };
  // path.txt is written by the download and names the binary inside dist/ (it differs per platform).
  const pathFile = join(packageDir, 'path.txt');
  const name = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : '';
  // The electron package's override for a binary kept elsewhere, read as the package itself reads it.
  const overrideDir = env.ELECTRON_OVERRIDE_DIST_PATH;
  if (overrideDir) {
    const binary = join(overrideDir, name || 'electron');
    return found(binary, `the Electron binary ${binary} (from ELECTRON_OVERRIDE_DIST_PATH) is missing`);
  }
  if (name === '') {
    return { missing: `the Electron binary is not installed: ${pathFile} is missing (Electron downloads its binary on first run, which this machine could not do)` };
  }
  const binary = join(packageDir, 'dist', name);
  return found(binary, `the Electron binary ${binary} is missing`);
}
