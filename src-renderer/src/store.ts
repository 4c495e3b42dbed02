/**
 * The renderer's one store, fed by the event stream: a snapshot on connect, then batches that carry
 * the latest state of each changed circuit and job, and the discrete events in order. Charts read
 * small fixed-size windows kept here, sampled once a second by `sampleTick`, so a busy host costs
 * the page the same as a quiet one. Components select narrow slices so a batch re-renders only what
 * it changed.
 */
import { create } from 'zustand';
import type { AuditEntry, ChaosRuleView, CircuitHistoryEntry, CircuitStats, EventBatch, Job, QueueState, ResourceSampleView, StudioEvent } from '../../src-preload/contract.ts';
import { type CallRates, type CallTotals, SPARK_POINTS, appendCapped, ratesBetween, totalsOf } from './dashboard/series.ts';
import { RESOURCE_POINTS, type ResourcePoint, resourcePoint } from './dashboard/resources.ts';
import { type HistoryWindow, appendHistory, historyFromSnapshot, pruneHistory } from './dashboard/state-bands.ts';
import { eventsFromHistory, mergeEvents } from './dashboard/event-history.ts';
import { type CircuitCalls, withRecentCalls, withRejections } from './dashboard/call-chart.ts';
import type { ConnectionState } from './transport.ts';

const MAX_LOG = 300;
const MAX_AUDIT = 200;
/** The host puts its newest 500 transitions in a snapshot (Studio.snapshot); a full list may have lost older ones. */
const SNAPSHOT_HISTORY_LIMIT = 500;

export interface StudioState {
  connection: ConnectionState;
  connectionDetail: string | undefined;
  circuits: Record<string, CircuitStats>;
  jobs: Record<string, Job>;
  queue: QueueState;
  /** Newest first. */
  log: StudioEvent[];
  /** Newest first. */
  audit: AuditEntry[];
  /** The active drill: the host's chaos rules, from the snapshot and then each set_chaos audit entry. */
  chaos: ChaosRuleView[];
  lastError: string | undefined;
  /** Circuit transitions of the last 15 minutes, oldest first: the timeline's data. */
  history: HistoryWindow;
  /** Per circuit, the last two minutes of per-second call rates: the sparklines' data. */
  callRates: Record<string, CallRates[]>;
  /** Per circuit, the counters at the last sample: what the next rates are the delta from. */
  callTotals: Record<string, CallTotals>;
  /** Per circuit, the calls of the last 15 minutes and the rejections: the calls charts' data. */
  calls: Record<string, CircuitCalls>;
  /** Epoch ms the host started (from the snapshot): the charts know nothing before it; null if not said. */
  hostStartedAt: number | null;
  /** The host's latest resource sample, and the last few minutes of them as chart points. */
  resources: ResourceSampleView | null;
  resourceSeries: ResourcePoint[];
  /** Host clock minus this page's clock (ms), from the last snapshot: timestamps are the host's. */
  clockOffsetMs: number;
  /** Epoch ms of the last 1 s sample: what time-based views (timeline) re-render on. */
  tick: number;
  /** Set once the circuit cards are on screen; the sections below the fold mount after it. */
  firstPaintDone: boolean;
  markFirstPaint(): void;
  applyBatch(batch: EventBatch): void;
  /** Several batches in order, as one update: one render however many arrived. */
  applyBatches(batches: readonly EventBatch[]): void;
  sampleTick(now: number): void;
  setConnection(state: ConnectionState, detail?: string): void;
  setError(message: string | undefined): void;
}

export const useStudio = create<StudioState>((set) => ({
  connection: 'connecting',
  connectionDetail: undefined,
  circuits: {},
  jobs: {},
  queue: { paused: false, stopped: null },
  log: [],
  audit: [],
  chaos: [],
  lastError: undefined,
  history: { entries: [], completeSince: -Infinity },
  callRates: {},
  callTotals: {},
  calls: {},
  hostStartedAt: null,
  resources: null,
  resourceSeries: [],
  clockOffsetMs: 0,
  tick: Date.now(),
  firstPaintDone: false,
  markFirstPaint: () => set({ firstPaintDone: true }),
  applyBatch: (batch) => set((state) => applyBatchTo(state, batch, Date.now())),
  applyBatches: (batches) =>
    set((state) => {
      const now = Date.now();
      let next: Data = state;
      for (const batch of batches) next = { ...next, ...applyBatchTo(next, batch, now) };
      return next;
    }),
  sampleTick: (now) => set((state) => sampleAt(state, now)),
  setConnection: (connection, connectionDetail) => set({ connection, connectionDetail }),
  setError: (lastError) => set({ lastError }),
}));

type Data = Pick<StudioState, 'circuits' | 'jobs' | 'queue' | 'log' | 'audit' | 'chaos' | 'history' | 'resources' | 'resourceSeries' | 'clockOffsetMs' | 'calls' | 'hostStartedAt'>;

