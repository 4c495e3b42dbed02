/**
 * The long shot of issue "Bounded work": 12 s at 1920x1080, quality standard, one mandelbrot
 * keyframe, a zoom, optical_flow from 12 to 24 fps, mp4 (h264). Run: `npm run bench:render:long`
 * (`npm run bench:render` runs the short case of bench/render.ts first). Two ways, interleaved
 * (plain, ours, plain, ours, …):
 * - ours: the studio exactly as `storycore render` runs a project: loadProject on a project.json,
 *   then renderProject with its own circuits, worker pool (cores, at most 4) and resource monitor;
 * - plain: ONE ffmpeg command doing the same job by hand: the engine's own segment chain (generator,
 *   cover scale, zoompan) feeding the engine's own interpolation graph (minterpolate with the
 *   standard preset), encoded with the engine's own export settings (x264 medium, crf 20).
 * It prints both wall times and ours÷plain against the target, ours' stages from its pipeline trace
 * (timeouts, retries and degradations counted: the acceptance wants none), each core's use during
 * each run, frames and size of both outputs, and the SSIM of ours against plain. A miss is
 * reported, never a failed exit: before chunking the interpolation times out and degrades to blend.
 *
 * BENCH_ROUNDS: rounds (default 1; a round is several minutes on 2 cores). BENCH_LONG_SECONDS: the
 * shot's length (default 12). BENCH_LONG_SIZE: WIDTHxHEIGHT (default 1920x1080), e.g. 1280x720 for
 * a quicker run. BENCH_VERBOSE=1 also prints every ffmpeg log tail the trace kept.
 */
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FfmpegSpec } from '../src-main/engine/ffmpeg-spec.ts';
import { probe } from '../src-main/engine/ffprobe.ts';
import { type ProjectInput, type Shot, parseProject } from '../src-main/engine/model.ts';
import { loadProject } from '../src-main/engine/project-io.ts';
import { type RenderEvent, renderProject } from '../src-main/engine/render-project.ts';
import { buildShotTimeline } from '../src-main/engine/shot-timeline.ts';
import { exportEncodeSpec } from '../src-main/engine/stages/export.ts';
import { frameSpec } from '../src-main/engine/stages/frame.ts';
import { interpolationGraph } from '../src-main/engine/stages/interpolate.ts';
import { PipelineTraceSchema } from '../src-main/engine/trace.ts';
import { CoreSampler, treeCpuSeconds } from './core-use.ts';
import { type Attempt, type OursRun, type PlainRun, type Round, report } from './long-report.ts';
import { checkedArgs, ffmpeg, ffmpegVersion, fmt, shellQuote } from './render-common.ts';

const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS) || 1);
const SECONDS = Number(process.env.BENCH_LONG_SECONDS || 12);
const SIZE = /^(\d+)x(\d+)$/.exec(process.env.BENCH_LONG_SIZE || '1920x1080');
if (!SIZE) throw new Error(`BENCH_LONG_SIZE must be WIDTHxHEIGHT, like 1280x720; got ${JSON.stringify(process.env.BENCH_LONG_SIZE)}`);
const VERBOSE = Boolean(process.env.BENCH_VERBOSE);

const project: ProjectInput = {
  version: 1,
  name: 'bench-long',
  quality: 'standard',
  shots: [
    {
      id: 'long',
      duration: SECONDS,
      fps: 24,
      resolution: { width: Number(SIZE[1]), height: Number(SIZE[2]) },
      keyframes: [{ generator: 'mandelbrot' }],
      camera: { movement: 'zoom' },
      interpolation: { method: 'optical_flow', sourceFps: 12 },
      export: { format: 'mp4' },
    },
  ],
};
// Parsed here too, so that a bad override fails before anything runs, and plain sees the defaults ours gets.
const parsed = parseProject(project, 'the long-shot bench project');
const shot: Shot = parsed.shots[0]!;

// ── plain: one command ──

/**
 * The engine's three stage commands fused into one filter graph: the segment's chain (frameSpec),
 * cut to the segment's frames as its -frames:v cuts it, in place of the interpolation graph's
 * input; the export's encode options on the graph's output. The lossless intermediates and their
 * files are the only work left out, as a hand-typed command would leave them out.
 */
