import { execFileSync } from 'node:child_process';
import { getEventListeners } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fluentArgs, measureQuality, runFfmpeg, type FfmpegProgress } from '../../src-main/engine/ffmpeg.ts';
import { resolveFfmpeg } from '../../src-main/engine/ffmpeg-binaries.ts';
import { assertSafeFilterValue, filterNumber, specToArgs, type FfmpegSpec } from '../../src-main/engine/ffmpeg-spec.ts';
import { probe } from '../../src-main/engine/ffprobe.ts';
import { StageError } from '../../src-main/engine/tasks.ts';
import { rejection } from '../fixtures/stage-error.ts';

let dir: string;
const noStatic = { ffmpegStaticPath: () => null };

/** Resolves once the process is gone (kill(pid, 0) throws ESRCH), or rejects after timeoutMs. */
async function waitGone(pid: number, timeoutMs = 5000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      process.kill(pid, 0);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ESRCH') return;
      throw err;
    }
    if (Date.now() > until) throw new Error(`process ${pid} still alive after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** A small lossless clip made by ffmpeg itself. */
function makeClip(name: string, source: string, frames: number): string {
  const path = join(dir, name);
  execFileSync('ffmpeg', ['-nostdin', '-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', source, '-frames:v', String(frames), '-c:v', 'libx264', '-preset', 'ultrafast', '-qp', '0', '-pix_fmt', 'yuv420p', '-y', path]);
  return path;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'storycore-ffmpeg-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('resolveFfmpeg', () => {
  it('prefers FFMPEG_PATH and FFPROBE_PATH over everything else', () => {
    const r = resolveFfmpeg({ FFMPEG_PATH: join(dir, 'custom-ffmpeg'), FFPROBE_PATH: join(dir, 'custom-ffprobe') }, { ffmpegStaticPath: () => join(dir, 'static-ffmpeg'), exists: () => true });
    expect(r).toEqual({ ffmpeg: join(dir, 'custom-ffmpeg'), ffprobe: join(dir, 'custom-ffprobe'), source: 'env' });
  });

  it('finds an ffprobe beside the chosen ffmpeg', () => {
    const bin = mkdtempSync(join(dir, 'bin-'));
    writeFileSync(join(bin, 'ffmpeg'), '');
    writeFileSync(join(bin, 'ffprobe'), '');
    expect(resolveFfmpeg({ FFMPEG_PATH: join(bin, 'ffmpeg') }, noStatic)).toEqual({ ffmpeg: join(bin, 'ffmpeg'), ffprobe: join(bin, 'ffprobe'), source: 'env' });
  });

  it('uses ffmpeg-static only when its binary exists, from app.asar.unpacked when packaged', () => {
    const packed = join(dir, 'resources', 'app.asar', 'node_modules', 'ffmpeg-static', 'ffmpeg');
    const unpacked = join(dir, 'resources', 'app.asar.unpacked', 'node_modules', 'ffmpeg-static', 'ffmpeg');
    const r = resolveFfmpeg({}, { ffmpegStaticPath: () => packed, exists: (p) => p === unpacked });
    expect(r).toEqual({ ffmpeg: unpacked, ffprobe: 'ffprobe', source: 'ffmpeg-static' });
    const missing = resolveFfmpeg({}, { ffmpegStaticPath: () => join(dir, 'nowhere', 'ffmpeg'), exists: () => false });
    expect(missing).toEqual({ ffmpeg: 'ffmpeg', ffprobe: 'ffprobe', source: 'path' });
  });

  it('falls back to ffmpeg and ffprobe on PATH', () => {
    expect(resolveFfmpeg({}, noStatic)).toEqual({ ffmpeg: 'ffmpeg', ffprobe: 'ffprobe', source: 'path' });
  });
});

describe('filter-graph guards', () => {
  it('rejects every character with meaning in a filter graph', () => {
    for (const bad of ['a[b', 'a]b', 'a;b', 'a,b', 'a:b', 'a=b', "a'b", 'a\\b', 'a\nb', 'a\rb', '']) {
      expect(() => assertSafeFilterValue(bad)).toThrow(StageError);
    }
    expect(assertSafeFilterValue('0x3366ff')).toBe('0x3366ff');
  });

  it('formats numbers as plain decimals and refuses non-finite ones', () => {
    expect(filterNumber(1e-7)).toBe('0');
    expect(filterNumber(-0.25)).toBe('-0.25');
    expect(filterNumber(2)).toBe('2');
    expect(filterNumber(1 / 3)).toBe('0.333333');
    expect(() => filterNumber(Number.NaN)).toThrow(StageError);
    expect(() => filterNumber(Number.POSITIVE_INFINITY)).toThrow(StageError);
  });
});

describe('specToArgs', () => {
  // The render benchmark spawns specToArgs' argv as its plain-ffmpeg baseline: it must be what fluent runs.
  const specs: Record<string, FfmpegSpec> = {
    'a lavfi input with a -vf chain': { stage: 'frame_processing', inputs: [{ lavfi: 'testsrc2=size=64x36:rate=12' }], videoFilter: 'scale=32:18,format=yuv420p', output: '/out/a.mkv', outputOptions: ['-frames:v', '12', '-an'] },
    'file inputs with options and a complex graph': {
      stage: 'interpolation',
      inputs: [{ path: '/in/a.mkv', options: ['-re'] }, { path: '/in/b frames_%05d.png', options: ['-framerate', '24'] }],
      complexFilter: '[0:v][1:v]concat=n=2:v=1:a=0[out]',
      output: '/out/b c.mp4',
      outputOptions: ['-map', '[out]', '-c:v', 'libx264', '-movflags', '+faststart'],
    },
    'a discarded output': { stage: 'unknown', inputs: [{ path: '/in/a.mkv' }], output: '-', outputOptions: ['-f', 'null'] },
  };
  for (const [name, spec] of Object.entries(specs)) {
    it(`gives exactly fluent's argv for ${name}`, () => {
      expect(specToArgs(spec)).toEqual(fluentArgs(spec));
    });
  }

  it('applies the same checks as a run', () => {
    expect(() => specToArgs({ stage: 'export', inputs: [{ path: 'relative.mkv' }], output: '/out/a.mp4' })).toThrow(StageError);
    expect(() => specToArgs({ stage: 'export', inputs: [{ path: '/in/a.mkv' }], output: '/out/a.mp4', outputOptions: ['-c:v libx264'] })).toThrow(/separate arguments/);
  });
});

