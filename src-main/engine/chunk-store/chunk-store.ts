/**
 * The chunk result store: finished chunks kept on disk under their keys (store-key.ts), so that a
 * stop, a crash, a retry or a re-render reuses them instead of rendering them again.
 *
 * - Layout: `entries/<k0k1>/<key><ext>` with `<key>.json` beside it (store-entry.ts), `incoming/`
 *   for files on their way in, `pins/` (store-pins.ts), `plans/` (plan-memo.ts).
 * - In: a chunk is hard-linked (the same disk: no bytes copied; copied where a link cannot be made)
 *   into `incoming/`, checked there (ffprobe, size, SHA-256), renamed into place, then its record
 *   written. A file that lives on outside the scratch folders (a shot's export, which the artist
 *   keeps) is copied both ways instead, so that damage to the one never reaches the other. Any failure on the way (a full disk among them) removes what was written: the chunk is
 *   not stored, the render goes on.
 * - Out: linked into the place the pipeline expects it, checked again there (the same inode), then
 *   renamed into place. A chunk that does not check out is deleted from the store and rendered anew.
 * - Bounded: the bytes of every entry plus those being written stay within the limit. To make room
 *   the least recently used entries go first; pinned ones (a queued, paused or running job's) and
 *   ones being read never do; a chunk that cannot get room is not stored.
 * The host owns its store alone (it holds its data folder). Command-line renders share theirs (a
 * cache folder) without harm: each writes through its own `incoming/<pid>/`, and what one does not
 * know of the other's (an entry added, one evicted) costs a render, never a wrong frame; only the
 * limit is then held per process, not for all of them together.
 */
