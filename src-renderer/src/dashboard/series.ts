/**
 * The call-rate series behind each circuit's sparkline. Stats reach the renderer only when a circuit
 * changes, so a 1 s tick samples the latest known counters and keeps the per-second deltas in a
 * fixed-size window: memory and render cost stay the same however long the studio runs.
 */
import type { CircuitStats } from '../../../src-preload/contract.ts';

/** Two minutes at one sample a second. */
export const SPARK_POINTS = 120;

/** Per-second rates over one tick. */
export interface CallRates {
  /** Epoch ms of the sample. */
  at: number;
  calls: number;
  failures: number;
  timeouts: number;
  rejections: number;
}

/** The cumulative counters a rate is the delta of, and when they were read. */
export interface CallTotals {
  at: number;
  calls: number;
  failures: number;
  timeouts: number;
  rejections: number;
}

export function totalsOf(stats: CircuitStats, at: number): CallTotals {
  const s = stats.stats;
  return { at, calls: s.total_requests, failures: s.failed_requests, timeouts: s.timeouts, rejections: s.rejected_requests };
}

/**
 * The rates between two readings, or null when there is no earlier reading or a counter went down
 * (the host restarted and counts from zero again): a restart must not draw as a negative spike.
 */
export function ratesBetween(previous: CallTotals | undefined, current: CallTotals): CallRates | null {
  if (!previous) return null;
  const seconds = (current.at - previous.at) / 1000;
  if (seconds <= 0) return null;
  const delta = {
    calls: current.calls - previous.calls,
    failures: current.failures - previous.failures,
    timeouts: current.timeouts - previous.timeouts,
    rejections: current.rejections - previous.rejections,
  };
  if (delta.calls < 0 || delta.failures < 0 || delta.timeouts < 0 || delta.rejections < 0) return null;
  const rate = (n: number) => Math.round((n / seconds) * 10) / 10;
  return { at: current.at, calls: rate(delta.calls), failures: rate(delta.failures), timeouts: rate(delta.timeouts), rejections: rate(delta.rejections) };
}

/** A new array with `items` appended, keeping only the newest `max`: the window slides, never grows. */
export function appendCapped<T>(list: readonly T[], items: readonly T[], max: number): T[] {
  if (items.length === 0) return list.length > max ? list.slice(list.length - max) : (list as T[]);
  const joined = list.concat(items);
  return joined.length > max ? joined.slice(joined.length - max) : joined;
}

/**
 * An SVG path for one series in a `width` x `height` box: x is time (the newest sample at the right
 * edge, one unit a second), y the rate against `max`. A missing second (the tick was late or the host
 * restarted) breaks the line instead of bridging it.
 */
export function sparkPath(points: readonly CallRates[], key: Exclude<keyof CallRates, 'at'>, max: number, width = SPARK_POINTS, height = 40): string {
  const last = points[points.length - 1];
  if (!last || max <= 0) return '';
  let d = '';
  let previousAt = -Infinity;
  for (const p of points) {
    const x = width - (last.at - p.at) / 1000;
    if (x < 0) continue;
    const y = height - (Math.min(p[key], max) / max) * (height - 2) - 1;
    // A gap of more than two ticks is a hole in the data, not a line to draw.
    d += `${p.at - previousAt > 2500 ? 'M' : 'L'}${x.toFixed(1)},${y.toFixed(1)}`;
    previousAt = p.at;
  }
  return d;
}
