/**
 * The renderer's one store, fed by the event stream: a snapshot on connect, then batches that carry
 * the latest state of each changed circuit and job, and the discrete events in order.
 */
import { create } from 'zustand';
import type { AuditEntry, CircuitStats, EventBatch, Job, QueueState, StudioEvent } from '../../src-preload/contract.ts';
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
  lastError: undefined,
  applyBatch: (batch) =>
    set((state) => {
      const base = batch.snapshot
        ? {
            circuits: batch.snapshot.circuits,
            jobs: Object.fromEntries(batch.snapshot.jobs.map((j) => [j.id, j])),
            queue: batch.snapshot.queue,
            audit: batch.snapshot.audit,
          }
        : { circuits: state.circuits, jobs: state.jobs, queue: state.queue, audit: state.audit };
      const jobs = batch.jobs.length ? { ...base.jobs, ...Object.fromEntries(batch.jobs.map((j) => [j.id, j])) } : base.jobs;
      const audit = batch.events.flatMap((e) => (e.kind === 'audit' ? [e.entry] : []));
      return {
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
