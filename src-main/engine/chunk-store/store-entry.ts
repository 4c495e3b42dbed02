/**
 * One stored chunk: its file and a small JSON record beside it (the index is those records). A file
 * counts as stored only once its record exists and agrees with it: the file is renamed into place
 * first and the record written after it, each atomically, so a crash between the two leaves a file
 * without a record, which the next open deletes. What a chunk is checked by when it is stored and
 * again before every reuse: its size in bytes and its SHA-256 (which catch truncation and any
 * overwritten byte), and what ffprobe reads of it (frame count, width, height).
 */
import { stat } from 'node:fs/promises';
import { z } from 'zod';
import { probe } from '../ffprobe.ts';
import { CHUNK_KEY, streamDigest } from './store-key.ts';

export const StoredEntrySchema = z.object({
  key: z.string().regex(CHUNK_KEY),
  /** The file's extension, with its dot: the container ffmpeg reads it as. */
  ext: z.string().regex(/^\.[a-z0-9]{1,8}$/),
  bytes: z.number().int().nonnegative(),
  sha256: z.string().regex(CHUNK_KEY),
  frames: z.number().int().nonnegative(),
  width: z.number().int().nonnegative(),
  height: z.number().int().nonnegative(),
  createdAt: z.number(),
  lastUsedAt: z.number(),
  /** The render time this chunk stands for, ms: what a reuse saves. */
  workMs: z.number().nonnegative(),
  /** What the stage's caller keeps with it (an export's verification and measured quality). */
  meta: z.unknown().optional(),
});
export type StoredEntry = z.infer<typeof StoredEntrySchema>;

/** What a stored chunk must hold, when the caller knows it; what ffprobe reads is kept either way. */
export interface EntryExpect {
  frames?: number;
  width?: number;
  height?: number;
}

export interface FileFacts {
  bytes: number;
  sha256: string;
  frames: number;
  width: number;
  height: number;
}

/** Reads a file's size, digest and video stream (ffprobe counts its packets: one per frame for what we write). */
export async function fileFacts(path: string, signal?: AbortSignal): Promise<FileFacts> {
  const [info, sha256, probed] = await Promise.all([stat(path), streamDigest(path), probe(path, signal ? { signal } : {})]);
  return { bytes: info.size, sha256, frames: probed.frames, width: probed.width, height: probed.height };
}

/**
 * Why a stored entry's file (at `path`) is not what was stored, or undefined when it is: the cheap
 * checks first (size, then the digest), ffprobe only for a file whose bytes are the stored ones.
 */
export async function entryProblem(path: string, entry: StoredEntry, expect: EntryExpect = {}, signal?: AbortSignal): Promise<string | undefined> {
  const bytes = (await stat(path)).size;
  if (bytes !== entry.bytes) return `it holds ${bytes} bytes, ${entry.bytes} were stored`;
  if ((await streamDigest(path)) !== entry.sha256) return 'its bytes changed since it was stored (SHA-256 differs)';
  let probed;
  try {
    probed = await probe(path, signal ? { signal } : {});
  } catch (error) {
    if (signal?.aborted) throw error;
    return `ffprobe cannot read it (${(error instanceof Error ? error.message : String(error)).split('\n')[0]})`;
  }
  return factsProblem({ bytes, sha256: entry.sha256, frames: probed.frames, width: probed.width, height: probed.height }, { ...entry, ...expect });
}

/** How a file differs from what it should be, in words; undefined when it is right. */
export function factsProblem(facts: FileFacts, want: EntryExpect & Partial<FileFacts>): string | undefined {
  if (want.bytes !== undefined && facts.bytes !== want.bytes) return `it holds ${facts.bytes} bytes, ${want.bytes} were stored`;
  if (want.sha256 !== undefined && facts.sha256 !== want.sha256) return 'its bytes changed since it was stored (SHA-256 differs)';
  if (facts.frames === 0) return 'ffprobe finds no frame in it';
  if (want.frames !== undefined && facts.frames !== want.frames) return `ffprobe counts ${facts.frames} frames, ${want.frames} expected`;
  if ((want.width !== undefined && facts.width !== want.width) || (want.height !== undefined && facts.height !== want.height)) {
    return `ffprobe reads ${facts.width}x${facts.height}, ${want.width}x${want.height} expected`;
  }
  return undefined;
}
