/**
 * One handler per command type, each typed by the contract's CommandResults: the table does not
 * compile if a command is missing or answers with the wrong type. Handlers get the studio's parts
 * through a context and hold no state of their own.
 */
import type { CommandResults, CommandType, Job, ParsedCommand, Snapshot, StudioEvent, ThroughputFigureView } from '../../src-preload/contract.ts';
import type { CircuitManager } from '../breaker/index.ts';
import { throughputKey } from '../engine/chunks/cost-model.ts';
import type { ThroughputLearner } from '../engine/chunks/throughput-learner.ts';
import { type NodesView, embeddedFleet } from '../engine/nodes-view.ts';
import type { RenderEngine } from '../engine/pipeline.ts';
import type { RenderQueue } from '../queue/render-queue.ts';
import type { Audit } from './audit.ts';
import { AssetStore } from './asset-store.ts';
import { CommandError } from './command-reply.ts';
import type { DegradationBook } from './degradations.ts';
import { jobDetail } from './job-detail.ts';
import { circuitAnalysis } from './analysis.ts';
import type { AnalysisQueries } from '../queue/analysis-queries.ts';
import type { FleetLink } from './fleet-link.ts';
import { rendersDir } from './job-runner.ts';
import type { QueueControls } from './queue-controls.ts';
import type { JobScheduler } from './job-scheduler.ts';
import { chosenShots, estimateOf, refusalError } from './shot-estimates.ts';
import type { StudioSettings } from './studio-settings.ts';
import type { StudioChunks } from './stored-chunks.ts';

/** The studio's parts a command may use. */
export interface StudioParts {
  queue: RenderQueue;
  circuits: CircuitManager;
  engine: RenderEngine;
  settings: StudioSettings;
  scheduler: JobScheduler;
  controls: QueueControls;
  degradations: DegradationBook;
  dataDir: string;
  demoProjectPath: string;
  snapshot: () => Snapshot;
  /** Streams the job with its degradation badge and returns it so: what a command answers with too. */
  changed: (job: Job) => Job;
  publish: (event: StudioEvent) => void;
  audit: Audit;
  /** This machine's learned throughput (kept in the studio's database), for estimates and deadlines. */
  throughput: ThroughputLearner;
  /** Worker processes: the lanes chunks spread over. */
  workers: number;
  /** Aggregates over the stored history, for the analysis command. */
  analysis: AnalysisQueries;
  /** The chunk store: its figures, clearing it, its limit. */
  chunks: StudioChunks;
  /** The render farm's nodes (serve --farm); none: this machine renders alone. */
  nodes?: (() => Promise<NodesView>) | undefined;
  /** The render farm's fleet (its latch, its view; no view without a farm). */
  fleet: Pick<FleetLink, 'view'>;
}

export interface CommandContext extends StudioParts {
  /** Who sent the command: an OS user or a token's name. */
  actor: string;
}

type CommandOf<K extends CommandType> = Extract<ParsedCommand, { type: K }>;

export type CommandHandlers = {
  [K in CommandType]: (command: CommandOf<K>, ctx: CommandContext) => CommandResults[K] | Promise<CommandResults[K]>;
};

/** Runs the command's handler. The type is passed apart so the handler and the result stay tied to it. */
export async function runCommand<K extends CommandType>(type: K, command: CommandOf<K>, ctx: CommandContext): Promise<CommandResults[K]> {
  const handler: CommandHandlers[K] = COMMAND_HANDLERS[type];
  return handler(command, ctx);
}

/** Streams the changed job, then lets the scheduler start what may now start. */
function changedThenPump(ctx: CommandContext, job: Job): Job {
  const shown = ctx.changed(job);
  ctx.scheduler.pump();
  return shown;
}

function noSuchJob(jobId: string): CommandError {
  return new CommandError('not_found', `jobId: no job "${jobId}" in the queue; it may have been removed`);
}

