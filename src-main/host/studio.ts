/**
 * The Studio host: the facade that wires circuits, engine, queue, scheduler, monitor and the event
 * stream. Commands come in (validated), events go out. It knows nothing of Electron or sockets;
 * the transports (IPC, WebSocket, CLI) are thin adapters over `execute` and `subscribe`.
 *
 * This file only wires: the commands live in command-handlers.ts, the scheduler in job-scheduler.ts,
 * the queue's controls in queue-controls.ts and what survives a restart in studio-settings.ts.
 */
import { mkdirSync } from 'node:fs';
import { availableParallelism, userInfo } from 'node:os';
import { join } from 'node:path';
import type { Command, CommandReply, EventBatch, Job, JobStatus, Snapshot } from '../../src-preload/contract.ts';
import type { CircuitManager, CircuitStats, ManagerOptions } from '../breaker/index.ts';
import { ThroughputLearner } from '../engine/chunks/throughput-learner.ts';
import { createEngineCircuits } from '../engine/circuits.ts';
import { relieveMemoryPressure } from '../engine/memory-pressure.ts';
import { RenderEngine } from '../engine/pipeline.ts';
import { ResourceMonitor } from '../engine/resource-monitor.ts';
import type { NodesView } from '../engine/nodes-view.ts';
import type { RetryPolicy } from '../engine/retry.ts';
import type { FleetControl } from '../engine/fleet-control.ts';
import type { WorkerLeaser } from '../engine/worker-lease.ts';
import { WorkerPool, type WorkerSpawner } from '../engine/worker-pool.ts';
import { openDatabase } from '../queue/database.ts';
import { Journal } from '../queue/journal.ts';
import { RenderQueue } from '../queue/render-queue.ts';
import { AnalysisQueries } from '../queue/analysis-queries.ts';
import { ThroughputStore } from '../queue/throughput-store.ts';
import { type Audit, auditTo } from './audit.ts';
import { type StudioParts, runCommand } from './command-handlers.ts';
import { failureOf, parseCommand } from './command-reply.ts';
import { DegradationBook } from './degradations.ts';
import { EventBus, type SubscribeOptions } from './event-bus.ts';
import { FleetLink } from './fleet-link.ts';
import { AssetStore } from './asset-store.ts';
import { discardPartials, rendersDir } from './job-runner.ts';
import { sweepCircuitLoad } from './load-sweep.ts';
import { ProcessRegistry } from './process-registry.ts';
import { QueueControls } from './queue-controls.ts';
import { JobScheduler } from './job-scheduler.ts';
import { StudioSettings, applyCircuitOverrides } from './studio-settings.ts';
import { StudioChunks } from './stored-chunks.ts';

export interface StudioOptions {
  dataDir: string;
  demoProjectPath: string;
  workers?: number;
  /** Jobs rendering at once; their stages are further paced by the circuits. Default: workers. */
  maxRunningJobs?: number;
  spawner?: WorkerSpawner;
  circuitOptions?: Omit<ManagerOptions, 'circuits'>;
  retry?: RetryPolicy;
  monitorIntervalMs?: number;
  /**
   * Where chunks run, given this machine's pool: `serve --farm` hands them to the render farm (and
   * to the pool while no node is live). Default: the pool itself. Closed before the pool is.
   */
  leaser?: (pool: WorkerPool) => WorkerLeaser & { close(): Promise<void> };
  /** How chunks enter and leave the store: hard links where the disk allows (default), or copies (tests of a full disk). */
  chunkTransfer?: 'link' | 'copy';
  /** The farm's nodes, for the `nodes` command and /metrics (serve --farm). Default: none, this machine renders alone. */
  nodes?: () => Promise<NodesView>;
  /** `serve --farm`: the fleet that every emergency stop, reset and resume reaches (host/fleet-link.ts). */
  fleet?: FleetControl;
}

export class Studio {
  readonly circuits: CircuitManager;
  readonly engine: RenderEngine;
  readonly queue: RenderQueue;
  /**
   * This machine's seconds per megapixel-frame, learned from finished chunks and kept in studio.db;
   * pinned by an operator. Estimates at enqueue and the engine's chunk deadlines use this one learner,
   * so what the queue promised and what the chunks are given agree.
   */
  readonly throughput: ThroughputLearner;
  /** Finished chunks kept for reuse in `<data>/chunks/`, bounded by the settings' limit. */
  readonly chunks: StudioChunks;
  private readonly options: StudioOptions;
  private readonly journal: Journal;
  private readonly settings: StudioSettings;
  private readonly registry: ProcessRegistry;
  private readonly pool: WorkerPool;
  /** The farm's leaser in serve --farm; none: chunks run on the pool. */
  private readonly farm: (WorkerLeaser & { close(): Promise<void> }) | undefined;
  private readonly bus: EventBus;
  private readonly audit: Audit;
  private readonly monitor: ResourceMonitor;
  private readonly degradations = new DegradationBook();
  private readonly scheduler: JobScheduler;
  private readonly controls: QueueControls;
  private readonly fleet: FleetLink;
  /** What every command's handler is given, besides the actor. */
  private readonly parts: StudioParts;
  private readonly stopLoadSweep: () => void;
  /** Ends the circuits' line to the journal: a recovery timer may fire after the database is closed. */
  private readonly stopJournaling: () => void;
  private closed = false;
  /** Before this the window cannot know a circuit's state: no host was there to hold one. */
  private readonly startedAt = Date.now();