describe('runFfmpeg', () => {
  it('runs real ffmpeg, reports its pid and progress up to 100 from a lavfi input', async () => {
    const seen: FfmpegProgress[] = [];
    const pids: number[] = [];
    const { signal } = new AbortController();
    const result = await runFfmpeg(
      { stage: 'unknown', inputs: [{ lavfi: 'testsrc2=size=64x36:rate=12' }], output: '-', outputOptions: ['-frames:v', '24', '-f', 'null'] },
      { signal, expectedFrames: 24, onProgress: (p) => seen.push(p), onSpawn: (pid) => pids.push(pid) },
    );
    // The abort listener goes away with the run: a long-lived signal must not collect them.
    expect(getEventListeners(signal, 'abort')).toHaveLength(0);
    expect(result.elapsedMs).toBeGreaterThan(0);
    expect(pids).toHaveLength(1);
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.at(-1)).toEqual({ percent: 100, frames: 24 });
    expect(seen.every((p) => p.percent >= 0 && p.percent <= 100)).toBe(true);
  });

  it('derives progress from the timemark when only the duration is known', async () => {
    const seen: FfmpegProgress[] = [];
    await runFfmpeg(
      { stage: 'unknown', inputs: [{ lavfi: 'testsrc2=size=64x36:rate=10' }], output: '-', outputOptions: ['-frames:v', '20', '-f', 'null'] },
      { durationS: 2, onProgress: (p) => seen.push(p) },
    );
    expect(seen.at(-1)?.percent).toBeGreaterThan(90);
    expect(seen.at(-1)?.percent).toBeLessThanOrEqual(100);
  });

  it('kills ffmpeg on abort and rejects with canceled', async () => {
    const controller = new AbortController();
    let pid = 0;
    const run = runFfmpeg(
      { stage: 'export', inputs: [{ lavfi: 'nullsrc=s=16x16:r=1', options: ['-re'] }], output: '-', outputOptions: ['-f', 'null'] },
      {
        signal: controller.signal,
        onSpawn: (p) => {
          pid = p;
          setTimeout(() => controller.abort(), 100);
        },
      },
    );
    const err = await rejection(run);
    expect(err.code).toBe('canceled');
    expect(err.stage).toBe('export');
    expect(pid).toBeGreaterThan(0);
    await waitGone(pid);
  });

  it('kills ffmpeg even when the abort comes before the process exists', async () => {
    const controller = new AbortController();
    const pids: number[] = [];
    const run = runFfmpeg(
      { stage: 'unknown', inputs: [{ lavfi: 'nullsrc=s=16x16:r=1', options: ['-re'] }], output: '-', outputOptions: ['-f', 'null'] },
      { signal: controller.signal, onSpawn: (p) => pids.push(p) },
    );
    controller.abort();
    expect((await rejection(run)).code).toBe('canceled');
    for (const pid of pids) await waitGone(pid);
  });

  it('does not start when the signal is already aborted', async () => {
    const pids: number[] = [];
    const err = await rejection(
      runFfmpeg({ stage: 'unknown', inputs: [{ lavfi: 'testsrc2' }], output: '-', outputOptions: ['-frames:v', '1', '-f', 'null'] }, { signal: AbortSignal.abort(), onSpawn: (p) => pids.push(p) }),
    );
    expect(err.code).toBe('canceled');
    expect(pids).toEqual([]);
  });

  it('reports a failure with the tail of ffmpeg’s own stderr', async () => {
    const err = await rejection(
      runFfmpeg({ stage: 'interpolation', inputs: [{ lavfi: 'testsrc2=size=64x36' }], videoFilter: 'no_such_filter_here', output: '-', outputOptions: ['-frames:v', '1', '-f', 'null'] }),
    );
    expect(err.code).toBe('ffmpeg_failed');
    expect(err.stage).toBe('interpolation');
    expect(err.message).toMatch(/No such filter: 'no_such_filter_here'/);
  });

  it('refuses relative paths, which ffmpeg could read as options or protocols', async () => {
    const err = await rejection(runFfmpeg({ stage: 'unknown', inputs: [{ path: '-i' }], output: '-', outputOptions: ['-f', 'null'] }));
    expect(err.code).toBe('invalid_task');
  });
});

