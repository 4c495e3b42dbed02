/**
 * One shot's dealings with the chunk store: the stage drivers look a chunk up before rendering it
 * (fetch), the stage runner offers every chunk it finished (keep), and the planner's cut is kept
 * from one render of the same work to the next (plan). Each is written in the trace and announced
 * as a `chunk` event, so the job's progress, the trace and the CLI can say what was reused.
 *
 * Storing runs beside the render (the lane goes on to its next chunk while the finished one is
 * checked and linked in); the shot waits for every store before it ends (settle), so nothing is
 * deleted under a store in progress. A chunk that cannot be stored (a full disk, a full store) is
 * still used by this render: storing never fails a shot.
 *
 * A fault drill is never skipped by a reuse: with a drill on a stage, nothing of that stage or of
 * a later one is looked up (a reused export would skip a drilled interpolation as surely as a
 * reused interpolation chunk would); earlier stages still are.
 */
import { DEFAULT_SAFETY_FACTOR } from '../chunks/cost-model.ts';
import { type ChunkPlan, type PlanLimits, planChunks, type StageWork } from '../chunks/planner.ts';
import type { ShotRun } from '../shot-run.ts';
import { STAGES, type StageName, type StageResult, type StageTask } from '../tasks.ts';
import type { ChunkRecord } from '../trace.ts';
import type { ChunkStore } from './chunk-store.ts';
import type { EntryExpect, StoredEntry } from './store-entry.ts';

/** What a stage call says about the chunk it makes, for the store. */
export interface StoreCall {
  key: string;
  expect?: EntryExpect;
  /**
   * The chunk is the shot's export: it stands for the whole shot's work (reusing it saves all of
   * it), and lives on in the render folder, so it is copied in and out, never linked.
   */
  whole?: boolean;
}

/** A chunk to look up: where the pipeline wants it, and which task (and progress part) it stands for. */
export interface StoredPiece extends StoreCall {
  stage: StageName;
  detail: string;
  task: StageTask;
  output: string;
}

export interface ShotStoreOptions {
  store: ChunkStore;
  /** false: look nothing up (a forced full render); finished chunks are still stored. */
  read: boolean;
  /** Whose chunks these are (a job id): pinned against eviction until the host unpins the owner. */
  owner?: string;
}

const shortKey = (key: string) => key.slice(0, 16);

export class ShotChunks {
  private readonly run: ShotRun;
  private readonly store: ChunkStore | undefined;
  private readonly read: boolean;
  private readonly owner: string | undefined;
  private readonly pending = new Set<Promise<void>>();
  /** Stages from this one on are not looked up: the first one a fault drill is on. */
  private readonly firstDrilled: number;

  constructor(run: ShotRun, options: ShotStoreOptions | undefined) {
    this.run = run;
    this.store = options?.store;
    this.read = options?.read ?? false;
    this.owner = options?.owner;
    const drilled = run.trace.chaos.map((rule) => STAGES.indexOf(rule.stage));
    this.firstDrilled = Math.min(STAGES.length, ...drilled);
    if (this.store) {
      run.trace.chunks = [];
      run.trace.storeRead = this.read;
    }
  }

  /** Whether a store is attached (keys are worth computing). */
  get attached(): boolean {
    return this.store !== undefined;
  }

  /** The stored chunk, put at piece.output and checked, or undefined (not stored, not read, or corrupt and deleted). */
  async fetch(piece: StoredPiece, signal: AbortSignal): Promise<StoredEntry | undefined> {
    if (!this.store || !this.read || STAGES.indexOf(piece.stage) >= this.firstDrilled) return undefined;
    this.pin(piece.key);
    const found = await this.store.fetch(piece.key, piece.output, { ...(piece.expect ? { expect: piece.expect } : {}), signal, detached: piece.whole === true });
    if (found.status === 'hit') {
      this.record(piece.stage, { stage: piece.stage, detail: piece.detail, key: shortKey(piece.key), outcome: 'reused', workMs: found.entry.workMs });
      this.run.progress(piece.stage, piece.task, 100);
      return found.entry;
    }
    if (found.status === 'corrupt') this.record(piece.stage, { stage: piece.stage, detail: piece.detail, key: shortKey(piece.key), outcome: 'corrupt', reason: found.reason });
    return undefined;
  }

  /** Looks up several chunks, at most `limit` at once (each is checked by reading it); answers which were found. */
  async fetchAll(pieces: readonly StoredPiece[], limit: number, signal: AbortSignal): Promise<boolean[]> {
    const found = pieces.map(() => false);
    let next = 0;
    const lane = async () => {
      while (next < pieces.length) {
        const index = next++;
        found[index] = (await this.fetch(pieces[index]!, signal)) !== undefined;
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, pieces.length)) }, lane));
    return found;
  }

  /** Offers a finished chunk to the store, beside the render; the shot waits for it in settle(). */
  keep(stage: StageName, detail: string, call: StoreCall, result: StageResult): void {
    const store = this.store;
    if (!store) return;
    this.pin(call.key);
    const trace = this.run.trace;
    const workMs = call.whole ? trace.attemptMs() + (trace.reuse()?.savedMs ?? 0) : result.elapsedMs;
    const meta = result.verification || result.quality ? { verification: result.verification, quality: result.quality } : undefined;
    const record: ChunkRecord = { stage, detail, key: shortKey(call.key), outcome: 'rendered', workMs: result.elapsedMs };
    trace.chunks!.push(record);
    const put = store.put(call.key, result.output, { workMs, detached: call.whole === true, ...(call.expect ? { expect: call.expect } : {}), ...(meta ? { meta } : {}) }).then((stored) => {
      record.stored = stored.status !== 'refused';
      if (stored.status === 'refused') record.reason = stored.reason;
      this.run.emit({ type: 'chunk', shotId: this.run.shot.id, ...record });
    });
    this.pending.add(put);
    void put.finally(() => this.pending.delete(put));
  }

  /**
   * The stage's plan: the chunk ends remembered for this work when they still fit (so keys match
   * what was stored), else a fresh cut, which is then remembered.
   */
  plan(work: StageWork, limits: PlanLimits): ChunkPlan {
    const memo = this.store?.plans;
    const geometry = { ...work };
    const ends = memo && this.read ? memo.get(geometry) : undefined;
    if (ends) {
      const kept = planChunks(work, { ...limits, ends });
      const safety = limits.safetyFactor ?? DEFAULT_SAFETY_FACTOR;
      const same = kept.ok && kept.chunks.length === ends.length && kept.chunks.every((c, i) => c.end === ends[i]);
      if (kept.ok && same && kept.chunks.every((c) => c.expectedSeconds * safety * 1000 <= limits.timeoutMs)) return kept;
    }
    const fresh = planChunks(work, limits);
    if (fresh.ok && memo) void memo.set(geometry, fresh.chunks.map((c) => c.end));
    return fresh;
  }

  /** Waits until every chunk offered to the store is stored or refused. */
  async settle(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  private pin(key: string): void {
    if (this.owner) this.store?.pins.pin(this.owner, key);
  }

  private record(stage: StageName, record: ChunkRecord): void {
    this.run.trace.chunks?.push(record);
    this.run.emit({ type: 'chunk', shotId: this.run.shot.id, ...record, stage });
  }
}
