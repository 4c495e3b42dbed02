/**
 * `storycore serve`: the studio over HTTP and WebSocket, for a browser, Prometheus and curl.
 * Every request and every WebSocket upgrade must carry the token; upgrades are authenticated here,
 * before ws ever sees them, so an unauthenticated client never gets a socket.
 */
import { type IncomingMessage, type Server, type ServerResponse, STATUS_CODES, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { health, postCommand } from './api.ts';
import { ASSETS_ROUTE, routeAssets } from './assets-route.ts';
import { assertUsableToken, presentedCredential, tokenCookie, tokensEqual, withoutToken } from './auth.ts';
import { allowedOrigins, browsableHost, isWildcardHost, originAllowed, urlHost } from './hosts.ts';
import { serveMediaUrl, withMediaUrls } from './media-links.ts';
import { serveRender } from './media-route.ts';
import { MAX_ASSET_BYTES } from '../host/asset-store.ts';
import { createMetricsRegistry } from './metrics.ts';
import { sendJson, sendText, setSecurityHeaders } from './respond.ts';
import { serveStatic } from './static-files.ts';
import type { StudioPort } from './studio-port.ts';
import { type WebSocketLimits, createStudioSockets } from './websocket.ts';

export { assertSafeBinding, generateToken } from './auth.ts';

export interface ServerOptions {
  studio: StudioPort;
  /** Default 127.0.0.1. Anything beyond loopback: call assertSafeBinding first. */
  host?: string;
  /** Default 7777; 0 picks a free port. */
  port?: number;
  /** At least 16 characters; generateToken() makes one. */
  token: string;
  /** The built renderer (out/renderer), or null to serve only the API. */
  rendererDir: string | null;
  /** Who commands are audited as. Default 'token'. */
  tokenName?: string;
  /** Largest POST body and WebSocket frame. Default 256 KiB. */
  maxPayloadBytes?: number;
  /** Origins beyond this machine's own addresses allowed to open the WebSocket, e.g. http://studio.lan:7777. */
  allowedOrigins?: string[];
  /** Largest uploaded picture and upload request. Default 64 MiB and 256 MiB. */
  maxUploadBytes?: { file?: number; request?: number };
  /** WebSocket rate, heartbeat and buffering limits; the defaults suit production. */
  webSocket?: Partial<Omit<WebSocketLimits, 'maxPayloadBytes'>>;
}

export interface RunningServer {
  /** Where to point a browser, token included (it is swapped for a cookie on the first visit). */
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Only origin-form targets ("/path?query"); the fixed base keeps "//x" a path, never a host. */
function parseTarget(req: IncomingMessage): URL | null {
  const target = req.url ?? '';
  if (!target.startsWith('/')) return null;
  try {
    return new URL(`http://localhost${target}`);
  } catch {
    return null;
  }
}

/** Refuses an upgrade on the raw socket: no WebSocket is ever created for it. */
function refuseUpgrade(socket: Duplex, status: number, text: string): void {
  const body = `${text}\n`;
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nX-Content-Type-Options: nosniff\r\n\r\n${body}`,
  );
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const { token, rendererDir } = options;
  // Job details name their output by this server's own media route.
  const studio = withMediaUrls(options.studio, serveMediaUrl);
  const host = options.host ?? '127.0.0.1';
  const actor = options.tokenName ?? 'token';
  const maxPayloadBytes = options.maxPayloadBytes ?? 256 * 1024;
  assertUsableToken(token);
  const uploadLimits = { fileBytes: options.maxUploadBytes?.file ?? MAX_ASSET_BYTES, requestBytes: options.maxUploadBytes?.request ?? 4 * MAX_ASSET_BYTES };

  const startedAt = performance.now();
  const registry = createMetricsRegistry(studio);
  const sockets = createStudioSockets(studio, { ...options.webSocket, maxPayloadBytes });
  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) sendText(req, res, 500, 'internal error');
      else res.destroy();
    });
  });
  let port = 0;
  let origins = new Set<string>();

  /** The page's one WebSocket, named in the CSP. A wildcard bind has no name of its own: use the one the browser used. */
  const wsSource = (req: IncomingMessage) => {
    const seen = req.headers.host ?? '';
    if (isWildcardHost(host) && /^([a-z0-9.-]+|\[[0-9a-f:.]+\])(:\d{1,5})?$/i.test(seen)) return `ws://${seen}`;
    return `ws://${isWildcardHost(host) ? browsableHost(host) : urlHost(host)}:${port}`;
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    setSecurityHeaders(res, wsSource(req));
    const url = parseTarget(req);
    if (url === null) {
      sendText(req, res, 400, 'bad request');
      return;
    }
    const credential = presentedCredential(req, url);
    if (credential === null || !tokensEqual(credential.value, token)) {
      sendText(req, res, 401, 'unauthorized', { 'WWW-Authenticate': 'Bearer', 'Cache-Control': 'no-store' });
      return;
    }
    // A token in the address bar would stay in history: trade it for a cookie and drop it from the URL.
    if (credential.source === 'query' && (req.method === 'GET' || req.method === 'HEAD')) {
      res.writeHead(302, { Location: withoutToken(url), 'Set-Cookie': tokenCookie(token), 'Cache-Control': 'no-store', 'Content-Length': '0' });
      res.end();
      return;
    }
    const { pathname } = url;
    const method = req.method ?? 'GET';
    const only = (...allowed: string[]) => {
      if (allowed.includes(method)) return true;
      sendText(req, res, 405, 'method not allowed', { Allow: allowed.join(', '), 'Cache-Control': 'no-store' });
      return false;
    };
    if (pathname === '/api/health') {
      if (only('GET', 'HEAD')) health(req, res, startedAt);
    } else if (pathname === '/api/command') {
      if (only('POST')) await postCommand(req, res, studio, actor, maxPayloadBytes);
    } else if (pathname === ASSETS_ROUTE || pathname.startsWith(`${ASSETS_ROUTE}/`)) {
      await routeAssets(req, res, pathname, studio.assetStore?.(), uploadLimits);
    } else if (pathname.startsWith('/api/')) {
      sendJson(req, res, 404, { ok: false, error: { code: 'not_found', message: `no endpoint ${pathname}; there are /api/health, /api/command and /api/assets` } });
    } else if (pathname.startsWith('/media/') || (req.url ?? '').startsWith('/media/')) {
      // Routed on the raw target too: "/media/render/../x" parses to "/media/x", and must be refused, not served as a page.
      await serveRender(req, res, req.url ?? '', studio.mediaRoots?.() ?? []);
    } else if (pathname === '/metrics') {
      if (only('GET', 'HEAD')) await metrics(req, res);
    } else if (pathname === '/ws') {
      sendText(req, res, 426, 'this endpoint speaks WebSocket only', { Upgrade: 'websocket', 'Cache-Control': 'no-store' });
    } else {
      await serveStatic(req, res, pathname, rendererDir);
    }
  }

  async function metrics(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let text: string;
    try {
      text = await registry.metrics();
    } catch {
      sendText(req, res, 500, 'metrics unavailable: the studio could not be read', { 'Cache-Control': 'no-store' });
      return;
    }
    res.writeHead(200, { 'Content-Type': registry.contentType, 'Cache-Control': 'no-store', 'Content-Length': String(Buffer.byteLength(text)) });
    res.end(req.method === 'HEAD' ? undefined : text);
  }

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    const url = parseTarget(req);
    if (url === null || url.pathname !== '/ws') return refuseUpgrade(socket, 404, 'not found');
    // Browsers send Origin on every handshake; a page from another site must not drive the studio
    // with the operator's cookie.
    if (!originAllowed(req.headers.origin, origins)) return refuseUpgrade(socket, 403, 'forbidden: origin not allowed');
    const credential = presentedCredential(req, url);
    if (credential === null || !tokensEqual(credential.value, token)) return refuseUpgrade(socket, 401, 'unauthorized');
    sockets.accept(req, socket, head, actor);
  });

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 7777, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    await sockets.close(); // stops the heartbeat timer of a server that never listened
    throw error;
  }
  port = (server.address() as AddressInfo).port;
  origins = allowedOrigins(host, port, options.allowedOrigins);

  let closing: Promise<void> | null = null;
  return {
    url: `http://${browsableHost(host)}:${port}/?token=${encodeURIComponent(token)}`,
    port,
    close() {
      closing ??= (async () => {
        await sockets.close();
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeAllConnections();
        await closed;
      })();
      return closing;
    },
  };
}
