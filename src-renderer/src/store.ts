/**
 * The renderer's one store, fed by the event stream: a snapshot on connect, then batches that carry
 * the latest state of each changed circuit and job, and the discrete events in order.
 */
import { create } from 'zustand';
import type { AuditEntry, ChaosRuleView, CircuitStats, EventBatch, Job, QueueState, StudioEvent } from '../../src-preload/contract.ts';
import type { ConnectionState } from './transport.ts';

const MAX_LOG = 300;

export interface StudioState {
  connection: ConnectionState;
  connectionDetail: string | undefined;
  circuits: Record<string, CircuitStats>;
  jobs: Record<string, Job>;
  queue: QueueState;
  log: StudioEvent[];
  audit: AuditEntry[];
  /** The active drill: the host's chaos rules, from the snapshot and then each set_chaos audit entry. */
  chaos: ChaosRuleView[];
  lastError: string | undefined;
  applyBatch(batch: EventBatch): void;
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
  applyBatch: (batch) =>
    set((state) => {
      const base = batch.snapshot
        ? {
            circuits: batch.snapshot.circuits,
            jobs: Object.fromEntries(batch.snapshot.jobs.map((j) => [j.id, j])),
            queue: batch.snapshot.queue,
            audit: batch.snapshot.audit,
            chaos: batch.snapshot.chaos,
          }
        : { circuits: state.circuits, jobs: state.jobs, queue: state.queue, audit: state.audit, chaos: state.chaos };
      const jobs = batch.jobs.length ? { ...base.jobs, ...Object.fromEntries(batch.jobs.map((j) => [j.id, j])) } : base.jobs;
      const audit = batch.events.flatMap((e) => (e.kind === 'audit' ? [e.entry] : []));
      const lastChaos = audit.findLast((e) => e.action === 'set_chaos');
      return {
        chaos: lastChaos ? chaosRulesOf(lastChaos) : base.chaos,
        circuits: Object.keys(batch.circuits).length ? { ...base.circuits, ...batch.circuits } : base.circuits,
        jobs,
        queue: batch.queue ?? base.queue,
        audit: audit.length ? [...audit.reverse(), ...base.audit].slice(0, 200) : base.audit,
        log: batch.events.length ? [...batch.events.slice().reverse(), ...state.log].slice(0, MAX_LOG) : state.log,
      };
    }),
  setConnection: (connection, connectionDetail) => set({ connection, connectionDetail }),
  setError: (lastError) => set({ lastError }),
}));

/** The rules a set_chaos audit entry switched to; its detail is untyped JSON, so keep only well-formed rules. */
function chaosRulesOf(entry: AuditEntry): ChaosRuleView[] {
  const to = entry.detail.to;
  if (!Array.isArray(to)) return [];
  return to.filter((r): r is ChaosRuleView => typeof r === 'object' && r !== null && typeof r.stage === 'string' && typeof r.mode === 'string');
}
