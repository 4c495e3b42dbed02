/**
 * Electron IPC: the desktop door to the Studio host. Commands arrive by invoke and are answered with
 * the contract's CommandReply; events go out through one MessagePort per subscriber, so the renderer
 * never sees ipcRenderer or its event objects. Every message's sender frame is checked first.
 * What is decided here (sender, payload, failures) lives in ipc-handlers.ts, Electron-free and fuzzed.
 */
import { ipcMain, MessageChannelMain, type IpcMainEvent, type IpcMainInvokeEvent } from 'electron';
import { IPC_CHANNELS } from '../../src-preload/ipc-channels.ts';
import { handleIpcCommand, isTrustedSender, type SenderFrame } from './ipc-handlers.ts';
import type { StudioPort } from './studio-port.ts';

function senderOf(event: IpcMainEvent | IpcMainInvokeEvent): SenderFrame | null {
  const frame = event.senderFrame;
  return frame ? { url: frame.url, isMainFrame: frame.parent === null } : null;
}

const trusted = (event: IpcMainEvent | IpcMainInvokeEvent) => isTrustedSender(senderOf(event));

/** Wires the studio to IPC; returns a function that removes the handlers again. */
export function exposeStudioOverIpc(studio: StudioPort, actor: string): () => void {
  ipcMain.handle(IPC_CHANNELS.command, (event, command: unknown) => handleIpcCommand(studio, actor, senderOf(event), command));

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
