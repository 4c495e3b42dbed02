/**
 * Naming the host we listen on: which addresses are loopback, how to put one in a URL, and which
 * browser origins count as "this server". Pure functions, no I/O except reading interface addresses.
 */
import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';

const unbracket = (host: string) => host.trim().toLowerCase().replace(/^\[(.*)\]$/, '$1');

/** 127.0.0.0/8, ::1 (in any spelling, IPv4-mapped too) and localhost: reachable from this machine only. */
export function isLoopbackHost(host: string): boolean {
  const h = unbracket(host);
  if (h === 'localhost') return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) {
    // The URL parser compresses IPv6, so 0:0:0:0:0:0:0:1 and ::ffff:127.0.0.1 compare in one form.
    const canonical = new URL(`http://[${h}]/`).hostname;
    return canonical === '[::1]' || /^\[::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}\]$/.test(canonical);
  }
  return false;
}

/** An address that listens on every interface: no browser can use it as a page's host. */
export function isWildcardHost(host: string): boolean {
  const h = unbracket(host);
  return h === '' || h === '0.0.0.0' || h === '::' || h === '0:0:0:0:0:0:0:0';
}

/** The host as it appears in a URL: IPv6 in brackets. */
export function urlHost(host: string): string {
  const h = unbracket(host);
  return isIP(h) === 6 ? `[${h}]` : h;
}

/** Where a local browser should point for a server bound to `host`. */
export function browsableHost(host: string): string {
  if (!isWildcardHost(host)) return urlHost(host);
  return unbracket(host).includes(':') ? '[::1]' : '127.0.0.1';
}

/**
 * Origins a page of ours can have: loopback names at our port, the bound host, and, for a wildcard
 * bind, every address of this machine's interfaces (how a remote operator's browser reaches us).
 * `extra` admits names we cannot guess, such as a DNS name pointing at this machine.
 */
export function allowedOrigins(host: string, port: number, extra: readonly string[] = []): Set<string> {
  const hosts = new Set(['127.0.0.1', 'localhost', '[::1]']);
  if (isWildcardHost(host)) {
    for (const addresses of Object.values(networkInterfaces())) {
      for (const a of addresses ?? []) if (!a.address.includes('%')) hosts.add(urlHost(a.address));
    }
  } else {
    hosts.add(urlHost(host));
  }
  const origins = new Set([...hosts].map((h) => `http://${h}:${port}`));
  for (const origin of extra) origins.add(new URL(origin).origin);
  return origins;
}

/** A browser sends Origin on every WebSocket handshake; tools (curl, ws) may leave it out, and pass. */
export function originAllowed(origin: string | undefined, allowed: ReadonlySet<string>): boolean {
  if (origin === undefined) return true;
  let normalized: string;
  try {
    normalized = new URL(origin).origin;
  } catch {
    return false; // includes the opaque "null" origin of sandboxed frames and file:// pages
  }
  return allowed.has(normalized);
}
