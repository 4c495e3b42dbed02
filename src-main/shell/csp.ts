/**
 * The Content-Security-Policy of app pages. The shell sends it as a response header from its
 * protocol handler, so it covers every page and cannot be edited by the page itself.
 *
 * Scripts and styles come only from files we serve: never 'unsafe-inline' or 'unsafe-eval', and
 * callers cannot add them (see checked).
 */
import { MEDIA_SCHEME } from './media-path.ts';

export interface CspOptions {
  /** Extra origins for fetch/WebSocket, e.g. `ws://127.0.0.1:7777` in serve mode. */
  connectSources?: string[];
  /** Extra places renders may play from (video, images), besides the media protocol. */
  mediaSources?: string[];
}

/**
 * Sources are plain scheme or host sources. A quote would let a caller add keywords
 * ('unsafe-inline', nonces); whitespace, ";" or "," would start another source or directive; a bare
 * "*" would allow every origin.
 */
const NOT_A_PLAIN_SOURCE = /[\s;,'"]/;

function checked(sources: string[]): string[] {
  for (const source of sources) {
    if (source === '' || source === '*' || NOT_A_PLAIN_SOURCE.test(source)) {
      throw new TypeError(`not a CSP scheme or host source: ${JSON.stringify(source)}`);
    }
  }
  return sources;
}

export function contentSecurityPolicy(options: CspOptions = {}): string {
  const connect = checked(options.connectSources ?? []);
  const media = [`${MEDIA_SCHEME}:`, ...checked(options.mediaSources ?? [])];
  const directive = (name: string, ...sources: string[]) => [name, ...sources].join(' ');
  return [
    directive('default-src', "'self'"),
    directive('script-src', "'self'"),
    directive('style-src', "'self'"),
    // data: for small inline images (icons, chart exports); renders come from the media protocol.
    directive('img-src', "'self'", 'data:', ...media),
    directive('media-src', "'self'", ...media),
    directive('connect-src', "'self'", ...connect),
    directive('object-src', "'none'"),
    directive('base-uri', "'none'"),
    directive('form-action', "'none'"),
    directive('frame-ancestors', "'none'"),
  ].join('; ');
}
