/**
 * The chunk store's size limit and what the host shows of the store. No Node: the contract
 * re-exports them to the window, which compiles without Node's types.
 */
import { z } from 'zod';

export const GiB = 1024 ** 3;
/** How large a store may grow when nobody said (less on a disk with little free space: free-space.ts). */
export const DEFAULT_STORE_LIMIT_BYTES = 20 * GiB;
/** Below this a store holds hardly one shot: refused as a setting. */
export const MIN_STORE_LIMIT_BYTES = 64 * 1024 ** 2;
export const MAX_STORE_LIMIT_BYTES = 64 * 1024 ** 4;

/** A limit as an operator sets it (the setChunkStoreLimit command) and the settings keep it. */
export const ChunkStoreLimitSchema = z
  .number({ error: 'limitBytes must be a number of bytes' })
  .int('limitBytes must be a whole number of bytes')
  .min(MIN_STORE_LIMIT_BYTES, `limitBytes must be at least ${MIN_STORE_LIMIT_BYTES} (64 MiB)`)
  .max(MAX_STORE_LIMIT_BYTES, `limitBytes must be at most ${MAX_STORE_LIMIT_BYTES} (64 TiB)`);

/** The store as the chunkStore command answers: space used, entries, the limit and where it comes from. */
export interface ChunkStoreView {
  bytes: number;
  entries: number;
  limitBytes: number;
  /** 'setting': an operator set it (setChunkStoreLimit); 'default': 20 GiB or half the free disk. */
  limitSource: 'default' | 'setting';
  /** Entries of queued, paused or running jobs: never evicted. */
  pinnedEntries: number;
  pinnedBytes: number;
}
