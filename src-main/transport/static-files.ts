/**
 * The built renderer, served read-only: GET and HEAD, "/" is index.html, no directory listings, and
 * no path that resolves (through "..", encodings or symlinks) outside the renderer folder.
 */
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { sendText } from './respond.ts';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.wasm': 'application/wasm',
};

export const NOT_BUILT = 'renderer not built: run npm run build';

const isInside = (root: string, path: string) => {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
};

/** The file a URL path names inside `root`, or null when it would leave it or cannot be decoded. */
export function resolveInside(root: string, pathname: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return null;
  }
  if (decoded.includes('\0')) return null;
  const file = resolve(root, `.${sep}${decoded === '/' ? 'index.html' : decoded}`);
  return isInside(root, file) ? file : null;
}

export function contentTypeOf(file: string): string {
  return CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
}

/**
 * The real path of the regular file a URL path names inside `root` (itself a real path), or null.
 * A symlink inside the folder could still point outside it, so the real path is checked too.
 * Shared by serve mode and the Electron app scheme.
 */
export async function findRendererFile(root: string, pathname: string): Promise<{ file: string; size: number } | null> {
  const file = resolveInside(root, pathname);
  const real = file === null ? null : await realpath(file).catch(() => null);
  const info = real === null || !isInside(root, real) ? null : await stat(real).catch(() => null);
  return real !== null && info?.isFile() ? { file: real, size: info.size } : null;
}

/** What vite writes: assets/<name>-<hash>.<ext>. */
const HASHED_ASSET = /^\/assets\/[\w.-]+-[\w-]{8,}\.\w+$/;

export async function serveStatic(req: IncomingMessage, res: ServerResponse, pathname: string, rendererDir: string | null): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    sendText(req, res, 405, 'method not allowed', { Allow: 'GET, HEAD' });
    return;
  }
  const root = rendererDir === null ? null : await realpath(resolve(rendererDir)).catch(() => null);
  // Checked per request, so a build made while the server runs is picked up without a restart.
  if (root === null || !(await stat(join(root, 'index.html')).then((s) => s.isFile(), () => false))) {
    sendText(req, res, 503, NOT_BUILT);
    return;
  }
  const found = await findRendererFile(root, pathname);
  if (found === null) {
    sendText(req, res, 404, 'not found');
    return;
  }
  res.writeHead(200, {
    'Content-Type': contentTypeOf(found.file),
    'Content-Length': String(found.size),
    // Bundles under /assets/ carry a content hash in their names, so a reload may skip them for good;
    // index.html and friends keep their names between builds and are revalidated every time.
    'Cache-Control': HASHED_ASSET.test(pathname) ? 'private, max-age=31536000, immutable' : 'no-cache',
  });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  const stream = createReadStream(found.file);
  stream.on('error', () => res.destroy());
  stream.pipe(res);
}
