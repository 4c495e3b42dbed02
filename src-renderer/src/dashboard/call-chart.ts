/**
 * The calls chart's model: per circuit, the calls of the last 15 minutes (merged from each batch's
 * `recent_calls`, the host's fixed ring of the last 64) and the rejections seen between samples.
 * Bounded both ways, by age and by count, so a busy circuit costs the page what a quiet one does;
 * a reload starts again from what the host's ring still holds.
 */
import type { CircuitStats } from '../../../src-preload/contract.ts';

export type ChartCall = CircuitStats['stats']['recent_calls'][number];
/** The chart's time span, seconds. */
export const CALL_WINDOW_S = 15 * 60;
/** Calls kept per circuit: enough for a dot per 2 s over the window, cheap to draw as a few paths. */
export const MAX_CALLS = 500;
const MAX_REJECTION_MARKS = 300;

/** Rejections counted over one sample, at its host time (epoch s). */
export interface RejectionMark {
  at: number;
  count: number;
}

export interface CircuitCalls {
  /** Oldest first. */
  calls: ChartCall[];
  rejections: RejectionMark[];
}

export const EMPTY_CALLS: CircuitCalls = { calls: [], rejections: [] };
const keyOf = (c: ChartCall) => `${c.at}|${c.elapsed_ms}`;

/**
 * `incoming` (oldest first, as the ring sends it) merged into `list`, duplicates (same end time and
 * duration) dropped, older than the window pruned, the newest MAX_CALLS kept. Returns `list` itself
 * when nothing changed, so a batch that only moved counters re-renders nothing.
 */
export function mergeCalls(list: readonly ChartCall[], incoming: readonly ChartCall[], nowS: number): ChartCall[] {
  const since = nowS - CALL_WINDOW_S;
  const last = list[list.length - 1];
  // The common case: the ring's newest call is already the list's newest, nothing to merge.
  const newest = incoming[incoming.length - 1];
  if (newest === undefined || (last !== undefined && keyOf(last) === keyOf(newest))) return pruneCalls(list, nowS);
  const firstIncoming = incoming[0]!.at;
  // Only the tail that overlaps the incoming ring can hold duplicates.
  const seen = new Set<string>();
  for (let i = list.length - 1; i >= 0 && list[i]!.at >= firstIncoming; i--) seen.add(keyOf(list[i]!));
  const fresh = incoming.filter((c) => c.at >= since && !seen.has(keyOf(c)));
  if (fresh.length === 0) return pruneCalls(list, nowS);
  const joined = list.concat(fresh);
  // The ring is in order, and usually after the list; only a reconnect can interleave them.
  if (last !== undefined && fresh[0]!.at < last.at) joined.sort((a, b) => a.at - b.at);
  return pruneCalls(joined, nowS);
}

/** Without the calls older than the window, and at most MAX_CALLS; `list` itself when none go. */
export function pruneCalls(list: readonly ChartCall[], nowS: number): ChartCall[] {
  const since = nowS - CALL_WINDOW_S;
  let start = Math.max(0, list.length - MAX_CALLS);
  while (start < list.length && list[start]!.at < since) start++;
  return start === 0 ? (list as ChartCall[]) : list.slice(start);
}

/** A circuit's calls after one batch's stats. */
export function withRecentCalls(current: CircuitCalls | undefined, stats: CircuitStats, nowS: number): CircuitCalls {
  const base = current ?? EMPTY_CALLS;
  const calls = mergeCalls(base.calls, stats.stats.recent_calls ?? [], nowS);
  return calls === base.calls ? base : { ...base, calls };
}

/** A circuit's calls after a 1 s sample: the rejections since the last one marked, old marks pruned. */
export function withRejections(current: CircuitCalls | undefined, rejected: number, nowS: number): CircuitCalls {
  const base = current ?? EMPTY_CALLS;
  const since = nowS - CALL_WINDOW_S;
  const kept = base.rejections.length && base.rejections[0]!.at < since ? base.rejections.filter((r) => r.at >= since) : base.rejections;
  const rejections = rejected > 0 ? [...kept, { at: nowS, count: rejected }].slice(-MAX_REJECTION_MARKS) : kept;
  const calls = pruneCalls(base.calls, nowS);
  return rejections === base.rejections && calls === base.calls ? base : { calls, rejections };
}

/** What the chart's data attributes and its label say: counts by outcome, and the deadline in force. */
export function callSummary(calls: readonly ChartCall[]): Record<ChartCall['outcome'], number> & { lastDeadlineMs: number | null } {
  const counts = { ok: 0, slow: 0, failed: 0, timeout: 0 };
  for (const c of calls) counts[c.outcome]++;
  return { ...counts, lastDeadlineMs: calls.length ? calls[calls.length - 1]!.deadline_ms : null };
}
