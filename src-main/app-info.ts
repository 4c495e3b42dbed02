/** Facts about the app that every entry (Electron shell, worker, CLI) shares. */
export const APP_NAME = 'StoryCore Studio';
/** The custom scheme app pages are served from: never file://, so pages get a real origin and a CSP. */
export const APP_SCHEME = 'storycore';
export const APP_ORIGIN = `${APP_SCHEME}://app`;
