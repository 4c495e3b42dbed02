/**
 * The chunk store on the long shot (issue "Nothing done twice"). Run: `npm run bench:reuse`. The shot
 * of bench/render-long.ts (12 s at 1920x1080, quality standard, a zoom, optical flow from 12 to 24
 * fps, mp4), with three mandelbrot keyframes instead of one, so that "the last keyframe changed" is
 * a part of the shot and not all of it. Each render is `storycore render` (loadProject +
 * renderProject with a chunk store), each in a fresh --out:
 * 1. full: from an empty store;
 * 2. resume: a render into a second empty store, stopped (aborted, as an immediate stop aborts)
 *    once the shot's progress reaches 70%, then rendered again: the second render's time;
 * 3. unchanged: the shot again, on the store of 1;
 * 4. last keyframe changed: its seed, on the store of 1 (after 3);
 * each as a ratio of the full render, against its target: ≤ 0.40, ≤ 0.10, and ≤ the changed
 * chunks' share of the full render's work (the time the full render's attempts spent on the tasks
 * that 4 had to run again, its joins included, over all its attempts' time). It also prints each
 * render's chunks reused and rendered.
 * A miss is reported, never a failed exit.
 *
 * BENCH_REUSE_SIZE: WIDTHxHEIGHT (default 1920x1080), BENCH_REUSE_SECONDS: the length (default 12),
 * BENCH_REUSE_KEYFRAMES (default 3). A check run: BENCH_REUSE_SIZE=640x360 BENCH_REUSE_SECONDS=6.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ProjectInput, parseProject } from '../src-main/engine/model.ts';
import { loadProject } from '../src-main/engine/project-io.ts';
import { renderProject } from '../src-main/engine/render-project.ts';
import { PipelineTraceSchema, type PipelineTrace } from '../src-main/engine/trace.ts';
import { ffmpegVersion, fmt } from './render-common.ts';

const SIZE = /^(\d+)x(\d+)$/.exec(process.env.BENCH_REUSE_SIZE || '1920x1080');
if (!SIZE) throw new Error(`BENCH_REUSE_SIZE must be WIDTHxHEIGHT, like 640x360; got ${JSON.stringify(process.env.BENCH_REUSE_SIZE)}`);
const WIDTH = Number(SIZE[1]);
const HEIGHT = Number(SIZE[2]);
const SECONDS = Number(process.env.BENCH_REUSE_SECONDS || 12);
const KEYFRAMES = Math.max(1, Math.floor(Number(process.env.BENCH_REUSE_KEYFRAMES || 3)));
const STOP_AT_PERCENT = 70;

const projectWith = (lastSeed: number): ProjectInput => ({
  version: 1,
  name: 'bench-reuse',
  quality: 'standard',
  shots: [
    {
      id: 'long',
      duration: SECONDS,
      fps: 24,
      resolution: { width: WIDTH, height: HEIGHT },
      keyframes: Array.from({ length: KEYFRAMES }, (_, i) => ({ generator: 'mandelbrot' as const, seed: i === KEYFRAMES - 1 ? lastSeed : i })),
      camera: { movement: 'zoom' },
      interpolation: { method: 'optical_flow', sourceFps: 12 },
      export: { format: 'mp4' },
    },
  ],
});
parseProject(projectWith(0), 'the reuse bench project');

interface Run {
  ms: number;
  ok: boolean;
  error?: string;
  trace?: PipelineTrace;
}

async function render(base: string, name: string, store: string, lastSeed: number, stopAtPercent?: number): Promise<Run> {
  const dir = join(base, name);
  const file = join(base, `${name}.project.json`);
  await writeFile(file, JSON.stringify(projectWith(lastSeed)));
  const controller = new AbortController();
  const t0 = performance.now();
  const summary = await renderProject(await loadProject(file), {
    outDir: dir,
    signal: controller.signal,
    chunkStore: { dir: store, reuse: true },
    onEvent: (event) => {
      if (stopAtPercent !== undefined && !('source' in event) && event.type === 'progress' && event.shotPercent >= stopAtPercent) controller.abort(new Error(`stopped at ${stopAtPercent}%`));
    },
  });
  const ms = performance.now() - t0;
  const shot = summary.shots[0]!;
  const trace = shot.sidecar ? PipelineTraceSchema.parse((JSON.parse(await readFile(shot.sidecar, 'utf8')) as { trace: unknown }).trace) : undefined;
  await rm(dir, { recursive: true, force: true });
  return { ms, ok: shot.status === 'done', ...(shot.error ? { error: shot.error } : {}), ...(trace ? { trace } : {}) };
}

const counts = (run: Run) => (run.trace?.reuse ? `${run.trace.reuse.reused} reused, ${run.trace.reuse.rendered} rendered${run.trace.reuse.corrupt ? `, ${run.trace.reuse.corrupt} corrupt` : ''}` : run.error ?? '');

/** The full render's attempt time on the tasks `changed` ran again (by stage and detail: the plan is the same), over all of it. */
function changedShare(full: PipelineTrace, changed: PipelineTrace): number {
  const name = (a: PipelineTrace['attempts'][number]) => `${a.stage}: ${a.detail ?? ''}`;
  const again = new Set(changed.attempts.map(name));
  const all = full.attempts.reduce((sum, a) => sum + a.elapsedMs, 0);
  const redone = full.attempts.reduce((sum, a) => sum + (again.has(name(a)) ? a.elapsedMs : 0), 0);
  return all > 0 ? redone / all : 1;
}