  static async open(options: StudioOptions): Promise<Studio> {
    mkdirSync(options.dataDir, { recursive: true });
    const studio = new Studio(options);
    await studio.recover();
    studio.scheduler.pump();
    return studio;
  }

  private constructor(options: StudioOptions) {
    this.options = options;
    const db = openDatabase(join(options.dataDir, 'studio.db'));
    this.queue = new RenderQueue(db);
    this.journal = new Journal(db);
    this.throughput = new ThroughputLearner({ persistence: new ThroughputStore(db) });
    this.settings = new StudioSettings(this.journal);
    this.chunks = new StudioChunks(options.dataDir, this.settings, options.chunkTransfer);
    this.registry = new ProcessRegistry(options.dataDir);

    this.circuits = createEngineCircuits(options.circuitOptions);
    applyCircuitOverrides(this.circuits, this.settings.circuitOverrides());
    const workers = options.workers ?? Math.max(1, Math.min(4, availableParallelism()));
    this.pool = new WorkerPool({ size: workers, ...(options.spawner ? { spawner: options.spawner } : {}) });
    this.pool.on('worker_started', ({ pid }) => pid && this.registry.add(pid));
    this.pool.on('worker_exited', ({ pid }) => pid && this.registry.remove(pid));
    this.farm = options.leaser?.(this.pool);
    this.engine = new RenderEngine({ circuits: this.circuits, workers: this.farm ?? this.pool, parallelism: workers, throughput: this.throughput, chunkStore: this.chunks.store, ...(options.retry ? { retry: options.retry } : {}) });
    this.engine.setChaos(this.settings.chaosDrills());

    this.bus = new EventBus({ snapshot: () => this.snapshot(), circuitStats: (name) => (this.circuits.has(name) ? this.circuits.getBreaker(name).stats() : undefined) });
    this.audit = auditTo(this.journal, this.bus);
    this.stopJournaling = this.circuits.subscribe((event) => {
      this.bus.circuitChanged(event.circuit);
      if (event.type === 'state_change') {
        const entry = { at: event.at, circuit: event.circuit, from: event.from, to: event.to, reason: event.reason };
        this.journal.recordTransition(entry);
        this.bus.publish({ kind: 'circuit_transition', entry });
      } else if (event.type === 'config_change') {
        this.bus.publish({ kind: 'circuit_config', circuit: event.circuit, from: event.from, to: event.to, at: event.at });
      }
    });
    this.stopLoadSweep = sweepCircuitLoad(this.circuits, (name) => this.bus.circuitChanged(name));
    this.engine.onEvent((event) => {
      if (event.type === 'degradation') this.bus.publish({ kind: 'degradation', jobId: null, shotId: null, what: event.kind, from: event.from, to: event.to, reason: event.reason, at: Date.now() });
    });

    this.monitor = new ResourceMonitor({
      breaker: this.circuits.getBreaker('resource_monitoring'),
      pids: () => ({ host: process.pid, ...this.pool.pids() }),
      ...(options.monitorIntervalMs ? { intervalMs: options.monitorIntervalMs } : {}),
    });
    this.monitor.on('sample', (sample) => this.bus.resourcesSampled(sample));
    this.monitor.on('pressure', relieveMemoryPressure(this.engine, this.pool, workers));
    this.monitor.start();

    const changed = (job: Job) => this.changed(job);
    const publish = this.bus.publish.bind(this.bus);
    this.scheduler = new JobScheduler({
      queue: this.queue,
      engine: this.engine,
      dataDir: options.dataDir,
      maxRunningJobs: options.maxRunningJobs ?? workers,
      degradations: this.degradations,
      mayStart: () => !this.closed && this.controls.mayStart,
      changed,
      publish,
    });
    this.fleet = new FleetLink({
      fleet: options.fleet,
      settings: this.settings,
      circuits: this.circuits,
      audit: this.audit,
      stopHere: (latch) => this.controls.emergencyStop(latch.scope, latch.reason ?? `fleet stop #${latch.epoch}`, 'fleet'),
    });
    this.controls = new QueueControls({ circuits: this.circuits, settings: this.settings, scheduler: this.scheduler, queueChanged: (state) => this.bus.queueChanged(state), audit: this.audit, fleet: this.fleet });
    this.controls.relatchStop();
    this.fleet.attach();

    this.parts = {
      queue: this.queue,
      circuits: this.circuits,
      engine: this.engine,
      settings: this.settings,
      scheduler: this.scheduler,
      controls: this.controls,
      degradations: this.degradations,
      dataDir: options.dataDir,
      demoProjectPath: options.demoProjectPath,
      snapshot: () => this.snapshot(),
      analysis: new AnalysisQueries(db),
      changed,
      publish,
      audit: this.audit,
      throughput: this.throughput,
      workers,
      chunks: this.chunks,
      nodes: options.nodes,
      fleet: this.fleet,
    };
  }

