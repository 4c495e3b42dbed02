/**
 * A render node (`storycore node --farm redis://HOST:PORT`): its own worker pool, circuits and
 * resource monitor, taking chunks from the farm's one BullMQ queue, as many at once as it has
 * workers. Each chunk runs in the pool under this node's circuit for its stage (chunk-processor.ts),
 * so a bad node opens its own circuits and hands chunks back, and poisons no one else's. It says it
 * is alive with a heartbeat key, listens for the coordinator's cancels, and keeps a lease watchdog
 * that kills any chunk whose lock it can no longer confirm.
 *
 * Its workers lead their own process groups and exit when their parent goes (the IPC channel
 * closes): a node killed with SIGKILL leaves no ffmpeg behind, and its chunks' locks expire, so
 * that BullMQ's stalled check hands them to other nodes.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { CircuitManager, ConfigPatch } from '../breaker/index.ts';
import { createEngineCircuits } from '../engine/circuits.ts';
import { ResourceMonitor } from '../engine/resource-monitor.ts';
import { WorkerPool, type WorkerSpawner } from '../engine/worker-pool.ts';
import { type NodeLogEvent, type NodeRuntime, type StopWhy, processChunk } from './chunk-processor.ts';
import { CANCEL_CHANNEL, CHUNK_QUEUE, STOP_CHANNEL } from './farm-keys.ts';
import type { NodeHeartbeat } from './farm-messages.ts';
import { connectOrThrow, farmConnection } from './farm-redis.ts';
import { type FarmTimings, cancelGraceMs, lockRenewMs, watchdogTickMs } from './farm-timings.ts';
import { FleetProbes } from './fleet-probes.ts';
import { LeaseWatchdog } from './lease-watchdog.ts';
import { Heartbeat } from './node-heartbeat.ts';
import { type NodeStopEvent, NodeStopFollower } from './node-stop.ts';

export interface RenderNodeOptions {
  /** The farm's Redis, as parseFarmUrl returned it. */
  url: string;
  name: string;
  workers: number;
  tags: string[];
  /** The shared folder, absolute: every chunk's files must be inside it. */
  shared: string;
  timings: FarmTimings;
  /** Settings over the node's default circuits, by circuit (checked by the caller). */
  circuits?: Record<string, ConfigPatch>;
  /** The node's log: one line per event (JSON). */
  out: (line: string) => void;
  spawner?: WorkerSpawner;
}

type LogLine = NodeLogEvent | NodeStopEvent | { type: 'started'; workers: number; tags: string[]; lockDurationMs: number } | { type: 'worker'; pid: number } | { type: 'error'; message: string } | { type: 'pressure'; workers: number; reason: string };

export class RenderNode {
  readonly name: string;
  /** Resolves with a reason when the node must end on its own (another instance took its name). */
  readonly ended: Promise<string>;
  private readonly options: RenderNodeOptions;
  private readonly instance = randomUUID();
  private readonly startedAt = Date.now();
  private readonly connections: Redis[];
  private readonly probe: Redis;
  private readonly pool: WorkerPool;
  private readonly circuits: CircuitManager;
  private readonly monitor: ResourceMonitor;
  private readonly watchdog: LeaseWatchdog;
  private readonly heartbeat: Heartbeat;
  private readonly stopFollower: NodeStopFollower;
  private readonly running = new Map<string, (why: StopWhy, detail: string) => void>();
  /** Chunks taken and how each ended, since start: the node's /metrics. */
  private readonly chunkCounts = { taken: 0, done: 0, failed: 0, stopped: 0, gave_back: 0 };
  private worker: Worker | undefined;
  private end: (why: string) => void = () => {};
  private closing: Promise<void> | undefined;

  /** Connects, claims the name (refused if a live node has it) and starts taking chunks. */
  static async start(options: RenderNodeOptions): Promise<RenderNode> {
    const node = new RenderNode(options);
    try {
      await Promise.all(node.connections.map((c) => connectOrThrow(c, options.url)));
      await node.heartbeat.start();
      // A fleet stopped before this node started: its circuits are forced open before it takes a chunk.
      await node.stopFollower.start();
    } catch (error) {
      await node.close();
      throw error;
    }
    node.startWorker();
    node.log({ type: 'started', workers: options.workers, tags: options.tags, lockDurationMs: options.timings.lockDurationMs });
    return node;
  }

