/**
 * The coordinator's side of the farm (`storycore serve --farm redis://HOST:PORT`): the studio stays
 * what it is (SQLite is still its record of jobs, history and audit); only where its chunks run
 * changes. This connects to the farm's Redis, follows the live nodes, and gives the Studio a leaser
 * that hands chunks to them (farm-leaser.ts) over this machine's own pool.
 */
import { Queue, QueueEvents } from 'bullmq';
import { STAGE_CIRCUITS } from '../engine/chunks/shot-estimate.ts';
import type { WorkerPool } from '../engine/worker-pool.ts';
import { Blocklist } from './blocklist.ts';
import { ChunkDispatcher, type FarmEvent } from './chunk-dispatcher.ts';
import { CHUNK_QUEUE } from './farm-keys.ts';
import { FarmLeaser, mayTake } from './farm-leaser.ts';
import { connectOrThrow, farmAddress, farmConnection } from './farm-redis.ts';
import { DEFAULT_FARM_TIMINGS, type FarmTimings } from './farm-timings.ts';
import { DEFAULT_QUORUM, type FleetCircuitEvent, FleetCircuits } from './fleet-circuits.ts';
import { FarmFleet } from './fleet-state.ts';
import { FleetStop, type FleetStopEvent } from './fleet-stop.ts';
import { NodeRegistry } from './node-registry.ts';
import { NodeRoster } from './node-roster.ts';
import type { NodesView } from '../engine/nodes-view.ts';

export interface CoordinatorOptions {
  /** The farm's Redis, as parseFarmUrl returned it. */
  url: string;
  /** The shared folder, absolute: only chunks whose files are all inside it go to the farm. */
  shared: string;
  /** How often the live nodes are read (their heartbeat), and the timings used while none is live. */
  timings?: Partial<FarmTimings>;
  /** A circuit opens fleet-wide when more than this share of the live nodes have it open (default a half). */
  quorum?: number;
  /** The farm's own events (a node blocklisted, a chunk stalled or taken back, connection errors), one JSON line each. */
  log: (line: string) => void;
}

export interface FarmCoordinator {
  /** The farm's Redis, as it may be printed (a password masked). */
  readonly address: string;
  readonly registry: NodeRegistry;
  /** The nodes for the window and /metrics: live, stale and gone, with blocklists and BullMQ's counts. */
  nodes(): Promise<NodesView>;
  /** The fleet's emergency stop, circuits and view, for the host. */
  readonly fleet: FarmFleet;
  /** The leaser for the Studio, over its pool; closing it closes the coordinator. */
  leaser(pool: WorkerPool): FarmLeaser;
  close(): Promise<void>;
}

export async function openFarmCoordinator(options: CoordinatorOptions): Promise<FarmCoordinator> {
  const timings = { ...DEFAULT_FARM_TIMINGS, ...options.timings };
  const log = (event: FarmEvent | FleetStopEvent | FleetCircuitEvent | { type: 'error'; message: string }) => options.log(JSON.stringify({ at: Date.now(), farm: 'coordinator', ...event }));
  const onError = (message: string) => log({ type: 'error', message });
  const probe = farmConnection(options.url, { name: 'storycore-coordinator-probe', probeTimeoutMs: 2000, onError });
  const queueConnection = farmConnection(options.url, { name: 'storycore-coordinator-queue', onError });
  const eventsConnection = farmConnection(options.url, { name: 'storycore-coordinator-events', onError });
  const connections = [probe, queueConnection, eventsConnection];
  try {
    await Promise.all(connections.map((c) => connectOrThrow(c, options.url)));
  } catch (error) {
    for (const c of connections) c.disconnect();
    throw error;
  }
  const queue = new Queue(CHUNK_QUEUE, { connection: queueConnection });
  const events = new QueueEvents(CHUNK_QUEUE, { connection: eventsConnection });
  queue.on('error', (error) => onError(`queue: ${error.message}`));
  events.on('error', (error) => onError(`queue events: ${error.message}`));
  await events.waitUntilReady();
  // One coordinator per farm (as one host per data folder): chunks still waiting from an earlier
  // coordinator's life belong to jobs its recovery has put back in the queue, so nobody needs them.
  await queue.drain(true);

  let leaser: FarmLeaser | undefined;
  let fleet: FarmFleet | undefined;
  const registry = new NodeRegistry(probe, timings, () => {
    leaser?.pump();
    fleet?.refresh();
  });
  const fleetCircuits = new FleetCircuits(registry, options.quorum ?? DEFAULT_QUORUM, log);
  // The acknowledgements are waited for three heartbeats: a node that missed the broadcast reads the latch on its next beat.
  const stop = new FleetStop({ probe, queue, registry, ackWaitMs: 3 * timings.heartbeatMs + 1000, log });
  fleet = new FarmFleet({ probe, registry, stop, circuits: fleetCircuits });
  await registry.start();
  const roster = new NodeRoster({ probe, queue, registry, timings, address: farmAddress(options.url) });
  roster.start();
  const blocklist = new Blocklist(probe);
  const dispatcher = new ChunkDispatcher({
    queue,
    events,
    probe,
    blocklist,
    timings: () => registry.nodeTimings(),
    eligible: (stage, avoid) => registry.live().some((node) => mayTake(node, stage, avoid)),
    fleetWide: (stage) => fleetCircuits.fleetWide(STAGE_CIRCUITS[stage]!),
    onEvent: log,
  });
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      stop.detach();
      registry.stop();
      roster.stop();
      dispatcher.close();
      await events.close().catch(() => undefined);
      await queue.close().catch(() => undefined);
      for (const c of connections) c.disconnect();
    })());
  return {
    address: farmAddress(options.url),
    registry,
    nodes: () => roster.view(),
    fleet,
    leaser: (pool) => (leaser = new FarmLeaser({ pool, dispatcher, registry, blocklist, shared: options.shared, close })),
    close,
  };
}
