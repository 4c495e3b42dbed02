import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findElectronBinary } from '../../src-main/shell/electron-binary.ts';

const START = join(import.meta.dirname, '../../scripts/start.ts');
const scratch = mkdtempSync(join(tmpdir(), 'storycore-start-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** The environment without any Electron override the developer's shell may carry. */
function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env = { ...process.env, ...extra };
  if (!('ELECTRON_EXEC_PATH' in extra)) delete env.ELECTRON_EXEC_PATH;
  if (!('ELECTRON_OVERRIDE_DIST_PATH' in extra)) delete env.ELECTRON_OVERRIDE_DIST_PATH;
  return env;
}

function runStart(env: NodeJS.ProcessEnv) {
  const started = performance.now();
  const result = spawnSync(process.execPath, [START], { env, encoding: 'utf8', timeout: 10_000 });
  return { ...result, ms: performance.now() - started };
}

function expectMissingMessage(result: ReturnType<typeof runStart>, binaryHint: string) {
  expect(result.status).toBe(1);
  expect(result.ms).toBeLessThan(5000);
  expect(result.stderr).toContain('cannot open its window');
  expect(result.stderr).toContain(binaryHint);
  expect(result.stderr).toContain('npm run storycore -- serve');
  expect(result.stderr).toContain('npm run storycore -- render --demo --out renders');
  expect(result.stdout).toBe('');
}

describe('npm start without an Electron binary', () => {
  it('fails fast, naming the missing binary and the commands that work without it', () => {
    const absent = join(scratch, 'no-electron', 'electron');
    expectMissingMessage(runStart(cleanEnv({ ELECTRON_EXEC_PATH: absent })), absent);
  });

  const here = findElectronBinary({ env: cleanEnv() });
  it.skipIf('path' in here)('fails fast on this machine, which has no Electron binary (skipped where one is installed)', () => {
    if (!('missing' in here)) return;
    const result = runStart(cleanEnv());
    expectMissingMessage(result, 'electron');
    expect(result.stderr).toContain(here.missing);
  });
});

describe('findElectronBinary', () => {
  const pkg = join(scratch, 'electron-pkg');
  mkdirSync(join(pkg, 'dist'), { recursive: true });

  it('reports a missing path.txt: the binary was never downloaded', () => {
    const found = findElectronBinary({ env: {}, packageDir: pkg });
    expect(found).toEqual({ missing: expect.stringContaining(join(pkg, 'path.txt')) });
  });

  it('names the binary path.txt points at when it is missing', () => {
    writeFileSync(join(pkg, 'path.txt'), 'electron\n');
    expect(findElectronBinary({ env: {}, packageDir: pkg })).toEqual({ missing: `the Electron binary ${join(pkg, 'dist', 'electron')} is missing` });
  });

  it('finds the binary path.txt points at', () => {
    writeFileSync(join(pkg, 'path.txt'), 'electron');
    writeFileSync(join(pkg, 'dist', 'electron'), '');
    expect(findElectronBinary({ env: {}, packageDir: pkg })).toEqual({ path: join(pkg, 'dist', 'electron') });
  });

  it('honours ELECTRON_EXEC_PATH (electron-vite) and ELECTRON_OVERRIDE_DIST_PATH (the electron package)', () => {
    const exec = join(pkg, 'dist', 'electron');
    expect(findElectronBinary({ env: { ELECTRON_EXEC_PATH: exec }, packageDir: null })).toEqual({ path: exec });
    expect(findElectronBinary({ env: { ELECTRON_OVERRIDE_DIST_PATH: join(pkg, 'dist') }, packageDir: pkg })).toEqual({ path: exec });
    expect(findElectronBinary({ env: { ELECTRON_OVERRIDE_DIST_PATH: scratch }, packageDir: pkg })).toMatchObject({ missing: expect.stringContaining('ELECTRON_OVERRIDE_DIST_PATH') });
  });

  it('reports an electron package that is not installed', () => {
    expect(findElectronBinary({ env: {}, packageDir: null })).toEqual({ missing: expect.stringContaining('npm install') });
  });
});
