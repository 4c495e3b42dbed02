/**
 * The preload: exposes `window.studio`, the contract's StudioApi, through contextBridge. Commands go
 * by invoke; events arrive on one MessagePort, fanned out to the page's listeners. ipcRenderer and
 * IpcRendererEvent never leave this file. The channel names come from ipc-channels.ts, which the
 * bundle inlines: a sandboxed preload can require only 'electron' and a few Node modules at run time.
 */
import { contextBridge, ipcRenderer } from 'electron';
import type { Command, CommandReply, EventBatch, PickedPicture, StudioApi } from './contract.ts';
import { IPC_CHANNELS } from './ipc-channels.ts';

const listeners = new Set<(batch: EventBatch) => void>();
const focusListeners = new Set<(circuit: string) => void>();
let port: MessagePort | undefined;
let requested = false;

ipcRenderer.on(IPC_CHANNELS.events, (event) => {
  port?.close();
  port = event.ports[0];
  if (!port) return;
  port.onmessage = (message: MessageEvent<EventBatch>) => {
    for (const listener of listeners) listener(message.data);
  };
  port.start();
});

// The page gets the circuit's name only, never the IpcRendererEvent (it carries the sender).
ipcRenderer.on(IPC_CHANNELS.focusCircuit, (_event, circuit: unknown) => {
  if (typeof circuit !== 'string') return;
  for (const listener of focusListeners) listener(circuit);
});

const studio: StudioApi = {
  appName: 'StoryCore Studio',
  host: 'electron',
  // The host answers each command with that command's result (the contract's CommandResults).
  send: <C extends Command>(command: C) => ipcRenderer.invoke(IPC_CHANNELS.command, command) as Promise<CommandReply<C['type']>>,
  subscribe(listener) {
    listeners.add(listener);
    if (!requested) {
      requested = true;
      ipcRenderer.send(IPC_CHANNELS.subscribe);
    }
    return () => {
      listeners.delete(listener);
    };
  },
  pickImages: () => ipcRenderer.invoke(IPC_CHANNELS.pickImages) as Promise<PickedPicture[]>,
  onFocusCircuit(listener) {
    focusListeners.add(listener);
    return () => {
      focusListeners.delete(listener);
    };
  },
};

contextBridge.exposeInMainWorld('studio', studio);
