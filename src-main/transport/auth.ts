/**
 * Who may talk to the serve-mode host: whoever presents the one shared token, as a Bearer header,
 * once as ?token= (swapped by the server for a cookie so it leaves the address bar), or as that cookie.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { isLoopbackHost } from './hosts.ts';

export const TOKEN_COOKIE = 'storycore_token';
/** Shorter tokens are guessable; generated ones are 43 characters. */
export const MIN_TOKEN_LENGTH = 16;

export class UnsafeBindingError extends Error {
  override name = 'UnsafeBindingError';
}

/** 32 random bytes (256 bits), base64url: safe in a URL and a cookie as is. */
export function generateToken(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * Listening beyond loopback exposes the emergency stop and the queue to the network: that must be a
 * deliberate act, so it needs a token the operator chose (and so knows), not one generated on the fly.
 */
export function assertSafeBinding(host: string, tokenGiven: boolean): void {
  if (isLoopbackHost(host) || tokenGiven) return;
  throw new UnsafeBindingError(
    `refusing to listen on "${host}" without an explicit token: anyone on the network could stop the studio. ` +
      'Bind to 127.0.0.1 (the default), or pass a token (for example --token with a long random value).',
  );
}

export function assertUsableToken(token: string): void {
  if (typeof token !== 'string' || token.length < MIN_TOKEN_LENGTH) {
    throw new UnsafeBindingError(`the token must be at least ${MIN_TOKEN_LENGTH} characters; generateToken() makes a good one`);
  }
}

/**
 * Hashing first gives timingSafeEqual two buffers of the same length whatever was sent, so neither
 * the comparison nor its length check tells an attacker how close a guess was.
 */
export function tokensEqual(given: string, expected: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();
  return timingSafeEqual(digest(given), digest(expected));
}

export type Credential = { source: 'header' | 'query' | 'cookie'; value: string };

/**
 * The credential a request presents. The first kind present decides, so a stale cookie cannot
 * override a fresh ?token=, and a wrong header is not rescued by a right cookie.
 */
export function presentedCredential(req: IncomingMessage, url: URL): Credential | null {
  const header = req.headers.authorization;
  if (header !== undefined) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    return { source: 'header', value: match?.[1] ?? '' };
  }
  const query = url.searchParams.get('token');
  if (query !== null) return { source: 'query', value: query };
  const cookie = readCookie(req.headers.cookie, TOKEN_COOKIE);
  return cookie === null ? null : { source: 'cookie', value: cookie };
}

export function readCookie(header: string | undefined, name: string): string | null {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== name) continue;
    try {
      return decodeURIComponent(part.slice(eq + 1).trim());
    } catch {
      return null;
    }
  }
  return null;
}

/** A session cookie scripts cannot read and other sites cannot make the browser send. */
export function tokenCookie(token: string): string {
  return `${TOKEN_COOKIE}=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/`;
}

/** The same path and query minus the token, as a relative Location (never built from the Host header). */
export function withoutToken(url: URL): string {
  const clean = new URL(url);
  clean.searchParams.delete('token');
  // "//host/..." would be read as another site: collapse leading slashes so the redirect stays here.
  return `/${clean.pathname.replace(/^\/+/, '')}${clean.search}`;
}
