/**
 * Every IPC channel has both ends: what the main process handles, listens to or sends, the preload
 * invokes, sends or listens to, and the other way round, all by the names in
 * src-preload/ipc-channels.ts. Read from the source text (nothing here runs Electron), so a channel
 * spelled out as a string anywhere else, or used at one end only, fails here before a window ever
 * waits for an answer that cannot come.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { IPC_CHANNELS, IPC_DIRECTIONS, type IpcChannel } from '../../src-preload/ipc-channels.ts';

const root = join(import.meta.dirname, '../..');
const read = (file: string) => readFileSync(join(root, file), 'utf8');
const tsFilesUnder = (dir: string): string[] =>
  readdirSync(join(root, dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => /\.tsx?$/.test(f))
    .map((f) => join(dir, f));

/** The main process's IPC ends: the entry, the shell's Electron modules and the IPC door. */
const MAIN_FILES = ['src-main/index.ts', ...tsFilesUnder('src-main/electron'), 'src-main/transport/ipc.ts'];
const PRELOAD_FILES = ['src-preload/index.ts'];
const CHANNEL_MAP = 'src-preload/ipc-channels.ts';

type Use = { file: string; call: string; channel: string };

/** Calls whose first argument is an IPC channel, with that argument as written. */
function uses(files: string[], call: RegExp): Use[] {
  const found: Use[] = [];
  for (const file of files) {
    for (const match of read(file).matchAll(call)) found.push({ file, call: match[1]!, channel: match[2]!.trim() });
  }
  return found;
}

const MAIN_CALLS = /\b(ipcMain\.(?:handle|handleOnce|on|once|addListener)|\.send|\.postMessage)\(\s*([^,)]+)/g;
const PRELOAD_CALLS = /\b(ipcRenderer\.(?:invoke|send|sendSync|postMessage|on|once|addListener))\(\s*([^,)]+)/g;
const mainUses = uses(MAIN_FILES, MAIN_CALLS);
const preloadUses = uses(PRELOAD_FILES, PRELOAD_CALLS);

const channelOf = (use: Use): IpcChannel | undefined => /^IPC_CHANNELS\.(\w+)$/.exec(use.channel)?.[1] as IpcChannel | undefined;
const isStringLiteral = (text: string) => /^['"`]/.test(text);

/** What each call does on its side of the wire. */
function role(use: Use): 'handles' | 'listens' | 'sends' | 'invokes' {
  if (/^ipcMain\.handle/.test(use.call)) return 'handles';
  if (/\.(on|once|addListener)$/.test(use.call)) return 'listens';
  if (use.call === 'ipcRenderer.invoke') return 'invokes';
  return 'sends';
}

const EXPECTED = {
  invoke: { main: 'handles', preload: 'invokes' },
  'to-main': { main: 'listens', preload: 'sends' },
  'to-page': { main: 'sends', preload: 'listens' },
} as const;

describe('IPC channel parity', () => {
  it('finds the IPC calls at all (a check that reads nothing would pass for ever)', () => {
    expect(mainUses.length).toBeGreaterThanOrEqual(3);
    expect(preloadUses.length).toBeGreaterThanOrEqual(3);
  });

  it('names every channel by the shared map, never by a string', () => {
    const strays = [...mainUses, ...preloadUses].filter((use) => isStringLiteral(use.channel) || (/^ipc(Main|Renderer)\./.test(use.call) && channelOf(use) === undefined));
    expect(strays.map((u) => `${u.file}: ${u.call}(${u.channel}, ...)`)).toEqual([]);
  });

  it('spells out no channel name anywhere in the sources but the map', () => {
    const files = [...tsFilesUnder('src-main'), ...tsFilesUnder('src-preload'), ...tsFilesUnder('src-renderer')].filter((f) => f !== CHANNEL_MAP);
    const spelled = files.flatMap((file) => [...read(file).matchAll(/['"`](studio:[\w-]+)['"`]/g)].map((m) => `${file}: ${m[1]}`));
    expect(spelled).toEqual([]);
  });

  it('uses every channel at both ends, each the way its direction says', () => {
    const problems: string[] = [];
    for (const channel of Object.keys(IPC_CHANNELS) as IpcChannel[]) {
      const expected = EXPECTED[IPC_DIRECTIONS[channel]];
      const main = mainUses.filter((u) => channelOf(u) === channel).map(role);
      const preload = preloadUses.filter((u) => channelOf(u) === channel).map(role);
      if (!main.includes(expected.main)) problems.push(`${channel} (${IPC_DIRECTIONS[channel]}): the main process never ${expected.main} it`);
      if (!preload.includes(expected.preload)) problems.push(`${channel} (${IPC_DIRECTIONS[channel]}): the preload never ${expected.preload} it`);
      for (const r of main) if (r !== expected.main) problems.push(`${channel}: the main process ${r} it, against its direction`);
      for (const r of preload) if (r !== expected.preload) problems.push(`${channel}: the preload ${r} it, against its direction`);
    }
    expect(problems).toEqual([]);
  });

  it('uses no channel the map does not have', () => {
    const unknown = [...mainUses, ...preloadUses].filter((u) => channelOf(u) !== undefined && !(channelOf(u)! in IPC_CHANNELS));
    expect(unknown.map((u) => `${relative(root, join(root, u.file))}: ${u.channel}`)).toEqual([]);
  });

  it('gives every channel its own name and a direction', () => {
    const names = Object.values(IPC_CHANNELS);
    expect(new Set(names).size).toBe(names.length);
    expect(Object.keys(IPC_DIRECTIONS).sort()).toEqual(Object.keys(IPC_CHANNELS).sort());
  });

  it('has the native picture dialog: the preload invokes it, main handles it in its own module', () => {
    expect(IPC_DIRECTIONS.pickImages).toBe('invoke');
    expect(mainUses.filter((u) => channelOf(u) === 'pickImages').map((u) => `${u.file} ${role(u)}`)).toEqual(['src-main/electron/pick-images.ts handles']);
    expect(preloadUses.filter((u) => channelOf(u) === 'pickImages').map(role)).toEqual(['invokes']);
  });
});
