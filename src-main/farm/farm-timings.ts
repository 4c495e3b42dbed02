/**
 * The farm's clocks, all derived from BullMQ's lock duration, so that one figure says how soon a
 * lost node's chunk goes elsewhere and how soon a cut-off node kills its own ffmpeg.
 *
 * BullMQ holds a taken chunk under a lock that its worker renews; once the lock has expired, the
 * stalled check (run by every worker each stalledInterval, in two passes) moves the chunk back to
 * wait, and another node takes it. A node cut off from Redis cannot renew, yet its ffmpeg runs on:
 * the lease watchdog kills it while the lock is still known to last lockDuration/2, so it is dead
 * before anyone else may take the chunk.
 */

export interface FarmTimings {
  /** How long a taken chunk's lock lasts unless renewed (BullMQ's lockDuration). */
  lockDurationMs: number;
  /** How often every node looks for chunks whose lock expired (BullMQ's stalledInterval). */
  stalledIntervalMs: number;
  /** How often a node says it is alive; it counts as gone after three missed beats. */
  heartbeatMs: number;
}

export const DEFAULT_FARM_TIMINGS: FarmTimings = { lockDurationMs: 30_000, stalledIntervalMs: 15_000, heartbeatMs: 2000 };

/** The bounds the command line accepts: under 2 s a loaded machine misses renewals; over 10 minutes a lost chunk waits too long. */
export const LOCK_MS_MIN = 2000;
export const LOCK_MS_MAX = 600_000;

/** BullMQ renews a quarter of the way (its default is half): a healthy lock is then never known to last less than ¾ of it. */
export const lockRenewMs = (t: FarmTimings) => Math.round(t.lockDurationMs / 4);
/** How often the watchdog confirms a node's locks (and whether the coordinator cancelled a chunk). */
export const watchdogTickMs = (t: FarmTimings) => Math.max(100, Math.round(t.lockDurationMs / 8));
/** The watchdog kills a chunk once its lock is no longer known to last this long. */
export const killMarginMs = (t: FarmTimings) => Math.round(t.lockDurationMs / 2);
/** How long a node's worker gets to stop a cancelled task before it is killed: well inside the kill margin. */
export const cancelGraceMs = (t: FarmTimings) => Math.min(2000, Math.round(t.lockDurationMs / 8));
/** A heartbeat key lives for three beats. */
export const heartbeatTtlMs = (t: FarmTimings) => t.heartbeatMs * 3;
/**
 * The longest a cancelled chunk can go on without the coordinator hearing its end: a node that is
 * gone or cut off has killed its ffmpeg by the time its lock expires, and the stalled check then
 * frees the chunk within two intervals.
 */
export const cancelWaitMs = (t: FarmTimings) => t.lockDurationMs + 2 * t.stalledIntervalMs + 1000;
