/**
 * The IPC door (transport/ipc.ts) on a FAKE of the electron module (fake-electron.ts), not
 * Electron: commands by invoke with the sender frame checked, events through one MessagePort per
 * subscription, and nothing left behind when a page or its port goes away.
 */
import { EventEmitter } from 'node:events';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { exposeStudioOverIpc } from '../../src-main/transport/ipc.ts';
import { IPC_CHANNELS } from '../../src-preload/ipc-channels.ts';
import { FakeStudio } from '../transport/fake-studio.ts';
import { type FakeMessagePortMain, ipcMain, resetFakeElectron } from './fake-electron.ts';

vi.mock('electron', () => import('./fake-electron.ts'));

class FakeSender extends EventEmitter {
  readonly posted: { channel: string; ports: FakeMessagePortMain[] }[] = [];
  postMessage(channel: string, _message: unknown, ports: FakeMessagePortMain[]): void {
    this.posted.push({ channel, ports });
  }
}

const appFrame = { url: 'storycore://app/index.html', parent: null };
const eventFrom = (sender: FakeSender, frame: { url: string; parent: unknown } | null = appFrame) => ({ sender, senderFrame: frame });

let studio: FakeStudio;
let remove: () => void;
beforeEach(() => {
  resetFakeElectron();
  studio = new FakeStudio();
  remove = exposeStudioOverIpc(studio, 'desktop-user');
});
afterEach(() => remove());

describe('the IPC door (fake electron, not Electron)', () => {
  it('answers an invoke from the app page as the desktop user, and refuses any other frame', async () => {
    const invoke = ipcMain.handlers.get(IPC_CHANNELS.command)!;
    const sender = new FakeSender();
    expect(await invoke(eventFrom(sender), { type: 'pauseQueue' })).toEqual({ ok: true, result: { did: 'pauseQueue' } });
    expect(studio.commands).toEqual([{ command: { type: 'pauseQueue' }, actor: 'desktop-user' }]);
    expect(await invoke(eventFrom(sender, { url: 'https://example.com/', parent: null }), { type: 'pauseQueue' })).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
    expect(await invoke(eventFrom(sender, { url: 'storycore://app/index.html', parent: {} }), { type: 'pauseQueue' })).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
    expect(studio.commands).toHaveLength(1);
  });

  it('gives each subscription a port, and ignores a subscribe from an untrusted frame', () => {
    const sender = new FakeSender();
    ipcMain.emit(IPC_CHANNELS.subscribe, eventFrom(sender, null));
    expect(sender.posted).toEqual([]);
    ipcMain.emit(IPC_CHANNELS.subscribe, eventFrom(sender));
    expect(sender.posted.map((p) => p.channel)).toEqual([IPC_CHANNELS.events]);
    expect(studio.subscribers.size).toBe(1);
    const batch = studio.emit({ dropped: 4 });
    const mainEnd = sender.posted[0]!.ports[0]!.other!;
    expect(mainEnd.messages.at(-1)).toEqual(batch);
  });

  it('adds one destroyed listener per page however often it subscribes (a reload subscribes again)', () => {
    const sender = new FakeSender();
    for (let i = 0; i < 12; i++) ipcMain.emit(IPC_CHANNELS.subscribe, eventFrom(sender));
    expect(sender.listenerCount('destroyed')).toBe(1);
    expect(studio.subscribers.size).toBe(12);
    sender.emit('destroyed');
    expect(studio.subscribers.size).toBe(0);
  });

  it('ends a subscription when the page closes its port, and forgets it', () => {
    const sender = new FakeSender();
    ipcMain.emit(IPC_CHANNELS.subscribe, eventFrom(sender));
    ipcMain.emit(IPC_CHANNELS.subscribe, eventFrom(sender));
    sender.posted[0]!.ports[0]!.close();
    expect(studio.subscribers.size).toBe(1);
    sender.emit('destroyed');
    expect(studio.subscribers.size).toBe(0);
  });

  it('removes its handlers again', () => {
    remove();
    expect(ipcMain.handlers.has(IPC_CHANNELS.command)).toBe(false);
    expect(ipcMain.listenerCount(IPC_CHANNELS.subscribe)).toBe(0);
    remove = () => {};
  });
});