function plainSpec(output: string): FfmpegSpec {
  const timeline = buildShotTimeline(shot);
  const segment = timeline.segments[0]!;
  const keyframe = shot.keyframes[0]!;
  if (timeline.segments.length !== 1 || 'image' in keyframe) throw new Error('the plain command is written for one generated keyframe');
  const base = { shotId: shot.id, width: shot.resolution.width, height: shot.resolution.height, quality: parsed.quality };
  const frame = frameSpec({
    ...base,
    stage: 'frame_processing',
    segment: 0,
    keyframe,
    fps: timeline.sourceFps,
    frames: segment.frames,
    camera: { ...timeline.camera, t0: segment.t0, t1: segment.t1 },
    output: '-',
  });
  const source = frame.inputs[0];
  if (frame.inputs.length !== 1 || !source || !('lavfi' in source) || !frame.videoFilter) throw new Error('frameSpec no longer gives one generator input and a -vf chain');
  const graph = interpolationGraph({
    ...base,
    stage: 'interpolation',
    inputs: ['segment'],
    segmentDuration: segment.duration,
    sourceFps: timeline.sourceFps,
    fps: timeline.fps,
    frames: timeline.totalFrames,
    method: 'optical_flow',
    transition: timeline.transition,
    overlap: timeline.overlap,
    output: '-',
  });
  if (graph.split('[0:v]').length !== 2) throw new Error(`the interpolation graph no longer reads its input once as [0:v]: ${graph}`);
  const fused = graph.replace('[0:v]', `[0:v]${frame.videoFilter},trim=end_frame=${segment.frames},`);
  const encode = exportEncodeSpec({ ...base, stage: 'export', input: '-', format: 'mp4', fps: timeline.fps, frames: timeline.totalFrames, output });
  return { stage: 'export', inputs: [source], complexFilter: fused, output, outputOptions: ['-map', '[out]', ...(encode.outputOptions ?? [])] };
}

const cpuSince = (start: number | null): number | null => {
  const now = treeCpuSeconds();
  return start === null || now === null ? null : now - start;
};

async function runPlain(dir: string): Promise<PlainRun> {
  await mkdir(dir, { recursive: true });
  const output = join(dir, 'plain.mp4');
  const args = checkedArgs(plainSpec(output));
  const cores = new CoreSampler();
  const load = loadavg()[0]!;
  const cpu0 = treeCpuSeconds();
  cores.start();
  const t0 = performance.now();
  let error: string | undefined;
  await ffmpeg(args).catch((e: unknown) => (error = e instanceof Error ? e.message : String(e)));
  const ms = performance.now() - t0;
  cores.stop();
  return { ms, output, error, cores: cores.summary(), cpuS: cpuSince(cpu0), load: [load, loadavg()[0]!] };
}

// ── ours: as the CLI renders a project ──

/** Attempts from the engine's events, for a shot that failed (its trace is only in the sidecar of a done shot). */
function attemptsFromEvents(events: { at: number; event: RenderEvent }[]): Attempt[] {
  const out: Attempt[] = [];
  for (const { at, event: e } of events) {
    if ('source' in e) continue;
    if (e.type === 'stage_started') out.push({ stage: e.stage, circuit: e.circuit, attempt: e.attempt, detail: e.detail, startedAt: at, elapsedMs: NaN, outcome: 'ok' });
    if (e.type !== 'stage_finished' && e.type !== 'stage_failed') continue;
    const open = out.findLast((a) => a.stage === e.stage && a.circuit === e.circuit && a.attempt === e.attempt && Number.isNaN(a.elapsedMs));
    if (!open) continue;
    open.elapsedMs = at - open.startedAt;
    if (e.type === 'stage_failed') Object.assign(open, { outcome: 'failed', error: e.error });
  }
  return out;
}

