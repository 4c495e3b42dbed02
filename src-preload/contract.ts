/**
 * The contract between the renderer and the studio: what `window.studio` offers. The one source of
 * truth for Electron IPC, the WebSocket and the renderer; commands and events grow here.
 */
export interface StudioApi {
  /** The product name, for the window and about box. */
  readonly appName: string;
  /** Which host the renderer is talking to. */
  readonly host: 'electron' | 'browser';
}

declare global {
  interface Window {
    studio?: StudioApi;
  }
}
