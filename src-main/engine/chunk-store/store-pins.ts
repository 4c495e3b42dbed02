/**
 * Which stored chunks may not be evicted: those of a job that is queued, paused or running. The
 * engine pins every key it looks up or stores for a job (its owner); the host unpins a job when it
 * ends and, at start, keeps only the owners still waiting or running. Kept on disk, one small file
 * per owner, so that a host killed mid-render does not lose the pins of the jobs it will resume.
 */
import { createHash } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { readJsonFiles, writeJsonAtomic } from './store-files.ts';
import { CHUNK_KEY } from './store-key.ts';

const PinFileSchema = z.object({ owner: z.string(), keys: z.array(z.string().regex(CHUNK_KEY)) });

/** An owner's name as a file name: job ids already are one; anything else is hashed. */
function fileNameOf(owner: string): string {
  return /^[A-Za-z0-9_-]{1,80}$/.test(owner) ? `${owner}.json` : `${createHash('sha256').update(owner).digest('hex').slice(0, 32)}.json`;
}

export class StorePins {
  private readonly dir: string;
  private readonly owners = new Map<string, Set<string>>();
  /** Per owner, the write in flight: writes of one owner happen in order, the last one wins. */
  private readonly writes = new Map<string, Promise<void>>();

  constructor(dir: string) {
    this.dir = dir;
  }

  /** Reads the pins a previous host left; a damaged file pins nothing (its owner's chunks become evictable, which costs work, never a wrong frame). */
  load(): void {
    for (const { value } of readJsonFiles(this.dir, PinFileSchema)) this.owners.set(value.owner, new Set(value.keys));
  }

  isPinned(key: string): boolean {
    for (const keys of this.owners.values()) if (keys.has(key)) return true;
    return false;
  }

  pinnedKeys(): Set<string> {
    const all = new Set<string>();
    for (const keys of this.owners.values()) for (const key of keys) all.add(key);
    return all;
  }

  ownerNames(): string[] {
    return [...this.owners.keys()];
  }

  pin(owner: string, key: string): void {
    let keys = this.owners.get(owner);
    if (!keys) this.owners.set(owner, (keys = new Set()));
    if (keys.has(key)) return;
    keys.add(key);
    this.persist(owner);
  }

  unpin(owner: string): void {
    if (!this.owners.delete(owner)) return;
    this.persist(owner);
  }

  /** Keeps only these owners' pins (the jobs still queued, paused or running). */
  retain(active: Iterable<string>): string[] {
    const keep = new Set(active);
    const dropped = [...this.owners.keys()].filter((owner) => !keep.has(owner));
    for (const owner of dropped) this.unpin(owner);
    return dropped;
  }

  /** Waits for the pin files written so far. */
  async flush(): Promise<void> {
    await Promise.all([...this.writes.values()]);
  }

  private persist(owner: string): void {
    const previous = this.writes.get(owner) ?? Promise.resolve();
    const next = previous.then(() => this.write(owner)).catch(() => undefined);
    this.writes.set(owner, next);
    void next.finally(() => {
      if (this.writes.get(owner) === next) this.writes.delete(owner);
    });
  }

  private async write(owner: string): Promise<void> {
    const file = join(this.dir, fileNameOf(owner));
    const keys = this.owners.get(owner);
    if (!keys) {
      await rm(file, { force: true });
      return;
    }
    await writeJsonAtomic(file, { owner, keys: [...keys] });
  }
}
