/**
 * The Studio host: the facade that wires circuits, engine, queue, scheduler, monitor and the event
 * stream. Commands come in (validated), events go out. It knows nothing of Electron or sockets;
 * the transports (IPC, WebSocket, CLI) are thin adapters over `execute` and `subscribe`.
 */
import { mkdirSync } from 'node:fs';
import { availableParallelism, userInfo } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import {
  type AuditEntry,
  type CommandReply,
  type CommandResults,
  type CommandType,
  COMMAND_TYPES,
  CommandSchema,
  type EventBatch,
  type Job,
  type JobStatus,
  type ParsedCommand,
  type QueueState,
  type Snapshot,
  type StudioEvent,
} from '../../src-preload/contract.ts';
import { type CircuitManager, type CircuitStats, ConfigPatchSchema, InvalidConfigError, type ManagerOptions } from '../breaker/index.ts';
import { type ChaosRule, ChaosRuleSchema } from '../engine/chaos.ts';
import { createEngineCircuits } from '../engine/circuits.ts';
import { type Project, ProjectError, describeIssues } from '../engine/model.ts';
import { RenderEngine } from '../engine/pipeline.ts';
import { loadProject } from '../engine/project-io.ts';
import { relieveMemoryPressure } from '../engine/memory-pressure.ts';
import { ResourceMonitor } from '../engine/resource-monitor.ts';
import type { RetryPolicy } from '../engine/retry.ts';
import { WorkerPool, type WorkerSpawner } from '../engine/worker-pool.ts';
import { openDatabase } from '../queue/database.ts';
import { Journal } from '../queue/journal.ts';
import { QueueError, RenderQueue } from '../queue/render-queue.ts';
import { DegradationBook } from './degradations.ts';
import { EventBus, type SubscribeOptions } from './event-bus.ts';
import { jobDetail } from './job-detail.ts';
import { RunningJob, discardPartials, rendersDir } from './job-runner.ts';
import { ProcessRegistry } from './process-registry.ts';

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
}

const OverridesSchema = z.record(z.string(), ConfigPatchSchema);
const ChaosSettingSchema = z.array(ChaosRuleSchema);
const QueueStateSchema = z.object({
  paused: z.boolean(),
  stopped: z.object({ at: z.number(), scope: z.enum(['immediate', 'after_current']), reason: z.string() }).nullable(),
});

/** An error a command answers with, instead of a crash. */
class CommandError extends Error {
  readonly code: 'invalid' | 'not_found' | 'conflict';
  constructor(code: 'invalid' | 'not_found' | 'conflict', message: string) {
    super(message);
    this.code = code;
  }
}

export class Studio {
  readonly circuits: CircuitManager;
  readonly engine: RenderEngine;
  readonly queue: RenderQueue;
  private readonly journal: Journal;
  private readonly pool: WorkerPool;
  private readonly monitor: ResourceMonitor;
  private readonly bus: EventBus;
  private readonly loadSweep: ReturnType<typeof setInterval>;
  private readonly registry: ProcessRegistry;
  private readonly options: StudioOptions;
  private readonly running = new Map<string, RunningJob>();
  private readonly degradations = new DegradationBook();
  private readonly maxRunning: number;
  private state: QueueState;
  private closed = false;
  /** Ends the circuits' line to the journal: a recovery timer may fire after the database is closed. */
  private readonly stopJournaling: () => void;

  static async open(options: StudioOptions): Promise<Studio> {
    mkdirSync(options.dataDir, { recursive: true });
    const studio = new Studio(options);
    await studio.recover();
    studio.pump();
    return studio;
  }