describe('probe', () => {
  it('reads codec, size, fps, frame count and duration', async () => {
    const clip = makeClip('probe.mkv', 'testsrc2=size=96x54:rate=12', 18);
    expect(await probe(clip)).toEqual({ codec: 'h264', width: 96, height: 54, fps: 12, frames: 18, duration: 1.5 });
  });

  it('fails with ffmpeg_failed for a missing file and canceled when aborted', async () => {
    expect((await rejection(probe(join(dir, 'missing.mkv')))).code).toBe('ffmpeg_failed');
    expect((await rejection(probe(join(dir, 'missing.mkv'), { signal: AbortSignal.abort() }))).code).toBe('canceled');
  });
});

describe('measureQuality', () => {
  it('gives SSIM 1 and no finite PSNR for identical inputs, lower figures for different ones', async () => {
    const a = makeClip('a.mkv', 'testsrc2=size=96x54:rate=12', 12);
    const b = makeClip('b.mkv', 'testsrc2=size=96x54:rate=12,boxblur=2', 12);
    const same = await measureQuality(a, a, { stage: 'export' });
    expect(same.ssim).toBeCloseTo(1, 5);
    expect(same.psnr).toBeNull();
    const different = await measureQuality(b, a, { stage: 'export' });
    expect(different.ssim).not.toBeNull();
    expect(different.ssim!).toBeLessThan(0.99);
    expect(different.ssim!).toBeGreaterThan(0);
    expect(different.psnr).not.toBeNull();
    expect(different.psnr!).toBeGreaterThan(5);
    expect(different.psnr!).toBeLessThan(60);
  });
});