async function runOurs(dir: string): Promise<OursRun> {
  await mkdir(dir, { recursive: true });
  const file = join(dir, 'project.json');
  await writeFile(file, JSON.stringify(project, null, 2));
  const events: { at: number; event: RenderEvent }[] = [];
  const cores = new CoreSampler();
  const load = loadavg()[0]!;
  const cpu0 = treeCpuSeconds();
  cores.start();
  const t0 = performance.now();
  // Loading counts, as it does for `storycore render project.json --out DIR`.
  const summary = await renderProject(await loadProject(file), { outDir: join(dir, 'out'), overrides: [], chaos: [], onEvent: (event) => events.push({ at: Date.now(), event }) });
  const ms = performance.now() - t0;
  cores.stop();
  const outcome = summary.shots[0]!;
  const trace = outcome.sidecar ? PipelineTraceSchema.parse((JSON.parse(await readFile(outcome.sidecar, 'utf8')) as { trace: unknown }).trace) : undefined;
  const engine = events.map((e) => e.event).filter((e) => !('source' in e));
  const degradations = engine.flatMap((e) => (e.type === 'degradation' ? [e] : []));
  const interpolationUsed = trace?.interpolation.used ?? degradations.findLast((d) => d.kind === 'interpolation')?.to ?? shot.interpolation.method;
  return {
    ms,
    output: outcome.output,
    error: outcome.error,
    attempts: trace?.attempts ?? attemptsFromEvents(events),
    attemptsFrom: trace ? 'trace' : 'events',
    timeouts: events.flatMap(({ event: e }) => ('source' in e && e.type === 'timeout' ? [e.circuit] : [])),
    retries: engine.flatMap((e) => (e.type === 'retry' ? [e] : [])),
    degradations,
    interpolationUsed,
    cores,
    // renderProject resolves once its pool has closed, so every worker (and each ffmpeg it ran) has been reaped.
    cpuS: cpuSince(cpu0),
    load: [load, loadavg()[0]!],
  };
}

// ── the outputs ──

/** Per-frame SSIM ("All") of `a` against `b`, frames paired by index as the export's own measurement pairs them. */
async function ssimFrames(a: string, b: string): Promise<number[]> {
  const prep = 'settb=1,setpts=N,format=yuv420p';
  const graph = `[0:v]${prep}[a];[1:v]${prep}[b];[a][b]ssim=stats_file=-:shortest=1`;
  const stdout = await ffmpeg(['-nostdin', '-hide_banner', '-i', a, '-i', b, '-filter_complex', graph, '-f', 'null', '-'], { stdout: true });
  return [...stdout.matchAll(/All:([0-9.]+)/g)].map((m) => Number(m[1]));
}

async function describeOutput(path: string | undefined): Promise<Round['outputs'][number]> {
  if (!path) return undefined;
  try {
    const [p, s, bytes] = await Promise.all([probe(path), stat(path), readFile(path)]);
    return { ...p, bytes: s.size, sha256: createHash('sha256').update(bytes).digest('hex') };
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  }
}

// ── the run ──

async function main(): Promise<void> {
  const base = await mkdtemp(join(tmpdir(), 'storycore-bench-long-'));
  try {
    console.log(`Node ${process.version}; ${ffmpegVersion()}; ${availableParallelism()} cores; load average ${loadavg().map((l) => fmt(l, 2)).join(' ')}`);
    const { width, height } = shot.resolution;
    console.log(`Shot: ${shot.duration} s ${width}x${height} @ ${shot.fps} fps, one mandelbrot keyframe, ${shot.camera.movement}, ${shot.interpolation.method} from ${shot.interpolation.sourceFps} fps, ${shot.export.format}, quality ${parsed.quality}`);
    console.log('Ours: loadProject + renderProject, as `storycore render` runs it. Plain: one ffmpeg command, the engine\'s stage chains fused:');
    const shown = checkedArgs(plainSpec(join(base, 'plain.mp4'))).map((a) => a.replaceAll(base, '.'));
    console.log(`  ffmpeg ${shown.map(shellQuote).join(' ')}`);
    console.log(`${ROUNDS} round(s), plain then ours in each; no warm-up (one round is minutes).\n`);

    const rounds: Round[] = [];
    for (let r = 1; r <= ROUNDS; r++) {
      const dir = join(base, `r${r}`);
      const plain = await runPlain(join(dir, 'plain'));
      console.log(`round ${r}: plain ${fmt(plain.ms)} ms${plain.error ? ' (FAILED)' : ''}`);
      const ours = await runOurs(join(dir, 'ours'));
      console.log(`round ${r}: ours ${fmt(ours.ms)} ms${ours.error ? ' (FAILED)' : ''}`);
      const outputs = await Promise.all([describeOutput(plain.error ? undefined : plain.output), describeOutput(ours.output)]);
      const ssim = !plain.error && ours.output ? await ssimFrames(ours.output, plain.output).catch(() => []) : [];
      rounds.push({ plain, ours, outputs, ssim });
      await rm(dir, { recursive: true, force: true });
    }
    report(rounds, { frames: Math.round(shot.duration * shot.fps), width, height, verbose: VERBOSE });
  } finally {
    await rm(base, { recursive: true, force: true });
  }
}

await main();