/** The store after one batch; exported for tests. Only the slices the batch touches get new references. */
export function applyBatchTo(state: Data, batch: EventBatch, now: number): Partial<Data> {
  const snapshot = batch.snapshot;
  const clockOffsetMs = snapshot ? snapshot.at - now : state.clockOffsetMs;
  const hostNow = now + clockOffsetMs;
  const base = snapshot
    ? {
        circuits: snapshot.circuits,
        jobs: Object.fromEntries(snapshot.jobs.map((j) => [j.id, j])),
        queue: snapshot.queue,
        audit: snapshot.audit,
        chaos: snapshot.chaos,
        history: historyFromSnapshot(snapshot.history, SNAPSHOT_HISTORY_LIMIT, hostNow, snapshot.hostStartedAt),
        // The stored history as events, so the panel says what happened before this page connected.
        log: mergeEvents(state.log, eventsFromHistory(snapshot.history, snapshot.audit), MAX_LOG),
      }
    : state;
  const jobs = batch.jobs.length ? { ...base.jobs, ...Object.fromEntries(batch.jobs.map((j) => [j.id, j])) } : base.jobs;
  const audit = batch.events.flatMap((e) => (e.kind === 'audit' ? [e.entry] : []));
  const transitions: CircuitHistoryEntry[] = batch.events.flatMap((e) => (e.kind === 'circuit_transition' ? [e.entry] : []));
  const lastChaos = audit.findLast((e) => e.action === 'set_chaos');
  const sample = batch.resources ?? snapshot?.resources ?? undefined;
  const lastPoint = state.resourceSeries[state.resourceSeries.length - 1];
  const newSample = sample && (!lastPoint || sample.at > lastPoint.at) ? sample : undefined;
  const changed = snapshot ? Object.values(snapshot.circuits).concat(Object.values(batch.circuits)) : Object.values(batch.circuits);
  let calls = state.calls;
  for (const stats of changed) {
    const merged = withRecentCalls(calls[stats.name], stats, hostNow / 1000);
    if (merged !== calls[stats.name]) calls = { ...calls, [stats.name]: merged };
  }
  return {
    calls,
    hostStartedAt: snapshot ? (snapshot.hostStartedAt ?? null) : state.hostStartedAt,
    chaos: lastChaos ? chaosRulesOf(lastChaos) : base.chaos,
    circuits: Object.keys(batch.circuits).length ? { ...base.circuits, ...batch.circuits } : base.circuits,
    jobs,
    queue: batch.queue ?? base.queue,
    audit: audit.length ? [...audit.reverse(), ...base.audit].slice(0, MAX_AUDIT) : base.audit,
    // Deduplicated against the stored history only when a snapshot came: a live event is never in the log yet.
    log: batch.events.length ? (snapshot ? mergeEvents(base.log, batch.events.slice().reverse(), MAX_LOG) : [...batch.events.slice().reverse(), ...state.log].slice(0, MAX_LOG)) : base.log,
    history: appendHistory(base.history, transitions, hostNow),
    resources: sample ?? state.resources,
    resourceSeries: newSample ? appendCapped(state.resourceSeries, [resourcePoint(newSample)], RESOURCE_POINTS) : state.resourceSeries,
    clockOffsetMs,
  };
}

/** One 1 s sample: each circuit's call rates since the last one, and the timeline's window moved on. */
export function sampleAt(state: Pick<StudioState, 'circuits' | 'callRates' | 'callTotals' | 'calls' | 'history' | 'clockOffsetMs'>, now: number) {
  const callRates: Record<string, CallRates[]> = {};
  const callTotals: Record<string, CallTotals> = {};
  const calls: Record<string, CircuitCalls> = {};
  const hostNowS = (now + state.clockOffsetMs) / 1000;
  for (const [name, stats] of Object.entries(state.circuits)) {
    const totals = totalsOf(stats, now);
    const rates = ratesBetween(state.callTotals[name], totals);
    callRates[name] = rates ? appendCapped(state.callRates[name] ?? [], [rates], SPARK_POINTS) : (state.callRates[name] ?? []);
    callTotals[name] = totals;
    // Rejected calls never reach the host's ring of calls: marked on the time axis from the counter.
    const before = state.callTotals[name];
    const rejected = before && totals.rejections >= before.rejections ? totals.rejections - before.rejections : 0;
    calls[name] = withRejections(state.calls[name], rejected, hostNowS);
  }
  return { callRates, callTotals, calls, history: pruneHistory(state.history, now + state.clockOffsetMs), tick: now };
}

/** The rules a set_chaos audit entry switched to; its detail is untyped JSON, so keep only well-formed rules. */
function chaosRulesOf(entry: AuditEntry): ChaosRuleView[] {
  const to = entry.detail.to;
  if (!Array.isArray(to)) return [];
  return to.filter((r): r is ChaosRuleView => typeof r === 'object' && r !== null && typeof r.stage === 'string' && typeof r.mode === 'string');
}