const COMMAND_HANDLERS: CommandHandlers = {
  enqueue,
  cancel: ({ jobId }, ctx) => {
    const job = ctx.queue.cancel(jobId);
    ctx.scheduler.runningJob(jobId)?.interrupt('canceled');
    return ctx.changed(job);
  },
  retry: ({ jobId }, ctx) => {
    const job = ctx.queue.retry(jobId);
    ctx.degradations.clear(job.id); // the badge was about the run that failed
    return changedThenPump(ctx, job);
  },
  setPriority: ({ jobId, priority }, ctx) => changedThenPump(ctx, ctx.queue.setPriority(jobId, priority)),
  move: ({ jobId, to }, ctx) => changedThenPump(ctx, ctx.queue.move(jobId, to)),
  pauseJob: ({ jobId }, ctx) => {
    const running = ctx.scheduler.runningJob(jobId);
    if (!running) return ctx.changed(ctx.queue.pause(jobId));
    // A running job is paused by interrupting it; it streams as paused once it has stopped.
    running.interrupt('paused');
    const job = ctx.queue.get(jobId);
    if (!job) throw noSuchJob(jobId);
    return ctx.degradations.decorate(job);
  },
  resumeJob: ({ jobId }, ctx) => changedThenPump(ctx, ctx.queue.resume(jobId)),
  pauseQueue: (_command, ctx) => ctx.controls.pause(ctx.actor),
  resumeQueue: (_command, ctx) => ctx.controls.resume(ctx.actor, null),
  resume: ({ reason, epoch }, ctx) => ctx.controls.resume(ctx.actor, reason ?? null, epoch),
  emergencyStop: ({ scope, reason }, ctx) => ctx.controls.emergencyStop(scope, reason, ctx.actor),
  reset: ({ reason, epoch }, ctx) => ctx.controls.reset(ctx.actor, reason ?? null, epoch),
  fleet: (_command, ctx) => ctx.fleet.view(),
  configureCircuit: ({ circuit, patch }, ctx) => {
    const { circuits } = ctx;
    if (!circuits.has(circuit)) throw new CommandError('not_found', `circuit: no circuit "${circuit}"; known: ${circuits.names().join(', ')}`);
    const clean = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined));
    const { from, to } = circuits.configure(circuit, clean);
    ctx.settings.addCircuitOverride(circuit, clean);
    ctx.audit(ctx.actor, 'configure_circuit', null, { circuit, from, to });
    return circuits.getBreaker(circuit).stats();
  },
  setChaos: ({ rules }, ctx) => {
    const from = ctx.engine.chaosRules;
    const stages = rules.map((r) => r.stage);
    if (new Set(stages).size !== stages.length) throw new CommandError('invalid', 'rules: at most one chaos rule per stage');
    ctx.engine.setChaos(rules);
    ctx.settings.saveChaosDrills(rules);
    ctx.audit(ctx.actor, 'set_chaos', null, { from, to: rules });
    return rules;
  },
  snapshot: (_command, ctx) => ctx.snapshot(),
  analysis: ({ days }, ctx) => circuitAnalysis(ctx.analysis, days),
  nodes: (_command, ctx) => (ctx.nodes ? ctx.nodes() : embeddedFleet()),
  jobDetail: ({ jobId }, ctx) => {
    const job = ctx.queue.get(jobId);
    if (!job) throw noSuchJob(jobId);
    return jobDetail(ctx.queue, ctx.degradations.decorate(job), rendersDir(ctx.dataDir), new AssetStore(ctx.dataDir));
  },
  estimate: async (command, ctx) => (await chosenShots(command, ctx.demoProjectPath, new AssetStore(ctx.dataDir))).shots.map(({ shot, quality }) => estimateOf(shot, quality, ctx)),
  pinThroughput,
  chunkStore: (_command, ctx) => ctx.chunks.view(),
  clearChunkStore: ({ reason }, ctx) => ctx.chunks.clear(ctx.actor, reason ?? null, ctx.audit),
  setChunkStoreLimit: ({ limitBytes, reason }, ctx) => ctx.chunks.setLimit(limitBytes, ctx.actor, reason ?? null, ctx.audit),
};

/** Queues the chosen shots of a project, each with its estimate; a refused shot queues nothing. */
async function enqueue(command: CommandOf<'enqueue'>, ctx: CommandContext): Promise<Job[]> {
  const { project, baseDir, shots } = await chosenShots(command, ctx.demoProjectPath, new AssetStore(ctx.dataDir));
  const estimates = shots.map(({ shot, quality }) => estimateOf(shot, quality, ctx));
  const refused = refusalError(estimates);
  if (refused) throw refused;
  const jobs = ctx.queue.enqueue(
    shots.map(({ shot, quality }, i) => ({
      projectName: project.name,
      shot,
      baseDir,
      quality,
      estimateSeconds: estimates[i]!.expectedSeconds,
      ...(command.priority !== undefined ? { priority: command.priority } : {}),
    })),
  );
  ctx.publish({ kind: 'log', level: 'info', jobId: null, message: `${ctx.actor} queued ${jobs.length} shot(s) of "${project.name}"`, at: Date.now() });
  const queued = jobs.map((job) => ctx.changed(job));
  ctx.scheduler.pump();
  return queued;
}

/** An operator fixes a figure (or unpins it): estimates and deadlines use it from the next plan on. */
function pinThroughput({ key, secondsPerMpf, reason }: CommandOf<'pinThroughput'>, ctx: CommandContext): ThroughputFigureView {
  const from = ctx.throughput.figure(key);
  const to = ctx.throughput.pin(key, secondsPerMpf);
  const name = throughputKey(key);
  ctx.audit(ctx.actor, 'pin_throughput', reason ?? null, { key: name, from, to });
  return { key: name, ...to };
}