  private constructor(options: StudioOptions) {
    this.options = options;
    const db = openDatabase(join(options.dataDir, 'studio.db'));
    this.queue = new RenderQueue(db);
    this.journal = new Journal(db);
    this.registry = new ProcessRegistry(options.dataDir);

    this.circuits = createEngineCircuits(options.circuitOptions);
    for (const [name, patch] of Object.entries(this.journal.getSetting('circuit_overrides', OverridesSchema) ?? {})) {
      try {
        if (this.circuits.has(name)) this.circuits.configure(name, patch);
      } catch {
        // A stored override that no longer validates is skipped, not fatal; the audit log has its history.
      }
    }
    const workers = options.workers ?? Math.max(1, Math.min(4, availableParallelism()));
    this.maxRunning = options.maxRunningJobs ?? workers;
    this.pool = new WorkerPool({ size: workers, ...(options.spawner ? { spawner: options.spawner } : {}) });
    this.pool.on('worker_started', ({ pid }) => pid && this.registry.add(pid));
    this.pool.on('worker_exited', ({ pid }) => pid && this.registry.remove(pid));
    this.engine = new RenderEngine({ circuits: this.circuits, workers: this.pool, parallelism: workers, ...(options.retry ? { retry: options.retry } : {}) });
    this.engine.setChaos(this.journal.getSetting('chaos', ChaosSettingSchema) ?? []);

    this.bus = new EventBus({ snapshot: () => this.snapshot(), circuitStats: (name) => (this.circuits.has(name) ? this.circuits.getBreaker(name).stats() : undefined) });
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
    // Calls starting and callers cancelling emit no breaker event (that would be one per call), so
    // the in-flight and canceled counts are swept twice a second and sent when they moved.
    const lastLoad = new Map<string, string>();
    this.loadSweep = setInterval(() => {
      for (const name of this.circuits.names()) {
        const { stats } = this.circuits.getBreaker(name).stats();
        const load = `${stats.concurrent_requests}/${stats.canceled}`;
        if (lastLoad.get(name) !== load) {
          lastLoad.set(name, load);
          this.bus.circuitChanged(name);
        }
      }
    }, 500);
    this.loadSweep.unref();
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

    this.state = this.journal.getSetting('queue_state', QueueStateSchema) ?? { paused: false, stopped: null };
    // A latched stop survives a restart: the circuits come back forced open until someone resets them.
    if (this.state.stopped) this.circuits.forceOpenAll(`still stopped: ${this.state.stopped.reason}`, { abort: false });
  }

  /** After a crash: end the dead host's workers, put its interrupted jobs back, delete their partial files. */
  private async recover(): Promise<void> {
    const reaped = this.registry.reapLeftovers();
    const interrupted = this.queue.recoverInterrupted();
    this.degradations.seed(this.queue);
    await Promise.all(interrupted.map((job) => discardPartials(this.options.dataDir, job.id)));
    if (reaped.length || interrupted.length) {
      this.audit('system', 'recover', 'host restarted after an interruption', { reapedWorkers: reaped, requeuedJobs: interrupted.map((j) => j.id) });
    }
  }

  // ── the port the transports use ──

