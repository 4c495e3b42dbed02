/**
 * The desktop's way to bring pictures in: the page asks, main shows the native open dialog over
 * the window, and each picked file goes through the same asset store as a serve-mode upload
 * (checked with ffprobe, kept by sha256). The page gets the answers, never a path of this disk.
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { BrowserWindow, dialog, ipcMain } from 'electron';
import type { PickedPicture } from '../../src-preload/contract.ts';
import { IPC_CHANNELS } from '../../src-preload/ipc-channels.ts';
import type { AssetStore } from '../host/asset-store.ts';
import { type AppPages, BUILT_PAGES } from '../shell/app-pages.ts';
import { isTrustedSender } from '../shell/sender-policy.ts';

export function handlePickImages(store: AssetStore, pages: AppPages = BUILT_PAGES): () => void {
  ipcMain.handle(IPC_CHANNELS.pickImages, async (event): Promise<PickedPicture[]> => {
    const frame = event.senderFrame;
    if (!isTrustedSender(frame ? { url: frame.url, isMainFrame: frame.parent === null } : null, pages)) return [];
    const window = BrowserWindow.fromWebContents(event.sender);
    const options: Electron.OpenDialogOptions = {
      title: 'Choose pictures for the shot',
      properties: ['openFile', 'multiSelections'],
      filters: [{ name: 'Pictures', extensions: ['png', 'jpg', 'jpeg', 'webp', 'tif', 'tiff', 'bmp'] }],
    };
    const picked = window ? await dialog.showOpenDialog(window, options) : await dialog.showOpenDialog(options);
    if (picked.canceled) return [];
    return Promise.all(
      picked.filePaths.map(async (path): Promise<PickedPicture> => {
        const name = basename(path);
        const kept = await store.importFile(path, name);
        if ('problem' in kept) return { name, problem: kept.problem };
        // A data: URL: the desktop's media protocol serves renders only, and the thumbnail is a few KiB.
        const thumbnail = await readFile(store.thumbnailPath(kept.id));
        return { id: kept.id, name, width: kept.width, height: kept.height, hasAlpha: kept.hasAlpha, thumbnailUrl: `data:image/jpeg;base64,${thumbnail.toString('base64')}` };
      }),
    );
  });
  return () => ipcMain.removeHandler(IPC_CHANNELS.pickImages);
}
