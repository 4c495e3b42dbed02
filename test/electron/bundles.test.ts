/**
 * The built bundles (out/, from `npm run build`; `npm test` builds first) as Electron will load them:
 * a preload a sandboxed renderer can run (CommonJS, requiring only what the sandbox offers), an ESM
 * main process importing only what a packaged app ships, and every file the shell refers to where
 * it will look. The preload is even run, in a vm with a FAKE electron (not Electron), to see what it
 * hands the page.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { Script, createContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { bundlePaths } from '../../src-main/electron/bundle-paths.ts';
import { IPC_CHANNELS } from '../../src-preload/ipc-channels.ts';

const root = join(import.meta.dirname, '../..');
const out = join(root, 'out');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  type?: string;
  main: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
};
const preloadFile = join(out, 'preload', 'index.cjs');
const mainEntry = join(root, pkg.main);
const built = existsSync(preloadFile) && existsSync(mainEntry);
const why = 'no build in out/: run npm run build first (npm test builds before it tests)';
if (!built) console.warn(`bundles.test.ts: every bundle check skipped: ${why}`);

/** What Electron's sandboxed preloads may require (Electron 45, "Process Sandboxing"). */
const SANDBOX_REQUIRES = new Set(['electron', 'events', 'timers', 'url']);