  async execute(raw: unknown, actor: string): Promise<CommandReply> {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      return { ok: false, error: { code: 'invalid', message: `a command is a JSON object with a type, one of: ${COMMAND_TYPES.join(', ')}` } };
    }
    const parsed = CommandSchema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      // An unknown key is the field to fix, even though zod reports it at its parent's path.
      const path = issue?.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0]] : (issue?.path ?? []);
      const field = path.join('.') || undefined;
      return { ok: false, error: { code: 'invalid', message: describeIssues(parsed.error, 'command').join('; '), ...(field ? { field } : {}) } };
    }
    try {
      // Typed per command by the handler table that replaces this switch.
      return { ok: true, result: (await this.run(parsed.data, actor)) as CommandResults[CommandType] };
    } catch (error) {
      if (error instanceof CommandError) return { ok: false, error: { code: error.code, message: error.message } };
      if (error instanceof QueueError) return { ok: false, error: { code: error.code, message: error.message } };
      if (error instanceof ProjectError) return { ok: false, error: { code: 'invalid', message: error.message } };
      if (error instanceof InvalidConfigError) return { ok: false, error: { code: 'invalid', message: error.message } };
      return { ok: false, error: { code: 'internal', message: error instanceof Error ? error.message : String(error) } };
    }
  }

  subscribe(listener: (batch: EventBatch) => void, options?: SubscribeOptions): () => void {
    return this.bus.subscribe(listener, options);
  }

  circuitStats(): Record<string, CircuitStats> {
    return this.circuits.stats();
  }

  queueCounts(): Record<JobStatus, number> {
    return this.queue.counts();
  }

  /** The folders the media doors may serve files from: the finished renders. */
  mediaRoots(): string[] {
    return [rendersDir(this.options.dataDir)];
  }

  snapshot(): Snapshot {
    const sample = this.monitor.latest();
    return {
      at: Date.now(),
      jobs: this.queue.list({ limit: 2000 }).map((job) => this.degradations.decorate(job)),
      circuits: this.circuits.stats(),
      queue: this.state,
      audit: this.journal.auditLog(200),
      history: this.journal.history({ limit: 500 }),
      resources: sample ?? null,
      chaos: this.engine.chaosRules,
    };
  }

  // ── commands ──

  private async run(command: ParsedCommand, actor: string): Promise<unknown> {
    switch (command.type) {
      case 'enqueue':
        return this.enqueue(command, actor);
      case 'cancel': {
        const job = this.queue.cancel(command.jobId);
        this.running.get(command.jobId)?.interrupt('canceled');
        return this.changed(job);
      }
      case 'retry': {
        const job = this.queue.retry(command.jobId);
        this.degradations.clear(job.id); // the badge was about the run that failed
        return this.changedAndPump(job);
      }
      case 'setPriority':
        return this.changedAndPump(this.queue.setPriority(command.jobId, command.priority));
      case 'move':
        return this.changedAndPump(this.queue.move(command.jobId, command.to));
      case 'pauseJob': {
        const running = this.running.get(command.jobId);
        if (running) {
          running.interrupt('paused');
          const job = this.queue.get(command.jobId);
          return job && this.degradations.decorate(job);
        }
        return this.changed(this.queue.pause(command.jobId));
      }
      case 'resumeJob':
        return this.changedAndPump(this.queue.resume(command.jobId));
      case 'pauseQueue':
        this.setState({ ...this.state, paused: true });
        this.audit(actor, 'pause_queue', null, {});
        return this.state;
      case 'resumeQueue':
      case 'resume':
        return this.resume(actor, command.type === 'resume' ? (command.reason ?? null) : null);
      case 'emergencyStop':
        return this.emergencyStop(command.scope, command.reason, actor);
      case 'reset':
        return this.reset(actor, command.reason ?? null);
      case 'configureCircuit':
        return this.configureCircuit(command.circuit, command.patch, actor);
      case 'setChaos':
        return this.setChaos(command.rules, actor);
      case 'snapshot':
        return this.snapshot();
      case 'jobDetail': {
        const job = this.queue.get(command.jobId);
        if (!job) throw new CommandError('not_found', `jobId: no job "${command.jobId}" in the queue; it may have been removed`);
        return jobDetail(this.queue, this.degradations.decorate(job), rendersDir(this.options.dataDir));
      }
    }
  }

  private async enqueue(command: Extract<ParsedCommand, { type: 'enqueue' }>, actor: string): Promise<Job[]> {
    let project: Project;
    let baseDir: string | null = null;
    if (command.project) {
      project = command.project;
      const withImage = project.shots.findIndex((s) => s.keyframes.some((k) => 'image' in k));
      if (withImage >= 0) throw new CommandError('invalid', `project.shots[${withImage}].keyframes: an inline project can only use generated keyframes; enqueue image keyframes with projectPath`);
    } else {
      const loaded = await loadProject(command.demo ? this.options.demoProjectPath : command.projectPath!);
      project = loaded.project;
      baseDir = loaded.baseDir;
    }
    const shots = command.shotIds ? project.shots.filter((s) => command.shotIds!.includes(s.id)) : project.shots;
    const missing = (command.shotIds ?? []).filter((id) => !project.shots.some((s) => s.id === id));
    if (missing.length) throw new CommandError('not_found', `shotIds: no shot ${missing.map((m) => `"${m}"`).join(', ')} in project "${project.name}"`);
    const jobs = this.queue.enqueue(
      shots.map((shot) => ({ projectName: project.name, shot, baseDir, quality: command.quality ?? shot.quality ?? project.quality, ...(command.priority !== undefined ? { priority: command.priority } : {}) })),
    );
    this.publish({ kind: 'log', level: 'info', jobId: null, message: `${actor} queued ${jobs.length} shot(s) of "${project.name}"`, at: Date.now() });
    const queued = jobs.map((job) => this.changed(job));
    this.pump();
    return queued;
  }

  /** Latched stop: every circuit forced open, running work aborted (or finishing, after_current), the queue paused. */
  private async emergencyStop(scope: 'immediate' | 'after_current', reason: string, actor: string): Promise<QueueState> {
    const jobs = [...this.running.keys()];
    this.setState({ paused: true, stopped: { at: Date.now(), scope, reason } });
    this.circuits.forceOpenAll(reason, { abort: scope === 'immediate' });
    if (scope === 'immediate') for (const job of this.running.values()) job.interrupt('emergency_stop');
    this.audit(actor, 'emergency_stop', reason, { scope, jobs });
    return this.state;
  }

  /** Re-arms the circuits. Restarts nothing: resume is a separate action. */
  private reset(actor: string, reason: string | null): QueueState {
    // The audit says which circuits this re-armed, and from what: "video_export: forced_open → closed".
    const before = Object.fromEntries(this.circuits.names().map((name) => [name, this.circuits.getBreaker(name).stats().state] as const));
    this.circuits.forceCloseAll(reason ?? 'reset');
    const rearmed = Object.keys(before).filter((name) => this.circuits.getBreaker(name).stats().state !== before[name]);
    this.setState({ ...this.state, stopped: null });
    this.audit(actor, 'reset', reason, {
      from: Object.fromEntries(rearmed.map((name) => [name, before[name]])),
      to: Object.fromEntries(rearmed.map((name) => [name, this.circuits.getBreaker(name).stats().state])),
    });
    return this.state;
  }

  private resume(actor: string, reason: string | null): QueueState {
    if (this.state.stopped) throw new CommandError('conflict', 'the studio is emergency-stopped: reset the circuits first, then resume');
    this.setState({ ...this.state, paused: false });
    this.audit(actor, 'resume', reason, {});
    this.pump();
    return this.state;
  }

  private configureCircuit(name: string, patch: Record<string, number | undefined>, actor: string) {
    if (!this.circuits.has(name)) throw new CommandError('not_found', `circuit: no circuit "${name}"; known: ${this.circuits.names().join(', ')}`);
    const clean = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined));
    const { from, to } = this.circuits.configure(name, clean);
    const overrides = this.journal.getSetting('circuit_overrides', OverridesSchema) ?? {};
    overrides[name] = { ...overrides[name], ...clean };
    this.journal.setSetting('circuit_overrides', overrides);
    this.audit(actor, 'configure_circuit', null, { circuit: name, from, to });
    return this.circuits.getBreaker(name).stats();
  }

  private setChaos(rules: ChaosRule[], actor: string) {
    const from = this.engine.chaosRules;
    const stages = rules.map((r) => r.stage);
    if (new Set(stages).size !== stages.length) throw new CommandError('invalid', 'rules: at most one chaos rule per stage');
    this.engine.setChaos(rules);
    this.journal.setSetting('chaos', rules);
    this.audit(actor, 'set_chaos', null, { from, to: rules });
    return rules;
  }

  // ── the scheduler: by priority, then position, then age; as many jobs as allowed ──

  private pump(): void {
    if (this.closed || this.state.paused || this.state.stopped) return;
    while (this.running.size < this.maxRunning) {
      const next = this.queue.nextRunnable();
      if (!next) return;
      const spec = this.queue.getSpec(next.id);
      const job = this.queue.markRunning(next.id);
      this.degradations.clear(job.id);
      this.changed(job);
      if (!spec) {
        this.changed(this.queue.markFailed(next.id, { error: 'the job record has no shot (database damaged?)' }));
        continue;
      }
      const runner = new RunningJob(job, spec, job.quality, {
        engine: this.engine,
        queue: this.queue,
        dataDir: this.options.dataDir,
        jobChanged: (j) => this.changed(j),
        publish: (e) => {
          if (e.kind === 'degradation' && e.jobId !== null) this.degradations.record(e.jobId, { what: e.what, from: e.from, to: e.to, reason: e.reason, at: e.at });
          this.publish(e);
        },
      });
      this.running.set(job.id, runner);
      void runner.done.finally(() => {
        this.running.delete(job.id);
        this.pump();
      });
    }
  }

  // ── helpers ──

  private setState(state: QueueState): void {
    this.state = state;
    this.journal.setSetting('queue_state', state);
    this.bus.queueChanged(state);
  }

  private audit(actor: string, action: string, reason: string | null, detail: Record<string, unknown>): AuditEntry {
    const entry = this.journal.audit({ at: Date.now(), actor, action, reason, detail });
    this.bus.publish({ kind: 'audit', entry });
    return entry;
  }

  private publish(event: StudioEvent): void {
    this.bus.publish(event);
  }

  /** Every job the stream carries goes through here, to carry its degradation badge. */
  private changed(job: Job): Job {
    const decorated = this.degradations.decorate(job);
    this.bus.jobChanged(decorated);
    return decorated;
  }

  /** The answer is the decorated job too: a command's reply shows the same badge as the stream. */
  private changedAndPump(job: Job): Job {
    const decorated = this.changed(job);
    this.pump();
    return decorated;
  }

  /** Stops taking work, interrupts running jobs (they go back to the queue), ends workers, closes the database. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const job of this.running.values()) job.interrupt('shutdown');
    await Promise.all([...this.running.values()].map((job) => job.done));
    this.monitor.stop();
    clearInterval(this.loadSweep);
    this.bus.close();
    await this.pool.close();
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
