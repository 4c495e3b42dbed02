// Partial reuse through the engine (real workers, ffmpeg, one store): a render stopped at about 70%
// is resumed from what it finished, a changed last keyframe re-renders only what reads it, and a
// truncated or garbage stored chunk is found, deleted and made again. Every result is compared,
// frame by frame (framemd5 of the lossless intermediates and the decoded export), with a render
// that read nothing from the store.
import { open, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PipelineTrace } from '../../../src-main/engine/trace.ts';
import { frameMd5s } from '../chunks/ffmpeg-support.ts';
import { BASE_SHOT, chunksOf, openReuseEnv, shotOf } from './reuse-support.ts';

const SLOW = 300_000;
let env: Awaited<ReturnType<typeof openReuseEnv>>;
beforeEach(async () => {
  env = await openReuseEnv();
});
afterEach(async () => {
  await env.close();
});

const renderedChunks = (trace: PipelineTrace) => chunksOf(trace, 'rendered').filter((c) => / chunk |: segment \d+$/.test(c));
const entryOf = (short: string) => env.store.entries().find((e) => e.key.startsWith(short))!;
const keyOf = (trace: PipelineTrace, detail: RegExp) => (trace.chunks ?? []).find((c) => c.outcome === 'rendered' && detail.test(`${c.stage}: ${c.detail}`))!.key;

describe('partial reuse (real ffmpeg)', () => {
  it('resumes a render stopped at about 70% from its finished chunks, frame for frame as an uninterrupted render', async () => {
    const shot = shotOf();
    // 18 frame chunks, 8 interpolation chunks and 3 export chunks: about 70% is the 20th finished chunk.
    const stopped = await env.renderUntil(shot, 20);
    const kept = (stopped.chunks ?? []).filter((c) => c.outcome === 'rendered' && c.stored).length;
    expect(kept, 'chunks kept from the stopped render').toBeGreaterThanOrEqual(19);

    const resumed = await env.render(shot);
    const full = await env.render(shot, { reuse: false });
    const all = renderedChunks(full.trace).length;
    const redone = renderedChunks(resumed.trace).length;
    expect(redone, `the resume rendered ${redone} of ${all} chunks`).toBeLessThanOrEqual(all - 19);
    expect(resumed.trace.reuse!.reused).toBeGreaterThan(0);
    expect(await frameMd5s(join(resumed.workDir, 'interpolated.mkv'))).toEqual(await frameMd5s(join(full.workDir, 'interpolated.mkv')));
    expect(await frameMd5s(resumed.result.output)).toEqual(await frameMd5s(full.result.output));
  }, SLOW);

  it('re-renders only what reads a changed last keyframe, frame for frame as a render from nothing', async () => {
    await env.render(shotOf());
    const changed = shotOf({ keyframes: [...BASE_SHOT.keyframes.slice(0, 2), { generator: 'life', seed: 4 }] });
    const edit = await env.render(changed);
    const reused = chunksOf(edit.trace, 'reused');
    expect(reused.filter((c) => /segment 2/.test(c)), 'the last segment is made anew').toEqual([]);
    expect(reused.filter((c) => /^frame_processing: segment [01] chunk/.test(c)).length, 'the other segments are reused').toBe(12);
    expect(reused.filter((c) => /^interpolation: .* chunk/.test(c)).length, 'interpolation chunks before the last keyframe are reused').toBeGreaterThan(0);
    // An export chunk's key covers the interpolated frames it reads, so the first one, well before the change, is kept too.
    expect(reused.filter((c) => /^export: mp4 chunk 1\//.test(c)), 'the first export chunk is reused').toHaveLength(1);
    expect(chunksOf(edit.trace, 'rendered').filter((c) => /^export: mp4 chunk/.test(c)).length, 'the export chunks the change reaches are made anew').toBeGreaterThan(0);
    const fresh = await env.render(changed, { reuse: false });
    expect(renderedChunks(edit.trace).length).toBeLessThan(renderedChunks(fresh.trace).length);
    expect(await frameMd5s(join(edit.workDir, 'interpolated.mkv'))).toEqual(await frameMd5s(join(fresh.workDir, 'interpolated.mkv')));
    expect(await frameMd5s(edit.result.output)).toEqual(await frameMd5s(fresh.result.output));
  }, SLOW);

  it('finds a truncated and a garbage stored chunk, deletes them, renders them again, and the output still verifies', async () => {
    const shot = shotOf();
    const first = await env.render(shot);
    const exported = entryOf(keyOf(first.trace, /^export: mp4 join$/));
    const chunk = entryOf(keyOf(first.trace, /^interpolation: optical_flow chunk 2\//));
    const joined = entryOf(keyOf(first.trace, /^interpolation: join$/));
    await truncate(env.store.entryPath(chunk.key), Math.floor(chunk.bytes / 2));
    // Garbage of the very same size: only the digest can tell.
    for (const entry of [exported, joined]) {
      const file = await open(env.store.entryPath(entry.key), 'r+');
      await file.write(Buffer.alloc(4096, 0x5a), 0, 4096, Math.floor(entry.bytes / 3));
      await file.close();
    }
    const second = await env.render(shot);
    const corrupt = (second.trace.chunks ?? []).filter((c) => c.outcome === 'corrupt');
    expect(corrupt.map((c) => `${c.stage}: ${c.detail}`)).toHaveLength(3);
    expect(corrupt.map((c) => `${c.stage}: ${c.detail}`)).toEqual(expect.arrayContaining(['export: mp4', 'interpolation: join', expect.stringMatching(/^interpolation: optical_flow chunk 2\//)]));
    expect(corrupt.find((c) => c.stage === 'export')!.reason).toMatch(/SHA-256 differs/);
    expect(corrupt.find((c) => /chunk/.test(c.detail))!.reason).toMatch(/bytes/);
    // Only what was corrupt is made again (the export chunks' keys did not change, so they are reused), then the export's join.
    const remade = ['export: mp4 join', 'interpolation: join', expect.stringMatching(/^interpolation: optical_flow chunk 2\//)];
    expect(chunksOf(second.trace, 'rendered')).toHaveLength(remade.length);
    expect(chunksOf(second.trace, 'rendered')).toEqual(expect.arrayContaining(remade));
    expect(second.result.verification).toMatchObject({ frames: 72, width: 320, height: 180 });
    expect(await frameMd5s(second.result.output)).toEqual(await frameMd5s(first.result.output));
    // Stored anew, whole: a third render takes the export as it is.
    const third = await env.render(shot);
    expect(third.trace.reuse).toMatchObject({ reused: 1, rendered: 0, corrupt: 0 });
  }, SLOW);

  it('keeps a degraded chunk under its fallback method, never as the method asked for', async () => {
    const { ChaosPlan } = await import('../../../src-main/engine/chaos.ts');
    class ChunkTwoFails extends ChaosPlan {
      override take(_stage: string, taskKey: string) {
        return taskKey.endsWith('/interpolation-chunk-2') ? ('fail' as const) : undefined;
      }
    }
    const degraded = await env.render(shotOf(), { chaos: new ChunkTwoFails() });
    expect(degraded.trace.interpolation.used).toBe('blend');
    const clean = await env.render(shotOf());
    // The optical-flow chunk 2 was never stored: it is rendered now; the blend one is not reused for it.
    expect(chunksOf(clean.trace, 'rendered')).toContainEqual(expect.stringMatching(/^interpolation: optical_flow chunk 3\//));
    expect(clean.trace.interpolation.used).toBe('optical_flow');
    expect(chunksOf(clean.trace, 'reused').filter((c) => /blend/.test(c))).toEqual([]);
  }, SLOW);
});
