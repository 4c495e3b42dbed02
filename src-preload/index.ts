/**
 * The preload: exposes the typed `window.studio` through contextBridge. It never hands the renderer
 * ipcRenderer or an IpcRendererEvent.
 */
import { contextBridge } from 'electron';
import type { StudioApi } from './contract.ts';

const studio: StudioApi = { appName: 'StoryCore Studio', host: 'electron' };

contextBridge.exposeInMainWorld('studio', studio);
