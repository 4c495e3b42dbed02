/**
 * Where the studio's one document comes from: the built renderer on the `storycore://app` scheme, or,
 * under `npm run dev`, electron-vite's dev server (ELECTRON_RENDERER_URL), for hot reload. Every
 * "is this our page?" decision (navigation, permissions, IPC senders) takes the same AppPages, so
 * in development the dev server's origin is the app, and storycore://app is not.
 */
import { APP_ORIGIN } from '../app-info.ts';

export interface AppPages {
  /** Scheme and host (with port) of the studio's pages: `storycore://app`, `http://localhost:5173`. */
  readonly origin: string;
  /** The document the window loads. */
  readonly entryUrl: string;
}

export const BUILT_PAGES: AppPages = { origin: APP_ORIGIN, entryUrl: `${APP_ORIGIN}/index.html` };

/** The dev server must run on this machine: the page it serves gets the preload's whole API. */
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

export type PagesChoice = { pages: AppPages; ignored?: string };

/**
 * The pages to load: the dev server's when electron-vite names one and the app is not packaged,
 * the built renderer otherwise. `ignored` says why a given ELECTRON_RENDERER_URL was not used.
 */
export function choosePages(rendererUrl: string | undefined, isPackaged: boolean): PagesChoice {
  if (rendererUrl === undefined || rendererUrl === '') return { pages: BUILT_PAGES };
  const ignored = (why: string): PagesChoice => ({ pages: BUILT_PAGES, ignored: `ELECTRON_RENDERER_URL (${rendererUrl}) ignored: ${why}` });
  if (isPackaged) return ignored('a packaged app loads only its own renderer');
  let url: URL;
  try {
    url = new URL(rendererUrl);
  } catch {
    return ignored('not a URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return ignored('the dev server is http or https');
  if (!LOOPBACK_HOSTS.has(url.hostname)) return ignored('the dev server must be on this machine (localhost, 127.0.0.1 or [::1])');
  if (url.username !== '' || url.password !== '') return ignored('a URL with a user name or password');
  return { pages: { origin: `${url.protocol}//${url.host}`, entryUrl: url.href } };
}
