/**
 * The default limit of a chunk store: 20 GiB, or half of the disk space free for it where that is
 * less (what it already holds counts as free for it), so that a store on a small disk never fills
 * it. A 12 s 1080p shot's stored chunks take about 1–2 GiB.
 */
import { statfsSync } from 'node:fs';
import { DEFAULT_STORE_LIMIT_BYTES, MIN_STORE_LIMIT_BYTES } from './store-limit.ts';

export function defaultStoreLimit(dir: string, usedBytes = 0): number {
  try {
    const fs = statfsSync(dir);
    const free = Number(fs.bavail) * Number(fs.bsize);
    return Math.max(MIN_STORE_LIMIT_BYTES, Math.min(DEFAULT_STORE_LIMIT_BYTES, Math.floor((free + usedBytes) / 2)));
  } catch {
    return DEFAULT_STORE_LIMIT_BYTES;
  }
}
