/**
 * Where a stage's chunks were cut the last time that work was planned. The planner sizes chunks
 * from the learned throughput, which every finished chunk moves: left to itself, a resumed, retried
 * or repeated render would often cut elsewhere, and no chunk key would match. So the store
 * remembers, per stage geometry (stage, method, quality, frame count, size, rates: everything the
 * cut depends on except the content and the figure), the chunk ends it used; a later plan of the
 * same geometry keeps them while every chunk still fits its circuit's timeout with the figure of
 * that moment, and is cut afresh (and remembered) otherwise. The content is left out on purpose: a
 * shot whose last keyframe changed must be cut as before, or none of its unchanged chunks is found.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { readJsonFiles, writeJsonAtomic } from './store-files.ts';
import { canonicalJson, CHUNK_KEY, sha256Hex } from './store-key.ts';

const PlanFileSchema = z.object({ ends: z.array(z.number().int().positive()).min(1) });

export class PlanMemo {
  private readonly dir: string;
  private readonly plans = new Map<string, number[]>();
  private readonly writes = new Set<Promise<void>>();

  constructor(dir: string) {
    this.dir = dir;
  }

  /** Reads the remembered plans; an unreadable one is planned afresh. */
  load(): void {
    for (const { name, value } of readJsonFiles(this.dir, PlanFileSchema)) if (CHUNK_KEY.test(name)) this.plans.set(name, value.ends);
  }

  /** The chunk ends last used for this geometry, if any. */
  get(geometry: unknown): number[] | undefined {
    return this.plans.get(sha256Hex(canonicalJson(geometry)));
  }

  /** Remembers the ends (best effort: a plan that is not remembered costs reuse, never correctness). */
  async set(geometry: unknown, ends: readonly number[]): Promise<void> {
    const key = sha256Hex(canonicalJson(geometry));
    const known = this.plans.get(key);
    if (known && known.length === ends.length && known.every((e, i) => e === ends[i])) return;
    this.plans.set(key, [...ends]);
    // A full disk: the plan lives in memory for this process.
    const write = writeJsonAtomic(join(this.dir, `${key}.json`), { ends }).catch(() => undefined);
    this.writes.add(write);
    await write.finally(() => this.writes.delete(write));
  }

  /** Waits for the plans being written. */
  async flush(): Promise<void> {
    await Promise.all([...this.writes]);
  }

  get size(): number {
    return this.plans.size;
  }

  async clear(): Promise<void> {
    this.plans.clear();
    await rm(this.dir, { recursive: true, force: true });
  }
}