import { randomBytes } from 'node:crypto';
import { copyFile, link, mkdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { PlanMemo } from './plan-memo.ts';
import { type EntryExpect, entryProblem, factsProblem, fileFacts, type StoredEntry } from './store-entry.ts';
import { scanEntries, sweepIncoming, writeJsonAtomic } from './store-files.ts';
import { StorePins } from './store-pins.ts';
import { CHUNK_KEY } from './store-key.ts';

export interface ChunkStoreOptions {
  dir: string;
  limitBytes: number;
  /** 'link' (default): hard links where the disk allows, copies elsewhere; 'copy': always copies. */
  transfer?: 'link' | 'copy';
  now?: () => number;
}

export type FetchResult = { status: 'hit'; entry: StoredEntry } | { status: 'miss'; reason?: string } | { status: 'corrupt'; reason: string };
export type PutResult = { status: 'stored' | 'exists'; entry: StoredEntry } | { status: 'refused'; reason: string };

export interface StoreStats {
  dir: string;
  bytes: number;
  entries: number;
  limitBytes: number;
  pinnedEntries: number;
  pinnedBytes: number;
  /** Stage geometries whose chunk ends are remembered. */
  plans: number;
}

export interface PutOptions {
  expect?: EntryExpect;
  workMs: number;
  meta?: unknown;
  /** Copy, never link: the file lives on outside the scratch folders. */
  detached?: boolean;
}

const LINK_REFUSED = new Set(['EXDEV', 'EPERM', 'EMLINK', 'ENOTSUP', 'EOPNOTSUPP']);
const describe = (error: unknown) => (error instanceof Error ? error.message : String(error));

export class ChunkStore {
  readonly dir: string;
  readonly pins: StorePins;
  readonly plans: PlanMemo;
  private limit: number;
  private readonly transfer: 'link' | 'copy';
  private readonly now: () => number;
  private readonly index = new Map<string, StoredEntry>();
  private committedBytes = 0;
  private reservedBytes = 0;
  /** Keys being read out right now: never evicted under a reader. */
  private readonly busy = new Map<string, number>();
  private readonly puts = new Map<string, Promise<PutResult>>();
  /** Room is made one request at a time, so two puts never count the same free bytes. */
  private lock: Promise<unknown> = Promise.resolve();

  static async open(options: ChunkStoreOptions): Promise<ChunkStore> {
    const store = new ChunkStore(options);
    await store.load();
    return store;
  }

  /** A store not yet read from disk: load() it before any use (a host does once it holds its data folder). */
  constructor(options: ChunkStoreOptions) {
    this.dir = options.dir;
    this.limit = checkedLimit(options.limitBytes);
    this.transfer = options.transfer ?? 'link';
    this.now = options.now ?? Date.now;
    this.pins = new StorePins(join(this.dir, 'pins'));
    this.plans = new PlanMemo(join(this.dir, 'plans'));
  }

  /** Reads the index, pins and plans, sweeps what a crash left half-written, and holds the limit. Creates nothing: folders appear with the first chunk. */
  async load(): Promise<void> {
    await sweepIncoming(join(this.dir, 'incoming'));
    this.index.clear();
    this.committedBytes = 0;
    for (const entry of await scanEntries(join(this.dir, 'entries'))) {
      this.index.set(entry.key, entry);
      this.committedBytes += entry.bytes;
    }
    this.pins.load();
    this.plans.load();
    await this.makeRoom(0);
  }

  get limitBytes(): number {
    return this.limit;
  }

  /** A new limit; entries beyond it are evicted at once (pinned ones stay, and may hold it over until their jobs end). */
  async setLimit(bytes: number): Promise<void> {
    this.limit = checkedLimit(bytes);
    await this.locked(() => this.makeRoom(0));
  }

  has(key: string): boolean {
    return this.index.has(key);
  }

  entry(key: string): StoredEntry | undefined {
    return this.index.get(key);
  }

  entries(): StoredEntry[] {
    return [...this.index.values()];
  }

  /** Where a key's file lives (tests corrupt it there). */
  entryPath(key: string, ext = this.index.get(key)?.ext ?? ''): string {
    return join(this.dir, 'entries', key.slice(0, 2), `${key}${ext}`);
  }

  stats(): StoreStats {
    const pinned = this.pins.pinnedKeys();
    let pinnedEntries = 0;
    let pinnedBytes = 0;
    for (const entry of this.index.values()) {
      if (!pinned.has(entry.key)) continue;
      pinnedEntries++;
      pinnedBytes += entry.bytes;
    }
    return { dir: this.dir, bytes: this.committedBytes + this.reservedBytes, entries: this.index.size, limitBytes: this.limit, pinnedEntries, pinnedBytes, plans: this.plans.size };
  }

  /**
   * Puts the stored chunk at `target` (replacing what is there) if it checks out: linked next to
   * the target, checked (size, SHA-256, ffprobe), renamed into place. A chunk that fails the check
   * is deleted from the store: 'corrupt', with why.
   */
  async fetch(key: string, target: string, options: { expect?: EntryExpect; signal?: AbortSignal; detached?: boolean } = {}): Promise<FetchResult> {
    const entry = this.index.get(key);
    if (!entry) return { status: 'miss' };
    this.busy.set(key, (this.busy.get(key) ?? 0) + 1);
    const temp = join(dirname(target), `.${basename(target, extname(target))}.fetch-${randomBytes(4).toString('hex')}${extname(target)}`);
    try {
      await mkdir(dirname(target), { recursive: true });
      try {
        await this.copyIn(this.entryPath(key), temp, options.detached);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') return { status: 'miss', reason: `could not read it out: ${describe(error)}` };
        await this.drop(key);
        return { status: 'corrupt', reason: 'its file is missing from the store' };
      }
      const problem = await entryProblem(temp, entry, options.expect, options.signal);
      if (problem) {
        await this.drop(key);
        return { status: 'corrupt', reason: problem };
      }
      await rename(temp, target);
      entry.lastUsedAt = this.now();
      await this.writeRecord(entry).catch(() => undefined); // a stale last-use time costs eviction order only
      return { status: 'hit', entry };
    } finally {
      await rm(temp, { force: true });
      const left = (this.busy.get(key) ?? 1) - 1;
      if (left > 0) this.busy.set(key, left);
      else this.busy.delete(key);
    }
  }

  /** Stores a finished chunk's file under its key (the file itself stays where it is). Never throws. */
  async put(key: string, source: string, options: PutOptions): Promise<PutResult> {
    if (!CHUNK_KEY.test(key)) return { status: 'refused', reason: `not a chunk key: ${key}` };
    const known = this.index.get(key);
    if (known) return { status: 'exists', entry: known };
    const running = this.puts.get(key);
    if (running) return running.then((r) => (r.status === 'stored' ? { status: 'exists', entry: r.entry } : r));
    const put = this.store(key, source, options).catch((error: unknown): PutResult => ({ status: 'refused', reason: describe(error) }));
    this.puts.set(key, put);
    try {
      return await put;
    } finally {
      this.puts.delete(key);
    }
  }

  /** Deletes every entry no queued or running job holds, and the remembered plans. */
  async clear(): Promise<{ removedEntries: number; removedBytes: number; keptEntries: number }> {
    return await this.locked(async () => {
      const victims = [...this.index.values()].filter((e) => !this.pins.isPinned(e.key) && !this.busy.has(e.key));
      const removedBytes = victims.reduce((sum, e) => sum + e.bytes, 0);
      await Promise.all(victims.map((e) => this.drop(e.key)));
      await this.plans.clear();
      return { removedEntries: victims.length, removedBytes, keptEntries: this.index.size };
    });
  }

  /** Waits for the stores, pins and plans being written (tests and a closing host). */
  async flush(): Promise<void> {
    await Promise.all([...this.puts.values()]);
    await Promise.all([this.pins.flush(), this.plans.flush()]);
  }

  private async store(key: string, source: string, options: PutOptions): Promise<PutResult> {
    const bytes = (await stat(source)).size;
    if (bytes > this.limit) return { status: 'refused', reason: `it is ${bytes} bytes, more than the store's limit of ${this.limit}` };
    const room = await this.locked(() => this.makeRoom(bytes));
    if (!room) return { status: 'refused', reason: 'the store is full of chunks of queued or running jobs' };
    const ext = extname(source).toLowerCase();
    const temp = join(this.incoming, `${key}.${randomBytes(4).toString('hex')}${ext}`);
    const final = this.entryPath(key, ext);
    let placed = false;
    let committed = false;
    try {
      await mkdir(this.incoming, { recursive: true });
      await this.copyIn(source, temp, options.detached);
      const facts = await fileFacts(temp);
      const problem = factsProblem(facts, { ...options.expect, bytes });
      if (problem) return { status: 'refused', reason: `not stored: ${problem}` };
      await mkdir(dirname(final), { recursive: true });
      await rename(temp, final);
      placed = true;
      const now = this.now();
      const entry: StoredEntry = { key, ext, ...facts, createdAt: now, lastUsedAt: now, workMs: Math.max(0, Math.round(options.workMs)), ...(options.meta === undefined ? {} : { meta: options.meta }) };
      await this.writeRecord(entry);
      committed = true;
      this.index.set(key, entry);
      this.committedBytes += entry.bytes;
      return { status: 'stored', entry };
    } finally {
      this.reservedBytes -= bytes;
      if (!committed) {
        await rm(temp, { force: true });
        if (placed) await Promise.all([rm(final, { force: true }), rm(this.recordPath(key), { force: true })]);
      }
    }
  }

  /** Evicts least recently used entries until `bytes` more fit, and reserves them; false when they cannot. */
  private async makeRoom(bytes: number): Promise<boolean> {
    const over = this.committedBytes + this.reservedBytes + bytes - this.limit;
    if (over > 0) {
      const evictable = [...this.index.values()].filter((e) => !this.pins.isPinned(e.key) && !this.busy.has(e.key)).sort((a, b) => a.lastUsedAt - b.lastUsedAt);
      const victims: StoredEntry[] = [];
      let freed = 0;
      for (const entry of evictable) {
        if (freed >= over) break;
        victims.push(entry);
        freed += entry.bytes;
      }
      if (freed < over && bytes > 0) return false;
      await Promise.all(victims.map((e) => this.drop(e.key)));
    }
    this.reservedBytes += bytes;
    return true;
  }

  private async drop(key: string): Promise<void> {
    const entry = this.index.get(key);
    if (entry) {
      this.index.delete(key);
      this.committedBytes -= entry.bytes;
    }
    await Promise.all([rm(this.entryPath(key, entry?.ext), { force: true }), rm(this.recordPath(key), { force: true })]);
  }

  private async copyIn(source: string, target: string, detached = false): Promise<void> {
    if (this.transfer === 'link' && !detached) {
      try {
        await link(source, target);
        return;
      } catch (error) {
        if (!LINK_REFUSED.has((error as NodeJS.ErrnoException).code ?? '')) throw error;
      }
    }
    await copyFile(source, target);
  }

  /** This process's way in. */
  private get incoming(): string {
    return join(this.dir, 'incoming', String(process.pid));
  }

  private recordPath(key: string): string {
    return join(this.dir, 'entries', key.slice(0, 2), `${key}.json`);
  }

  private async writeRecord(entry: StoredEntry): Promise<void> {
    await writeJsonAtomic(this.recordPath(entry.key), entry);
  }

  private locked<T>(work: () => Promise<T>): Promise<T> {
    const next = this.lock.then(work, work);
    this.lock = next.catch(() => undefined);
    return next;
  }
}

function checkedLimit(bytes: number): number {
  if (!(Number.isFinite(bytes) && bytes >= 0)) throw new RangeError(`a chunk store's limit must be a number of bytes ≥ 0, got ${bytes}`);
  return Math.floor(bytes);
}
