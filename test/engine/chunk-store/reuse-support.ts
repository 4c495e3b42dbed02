import type { Command } from '../../../src-preload/contract.ts';
// Real renders against one chunk store: a small shot cut into chunks in every stage (short circuit
// timeouts and slow pinned figures, as the chunked-stage tests do), rendered by fresh engines that
// share one worker pool and one store, each render in its own scratch and output folder.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChunkStore } from '../../../src-main/engine/chunk-store/chunk-store.ts';
import { ThroughputLearner } from '../../../src-main/engine/chunks/throughput-learner.ts';
import type { ChaosPlan } from '../../../src-main/engine/chaos.ts';
import { createEngineCircuits } from '../../../src-main/engine/circuits.ts';
import type { EngineEvent } from '../../../src-main/engine/events.ts';
import { type ProjectInput, type Shot, parseProject } from '../../../src-main/engine/model.ts';
import { RenderEngine, type ShotResult } from '../../../src-main/engine/pipeline.ts';
import { PipelineTraceSchema, type PipelineTrace } from '../../../src-main/engine/trace.ts';
import { WorkerPool } from '../../../src-main/engine/worker-pool.ts';

type ShotInput = ProjectInput['shots'][number];

/** 320x180, 3 s at 24 fps from 12, three keyframes with half-second crossfades, optical flow, mp4. */
export const BASE_SHOT: ShotInput = {
  id: 'reuse',
  duration: 3,
  fps: 24,
  resolution: { width: 320, height: 180 },
  keyframes: [{ generator: 'mandelbrot', seed: 0 }, { generator: 'testsrc2' }, { generator: 'life', seed: 3 }],
  camera: { movement: 'zoom' },
  interpolation: { method: 'optical_flow', sourceFps: 12, transition: 'crossfade', transitionDuration: 0.5 },
  export: { format: 'mp4' },
};

export function shotOf(over: Partial<ShotInput> = {}): Shot {
  return parseProject({ version: 1, name: 'reuse', quality: 'draft', shots: [{ ...BASE_SHOT, ...over }] }).shots[0]!;
}

/** Seconds per megapixel-frame pinned slow enough, with 8 s timeouts, to cut every stage into chunks. */
export const SLOW_FIGURES = { frames: 5, interpolation: 2, export: 1 };

export interface RenderOptions {
  reuse?: boolean;
  signal?: AbortSignal;
  onEvent?: (event: EngineEvent) => void;
  chaos?: ChaosPlan;
  owner?: string;
  /** Seconds per megapixel-frame of the interpolation (a changed learned figure). */
  interpolationFigure?: number;
}

export interface Rendered {
  result: ShotResult;
  trace: PipelineTrace;
  workDir: string;
}

