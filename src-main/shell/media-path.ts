/**
 * The media protocol: `storycore-media://render/<jobId>/<file>` lets the window play finished renders
 * (`<video>`, `<img>`) without file:// access. This module decides which file a URL names, or why it
 * names none; the shell's protocol handler only streams what it returns.
 *
 * The URL is checked as raw text, before anything decodes or normalizes it, because URL parsers
 * resolve `..` and `%2e%2e` themselves and would hide a traversal instead of reporting it.
 */
import { realpathSync, statSync } from 'node:fs';
import { extname, isAbsolute, join, relative, sep } from 'node:path';

export const MEDIA_SCHEME = 'storycore-media';
const PREFIX = `${MEDIA_SCHEME}://render/`;
/** The shape the contract gives job ids: it can never be ".." or hold a separator. */
const JOB_ID = /^[A-Za-z0-9_-]{1,64}$/;
const MAX_URL_LENGTH = 2048;
/** Control characters (NUL included) and backslashes, which some platforms read as separators. */
const FORBIDDEN_RAW = /[\u0000-\u001f\u007f\\]/;
/** Encoded dot, slash, backslash, percent (double encoding) and NUL: no real render name needs them. */
const FORBIDDEN_ENCODED = /%(2e|2f|5c|25|00)/i;
/** After decoding: separators, NUL, and ':' (a drive letter or an NTFS stream on Windows). */
const FORBIDDEN_DECODED = /[\u0000-\u001f\u007f/\\:]/;

export type MediaResolution = { file: string } | { status: 403 | 404; reason: string };

const forbidden = (reason: string): MediaResolution => ({ status: 403, reason });
const notFound = (reason: string): MediaResolution => ({ status: 404, reason });

const isInside = (root: string, path: string) => {
  const rel = relative(root, path);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
};

/** The URL for a file of a job's render folder; `file` may name a subfolder with "/". */
export function mediaUrl(jobId: string, file: string): string {
  return PREFIX + [jobId, ...file.split('/')].map(encodeURIComponent).join('/');
}

/** The decoded path segments of a media URL, or why it is refused. */
function segmentsOf(url: string): string[] | MediaResolution {
  if (url.length > MAX_URL_LENGTH) return forbidden('URL too long');
  if (FORBIDDEN_RAW.test(url)) return forbidden('control character or backslash in URL');
  if (!url.startsWith(PREFIX)) return forbidden(`not a ${PREFIX} URL`);
  // Query and fragment name nothing on disk (a player may add "#t=" or a cache buster).
  const path = url.slice(PREFIX.length).split(/[?#]/, 1)[0] ?? '';
  const segments: string[] = [];
  for (const raw of path.split('/')) {
    // An empty segment is "//" (an absolute path after decoding) or a trailing "/" (a folder).
    if (raw === '') return forbidden('empty path segment');
    if (FORBIDDEN_ENCODED.test(raw)) return forbidden('encoded dot, slash, backslash, percent or NUL');
    let segment: string;
    try {
      segment = decodeURIComponent(raw);
    } catch {
      return forbidden('malformed percent-encoding');
    }
    if (segment === '.' || segment === '..') return forbidden('dot segment');
    // Hidden names are the engine's partial outputs and scratch folders: never a finished render.
    if (segment.startsWith('.')) return forbidden('hidden file');
    if (FORBIDDEN_DECODED.test(segment)) return forbidden('separator or control character in a name');
    segments.push(segment);
  }
  if (!JOB_ID.test(segments[0] ?? '')) return forbidden('not a job id');
  if (segments.length < 2) return notFound('a job folder is not a file');
  return segments;
}

const realpathOrNull = (path: string) => {
  try {
    return realpathSync(path);
  } catch {
    return null;
  }
};

/**
 * The real path of the regular file a media URL names inside one of `roots` (absolute render
 * folders, e.g. `<dataDir>/renders`), or 403 (refused) / 404 (nothing there). Symlinks are followed
 * and the result must still lie inside a root: a link pointing out of the render folders is a 403.
 * Returning the real path makes the handler open exactly the file that was checked.
 */
export function resolveMediaRequest(url: string, roots: string[]): MediaResolution {
  for (const root of roots) {
    if (!isAbsolute(root)) throw new TypeError(`media root must be an absolute path: ${root}`);
  }
  const segments = segmentsOf(url);
  if (!Array.isArray(segments)) return segments;
  // Roots are resolved too: they may themselves sit behind a symlink (macOS's /tmp, a moved data folder).
  const realRoots = roots.map(realpathOrNull).filter((root) => root !== null);
  for (const root of realRoots) {
    const candidate = join(root, ...segments);
    if (!isInside(root, candidate)) return forbidden('outside the render folders');
    const real = realpathOrNull(candidate);
    if (real === null) continue;
    if (!realRoots.some((allowed) => isInside(allowed, real))) return forbidden('a link leads outside the render folders');
    const info = statSync(real, { throwIfNoEntry: false });
    if (!info?.isFile()) return notFound('not a file');
    return { file: real };
  }
  return notFound('no such render file');
}

/**
 * The byte range a `Range` header asks for, for a 206 answer; null means "send the whole file"
 * (no header, a malformed one, or several ranges); 'unsatisfiable' means 416.
 * Several ranges are answered with the whole file, as RFC 9110 allows: players ask for one range
 * at a time, and a multipart/byteranges body is not worth its complexity here.
 */
export function parseRange(header: string | undefined, size: number): { start: number; end: number } | 'unsatisfiable' | null {
  const match = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header ?? '');
  if (!match) return null;
  const [, first = '', last = ''] = match;
  if (first === '' && last === '') return null;
  if (first === '') {
    // "bytes=-n": the last n bytes.
    const length = Number(last);
    if (length === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - length), end: size - 1 };
  }
  const start = Number(first);
  if (last !== '' && Number(last) < start) return null; // invalid per RFC 9110: ignored, not an error
  if (start >= size) return 'unsatisfiable';
  return { start, end: last === '' ? size - 1 : Math.min(Number(last), size - 1) };
}

const MEDIA_TYPES: Record<string, string> = {
  '.mp4': 'video/mp4',
  '.webm': 'video/webm',
  '.mov': 'video/quicktime',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.json': 'application/json',
};

/** The Content-Type to send for a render file; anything unknown is opaque bytes (sent with nosniff). */
export function mediaContentType(file: string): string {
  return MEDIA_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
}
