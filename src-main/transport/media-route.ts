/**
 * GET /media/render/<jobId>/<file>: finished renders for the window's <video> and <img> in serve
 * mode, with range requests so a player can seek. Which file a URL names is decided by the same
 * resolver as the desktop's storycore-media: protocol (src-main/shell/media-path.ts): only regular
 * files under the render folders; no dot segments, encoded dots or separators, hidden files, or
 * symlinks that lead out. The server has checked the token before a request gets here.
 */
import { constants } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { MEDIA_SCHEME, mediaContentType, parseRange, resolveMediaRequest } from '../shell/media-path.ts';
import { MEDIA_ROUTE } from './media-links.ts';
import { sendText } from './respond.ts';

/**
 * `rawTarget` is the request line's target exactly as sent: URL parsers resolve ".." and "%2e%2e"
 * themselves, which would hide a traversal from the resolver instead of letting it refuse one.
 */
export async function serveRender(req: IncomingMessage, res: ServerResponse, rawTarget: string, roots: string[]): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    sendText(req, res, 405, 'method not allowed', { Allow: 'GET, HEAD', 'Cache-Control': 'no-store' });
    return;
  }
  const rawPath = rawTarget.split(/[?#]/, 1)[0] ?? '';
  if (!rawPath.startsWith(MEDIA_ROUTE)) {
    sendText(req, res, 404, `not found: renders are under ${MEDIA_ROUTE}<jobId>/<file>`, { 'Cache-Control': 'no-store' });
    return;
  }
  if (roots.length === 0) {
    sendText(req, res, 404, 'this host serves no renders', { 'Cache-Control': 'no-store' });
    return;
  }
  const resolved = resolveMediaRequest(`${MEDIA_SCHEME}://render/${rawPath.slice(MEDIA_ROUTE.length)}`, roots);
  if (!('file' in resolved)) {
    sendText(req, res, resolved.status, `${resolved.status === 403 ? 'forbidden' : 'not found'}: ${resolved.reason}`, { 'Cache-Control': 'no-store' });
    return;
  }
  // Opened without following a final symlink, then measured through the handle: the bytes sent come
  // from the very file the resolver checked, even if the name is swapped meanwhile.
  let handle: FileHandle;
  try {
    handle = await open(resolved.file, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0));
  } catch {
    sendText(req, res, 404, 'not found: the render is gone', { 'Cache-Control': 'no-store' });
    return;
  }
  try {
    await sendFile(req, res, handle, resolved.file);
  } catch {
    await handle.close().catch(() => undefined);
    if (!res.headersSent) sendText(req, res, 500, 'the render could not be read', { 'Cache-Control': 'no-store' });
    else res.destroy();
  }
}

async function sendFile(req: IncomingMessage, res: ServerResponse, handle: FileHandle, file: string): Promise<void> {
  const info = await handle.stat();
  if (!info.isFile()) {
    await handle.close();
    sendText(req, res, 404, 'not found: not a file', { 'Cache-Control': 'no-store' });
    return;
  }
  const size = info.size;
  // Renders are replaced under the same name when a job is retried: the browser must revalidate.
  const headers = { 'Content-Type': mediaContentType(file), 'Accept-Ranges': 'bytes', 'Cache-Control': 'private, no-cache' };
  const range = size === 0 ? null : parseRange(req.headers.range, size);
  if (range === 'unsatisfiable') {
    await handle.close();
    res.writeHead(416, { ...headers, 'Content-Range': `bytes */${size}`, 'Content-Length': '0' });
    res.end();
    return;
  }
  const { start, end } = range ?? { start: 0, end: size - 1 };
  const length = size === 0 ? 0 : end - start + 1;
  res.writeHead(range ? 206 : 200, { ...headers, 'Content-Length': String(length), ...(range ? { 'Content-Range': `bytes ${start}-${end}/${size}` } : {}) });
  if (req.method === 'HEAD' || length === 0) {
    await handle.close();
    res.end();
    return;
  }
  const stream = handle.createReadStream({ start, end, autoClose: true });
  stream.on('error', () => res.destroy());
  // A player that seeks drops its connection mid-file: stop reading (and close the file) with it.
  res.on('close', () => stream.destroy());
  stream.pipe(res);
}
