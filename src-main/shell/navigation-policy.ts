/**
 * What the window may load, open and be granted. The studio is one document served from
 * `storycore://app` (under `npm run dev`, from the dev server: see app-pages.ts); it has no reason
 * to leave it, open windows or ask for device access, so every decision here defaults to "no" and
 * names the few exceptions.
 */
import { type AppPages, BUILT_PAGES } from './app-pages.ts';
/** The paths of the one studio document (the protocol handler serves "/" as index.html). */
const APP_DOCUMENT_PATHS = new Set(['/', '/index.html']);

function parse(url: string): URL | null {
  try {
    return new URL(url);
  } catch {
    return null;
  }
}

/**
 * True only for pages of the app's origin: `storycore://app/...` (or the dev server's). The scheme
 * and host compare case-insensitively because Chromium canonicalizes our standard scheme that way
 * (`STORYCORE://APP/` is the same origin); everything else is exact: no userinfo
 * (`storycore://app@evil/` is host "evil"), no other port, no look-alike host (`app.evil`, `%61pp`:
 * Chromium never reports those forms for our own pages).
 */
export function isAppUrl(url: string, pages: AppPages = BUILT_PAGES): boolean {
  const parsed = parse(url);
  const origin = parse(pages.origin);
  return (
    parsed !== null &&
    origin !== null &&
    parsed.protocol === origin.protocol &&
    parsed.host.toLowerCase() === origin.host.toLowerCase() &&
    parsed.username === '' &&
    parsed.password === ''
  );
}

/**
 * For `will-navigate` and `will-redirect`: only a reload of the studio document (its hash or query may
 * change) stays. Other app paths are files, not pages; other origins are the web, which belongs in
 * the user's browser (see externalLinkToOpen), never inside a window that holds the preload.
 */
export function navigationDecision(url: string, pages: AppPages = BUILT_PAGES): 'allow' | 'deny' {
  const parsed = parse(url);
  return parsed !== null && isAppUrl(url, pages) && APP_DOCUMENT_PATHS.has(parsed.pathname) ? 'allow' : 'deny';
}

/** For `setWindowOpenHandler`: the studio never opens a second window, whatever the URL. */
export function windowOpenDecision(_url: string): { action: 'deny' } {
  return { action: 'deny' };
}

/**
 * The URL to hand to the OS browser (`shell.openExternal`) for a link the user followed, or null.
 * Only https with a real host: file:, javascript:, data:, http: and custom schemes would let a page
 * run local programs or handlers through the OS. Userinfo is refused because `https://app@evil/`
 * exists to mislead. The returned string is the parsed, canonical form, not the raw input.
 */
export function externalLinkToOpen(url: string): string | null {
  const parsed = parse(url);
  if (parsed === null || parsed.protocol !== 'https:' || parsed.hostname === '') return null;
  if (parsed.username !== '' || parsed.password !== '') return null;
  return parsed.href;
}

/**
 * Only writing sanitized data to the clipboard is granted (copying a job id or an error report is
 * part of the studio); it cannot read anything back. Everything else (camera, microphone,
 * notifications, geolocation, clipboard-read, fullscreen, ...) is denied, and so is any request not
 * made by an app page. `requestingUrl` is the request's URL (or origin, for permission checks).
 */
export function permissionDecision(permission: string, requestingUrl: string, pages: AppPages = BUILT_PAGES): boolean {
  return permission === 'clipboard-sanitized-write' && isAppUrl(requestingUrl, pages);
}
