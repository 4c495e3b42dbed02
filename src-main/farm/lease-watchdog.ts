/**
 * A node's lease watchdog: BullMQ keeps renewing a taken chunk's lock, but a node cut off from
 * Redis cannot, and its ffmpeg runs on while the lock expires and another node takes the chunk.
 * So every running chunk's lock is confirmed here (one round trip for all chunks, every
 * lockDuration/8, and right after each renewal BullMQ reports): its token must still be ours, and
 * its remaining time, measured by Redis, tells how long it is known to last. Once a lock is no
 * longer known to last lockDuration/2, or is gone or someone else's, the chunk is lost and the node
 * kills it: with renewals every quarter, a healthy lock is always known to last at least ¾ of it,
 * and a cut-off node has the other half to kill its ffmpeg before anyone may take the chunk.
 *
 * What is known is a lower bound: a check sent at t that finds the lock with p ms left proves it
 * lasts until t + p (on the monotonic clock); a check that gets no answer proves nothing, and the
 * bound stays where it was. The same round trip asks whether the coordinator cancelled the chunk,
 * and reads the fleet's emergency stop, for a node that missed the broadcasts.
 */
import type { Redis } from 'ioredis';
import { farmKeys } from './farm-keys.ts';
import { type FarmTimings, killMarginMs, watchdogTickMs } from './farm-timings.ts';

export interface WatchedChunkHandlers {
  /** The lock is lost or may expire soon: kill the chunk. Called once. */
  lost(why: string): void;
  /** The coordinator cancelled the chunk. */
  canceled(): void;
}

interface Watched extends WatchedChunkHandlers {
  token: string;
  /** Monotonic ms until which the lock is known to last. */
  knownUntil: number;
  done: boolean;
}

export class LeaseWatchdog {
  private readonly probe: Redis;
  private readonly marginMs: number;
  private readonly lockMs: number;
  private readonly tickMs: number;
  private readonly now: () => number;
  private readonly chunks = new Map<string, Watched>();
  private timer: NodeJS.Timeout | undefined;
  private checking = false;
  private onStopKey: ((text: string | null) => void) | undefined;

  constructor(probe: Redis, timings: FarmTimings, now: () => number = () => performance.now()) {
    this.probe = probe;
    this.lockMs = timings.lockDurationMs;
    this.marginMs = killMarginMs(timings);
    this.tickMs = watchdogTickMs(timings);
    this.now = now;
  }

  /**
   * Watches a chunk taken with `token`; takenAt is the wall-clock time the taking worker sent with
   * its take (BullMQ's processedOn), when Redis set the lock for a full lockDuration.
   */
  watch(chunkId: string, token: string, takenAt: number, handlers: WatchedChunkHandlers): () => void {
    const age = Math.max(0, Date.now() - takenAt);
    const watched: Watched = { ...handlers, token, knownUntil: this.now() - age + this.lockMs, done: false };
    this.chunks.set(chunkId, watched);
    this.timer ??= setInterval(() => this.tick(), this.tickMs);
    void this.check();
    return () => {
      watched.done = true;
      if (this.chunks.get(chunkId) === watched) this.chunks.delete(chunkId);
      if (this.chunks.size === 0) this.stop();
    };
  }

  /** Reads the fleet's stop key with every round trip and hands its text to `listener`. */
  followStop(listener: (text: string | null) => void): void {
    this.onStopKey = listener;
  }

  /** BullMQ renewed locks: confirm them now rather than at the next tick. */
  renewed(): void {
    void this.check();
  }

  /** BullMQ was told by Redis that these locks are not ours any more. */
  lockLost(chunkIds: string[]): void {
    for (const id of chunkIds) this.lose(id, 'BullMQ could not renew its lock: another node holds it or it expired');
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private tick(): void {
    void this.check();
    const now = this.now();
    for (const [id, watched] of this.chunks) {
      const left = watched.knownUntil - now;
      if (left <= this.marginMs) this.lose(id, `its lock could not be confirmed with Redis: known to last ${Math.max(0, Math.round(left))} ms more, under the ${this.marginMs} ms margin`);
    }
  }

  private async check(): Promise<void> {
    if (this.checking || this.chunks.size === 0) return;
    this.checking = true;
    const sent = this.now();
    const ids = [...this.chunks.keys()];
    try {
      const multi = this.probe.multi();
      for (const id of ids) multi.get(farmKeys.lock(id)).pttl(farmKeys.lock(id)).exists(farmKeys.cancel(id));
      if (this.onStopKey) multi.get(farmKeys.stop);
      const replies = (await multi.exec()) ?? [];
      const stop = replies[ids.length * 3];
      if (this.onStopKey && stop && !stop[0]) this.onStopKey(stop[1] as string | null);
      ids.forEach((id, i) => this.confirm(id, sent, replies.slice(i * 3, i * 3 + 3)));
    } catch {
      // No answer proves nothing: each lock stays known only as far as the last answer showed.
    } finally {
      this.checking = false;
    }
  }

  private confirm(id: string, sent: number, replies: Array<[Error | null, unknown]>): void {
    const watched = this.chunks.get(id);
    if (!watched || watched.done || replies.length < 3 || replies.some(([error]) => error)) return;
    const [[, token], [, pttl], [, canceled]] = replies as [[null, unknown], [null, unknown], [null, unknown]];
    if (token !== watched.token) {
      this.lose(id, token === null ? 'its lock is gone (expired, or the chunk was taken back)' : 'another node holds its lock');
      return;
    }
    if (typeof pttl === 'number' && pttl > 0) watched.knownUntil = Math.max(watched.knownUntil, sent + pttl);
    if (canceled === 1) watched.canceled();
  }

  private lose(id: string, why: string): void {
    const watched = this.chunks.get(id);
    if (!watched || watched.done) return;
    watched.done = true;
    this.chunks.delete(id);
    if (this.chunks.size === 0) this.stop();
    watched.lost(why);
  }
}
