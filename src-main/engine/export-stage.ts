/**
 * Stage 3, export. A long export is cut by the planner into chunk encodes (each its own encode of a
 * frame range, so a closed GOP at every chunk start; ProRes is intra-only), each one task under
 * video_export with its own deadline, retried alone; then one task joins them without re-encoding
 * and verifies and measures the whole against the intermediate, as an unchunked export is, before
 * renaming it into place. A short export, and every png sequence, is the whole-stage task. With a
 * chunk store the chunks are smaller (REUSE_CHUNK_SECONDS), so that edits keep most of them.
 *
 * With a chunk store the export is looked up first, under the key its interpolation pieces should
 * give it: found, it is the shot's output (with the verification and measurement kept with it) and
 * nothing upstream is made at all. Otherwise the interpolation is made (or reused), and each export
 * chunk and the join are looked up under the keys of what really holds their frames. A png
 * sequence (a folder) is not stored.
 */
import { join } from 'node:path';
import { z } from 'zod';
import { exportChunkKey, exportJoinKey, exportWholeKey, type Piece } from './chunk-store/shot-keys.ts';
import type { StoreCall } from './chunk-store/shot-chunks.ts';
import type { StoredEntry } from './chunk-store/store-entry.ts';
import { keyPath } from './chunk-store/store-key.ts';
import { fanOut } from './fan-out.ts';
import type { InterpolationOutput } from './interpolation-stage.ts';
import type { ShotRun } from './shot-run.ts';
import { chunkTiming, learn, MIN_PARALLEL_SECONDS, type StageDeps } from './stage-deps.ts';
import { QualitySchema, VerificationSchema, type ChaosMode, type ExportChunkTask, type ExportTask, type StageResult } from './tasks.ts';

/** With a chunk store, an export chunk is expected to take about this long at most. */
export const REUSE_CHUNK_SECONDS = 16;

/**
 * The planner's budget for export chunks. With a chunk store, a long export is cut finer than its
 * deadline asks, so that an edit re-encodes only the chunks whose frames changed (an export chunk's
 * key covers the frames it reads, not the whole shot's); each chunk costs an ffmpeg start, and the
 * join is a copy. Without one, the planner's own budget (a quarter of the timeout) stands.
 */
export function exportChunkBudget(storeAttached: boolean, timeoutMs: number): { fraction?: number } {
  return storeAttached ? { fraction: Math.min(0.25, (REUSE_CHUNK_SECONDS * 1000) / timeoutMs) } : {};
}

/** What a stored export keeps beside its file: how it verified and what it measured. */
const ExportMetaSchema = z.object({ verification: VerificationSchema.optional(), quality: QualitySchema.optional() });

