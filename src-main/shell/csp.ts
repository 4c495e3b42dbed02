/**
 * The Content-Security-Policy of app pages. The shell sends it as a response header from its
 * protocol handler, so it covers every page and cannot be edited by the page itself.
 *
 * Scripts and styles come only from files we serve: never 'unsafe-inline' or 'unsafe-eval', and
 * callers cannot add them (see checked). The dev server's page (`npm run dev`) has a policy of its
 * own, devServerContentSecurityPolicy, which names what it relaxes and why.
 */
import { createHash } from 'node:crypto';
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

interface Sources {
  script: string[];
  style: string[];
  connect: string[];
  media: string[];
}

function policy(sources: Sources, withFrameAncestors: boolean): string {
  const directive = (name: string, ...list: string[]) => [name, ...list].join(' ');
  return [
    directive('default-src', "'self'"),
    directive('script-src', "'self'", ...sources.script),
    directive('style-src', "'self'", ...sources.style),
    // data: for small inline images (icons, chart exports); renders come from the media protocol.
    directive('img-src', "'self'", 'data:', ...sources.media),
    directive('media-src', "'self'", ...sources.media),
    directive('connect-src', "'self'", ...sources.connect),
    directive('object-src', "'none'"),
    directive('base-uri', "'none'"),
    directive('form-action', "'none'"),
    ...(withFrameAncestors ? [directive('frame-ancestors', "'none'")] : []),
  ].join('; ');
}

export function contentSecurityPolicy(options: CspOptions = {}): string {
  const connect = checked(options.connectSources ?? []);
  const media = [`${MEDIA_SCHEME}:`, ...checked(options.mediaSources ?? [])];
  return policy({ script: [], style: [], connect, media }, true);
}

/** The bodies of a document's inline scripts (those without a src), as the browser hashes them. */
export function inlineScripts(html: string): string[] {
  return [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)].filter(([, attrs]) => !/\bsrc\s*=/i.test(attrs ?? '')).map(([, , body]) => body ?? '');
}

/**
 * The policy of the page electron-vite's dev server serves (`npm run dev` only), which a plugin in
 * electron.vite.config.ts puts in a meta tag. It is the app's policy plus what the dev server needs:
 * React's refresh preamble is an inline script, allowed by its hash (never 'unsafe-inline' for
 * scripts); Vite injects CSS as <style> elements, hence 'unsafe-inline' for styles; hot reload talks
 * to the dev server over a WebSocket (`hmrSources`, e.g. `ws://localhost:5173`). A meta tag cannot
 * carry frame-ancestors, so it is left out.
 */
export function devServerContentSecurityPolicy(options: { inlineScripts: string[]; hmrSources: string[] }): string {
  const hashes = options.inlineScripts.map((body) => `'sha256-${createHash('sha256').update(body, 'utf8').digest('base64')}'`);
  return policy({ script: hashes, style: ["'unsafe-inline'"], connect: checked(options.hmrSources), media: [`${MEDIA_SCHEME}:`] }, false);
}