const mainFiles = () =>
  readdirSync(join(out, 'main'), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.js'))
    .map((f) => join(out, 'main', f));

const channelLiterals = (text: string) => new Set([...text.matchAll(/["'`](studio:[\w-]+)["'`]/g)].map((m) => m[1]!));

/** NOT ELECTRON: the two preload APIs the studio's preload uses, recording what it does with them. */
function runPreload() {
  const source = readFileSync(preloadFile, 'utf8');
  const required: string[] = [];
  const exposed = new Map<string, Record<string, unknown>>();
  const listeners = new Map<string, ((event: unknown, ...args: unknown[]) => void)[]>();
  const electron = {
    contextBridge: { exposeInMainWorld: (key: string, api: Record<string, unknown>) => exposed.set(key, api) },
    ipcRenderer: {
      invoked: [] as unknown[][],
      sent: [] as unknown[][],
      on(channel: string, listener: (event: unknown, ...args: unknown[]) => void) {
        listeners.set(channel, [...(listeners.get(channel) ?? []), listener]);
        return this;
      },
      invoke(...args: unknown[]) {
        this.invoked.push(args);
        return Promise.resolve({ ok: true, result: null });
      },
      send(...args: unknown[]) {
        this.sent.push(args);
      },
    },
  };
  const require = (name: string) => {
    required.push(name);
    if (name === 'electron') return electron;
    throw new Error(`a sandboxed preload cannot require ${name}`);
  };
  const module = { exports: {} };
  // CommonJS as Electron wraps it: an ES module's import/export would not even compile here.
  const wrapped = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, { filename: preloadFile });
  (wrapped.runInContext(createContext({ console })) as (...args: unknown[]) => void)(module.exports, require, module, preloadFile, join(out, 'preload'));
  return { source, required, exposed, listeners, electron };
}

describe.skipIf(!built)(`the built bundles${built ? '' : ` (skipped: ${why})`}`, () => {
  it('preload: CommonJS, requiring only what a sandboxed preload may', () => {
    const { source, required } = runPreload();
    const requires = [...source.matchAll(/\brequire\(\s*["'`]([^"'`]+)["'`]\s*\)/g)].map((m) => m[1]!);
    expect(requires.length).toBeGreaterThan(0);
    expect(requires.filter((name) => !SANDBOX_REQUIRES.has(name))).toEqual([]);
    expect(required.filter((name) => !SANDBOX_REQUIRES.has(name))).toEqual([]);
    expect(source).not.toMatch(/^\s*(import|export)\s/m);
  });

  it('preload: exposes the studio and never an IPC object or event to the page', async () => {
    const { exposed, electron, listeners } = runPreload();
    expect([...exposed.keys()]).toEqual(['studio']);
    const studio = exposed.get('studio')!;
    expect(studio).toMatchObject({ appName: 'StoryCore Studio', host: 'electron' });
    for (const value of Object.values(studio)) expect(value).not.toBe(electron.ipcRenderer);
    await (studio.send as (c: unknown) => Promise<unknown>)({ type: 'snapshot' });
    expect(electron.ipcRenderer.invoked).toEqual([[IPC_CHANNELS.command, { type: 'snapshot' }]]);
    (studio.subscribe as (l: () => void) => () => void)(() => {});
    expect(electron.ipcRenderer.sent).toEqual([[IPC_CHANNELS.subscribe]]);
    expect([...listeners.keys()].every((channel) => (Object.values(IPC_CHANNELS) as string[]).includes(channel))).toBe(true);
  });

  it('preload: hands the page a focused circuit by name alone, never the IPC event', () => {
    const { exposed, listeners } = runPreload();
    const studio = exposed.get('studio')! as { onFocusCircuit(listener: (...args: unknown[]) => void): () => void };
    const heard: unknown[][] = [];
    const unsubscribe = studio.onFocusCircuit((...args) => heard.push(args));
    const deliver = (...args: unknown[]) => {
      for (const listener of listeners.get(IPC_CHANNELS.focusCircuit) ?? []) listener({ sender: 'the ipcRenderer', ports: [] }, ...args);
    };
    deliver('video_export');
    deliver({ not: 'a name' });
    unsubscribe();
    deliver('video_interpolation');
    expect(heard).toEqual([['video_export']]);
  });

  it('main: an ES module that Node parses as one', () => {
    expect(pkg.type).toBe('module');
    expect(pkg.main).toBe('out/main/index.js');
    const entry = readFileSync(mainEntry, 'utf8');
    expect(entry).toMatch(/^import .* from "electron";$/m);
    for (const file of mainFiles()) {
      const text = readFileSync(file, 'utf8');
      expect(text, file).not.toMatch(/\brequire\(\s*["'`]/);
      expect(text, file).not.toMatch(/\bmodule\.exports\b/);
      const check = spawnSync(process.execPath, ['--check', file], { encoding: 'utf8' });
      expect(check.status, `${file}: ${check.stderr}`).toBe(0);
    }
  });

  it('main: imports only electron, Node built-ins and the packages a packaged app ships', () => {
    const shipped = new Set([...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.optionalDependencies ?? {})]);
    const builtins = new Set(builtinModules);
    const stray: string[] = [];
    for (const file of mainFiles()) {
      for (const m of readFileSync(file, 'utf8').matchAll(/\bfrom\s*"([^"]+)"|\bimport\(\s*"([^"]+)"\s*\)/g)) {
        const name = (m[1] ?? m[2])!;
        if (name.startsWith('.') || name === 'electron' || name.startsWith('node:') || builtins.has(name)) continue;
        const packageName = name.startsWith('@') ? name.split('/').slice(0, 2).join('/') : name.split('/')[0]!;
        if (!shipped.has(packageName)) stray.push(`${file}: ${name}`);
      }
    }
    expect(stray).toEqual([]);
  });

  it('main: every file the shell refers to is where it will look, built or packaged', () => {
    const paths = bundlePaths(join(out, 'main'), null);
    expect(existsSync(paths.preloadPath), paths.preloadPath).toBe(true);
    expect(existsSync(paths.workerPath), paths.workerPath).toBe(true);
    expect(existsSync(join(paths.rendererDir, 'index.html')), paths.rendererDir).toBe(true);
    expect(existsSync(paths.demoProjectPath), paths.demoProjectPath).toBe(true);
    // Packaged, the demo comes from extraResources: electron-builder copies resources/demo to <resources>/demo.
    const builder = readFileSync(join(root, 'electron-builder.yml'), 'utf8');
    expect(builder).toMatch(/extraResources:\s*\n\s*- from: resources\/demo\s*\n\s*to: demo\b/);
    expect(builder).toMatch(/files:\s*\n\s*- out\/\*\*/);
    const packaged = bundlePaths(join('resources-root', 'app.asar', 'out', 'main'), 'resources-root');
    expect(packaged.demoProjectPath).toBe(join('resources-root', 'demo', 'project.json'));
  });

  it('main: only the entry computes paths from its own folder (a shared chunk sits one folder lower)', () => {
    expect(readFileSync(mainEntry, 'utf8')).toContain('import.meta.dirname');
    const chunks = mainFiles().filter((f) => f.includes(`${join('main', 'chunks')}`));
    for (const chunk of chunks) expect(readFileSync(chunk, 'utf8'), chunk).not.toContain('import.meta.dirname');
  });

  it('both: carry the channel names of the shared map and no others', () => {
    const names = new Set(Object.values(IPC_CHANNELS) as string[]);
    const preload = channelLiterals(readFileSync(preloadFile, 'utf8'));
    const main = new Set(mainFiles().flatMap((f) => [...channelLiterals(readFileSync(f, 'utf8'))]));
    expect([...preload].filter((c) => !names.has(c))).toEqual([]);
    expect([...main].filter((c) => !names.has(c))).toEqual([]);
    expect([...names].filter((c) => !preload.has(c) || !main.has(c))).toEqual([]);
  });
});