export async function openReuseEnv(options: { limitBytes?: number; transfer?: 'link' | 'copy' } = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'storycore-reuse-'));
  const pool = new WorkerPool({ size: 2 });
  const store = await ChunkStore.open({ dir: join(dir, 'chunks'), limitBytes: options.limitBytes ?? 2 * 1024 ** 3, ...(options.transfer ? { transfer: options.transfer } : {}) });
  let renders = 0;
  const engineFor = (opts: RenderOptions) => {
    const circuits = createEngineCircuits();
    for (const name of ['video_frame_processing', 'video_interpolation', 'video_export']) circuits.configure(name, { timeoutMs: 8000 });
    const throughput = new ThroughputLearner();
    throughput.pin({ stage: 'frame_processing', method: 'zoompan', quality: 'draft' }, SLOW_FIGURES.frames);
    throughput.pin({ stage: 'frame_processing', method: 'still', quality: 'draft' }, SLOW_FIGURES.frames);
    throughput.pin({ stage: 'interpolation', method: 'optical_flow', quality: 'draft' }, opts.interpolationFigure ?? SLOW_FIGURES.interpolation);
    throughput.pin({ stage: 'export', method: 'mp4', quality: 'draft' }, SLOW_FIGURES.export);
    return new RenderEngine({ circuits, workers: pool, throughput, chunkStore: store, parallelism: 2, retry: { maxAttempts: 2, baseDelayMs: 20, maxDelayMs: 50 }, ...(opts.chaos ? { chaos: opts.chaos } : {}) });
  };
  /** One render in fresh folders; the scratch is kept, for comparing intermediates. */
  const render = async (shot: Shot, opts: RenderOptions = {}): Promise<Rendered> => {
    const n = ++renders;
    const workDir = join(dir, `work-${n}`);
    let trace: PipelineTrace | undefined;
    const result = await engineFor(opts).renderShot(shot, {
      quality: 'draft',
      outDir: join(dir, `out-${n}`),
      workDir,
      resolveAsset: (p) => join(dir, p),
      onTrace: (t) => (trace = t),
      ...(opts.reuse === false ? { reuse: false } : {}),
      ...(opts.signal ? { signal: opts.signal } : {}),
      ...(opts.onEvent ? { onEvent: opts.onEvent } : {}),
      ...(opts.owner ? { storeOwner: opts.owner } : {}),
    });
    const sidecar = PipelineTraceSchema.parse((JSON.parse(await readFile(result.sidecar, 'utf8')) as { trace: unknown }).trace);
    return { result, trace: trace ?? sidecar, workDir };
  };
  /** A render that is aborted once `after` chunks were rendered; resolves with its trace when it has ended. */
  const renderUntil = async (shot: Shot, after: number): Promise<PipelineTrace> => {
    const controller = new AbortController();
    let rendered = 0;
    let trace: PipelineTrace | undefined;
    const n = ++renders;
    await engineFor({})
      .renderShot(shot, {
        quality: 'draft',
        outDir: join(dir, `out-${n}`),
        workDir: join(dir, `work-${n}`),
        resolveAsset: (p) => join(dir, p),
        signal: controller.signal,
        onTrace: (t) => (trace = t),
        onEvent: (event) => {
          if (event.type === 'stage_finished' && event.detail && / chunk |^segment \d+$/.test(event.detail) && ++rendered === after) controller.abort(new Error('stopped at about 70%'));
        },
      })
      .then(
        () => {
          throw new Error(`the render finished before ${after} chunks were rendered`);
        },
        () => undefined,
      );
    return trace!;
  };
  const close = async () => {
    await store.flush();
    await pool.close();
    await rm(dir, { recursive: true, force: true });
  };
  return { dir, pool, store, render, renderUntil, close };
}

/** The trace's chunk records of one outcome, as "stage: detail". */
export function chunksOf(trace: PipelineTrace, outcome: 'reused' | 'rendered' | 'corrupt'): string[] {
  return (trace.chunks ?? []).filter((c) => c.outcome === outcome).map((c) => `${c.stage}: ${c.detail}`);
}

/** A studio (through its commands) set up as the engine tests are: short timeouts and slow pinned figures cut the shot into 29 stored pieces. */
export async function chunkedStudio(send: (command: Command) => Promise<unknown>): Promise<void> {
  for (const circuit of ['video_frame_processing', 'video_interpolation', 'video_export']) await send({ type: 'configureCircuit', circuit, patch: { timeoutMs: 8000 } });
  for (const method of ['zoompan', 'still']) await send({ type: 'pinThroughput', key: { stage: 'frame_processing', method, quality: 'draft' }, secondsPerMpf: SLOW_FIGURES.frames });
  await send({ type: 'pinThroughput', key: { stage: 'interpolation', method: 'optical_flow', quality: 'draft' }, secondsPerMpf: SLOW_FIGURES.interpolation });
  await send({ type: 'pinThroughput', key: { stage: 'export', method: 'mp4', quality: 'draft' }, secondsPerMpf: SLOW_FIGURES.export });
}
