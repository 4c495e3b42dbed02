/**
 * The preload: exposes the typed `window.studio` through contextBridge. It never hands the renderer
 * ipcRenderer or an IpcRendererEvent. (Command and event channels arrive with the Electron shell.)
 */
import { contextBridge } from 'electron';
import type { StudioApi } from './contract.ts';

const unavailable = async () => ({ ok: false as const, error: { code: 'internal' as const, message: 'the desktop host is not connected yet' } });

const studio: StudioApi = { appName: 'StoryCore Studio', host: 'electron', send: unavailable, subscribe: () => () => {} };

contextBridge.exposeInMainWorld('studio', studio);
