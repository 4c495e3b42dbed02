/**
 * What the render farm's nodes look like to whoever watches them: the `nodes` command's answer, the
 * Nodes panel's rows and the coordinator's per-node gauges. A seam like worker-lease.ts: the farm
 * fills it in, the host answers with it, and neither imports the other. Node-free: the window's
 * typecheck reads it.
 */

/**
 * live: its heartbeat was renewed within the last beat and a half; stale: its key still lives, but
 * a beat was missed (a loaded machine, a link about to drop); gone: its key has expired, or it left.
 */
export type FleetNodeState = 'live' | 'stale' | 'gone';
export const FLEET_NODE_STATES: readonly FleetNodeState[] = ['live', 'stale', 'gone'];

export interface FleetNode {
  name: string;
  state: FleetNodeState;
  /** The machine it runs on and its process id, as it said last. */
  host: string;
  pid: number;
  tags: string[];
  workers: number;
  /** Chunks it ran when it last said so (0 once gone). */
  running: number;
  /** Its circuits that are not closed, with their state (a node with a stage's circuit open takes none of that stage). */
  circuits: Record<string, string>;
  /** Where it may not take a studio job's chunks of a stage: it failed three of them. */
  blocklists: Array<{ job: string; stage: string }>;
  /** How long ago its last heartbeat was, by Redis's clock while its key lives; null when never seen (only named by a blocklist). */
  lastBeatAgeMs: number | null;
  /** Epoch ms it started, as it said. */
  startedAt: number | null;
}

/** BullMQ's count of the farm's chunks by state. */
export interface FleetQueueCounts {
  waiting: number;
  active: number;
  delayed: number;
  completed: number;
  failed: number;
  prioritized: number;
}

export type NodesView =
  | { mode: 'embedded'; at: number; message: string }
  | {
      mode: 'farm';
      at: number;
      /** The farm's Redis, as it may be printed (a password masked). */
      address: string;
      /** False when Redis did not answer: the nodes are then as last seen. */
      reachable: boolean;
      /** A node's state is judged against its own beat; this is the coordinator's. */
      heartbeatMs: number;
      nodes: FleetNode[];
      queue: FleetQueueCounts | null;
    };

export const EMBEDDED_MESSAGE = 'embedded: this machine renders alone';

export function embeddedFleet(at = Date.now()): NodesView {
  return { mode: 'embedded', at, message: EMBEDDED_MESSAGE };
}
