/**
 * How large a chunk store may grow when nobody said: 20 GiB, or half of the disk space free for it
 * where that is less (what it already holds counts as free for it), so that a store on a small disk
 * never fills it. A 12 s 1080p shot's intermediates and chunks are about 1–2 GiB.
 */
import { statfsSync } from 'node:fs';

export const GiB = 1024 ** 3;
export const DEFAULT_STORE_LIMIT_BYTES = 20 * GiB;
/** Below this a store holds hardly a shot: refused as a setting. */
export const MIN_STORE_LIMIT_BYTES = 64 * 1024 ** 2;
export const MAX_STORE_LIMIT_BYTES = 1024 ** 4 * 64;

/** The default limit for a store in `dir` that already holds `usedBytes`. */
export function defaultStoreLimit(dir: string, usedBytes = 0): number {
  try {
    const fs = statfsSync(dir);
    const free = Number(fs.bavail) * Number(fs.bsize);
    return Math.max(MIN_STORE_LIMIT_BYTES, Math.min(DEFAULT_STORE_LIMIT_BYTES, Math.floor((free + usedBytes) / 2)));
  } catch {
    return DEFAULT_STORE_LIMIT_BYTES;
  }
}