async function main(): Promise<void> {
  const base = await mkdtemp(join(tmpdir(), 'storycore-bench-reuse-'));
  try {
    console.log(`Node ${process.version}; ${ffmpegVersion()}; ${availableParallelism()} cores; load average ${loadavg().map((l) => fmt(l, 2)).join(' ')}`);
    console.log(`Shot: ${SECONDS} s ${WIDTH}x${HEIGHT} @ 24 fps, ${KEYFRAMES} mandelbrot keyframes, zoom, optical_flow from 12 fps, mp4, quality standard; storycore render with a chunk store\n`);
    const store = join(base, 'store');
    const full = await render(base, 'full', store, KEYFRAMES - 1);
    console.log(`full render:            ${fmt(full.ms)} ms (${counts(full)})`);
    const stopped = await render(base, 'stopped', join(base, 'store-stop'), KEYFRAMES - 1, STOP_AT_PERCENT);
    console.log(`stopped at ${STOP_AT_PERCENT}%:          ${fmt(stopped.ms)} ms (${stopped.ok ? 'it finished first' : 'aborted'})`);
    const resumed = await render(base, 'resumed', join(base, 'store-stop'), KEYFRAMES - 1);
    console.log(`resume:                 ${fmt(resumed.ms)} ms (${counts(resumed)})`);
    const unchanged = await render(base, 'unchanged', store, KEYFRAMES - 1);
    console.log(`re-render, unchanged:   ${fmt(unchanged.ms)} ms (${counts(unchanged)})`);
    const changed = await render(base, 'changed', store, KEYFRAMES + 6);
    console.log(`re-render, last key changed: ${fmt(changed.ms)} ms (${counts(changed)})\n`);

    const share = full.trace && changed.trace ? changedShare(full.trace, changed.trace) : 1;
    const rows: [string, Run, number][] = [
      [`resume after a stop at ${STOP_AT_PERCENT}%`, resumed, 0.4],
      ['re-render, unchanged', unchanged, 0.1],
      ['re-render, last keyframe changed', changed, share],
    ];
    console.log('what                                 ratio   target  ');
    for (const [what, run, target] of rows) {
      const ratio = run.ms / full.ms;
      const verdict = !run.ok ? `FAILED: ${run.error}` : ratio <= target ? 'met' : 'MISSED';
      console.log(`${what.padEnd(36)} ${fmt(ratio, 3).padStart(5)}  ≤ ${fmt(target, 3)}  ${verdict}`);
    }
    console.log(`\nThe changed chunks' share: ${fmt(share * 100, 1)}% of the full render's attempt time was spent on the tasks the changed render ran again.`);
    if (!full.ok) console.log(`The full render FAILED: ${full.error}`);
  } finally {
    await rm(base, { recursive: true, force: true });
  }
}

await main();
