/**
 * Chunk keys: the SHA-256 of everything that determines a chunk's frames, written as canonical JSON
 * (object keys sorted, so the same material always hashes alike). The material is built by
 * shot-keys.ts from a task with its paths taken out, the ffmpeg command it runs (with placeholder
 * paths), and the identities (keys) of the upstream chunks whose frames it reads. Every key also
 * carries the store's format and the ffmpeg build, so that neither a change of how chunks are made
 * nor an ffmpeg upgrade ever reuses a chunk made the old way.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import { extname } from 'node:path';
import { resolveFfmpeg } from '../ffmpeg-binaries.ts';

/** Bumped whenever stored chunks of an older build must no longer be reused. */
export const STORE_FORMAT = 1;

/** A key is 64 lowercase hex digits. */
export const CHUNK_KEY = /^[0-9a-f]{64}$/;

/** JSON with object keys in sorted order and undefined fields left out, so equal material is equal text. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value)) throw new RangeError(`key material must hold finite numbers, got ${value}`);
    return JSON.stringify(value) ?? 'null';
  }
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v === undefined ? null : v)).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

let ffmpegBuild: string | undefined;

/**
 * The ffmpeg build the workers run, as its `-version` banner's first line ("ffmpeg version 5.1.9-…"):
 * asked once per process. A binary that cannot say is "unknown": its chunks are then kept under
 * keys no known build shares.
 */
export function ffmpegIdentity(): string {
  if (ffmpegBuild !== undefined) return ffmpegBuild;
  try {
    const banner = execFileSync(resolveFfmpeg().ffmpeg, ['-hide_banner', '-version'], { encoding: 'utf8', timeout: 10_000, stdio: ['ignore', 'pipe', 'ignore'] });
    ffmpegBuild = banner.split('\n')[0]?.trim() || 'unknown';
  } catch {
    ffmpegBuild = 'unknown';
  }
  return ffmpegBuild;
}

/** The key of a chunk made from `material` (a task, a command, upstream identities). */
export function chunkKey(material: unknown): string {
  return sha256Hex(canonicalJson({ format: STORE_FORMAT, ffmpeg: ffmpegIdentity(), material }));
}

/** A placeholder absolute path for a command in key material: the real paths differ per job and run. */
export function keyPath(name: string, like?: string): string {
  return `/storycore-key/${name}${like ? extname(like) : ''}`;
}

const digests = new Map<string, { size: number; mtimeMs: number; digest: string }>();

/**
 * The SHA-256 of a file's bytes (a keyframe picture): what its chunks' keys name instead of its
 * path. Remembered per path while its size and modification time stay the same.
 */
export async function fileDigest(path: string): Promise<string> {
  const info = statSync(path);
  // A FIFO or a device would block the read for ever (chaos 2 turns a keyframe into a FIFO): such an
  // input has no key, so its chunk is neither looked up nor stored, and its task meets its deadline.
  if (!info.isFile()) throw new Error(`${path} is not a regular file: it cannot be hashed for the chunk store`);
  const known = digests.get(path);
  if (known && known.size === info.size && known.mtimeMs === info.mtimeMs) return known.digest;
  const digest = await streamDigest(path);
  digests.set(path, { size: info.size, mtimeMs: info.mtimeMs, digest });
  return digest;
}

/** The SHA-256 of a file, read as a stream. */
export function streamDigest(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(path)
      .on('data', (chunk) => hash.update(chunk))
      .on('end', () => resolve(hash.digest('hex')))
      .on('error', reject);
  });
}
