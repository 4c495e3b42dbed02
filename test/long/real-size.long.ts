/**
 * Work the size artists give it (issue "Bounded work"): the 12 s 1080p optical-flow shot, and two
 * harder ones (final quality with three keyframes and dissolves to webm; two 1080p keyframes with a
 * crossfade to ProRes), rendered as `storycore render` renders them, on a fresh machine's built-in
 * figures. The promise checked: no honest work is killed. Every shot finishes with the method it
 * asked for: no timeout, no retry, no degradation, no failed attempt; and the output is what was asked.
 * Minutes of real ffmpeg, so this suite runs alone (vitest.long.config.ts), one file at a time.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { probe } from '../../src-main/engine/ffprobe.ts';
import type { ProjectInput } from '../../src-main/engine/model.ts';
import { loadProject } from '../../src-main/engine/project-io.ts';
import { type RenderEvent, renderProject } from '../../src-main/engine/render-project.ts';
import { PipelineTraceSchema } from '../../src-main/engine/trace.ts';

const dir = mkdtempSync(join(tmpdir(), 'storycore-long-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Renders a project and gathers what would show an honest chunk killed or a method given up. */
async function render(input: ProjectInput, name: string) {
  const events: RenderEvent[] = [];
  // As `storycore render project.json` runs it: the file loaded and checked, then rendered.
  const file = join(dir, `${name}.json`);
  await writeFile(file, JSON.stringify(input));
  const summary = await renderProject(await loadProject(file), { outDir: join(dir, name), onEvent: (e) => events.push(e) });
  const engine = events.filter((e): e is Exclude<RenderEvent, { source: 'circuit' }> => !('source' in e));
  return {
    summary,
    timeouts: events.flatMap((e) => ('source' in e && e.type === 'timeout' ? [e.circuit] : [])),
    retries: engine.flatMap((e) => (e.type === 'retry' ? [`${e.stage}: ${e.reason}`] : [])),
    failed: engine.flatMap((e) => (e.type === 'stage_failed' ? [`${e.stage}: ${e.error}`] : [])),
    degradations: engine.flatMap((e) => (e.type === 'degradation' ? [`${e.kind} ${e.from} → ${e.to}: ${e.reason}`] : [])),
    chunks: engine.filter((e) => e.type === 'stage_finished' && / chunk \d/.test(e.detail ?? '')).length,
  };
}

/** The interpolation method a finished shot used, from the trace in its sidecar. */
async function interpolationUsed(sidecar: string | undefined): Promise<string> {
  if (!sidecar) return 'no sidecar';
  return PipelineTraceSchema.parse((JSON.parse(await readFile(sidecar, 'utf8')) as { trace: unknown }).trace).interpolation.used;
}

function expectNothingKilled(run: Awaited<ReturnType<typeof render>>): void {
  expect(run.summary.shots.map((s) => s.error ?? s.status)).toEqual(run.summary.shots.map(() => 'done'));
  expect(run.timeouts, 'timeouts').toEqual([]);
  expect(run.retries, 'retries').toEqual([]);
  expect(run.failed, 'failed attempts').toEqual([]);
  expect(run.degradations, 'degradations').toEqual([]);
}

const MINUTES = 60_000;

describe('real-size shots render with nothing killed (real ffmpeg, built-in figures)', () => {
  it('the 12 s 1920x1080 optical-flow shot: 288 frames of h264, optical flow kept, in chunks', async () => {
    const run = await render(
      {
        version: 1,
        name: 'long-shot',
        quality: 'standard',
        shots: [{ id: 'long', duration: 12, fps: 24, resolution: { width: 1920, height: 1080 }, keyframes: [{ generator: 'mandelbrot' }], camera: { movement: 'zoom' }, interpolation: { method: 'optical_flow', sourceFps: 12 }, export: { format: 'mp4' } }],
      },
      'long',
    );
    expectNothingKilled(run);
    const shot = run.summary.shots[0]!;
    expect(await interpolationUsed(shot.sidecar)).toBe('optical_flow');
    // Chunked: a stage done in one piece would be exactly the unbounded operation the issue was about.
    expect(run.chunks).toBeGreaterThanOrEqual(4);
    const output = await probe(shot.output!);
    expect(output).toMatchObject({ codec: 'h264', width: 1920, height: 1080, frames: 288 });
    expect(output.duration).toBeCloseTo(12, 2);
  }, 20 * MINUTES);

  it('harder shots at once: final quality, three keyframes with dissolves to webm; two 1080p keyframes with a crossfade to mov', async () => {
    const run = await render(
      {
        version: 1,
        name: 'hard-shots',
        shots: [
          {
            id: 'final-webm',
            quality: 'final',
            duration: 8,
            fps: 24,
            resolution: { width: 1280, height: 720 },
            keyframes: [{ generator: 'mandelbrot' }, { generator: 'testsrc2' }, { generator: 'gradients', seed: 3 }],
            camera: { movement: 'ken_burns' },
            interpolation: { method: 'optical_flow', sourceFps: 12, transition: 'dissolve', transitionDuration: 0.75 },
            export: { format: 'webm' },
          },
          {
            id: 'hd-mov',
            quality: 'standard',
            duration: 6,
            fps: 24,
            resolution: { width: 1920, height: 1080 },
            keyframes: [{ generator: 'mandelbrot', seed: 2 }, { generator: 'life', seed: 4 }],
            camera: { movement: 'zoom' },
            interpolation: { method: 'optical_flow', sourceFps: 12, transition: 'crossfade', transitionDuration: 1 },
            export: { format: 'mov' },
          },
        ],
      },
      'hard',
    );
    expectNothingKilled(run);
    const [webm, mov] = run.summary.shots;
    expect(await interpolationUsed(webm!.sidecar)).toBe('optical_flow');
    expect(await interpolationUsed(mov!.sidecar)).toBe('optical_flow');
    expect(await probe(webm!.output!)).toMatchObject({ codec: 'vp9', width: 1280, height: 720, frames: 192 });
    expect(await probe(mov!.output!)).toMatchObject({ codec: 'prores', width: 1920, height: 1080, frames: 144 });
  }, 20 * MINUTES);
});