export async function renderExport(run: ShotRun, deps: StageDeps, interpolated: InterpolationOutput, output: string, signal: AbortSignal): Promise<StageResult> {
  const { shot, timeline, job } = run;
  const circuit = deps.circuits.getBreaker('video_export');
  const format = shot.export.format;
  const whole = (input: string, chaos?: ChaosMode): ExportTask => ({
    stage: 'export',
    shotId: shot.id,
    input,
    format,
    width: shot.resolution.width,
    height: shot.resolution.height,
    fps: timeline.fps,
    frames: timeline.totalFrames,
    quality: job.quality,
    output,
    ...(chaos ? { chaos: { mode: chaos } } : {}),
  });
  const placeholder = keyPath('input', '.mkv');
  const key = { stage: 'export' as const, method: format, quality: job.quality };
  const plan = run.chunks.plan(
    { stage: 'export', method: format, quality: job.quality, frames: timeline.totalFrames, width: shot.resolution.width, height: shot.resolution.height, fps: timeline.fps },
    {
      circuit: circuit.name,
      timeoutMs: circuit.config.timeoutMs,
      maxConcurrent: circuit.config.maxConcurrent,
      workers: deps.lanes,
      secondsPerMpf: deps.throughput.figure(key).secondsPerMpf,
      minParallelSeconds: MIN_PARALLEL_SECONDS,
      ...exportChunkBudget(run.chunks.attached, circuit.config.timeoutMs),
    },
  );
  const keyed = (pieces: readonly Piece[]) => run.chunks.attached && format !== 'png_sequence' && pieces.every((p) => p.key !== '');
  const expect = { frames: timeline.totalFrames, width: shot.resolution.width, height: shot.resolution.height };
  /** The stored export under `finalKey`, as the stage's result; undefined when it is not there. */
  const stored = async (finalKey: string): Promise<StageResult | undefined> => {
    const entry = await run.chunks.fetch({ key: finalKey, expect, whole: true, stage: 'export', detail: format, task: whole(placeholder), output }, signal);
    return entry && fromEntry(entry, output);
  };

  // A refused plan is left to the whole task and the circuit's timeout: the verified export is one operation either way.
  if (format === 'png_sequence' || !plan.ok || plan.chunks.length === 1) {
    const finalKey = (pieces: readonly Piece[]) => (keyed(pieces) ? exportWholeKey(whole(placeholder), pieces) : undefined);
    const expectedKey = finalKey(interpolated.pieces);
    const early = expectedKey ? await stored(expectedKey) : undefined;
    if (early) return early;
    const made = await interpolated.materialize();
    const actualKey = finalKey(made.pieces);
    const late = actualKey && actualKey !== expectedKey ? await stored(actualKey) : undefined;
    if (late) return late;
    const store: StoreCall | undefined = actualKey ? { key: actualKey, expect, whole: true } : undefined;
    const result = await deps.runner.run({ run, stage: 'export', circuit, task: (chaos) => whole(made.file, chaos), drillKey: 'export', whenOpen: 'wait', retries: 'policy', detail: format, signal, ...(store ? { store } : {}) });
    if (result.timingsMs) learn(run, deps, key, timeline.totalFrames, { ...result, elapsedMs: result.timingsMs.encode });
    return result;
  }

  const count = plan.chunks.length;
  const chunkTask = (chunk: (typeof plan.chunks)[number], input: string, chaos?: ChaosMode): ExportChunkTask => ({
    stage: 'export',
    kind: 'encode_chunk',
    shotId: shot.id,
    index: chunk.index,
    input,
    format,
    fps: timeline.fps,
    quality: job.quality,
    start: chunk.start,
    end: chunk.end,
    output: join(job.workDir, `export-chunk-${chunk.index}.${format}`),
    ...(chaos ? { chaos: { mode: chaos } } : {}),
  });
  const chunkKeys = (pieces: readonly Piece[]) => (keyed(pieces) ? plan.chunks.map((chunk) => exportChunkKey(chunkTask(chunk, placeholder), pieces)) : undefined);
  const finalKey = (keys: string[] | undefined) => (keys ? exportJoinKey(whole(placeholder), keys) : undefined);
  const expectedKey = finalKey(chunkKeys(interpolated.pieces));
  const early = expectedKey ? await stored(expectedKey) : undefined;
  if (early) return early;
  const made = await interpolated.materialize();
  const keys = chunkKeys(made.pieces);
  const actualKey = finalKey(keys);
  const late = actualKey && actualKey !== expectedKey ? await stored(actualKey) : undefined;
  if (late) return late;

  run.setParts('export', count + 1);
  const chunks = await fanOut({
    run,
    circuits: deps.circuits,
    stage: 'export',
    items: plan.chunks,
    limit: plan.lanes,
    signal,
    work: async (chunk, index, laneSignal) => {
      const detail = `${format} chunk ${chunk.index + 1}/${count} (frames ${chunk.start}–${chunk.end - 1})`;
      const task = (chaos: ChaosMode | undefined) => chunkTask(chunk, made.file, chaos);
      const store: StoreCall | undefined = keys ? { key: keys[index]!, expect: { frames: chunk.end - chunk.start, width: shot.resolution.width, height: shot.resolution.height } } : undefined;
      const plain = task(undefined);
      if (store && (await run.chunks.fetch({ ...store, stage: 'export', detail, task: plain, output: plain.output }, laneSignal))) return plain.output;
      const result = await deps.runner.run({ run, stage: 'export', circuit, task, drillKey: `export-chunk-${chunk.index}`, ...chunkTiming(chunk), whenOpen: 'wait', retries: 'policy', detail, signal: laneSignal, ...(store ? { store } : {}) });
      learn(run, deps, key, chunk.end - chunk.start, result);
      return result.output;
    },
  });
  const store: StoreCall | undefined = actualKey ? { key: actualKey, expect, whole: true } : undefined;
  return await deps.runner.run({ run, stage: 'export', circuit, task: () => ({ ...whole(made.file), chunks }), whenOpen: 'wait', retries: 'policy', detail: `${format} join`, signal, ...(store ? { store } : {}) });
}

/** A stored export as the stage's result: its file at the output, its verification and measurement as kept. */
function fromEntry(entry: StoredEntry, output: string): StageResult {
  const meta = ExportMetaSchema.safeParse(entry.meta ?? {});
  return { output, elapsedMs: 0, ...(meta.success ? { ...(meta.data.verification ? { verification: meta.data.verification } : {}), ...(meta.data.quality ? { quality: meta.data.quality } : {}) } : {}) };
}
