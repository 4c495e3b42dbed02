// Reuse through the engine with real workers, ffmpeg and one chunk store: an unchanged shot is not
// rendered again, a changed learned figure does not move the cut, and a forced full render reads nothing.
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { frameMd5s } from '../chunks/ffmpeg-support.ts';
import { chunksOf, openReuseEnv, shotOf } from './reuse-support.ts';

const SLOW = 240_000;
let env: Awaited<ReturnType<typeof openReuseEnv>>;
beforeEach(async () => {
  env = await openReuseEnv();
});
afterEach(async () => {
  await env.close();
});

describe('reusing stored chunks (real ffmpeg)', () => {
  it('re-renders an unchanged shot from the store: nothing rendered, the export reused, frame for frame the same', async () => {
    const shot = shotOf();
    const first = await env.render(shot);
    const made = chunksOf(first.trace, 'rendered');
    expect(made.filter((c) => c.startsWith('interpolation:') && / chunk /.test(c)).length, 'interpolation chunks').toBeGreaterThanOrEqual(3);
    expect(made.filter((c) => c.startsWith('export:') && / chunk /.test(c)).length, 'export chunks').toBeGreaterThanOrEqual(2);
    expect(first.trace.reuse).toMatchObject({ read: true, reused: 0, corrupt: 0 });
    expect((first.trace.chunks ?? []).every((c) => c.outcome !== 'rendered' || c.stored), 'every rendered chunk was stored').toBe(true);

    const second = await env.render(shot);
    expect(second.trace.reuse).toMatchObject({ reused: 1, rendered: 0, corrupt: 0 });
    expect(chunksOf(second.trace, 'reused')).toEqual(['export: mp4']);
    expect(second.trace.attempts, 'no task ran').toEqual([]);
    expect(second.trace.reuse!.savedMs).toBeGreaterThan(0);
    expect(second.result.verification).toEqual(first.result.verification);
    expect(await frameMd5s(second.result.output)).toEqual(await frameMd5s(first.result.output));
  }, SLOW);

  it('keeps the cut when the learned figure changes, so a changed export format reuses every interpolation chunk', async () => {
    const first = await env.render(shotOf());
    const interpolationChunks = chunksOf(first.trace, 'rendered').filter((c) => /^interpolation: .* chunk /.test(c));
    // A figure 40% lower would plan fewer, longer chunks; the remembered cut wins while it fits.
    const second = await env.render(shotOf({ export: { format: 'webm' } }), { interpolationFigure: 1.2 });
    expect(chunksOf(second.trace, 'reused').sort()).toEqual(interpolationChunks.sort());
    expect(chunksOf(second.trace, 'rendered').every((c) => c.startsWith('export:')), chunksOf(second.trace, 'rendered').join('; ')).toBe(true);
    expect(await frameMd5s(join(second.workDir, 'interpolated.mkv'))).toEqual(await frameMd5s(join(first.workDir, 'interpolated.mkv')));
  }, SLOW);

  it('holds its limit across a soak of re-renders, and never evicts the chunks of a job still running', async () => {
    const small = (seed: number) => shotOf({ duration: 1.5, keyframes: [{ generator: 'mandelbrot', seed }, { generator: 'life', seed }] });
    // "Running": its chunks are pinned to its owner and stay so while the others come and go.
    const held = await env.render(small(0), { owner: 'job-running' });
    const pinned = env.store.entries().map((e) => e.key);
    const oneShot = env.store.stats().bytes;
    await env.store.setLimit(Math.round(oneShot * 2.5));
    const limit = env.store.limitBytes;
    let evictions = 0;
    for (let round = 1; round <= 6; round++) {
      const before = env.store.stats().entries;
      const { trace } = await env.render(small(round));
      await env.store.flush();
      const onDisk = env.store.entries().reduce((sum, e) => sum + statSync(env.store.entryPath(e.key)).size, 0);
      expect(onDisk, `round ${round}: bytes on disk`).toBeLessThanOrEqual(limit);
      expect(env.store.stats().bytes).toBe(onDisk);
      expect(pinned.filter((key) => !env.store.has(key)), `round ${round}: pinned chunks evicted`).toEqual([]);
      evictions += Math.max(0, before + trace.reuse!.rendered - env.store.stats().entries);
    }
    expect(evictions, 'the soak made the store evict').toBeGreaterThan(0);
    // The held job's render is still whole in the store.
    const again = await env.render(small(0));
    expect(again.trace.reuse).toMatchObject({ reused: 1, rendered: 0 });
    expect(await frameMd5s(again.result.output)).toEqual(await frameMd5s(held.result.output));
  }, SLOW);

  it('reads nothing when reuse is off, but still stores what it renders', async () => {
    const shot = shotOf();
    const first = await env.render(shot);
    const full = await env.render(shot, { reuse: false });
    expect(full.trace.reuse).toMatchObject({ read: false, reused: 0, corrupt: 0 });
    expect(full.trace.reuse!.rendered).toBe(first.trace.reuse!.rendered);
    expect(await frameMd5s(full.result.output)).toEqual(await frameMd5s(first.result.output));
  }, SLOW);
});
