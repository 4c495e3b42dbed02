/**
 * storycore-media://render/<jobId>/<file>: previews of finished renders for <video> and <img>.
 * Only files under the render folders are served (the resolver refuses everything else), with
 * range requests so a video can seek.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { mediaContentType, mediaUrl, parseRange, resolveMediaRequest } from '../shell/media-path.ts';
import { withMediaUrls } from '../transport/media-links.ts';
import type { StudioPort } from '../transport/studio-port.ts';

/** The studio as the desktop window sees it: job details name their output by this protocol. */
export function withDesktopMediaUrls(studio: StudioPort): StudioPort {
  return withMediaUrls(studio, mediaUrl);
}

export async function serveMedia(request: Request, roots: string[]): Promise<Response> {
  const resolved = resolveMediaRequest(request.url, roots);
  if (!('file' in resolved)) return new Response(resolved.reason, { status: resolved.status });
  const { size } = await stat(resolved.file);
  const headers = { 'content-type': mediaContentType(resolved.file), 'accept-ranges': 'bytes', 'x-content-type-options': 'nosniff' };
  if (size === 0) return new Response(null, { status: 200, headers: { ...headers, 'content-length': '0' } });
  const range = parseRange(request.headers.get('range') ?? undefined, size);
  if (range === 'unsatisfiable') return new Response(null, { status: 416, headers: { ...headers, 'content-range': `bytes */${size}` } });
  const { start, end } = range ?? { start: 0, end: size - 1 };
  const body = Readable.toWeb(createReadStream(resolved.file, { start, end })) as ReadableStream<Uint8Array>;
  return new Response(body, {
    status: range ? 206 : 200,
    headers: { ...headers, 'content-length': String(end - start + 1), ...(range ? { 'content-range': `bytes ${start}-${end}/${size}` } : {}) },
  });
}
