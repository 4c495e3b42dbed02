/**
 * Electron IPC: the desktop door to the Studio host. Commands arrive by invoke and are answered with
 * the contract's CommandReply; events go out through one MessagePort per subscriber, so the renderer
 * never sees ipcRenderer or its event objects. Every message's sender frame is checked first.
 */
import { ipcMain, MessageChannelMain, type IpcMainEvent, type IpcMainInvokeEvent } from 'electron';
import type { CommandReply } from '../../src-preload/contract.ts';
import { isTrustedSender } from '../shell/sender-policy.ts';
import type { StudioPort } from './studio-port.ts';

export const IPC_CHANNELS = { command: 'studio:command', subscribe: 'studio:subscribe', events: 'studio:events' } as const;

const refused: CommandReply = { ok: false, error: { code: 'unauthorized', message: 'this frame may not talk to the studio' } };

function trusted(event: IpcMainEvent | IpcMainInvokeEvent): boolean {
  const frame = event.senderFrame;
  return isTrustedSender(frame ? { url: frame.url, isMainFrame: frame.parent === null } : null);
}

/** Wires the studio to IPC; returns a function that removes the handlers again. */
export function exposeStudioOverIpc(studio: StudioPort, actor: string): () => void {
  ipcMain.handle(IPC_CHANNELS.command, (event, command: unknown) => (trusted(event) ? studio.execute(command, actor) : refused));

  const onSubscribe = (event: IpcMainEvent) => {
    if (!trusted(event)) return;
    const { port1, port2 } = new MessageChannelMain();
    const unsubscribe = studio.subscribe((batch) => port1.postMessage(batch));
    port1.on('close', unsubscribe);
    event.sender.once('destroyed', () => {
      unsubscribe();
      port1.close();
    });
    port1.start();
    event.sender.postMessage(IPC_CHANNELS.events, null, [port2]);
  };
  ipcMain.on(IPC_CHANNELS.subscribe, onSubscribe);

  return () => {
    ipcMain.removeHandler(IPC_CHANNELS.command);
    ipcMain.off(IPC_CHANNELS.subscribe, onSubscribe);
  };
}
