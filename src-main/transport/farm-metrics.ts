/**
 * The coordinator's farm metrics (serve --farm): BullMQ's chunk counts (Queue.getJobCounts) and a
 * gauge family per node from the roster, read once per scrape (every family's collect shares the
 * one read). An embedded studio registers none of them.
 */
import { Gauge, type Registry } from 'prom-client';
import { FLEET_NODE_STATES, type FleetNode, type FleetQueueCounts, type NodesView } from '../engine/nodes-view.ts';

const CHUNK_STATES: ReadonlyArray<keyof FleetQueueCounts> = ['waiting', 'prioritized', 'active', 'delayed', 'completed', 'failed'];
type FarmView = Extract<NodesView, { mode: 'farm' }>;

export function addFarmMetrics(registry: Registry, fleet: () => Promise<NodesView>): void {
  let pending: Promise<FarmView | null> | null = null;
  const read = () =>
    (pending ??= fleet()
      .then((view) => (view.mode === 'farm' ? view : null))
      .catch(() => null)
      .finally(() => setImmediate(() => (pending = null))));

  const gauge = <L extends string>(name: string, help: string, labelNames: readonly L[], fill: (view: FarmView, set: (labels: Record<L, string>, value: number) => void) => void) =>
    new Gauge<L>({
      name,
      help,
      labelNames,
      registers: [registry],
      async collect(this: Gauge<L>) {
        const view = await read();
        this.reset();
        if (view) fill(view, (labels, value) => this.set(labels, value));
      },
    });
  const perNode = (name: string, help: string, value: (node: FleetNode) => number | null) =>
    gauge(name, help, ['node'], (view, set) => {
      for (const node of view.nodes) {
        const v = value(node);
        if (v !== null) set({ node: node.name }, v);
      }
    });

  gauge('storycore_farm_redis_up', "1 while the farm's Redis answers the coordinator, else 0", [], (view, set) => set({}, view.reachable ? 1 : 0));
  gauge('storycore_farm_chunks', "The farm queue's chunks by BullMQ state (Queue.getJobCounts; delayed: handed back by a node for a moment)", ['state'], (view, set) => {
    if (view.queue) for (const state of CHUNK_STATES) set({ state }, view.queue[state]);
  });
  gauge('storycore_farm_nodes', 'Render nodes on the roster by state: live, stale (a beat missed) or gone (seen in the last 15 minutes)', ['state'], (view, set) => {
    for (const state of FLEET_NODE_STATES) set({ state }, view.nodes.filter((n) => n.state === state).length);
  });
  perNode('storycore_farm_node_live', '1 while the node beats on time, 0 when stale or gone', (n) => (n.state === 'live' ? 1 : 0));
  perNode('storycore_farm_node_chunks_running', 'Chunks the node said it runs (0 once gone)', (n) => n.running);
  perNode('storycore_farm_node_workers', "The node's worker processes: chunks it takes at once", (n) => n.workers);
  perNode('storycore_farm_node_heartbeat_age_seconds', "Seconds since the node's last heartbeat, by Redis's clock while its key lives", (n) => (n.lastBeatAgeMs === null ? null : n.lastBeatAgeMs / 1000));
  perNode('storycore_farm_node_circuits_in_trouble', "The node's own circuits that are not closed", (n) => Object.keys(n.circuits).length);
  perNode('storycore_farm_node_blocklists', '(job, stage) pairs the node is blocklisted for', (n) => n.blocklists.length);
}