  /**
   * After a crash: end the dead host's workers, put its interrupted jobs back, delete their partial
   * files (the chunks they finished are in the chunk store, still pinned for them) and the uploads
   * it was receiving.
   */
  private async recover(): Promise<void> {
    const reaped = this.registry.reapLeftovers();
    const interrupted = this.queue.recoverInterrupted();
    this.degradations.seed(this.queue);
    await Promise.all(interrupted.map((job) => discardPartials(this.options.dataDir, job.id)));
    const halfUploaded = await this.assetStore().sweepIncoming();
    await this.chunks.start(this.queue.list({ statuses: ['queued', 'paused', 'running', 'blocked'], limit: 100_000 }));
    if (reaped.length || interrupted.length || halfUploaded) {
      this.audit('system', 'recover', 'host restarted after an interruption', { reapedWorkers: reaped, requeuedJobs: interrupted.map((j) => j.id), discardedUploads: halfUploaded });
    }
  }

  // ── the port the transports use ──

  /** Validates and runs one command for `actor`; never throws: what went wrong comes back as { ok: false }. */
  async execute<C extends Command>(command: C, actor: string): Promise<CommandReply<C['type']>>;
  async execute(raw: unknown, actor: string): Promise<CommandReply>;
  async execute(raw: unknown, actor: string): Promise<CommandReply> {
    const parsed = parseCommand(raw);
    if (!parsed.ok) return parsed;
    try {
      return { ok: true, result: await runCommand(parsed.command.type, parsed.command, { ...this.parts, actor }) };
    } catch (error) {
      return { ok: false, error: failureOf(error) };
    }
  }

  subscribe(listener: (batch: EventBatch) => void, options?: SubscribeOptions): () => void {
    return this.bus.subscribe(listener, options);
  }

  circuitStats(): Record<string, CircuitStats> {
    return this.circuits.stats();
  }

  retryStats = () => this.engine.retries.snapshot();
  queueCounts(): Record<JobStatus, number> {
    return this.queue.counts();
  }

  /** The farm's nodes, read now; absent in embedded mode (no --farm), so /metrics adds no farm series there. */
  get nodes(): (() => Promise<NodesView>) | undefined {
    return this.options.nodes;
  }

  /** Uploaded pictures, kept by content; the same store the enqueue command resolves "asset:" keyframes in. */
  assetStore(): AssetStore {
    return new AssetStore(this.options.dataDir);
  }

  /** The folders the media doors may serve files from: the finished renders. */
  mediaRoots(): string[] {
    return [rendersDir(this.options.dataDir)];
  }

  snapshot(): Snapshot {
    const sample = this.monitor.latest();
    return {
      at: Date.now(),
      hostStartedAt: this.startedAt,
      jobs: this.queue.list({ limit: 2000 }).map((job) => this.degradations.decorate(job)),
      circuits: this.circuits.stats(),
      queue: this.controls.state,
      audit: this.journal.auditLog(200),
      history: this.journal.history({ limit: 500 }),
      resources: sample ?? null,
      chaos: this.engine.chaosRules,
    };
  }

  /** Every job the stream carries goes through here, to carry its degradation badge (and to free an ended job's chunks). */
  private changed(job: Job): Job {
    this.chunks.jobChanged(job);
    const decorated = this.degradations.decorate(job);
    this.bus.jobChanged(decorated);
    return decorated;
  }

  /** Stops taking work, interrupts running jobs (they go back to the queue), ends workers, closes the database. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.fleet.detach();
    await this.scheduler.drain('shutdown');
    this.monitor.stop();
    this.stopLoadSweep();
    this.bus.close();
    await this.farm?.close();
    await this.pool.close();
    await this.chunks.store.flush();
    this.stopJournaling();
    this.queue.close();
  }
}

export function osUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? 'unknown';
  }
}
