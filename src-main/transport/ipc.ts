/**
 * Electron IPC: the desktop door to the Studio host. Commands arrive by invoke and are answered with
 * the contract's CommandReply; events go out through one MessagePort per subscriber, so the renderer
 * never sees ipcRenderer or its event objects. Every message's sender frame is checked first.
 * What is decided here (sender, payload, failures) lives in ipc-handlers.ts, Electron-free and fuzzed.
 */
import { ipcMain, MessageChannelMain, type IpcMainEvent, type IpcMainInvokeEvent, type WebContents } from 'electron';
import { IPC_CHANNELS } from '../../src-preload/ipc-channels.ts';
import { type AppPages, BUILT_PAGES } from '../shell/app-pages.ts';
import { handleIpcCommand, isTrustedSender, type SenderFrame } from './ipc-handlers.ts';
import type { StudioPort } from './studio-port.ts';

function senderOf(event: IpcMainEvent | IpcMainInvokeEvent): SenderFrame | null {
  const frame = event.senderFrame;
  return frame ? { url: frame.url, isMainFrame: frame.parent === null } : null;
}

/**
 * Wires the studio to IPC for the app's pages (the built renderer's scheme unless `pages` names the
 * dev server); returns a function that removes the handlers again.
 */
export function exposeStudioOverIpc(studio: StudioPort, actor: string, pages: AppPages = BUILT_PAGES): () => void {
  const trusted = (event: IpcMainEvent) => isTrustedSender(senderOf(event), pages);
  ipcMain.handle(IPC_CHANNELS.command, (event, command: unknown) => handleIpcCommand(studio, actor, senderOf(event), command, { pages }));

  // Each page's open subscriptions, so a page gets one 'destroyed' listener however often it
  // subscribes (every reload of the same webContents subscribes again).
  const openByPage = new WeakMap<WebContents, Set<() => void>>();
  const openOf = (page: WebContents): Set<() => void> => {
    let open = openByPage.get(page);
    if (!open) {
      const ends = new Set<() => void>();
      openByPage.set(page, ends);
      page.once('destroyed', () => {
        for (const end of [...ends]) end();
        openByPage.delete(page);
      });
      open = ends;
    }
    return open;
  };

  const onSubscribe = (event: IpcMainEvent) => {
    if (!trusted(event)) return;
    const { port1, port2 } = new MessageChannelMain();
    const unsubscribe = studio.subscribe((batch) => port1.postMessage(batch));
    const open = openOf(event.sender);
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      open.delete(end);
      unsubscribe();
      port1.close();
    };
    open.add(end);
    // The page's end closes when the page unloads (a reload, a crash).
    port1.on('close', end);
    port1.start();
    event.sender.postMessage(IPC_CHANNELS.events, null, [port2]);
  };
  ipcMain.on(IPC_CHANNELS.subscribe, onSubscribe);

  return () => {
    ipcMain.removeHandler(IPC_CHANNELS.command);
    ipcMain.off(IPC_CHANNELS.subscribe, onSubscribe);
  };
}
