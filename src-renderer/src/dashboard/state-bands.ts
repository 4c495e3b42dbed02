/**
 * Circuit state bands, the model behind Timeline.tsx: which state each circuit was in over the last
 * 15 minutes, from the host's transition history (snapshot) and the live transitions after it. Pure,
 * so it is tested under Node.
 */
import type { CircuitHistoryEntry, CircuitState } from '../../../src-preload/contract.ts';

export const TIMELINE_MS = 15 * 60_000;
/**
 * Transitions kept in the store: 15 minutes of a studio with a transition a second or fewer. A
 * circuit flapping faster keeps the newest and the rest of the window is drawn as not known. Bounds
 * both the heap and what the timeline draws each second.
 */
export const HISTORY_CAP = 1000;

/** `unknown`: before the oldest transition the renderer still knows of, the state is not invented. */
export type BandState = CircuitState | 'unknown';

export interface Band {
  start: number;
  end: number;
  state: BandState;
}

/** Which state wins when several share one drawn slot: the one an operator must not miss. */
const SEVERITY: Record<BandState, number> = { forced_open: 5, open: 4, half_open: 3, disabled: 2, unknown: 1, closed: 0 };

/** The transition history the store keeps: ascending by time, the window's worth, at most `cap` entries. */
export interface HistoryWindow {
  entries: CircuitHistoryEntry[];
  /** Epoch ms from which `entries` holds every transition; -Infinity when nothing was ever cut. */
  completeSince: number;
}

/**
 * The window from a snapshot's history. The host sends at most `limit` entries (newest), so a full
 * list may have lost older ones: it is complete only from its oldest entry on. Before the host
 * started (`hostStartedAt`) nothing held a state, so that time is not known either, unless the
 * stored history (a previous run's transitions) reaches back further: then it is known from the
 * oldest stored transition on.
 */
export function historyFromSnapshot(history: readonly CircuitHistoryEntry[], limit: number, now: number, hostStartedAt?: number): HistoryWindow {
  const sorted = [...history].sort((a, b) => a.at - b.at);
  const oldest = sorted[0]?.at;
  const cut = sorted.length >= limit && oldest !== undefined ? oldest : -Infinity;
  const started = hostStartedAt === undefined ? -Infinity : oldest !== undefined && oldest < hostStartedAt ? oldest : hostStartedAt;
  const base: HistoryWindow = { entries: sorted, completeSince: Math.max(cut, started) };
  return pruneHistory(base, now, HISTORY_CAP);
}

/** Appends live transitions (already in time order) and drops what fell out of the window or over the cap. */
export function appendHistory(window: HistoryWindow, entries: readonly CircuitHistoryEntry[], now: number, cap = HISTORY_CAP): HistoryWindow {
  if (entries.length === 0) return window;
  return pruneHistory({ entries: window.entries.concat(entries), completeSince: window.completeSince }, now, cap);
}

/**
 * Drops transitions older than the window, but keeps the newest one before it per circuit (it says
 * which state the window opens in), and cuts to the newest `cap`, recording what is no longer known.
 */
export function pruneHistory(window: HistoryWindow, now: number, cap = HISTORY_CAP): HistoryWindow {
  const from = now - TIMELINE_MS;
  let { entries, completeSince } = window;
  const firstInside = entries.findIndex((e) => e.at >= from);
  const cut = firstInside === -1 ? entries.length : firstInside;
  if (cut > 0) {
    // The last entry before the window for each circuit still names the state the window opens in.
    const openers = new Map<string, CircuitHistoryEntry>();
    for (let i = 0; i < cut; i++) openers.set(entries[i]!.circuit, entries[i]!);
    const kept = [...openers.values()];
    if (kept.length !== cut) entries = kept.concat(entries.slice(cut));
  }
  if (entries.length > cap) {
    entries = entries.slice(entries.length - cap);
    completeSince = Math.max(completeSince, entries[0]!.at);
  }
  return entries === window.entries && completeSince === window.completeSince ? window : { entries, completeSince };
}

/**
 * One circuit's bands over [from, to]: its transitions (any circuits' entries, ascending; others are
 * skipped) turned into spans, `unknown` before `completeSince`, the current state when nothing moved.
 */
export function stateBands(entries: readonly CircuitHistoryEntry[], circuit: string, current: CircuitState, from: number, to: number, completeSince: number): Band[] {
  const bands: Band[] = [];
  const push = (start: number, end: number, state: BandState) => {
    if (end <= start) return;
    const last = bands[bands.length - 1];
    if (last && last.state === state && last.end === start) last.end = end;
    else bands.push({ start, end, state });
  };
  const mine = entries.filter((e) => e.circuit === circuit);
  let cursor = from;
  if (completeSince > from) {
    push(from, Math.min(completeSince, to), 'unknown');
    cursor = Math.min(completeSince, to);
  }
  const before = mine.filter((e) => e.at <= cursor);
  const inside = mine.filter((e) => e.at > cursor && e.at <= to);
  let state: CircuitState;
  if (before.length) state = before[before.length - 1]!.to;
  else if (inside.length) state = inside[0]!.from;
  else state = current;
  for (const e of inside) {
    push(cursor, e.at, state);
    state = e.to;
    cursor = e.at;
  }
  push(cursor, to, state);
  return bands;
}

/**
 * The bands as `slots` equal slots, each showing the most severe state in it, merged into runs. Bounds
 * what is drawn by the width, not by how often a circuit flapped, and a 100 ms open is never lost.
 */
export function slotBands(bands: readonly Band[], from: number, to: number, slots: number): Band[] {
  const width = (to - from) / slots;
  const worst: (BandState | undefined)[] = new Array(slots);
  for (const band of bands) {
    const first = Math.max(0, Math.floor((band.start - from) / width));
    const last = Math.min(slots - 1, Math.ceil((band.end - from) / width) - 1);
    for (let i = first; i <= last; i++) {
      const seen = worst[i];
      if (seen === undefined || SEVERITY[band.state] > SEVERITY[seen]) worst[i] = band.state;
    }
  }
  const runs: Band[] = [];
  for (let i = 0; i < slots; i++) {
    const state = worst[i];
    if (state === undefined) continue;
    const start = from + i * width;
    const last = runs[runs.length - 1];
    if (last && last.state === state && Math.abs(last.end - start) < width / 2) last.end = start + width;
    else runs.push({ start, end: start + width, state });
  }
  return runs;
}

/** Time per state over the bands, most time first: the timeline row's text equivalent. */
export function timePerState(bands: readonly Band[]): { state: BandState; ms: number }[] {
  const totals = new Map<BandState, number>();
  for (const b of bands) totals.set(b.state, (totals.get(b.state) ?? 0) + (b.end - b.start));
  return [...totals].map(([state, ms]) => ({ state, ms })).sort((a, b) => b.ms - a.ms);
}
