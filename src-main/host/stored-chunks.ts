/**
 * The studio's chunk store (`<data>/chunks/`): opened with the host, bounded by the limit in the
 * settings (or the default: 20 GiB, or half the free disk), told which jobs' chunks must not be
 * evicted (a queued, paused, running or blocked job's), and cleared or resized by audited commands.
 */
import { join } from 'node:path';
import type { Job } from '../../src-preload/contract.ts';
import { ChunkStore } from '../engine/chunk-store/chunk-store.ts';
import { defaultStoreLimit } from '../engine/chunk-store/free-space.ts';
import { type ChunkStoreView, MAX_STORE_LIMIT_BYTES } from '../engine/chunk-store/store-limit.ts';
import type { Audit } from './audit.ts';
import type { StudioSettings } from './studio-settings.ts';

/** Jobs whose chunks are pinned: they will run (again), so what they finished must stay. */
const WAITING_OR_RUNNING: readonly Job['status'][] = ['queued', 'paused', 'running', 'blocked'];

export function chunksDir(dataDir: string): string {
  return join(dataDir, 'chunks');
}

export class StudioChunks {
  readonly store: ChunkStore;
  private readonly settings: StudioSettings;

  /** The store is read from disk in start(), once the host holds its data folder (the database's lock). */
  constructor(dataDir: string, settings: StudioSettings, transfer?: 'link' | 'copy') {
    this.store = new ChunkStore({ dir: chunksDir(dataDir), limitBytes: MAX_STORE_LIMIT_BYTES, ...(transfer ? { transfer } : {}) });
    this.settings = settings;
  }

  /** The limit in force: the operator's, or the default for this disk. */
  limit(): { bytes: number; source: ChunkStoreView['limitSource'] } {
    const set = this.settings.chunkStoreLimit();
    return set === undefined ? { bytes: defaultStoreLimit(this.store.dir, this.store.stats().bytes), source: 'default' } : { bytes: set, source: 'setting' };
  }

  /** At start: reads the store, pins only the jobs still waiting or running, then holds it to its limit. */
  async start(jobs: readonly Job[]): Promise<void> {
    await this.store.load();
    this.store.pins.retain(jobs.filter((j) => WAITING_OR_RUNNING.includes(j.status)).map((j) => j.id));
    await this.store.setLimit(this.limit().bytes);
  }

  /** A job that has ended (done, failed, canceled) no longer holds its chunks: they may be evicted, least recently used first. */
  jobChanged(job: Job): void {
    if (!WAITING_OR_RUNNING.includes(job.status)) this.store.pins.unpin(job.id);
  }

  view(): ChunkStoreView {
    const stats = this.store.stats();
    return { bytes: stats.bytes, entries: stats.entries, limitBytes: stats.limitBytes, limitSource: this.limit().source, pinnedEntries: stats.pinnedEntries, pinnedBytes: stats.pinnedBytes };
  }

  async clear(actor: string, reason: string | null, audit: Audit): Promise<ChunkStoreView & { removedEntries: number; removedBytes: number }> {
    const before = this.view();
    const { removedEntries, removedBytes } = await this.store.clear();
    audit(actor, 'clear_chunk_store', reason, { removedEntries, removedBytes, keptEntries: before.entries - removedEntries, before: { bytes: before.bytes, entries: before.entries } });
    return { ...this.view(), removedEntries, removedBytes };
  }

  /** A new limit (null: the default), kept in the settings and applied at once (least recently used entries go first). */
  async setLimit(bytes: number | null, actor: string, reason: string | null, audit: Audit): Promise<ChunkStoreView> {
    const from = this.view();
    this.settings.saveChunkStoreLimit(bytes);
    await this.store.setLimit(this.limit().bytes);
    const to = this.view();
    audit(actor, 'set_chunk_store_limit', reason, { from: { limitBytes: from.limitBytes, source: from.limitSource }, to: { limitBytes: to.limitBytes, source: to.limitSource }, evictedEntries: Math.max(0, from.entries - to.entries) });
    return to;
  }
}
