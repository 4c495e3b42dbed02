// Every chunk key a shot's render would use, without ffmpeg: the stage drivers run as in a render,
// but against a stage runner that only writes down each call's store key, with the store attached
// and never read. What the keys of two shots share is then what their renders could share.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChunkStore } from '../../../src-main/engine/chunk-store/chunk-store.ts';
import { ThroughputLearner } from '../../../src-main/engine/chunks/throughput-learner.ts';
import { createEngineCircuits } from '../../../src-main/engine/circuits.ts';
import { renderExport } from '../../../src-main/engine/export-stage.ts';
import { planFrames } from '../../../src-main/engine/frames-stage.ts';
import { planInterpolation } from '../../../src-main/engine/interpolation-stage.ts';
import type { Quality, Shot } from '../../../src-main/engine/model.ts';
import { exportPaths } from '../../../src-main/engine/pipeline.ts';
import { ShotRun } from '../../../src-main/engine/shot-run.ts';
import type { StageDeps } from '../../../src-main/engine/stage-deps.ts';
import type { StageCall, StageRunner } from '../../../src-main/engine/stage-runner.ts';
import { SLOW_FIGURES } from './reuse-support.ts';

/** Per call that would be stored, "stage: detail" → its key. */
export type ShotKeys = Map<string, string>;

export async function shotKeys(shot: Shot, quality: Quality = 'draft'): Promise<ShotKeys> {
  const dir = await mkdtemp(join(tmpdir(), 'storycore-keys-'));
  let store: ChunkStore | undefined;
  try {
    store = await ChunkStore.open({ dir, limitBytes: 1024 ** 3 });
    const keys: ShotKeys = new Map();
    const runner = {
      run: async (call: StageCall) => {
        if (call.store) keys.set(`${call.stage}: ${call.detail}`, call.store.key);
        return { output: call.task(undefined).output, elapsedMs: 1 };
      },
    } as unknown as StageRunner;
    const circuits = createEngineCircuits();
    for (const name of ['video_frame_processing', 'video_interpolation', 'video_export']) circuits.configure(name, { timeoutMs: 8000 });
    const throughput = new ThroughputLearner();
    throughput.pin({ stage: 'frame_processing', method: 'zoompan', quality }, SLOW_FIGURES.frames);
    throughput.pin({ stage: 'frame_processing', method: 'still', quality }, SLOW_FIGURES.frames);
    throughput.pin({ stage: 'interpolation', method: shot.interpolation.method, quality }, SLOW_FIGURES.interpolation);
    throughput.pin({ stage: 'export', method: shot.export.format, quality }, SLOW_FIGURES.export);
    const deps: StageDeps = { circuits, runner, throughput, lanes: 2 };
    const run = new ShotRun(shot, { quality, outDir: join(dir, 'out'), workDir: join(dir, 'work'), resolveAsset: (p) => p }, [], { store, read: false });
    const signal = new AbortController().signal;
    const frames = await planFrames(run, deps, 2, signal);
    const interpolated = await planInterpolation(run, deps, frames, signal);
    await renderExport(run, deps, interpolated, exportPaths(shot, join(dir, 'out')).output, signal);
    return keys;
  } finally {
    // The plans the store remembers are written in the background: let them land before the folder goes.
    await store?.flush();
    await rm(dir, { recursive: true, force: true });
  }
}

/** The calls of `a` whose key `b` also has. */
export function shared(a: ShotKeys, b: ShotKeys): string[] {
  const theirs = new Set(b.values());
  return [...a.entries()].filter(([, key]) => theirs.has(key)).map(([call]) => call);
}