  private constructor(options: RenderNodeOptions) {
    this.options = options;
    this.name = options.name;
    this.ended = new Promise((resolve) => (this.end = resolve));
    const onError = (message: string) => this.log({ type: 'error', message });
    const connect = (role: string, probe?: boolean) => farmConnection(options.url, { name: `storycore-node-${options.name}-${role}`, onError, ...(probe ? { probeTimeoutMs: watchdogTickMs(options.timings) } : {}) });
    this.probe = connect('probe', true);
    const subscriber = connect('cancels');
    this.connections = [this.probe, connect('work'), subscriber];
    subscriber.on('message', (channel: string, message: string) => {
      if (channel === STOP_CHANNEL) this.stopFollower.seen(message);
      else this.running.get(message)?.('canceled', 'canceled by the coordinator');
    });
    subscriber.on('ready', () => void subscriber.subscribe(CANCEL_CHANNEL, STOP_CHANNEL).catch(() => undefined));

    this.pool = new WorkerPool({ size: options.workers, cancelGraceMs: cancelGraceMs(options.timings), ...(options.spawner ? { spawner: options.spawner } : {}) });
    this.pool.on('worker_started', ({ pid }) => pid && this.log({ type: 'worker', pid }));
    this.circuits = createEngineCircuits();
    for (const [name, patch] of Object.entries(options.circuits ?? {})) this.circuits.configure(name, patch);
    this.monitor = new ResourceMonitor({ breaker: this.circuits.getBreaker('resource_monitoring'), pids: () => ({ host: process.pid, ...this.pool.pids() }) });
    // Under memory pressure the node takes half as many chunks, on half the workers, until it passes.
    this.monitor.on('pressure', (pressure) => {
      const workers = pressure.under ? Math.max(1, Math.ceil(options.workers / 2)) : options.workers;
      this.pool.resize(workers);
      if (this.worker) this.worker.concurrency = workers;
      this.log({ type: 'pressure', workers, reason: pressure.reason });
    });
    this.monitor.start();
    this.watchdog = new LeaseWatchdog(this.probe, options.timings);
    this.stopFollower = new NodeStopFollower({ name: options.name, probe: this.probe, circuits: this.circuits, running: this.running, heartbeatMs: options.timings.heartbeatMs, log: (event) => this.log(event) });
    this.watchdog.followStop((text) => this.stopFollower.seen(text));
    this.heartbeat = new Heartbeat(this.probe, options.timings, () => this.describe(), (by) => {
      this.log({ type: 'error', message: `another node took the name "${options.name}" (${by}); this one stops` });
      this.end(`the name "${options.name}" was taken by another node`);
    });
  }

  private startWorker(): void {
    const { timings } = this.options;
    const runtime: NodeRuntime = {
      name: this.name,
      shared: this.options.shared,
      pool: this.pool,
      circuits: this.circuits,
      watchdog: this.watchdog,
      probe: this.probe,
      probes: new FleetProbes(this.probe, `node:${this.name}:${this.instance}`),
      running: this.running,
      log: (event) => this.log(event),
    };
    const worker = new Worker(CHUNK_QUEUE, (job, token) => processChunk(job, token, runtime), {
      connection: this.connections[1]!,
      name: this.name,
      concurrency: this.options.workers,
      lockDuration: timings.lockDurationMs,
      lockRenewTime: lockRenewMs(timings),
      stalledInterval: timings.stalledIntervalMs,
      // A chunk may lose one node and then another (a kill, then a cut) before it fails for good.
      maxStalledCount: 2,
    });
    worker.on('error', (error) => this.log({ type: 'error', message: error.message }));
    worker.on('locksRenewed', () => this.watchdog.renewed());
    worker.on('lockRenewalFailed', (ids) => this.watchdog.lockLost(ids));
    this.worker = worker;
  }

  private describe(): NodeHeartbeat {
    const circuits: Record<string, string> = {};
    for (const [name, stats] of Object.entries(this.circuits.stats())) if (stats.state !== 'closed') circuits[name] = stats.state;
    return {
      v: 1,
      name: this.name,
      instance: this.instance,
      host: hostname(),
      pid: process.pid,
      workers: this.options.workers,
      tags: this.options.tags,
      startedAt: this.startedAt,
      at: Date.now(),
      lockDurationMs: this.options.timings.lockDurationMs,
      stalledIntervalMs: this.options.timings.stalledIntervalMs,
      heartbeatMs: this.options.timings.heartbeatMs,
      running: this.running.size,
      circuits,
    };
  }

  /** What the node's /metrics reads at each scrape. */
  metricsSource() {
    return {
      name: this.name,
      circuitStats: () => this.circuits.stats(),
      running: () => this.running.size,
      workers: () => this.pool.size,
      chunks: () => ({ ...this.chunkCounts }),
    };
  }

  private log(event: LogLine): void {
    if (event.type in this.chunkCounts) this.chunkCounts[event.type as keyof typeof this.chunkCounts]++;
    this.options.out(JSON.stringify({ at: Date.now(), node: this.name, ...event }));
  }

  /** Stops taking chunks, hands running ones back, ends the workers and leaves the farm. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      for (const stop of this.running.values()) stop('shutdown', 'the node is shutting down');
      await this.worker?.close();
      this.watchdog.stop();
      this.stopFollower.stop();
      await this.heartbeat.stop();
      this.monitor.stop();
      await this.pool.close();
      for (const connection of this.connections) connection.disconnect();
    })();
    return this.closing;
  }
}
