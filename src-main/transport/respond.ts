/** Writing responses: the security headers every answer carries, and small senders for text and JSON. */
import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * The renderer needs nothing from other origins: scripts and styles from files we serve, images
 * from us or data: URLs, and one WebSocket back to us. `wsSource` names that socket explicitly
 * because older browsers do not let 'self' cover ws://.
 */
export function contentSecurityPolicy(wsSource: string): string {
  return [
    "default-src 'self'",
    `connect-src 'self' ${wsSource}`,
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

export function setSecurityHeaders(res: ServerResponse, wsSource: string): void {
  res.setHeader('Content-Security-Policy', contentSecurityPolicy(wsSource));
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
}

/** Answers with a body; HEAD gets the headers only. Security headers were set on arrival. */
export function send(req: IncomingMessage, res: ServerResponse, status: number, body: string, contentType: string, headers: Record<string, string> = {}): void {
  const bytes = Buffer.from(body, 'utf8');
  res.writeHead(status, { ...headers, 'Content-Type': contentType, 'Content-Length': String(bytes.length) });
  res.end(req.method === 'HEAD' ? undefined : bytes);
}

export function sendText(req: IncomingMessage, res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  send(req, res, status, text.endsWith('\n') ? text : `${text}\n`, 'text/plain; charset=utf-8', headers);
}

/** API answers are live state: never cached. */
export function sendJson(req: IncomingMessage, res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
  send(req, res, status, JSON.stringify(value), 'application/json; charset=utf-8', { 'Cache-Control': 'no-store', ...headers });
}
