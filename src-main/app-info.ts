/** Facts about the app that every entry (Electron shell, worker, CLI) shares. */
export const APP_NAME = 'StoryCore Studio';
/**
 * electron-builder.yml's appId, which its Windows installer gives the shortcut as AppUserModelID:
 * Windows shows a process's notifications only under an ID a shortcut carries.
 */
export const APP_ID = 'studio.storycore.app';
/** The custom scheme app pages are served from: never file://, so pages get a real origin and a CSP. */
export const APP_SCHEME = 'storycore';
export const APP_ORIGIN = `${APP_SCHEME}://app`;
