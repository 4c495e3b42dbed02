/**
 * What our render pipeline costs on top of ffmpeg itself, on a short shot. Run: `node bench/render.ts`
 * (`npm run bench:render` runs it, then the long shot of bench/render-long.ts).
 *
 * One 5 s 1280x720 shot at 24 fps (two generated keyframes, a ken_burns move, a crossfade, blend
 * interpolation from 12 fps, mp4 at 'preview' quality) rendered two ways, interleaved:
 * - ours: RenderEngine.renderShot with a real WorkerPool (2 workers) and the engine's circuits,
 *   so worker processes, IPC, circuits, fluent-ffmpeg, temp-then-rename and the sidecar all count;
 * - plain: the same ffmpeg argument lists, spawned directly, with the same parallelism (both
 *   segments at once, then the interpolation, then the export encode).
 * Our export also verifies its output (ffprobe) and measures it (SSIM/PSNR); plain has no such
 * step, so their cost is reported apart and the target leaves it out: ours, less verification,
 * must stay under 10% over plain.
 *
 * BENCH_ROUNDS: measured rounds after one warm-up (default 5; a round is about 10 s on 2 cores).
 * BENCH_METHOD: the interpolation (default blend; optical_flow is the product's default but takes
 * minutes a round on 2 cores). BENCH_QUALITY: default preview. BENCH_VERBOSE=1 also prints the
 * plain command lines, to check by eye against what the stages run.
 */
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { createEngineCircuits } from '../src-main/engine/circuits.ts';
import type { EngineEvent } from '../src-main/engine/events.ts';
import { INTERPOLATIONS, QUALITIES, type Shot, parseProject } from '../src-main/engine/model.ts';
import { RenderEngine } from '../src-main/engine/pipeline.ts';
import { exportEncodeSpec } from '../src-main/engine/stages/export.ts';
import { frameSpec } from '../src-main/engine/stages/frame.ts';
import { interpolationSpec } from '../src-main/engine/stages/interpolate.ts';
import type { ExportTask, FrameTask, InterpolationTask, StageResult } from '../src-main/engine/tasks.ts';
import type { WorkerLease, WorkerLeaser } from '../src-main/engine/worker-lease.ts';
import { WorkerPool } from '../src-main/engine/worker-pool.ts';
import { FFMPEG, checkedArgs, ffmpeg, ffmpegVersion, fmt, median, pad, pct, pick, shellQuote } from './render-common.ts';

const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS) || 5);
const METHOD = pick('BENCH_METHOD', INTERPOLATIONS, 'blend');
const QUALITY = pick('BENCH_QUALITY', QUALITIES, 'preview');
const VERBOSE = Boolean(process.env.BENCH_VERBOSE);
const WORKERS = 2;
const TARGET_PCT = 10;

const shot: Shot = parseProject({
  version: 1,
  name: 'bench',
  shots: [
    {
      id: 'bench',
      duration: 5,
      fps: 24,
      resolution: { width: 1280, height: 720 },
      // Generators that draw the same pixels every run, so that the warm-up can check ours and plain
      // byte for byte. gradients would not do: in ffmpeg 5.1 its seed does not fix its picture.
      keyframes: [{ generator: 'testsrc2' }, { generator: 'life', seed: 3 }],
      camera: { movement: 'ken_burns' },
      interpolation: { method: METHOD, sourceFps: 12, transition: 'crossfade', transitionDuration: 0.5 },
    },
  ],
}).shots[0]!;

// ── ours ──

/** Every task the engine ran in one render, with host-side start and end times. */
interface Recording {
  root: string;
  frames: { task: FrameTask; start: number; end: number }[];
  interpolation?: { task: InterpolationTask; start: number; end: number };
  export?: { task: ExportTask; result: StageResult; start: number; end: number };
}

/**
 * The pool as the engine sees it, plus a note of each task and its result. It is what lets plain run
 * the engine's own tasks rather than a re-derivation of them, and read the export's check timings.
 * It adds two timestamps and an array push per task: microseconds against seconds of ffmpeg.
 */
class RecordingLeaser implements WorkerLeaser {
  recording: Recording = { root: '', frames: [] };
  private readonly pool: WorkerLeaser;
  constructor(pool: WorkerLeaser) {
    this.pool = pool;
  }
  async lease(signal?: AbortSignal): Promise<WorkerLease> {
    const lease = await this.pool.lease(signal);
    return {
      pid: lease.pid,
      release: () => lease.release(),
      run: async (task, options) => {
        const start = performance.now();
        const result = await lease.run(task, options);
        const end = performance.now();
        const r = this.recording;
        // Chunked stages' parts (a join, chunks, a concat) carry a kind: only whole-stage tasks are recorded.
        if ('kind' in task) void 0;
        else if (task.stage === 'frame_processing') r.frames.push({ task, start, end });
        else if (task.stage === 'interpolation') r.interpolation = { task, start, end };
        else r.export = { task, result, start, end };
        return result;
      },
    };
  }
}

const pool = new WorkerPool({ size: WORKERS });
const leaser = new RecordingLeaser(pool);
// Engine and circuits live for the whole bench, as they do in the app: a render is one more call.
const engine = new RenderEngine({ circuits: createEngineCircuits(), workers: leaser, parallelism: WORKERS });

interface OursRun {
  ms: number;
  verifyMs: number;
  qualityMs: number;
  /** Host-side wall time of each stage: segments (first start to last end), interpolation, export encode. */
  stages: [number, number, number];
  recording: Recording;
  output: string;
}

async function runOurs(root: string): Promise<OursRun> {
  const events: EngineEvent[] = [];
  leaser.recording = { root, frames: [] };
  const t0 = performance.now();
  const result = await engine.renderShot(shot, { quality: QUALITY, outDir: root, workDir: join(root, 'work'), resolveAsset: (p) => join(root, p), onEvent: (e) => events.push(e) });
  const ms = performance.now() - t0;
  // A retry, a wait or a fallback means ours did other work than plain: the comparison would be void.
  const odd = events.find((e) => e.type === 'retry' || e.type === 'waiting' || e.type === 'degradation' || e.type === 'stage_failed');
  if (odd) throw new Error(`our render did not take the straight path, so it cannot be compared: ${JSON.stringify(odd)}`);
  const rec = leaser.recording;
  const timings = rec.export?.result.timingsMs;
  if (!rec.interpolation || !rec.export || !timings || rec.frames.length !== shot.keyframes.length) throw new Error('our render did not run the expected stage tasks');
  const exportEncode = rec.export.end - rec.export.start - timings.verify - timings.quality;
  return {
    ms,
    verifyMs: timings.verify,
    qualityMs: timings.quality,
    stages: [Math.max(...rec.frames.map((f) => f.end)) - Math.min(...rec.frames.map((f) => f.start)), rec.interpolation.end - rec.interpolation.start, exportEncode],
    recording: rec,
    output: result.output,
  };
}

// ── plain ──

interface PlainCommands {
  frames: string[][];
  interpolation: string[];
  encode: string[];
  output: string;
}

/** The engine's recorded tasks, moved from its folder into `root`, as the argv our stages give ffmpeg. */
function plainCommands(rec: Recording, root: string): PlainCommands {
  const move = (path: string) => join(root, relative(rec.root, path));
  const { task: interp } = rec.interpolation!;
  const { task: exp } = rec.export!;
  const encodeTask = { ...exp, input: move(exp.input), output: move(exp.output) };
  return {
    frames: rec.frames.map(({ task }) => checkedArgs(frameSpec({ ...task, output: move(task.output) }))),
    interpolation: checkedArgs(interpolationSpec({ ...interp, inputs: interp.inputs.map(move), output: move(interp.output) })),
    // No temporary name for plain: it writes the final path, as a hand-typed command would.
    encode: checkedArgs(exportEncodeSpec(encodeTask)),
    output: encodeTask.output,
  };
}

interface PlainRun {
  ms: number;
  stages: [number, number, number];
  output: string;
}

async function runPlain(rec: Recording, root: string): Promise<PlainRun> {
  const cmd = plainCommands(rec, root);
  const t0 = performance.now();
  await mkdir(join(root, 'work'), { recursive: true });
  // Both segments at once, as the engine runs them with parallelism 2 on 2 workers.
  await Promise.all(cmd.frames.map((args) => ffmpeg(args)));
  const t1 = performance.now();
  await ffmpeg(cmd.interpolation);
  const t2 = performance.now();
  await ffmpeg(cmd.encode);
  const t3 = performance.now();
  return { ms: t3 - t0, stages: [t1 - t0, t2 - t1, t3 - t2], output: cmd.output };
}

// ── reporting ──

const sha256 = async (path: string) => createHash('sha256').update(await readFile(path)).digest('hex');

interface Row {
  plain: number;
  ours: number;
  ratio: number;
  checks: number;
  oursExcl: number;
  overheadPct: number;
  checksPct: number;
}

function table(rows: { label: string; order: string; row: Row }[], medianRow: Row): void {
  const header = ['round', 'order', 'plain ms', 'ours ms', 'ours÷plain', 'verify+quality ms', 'ours excl. v+q ms', 'overhead', 'v+q ÷ plain'];
  const widths = [6, 12, 9, 9, 10, 17, 17, 9, 11];
  const line = (cells: string[]) => console.log(cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : pad(c, widths[i]!))).join(' '));
  const cells = (label: string, order: string, r: Row) => [label, order, fmt(r.plain), fmt(r.ours), `${fmt(r.ratio, 3)}×`, fmt(r.checks), fmt(r.oursExcl), pct(r.overheadPct), `${fmt(r.checksPct, 1)}%`];
  line(header);
  line(widths.map((w) => '-'.repeat(w)));
  for (const { label, order, row } of rows) line(cells(label, order, row));
  line(widths.map((w) => '-'.repeat(w)));
  line(cells('median', '', medianRow));
}

// ── the run ──

async function main(): Promise<void> {
  const base = await mkdtemp(join(tmpdir(), 'storycore-bench-render-'));
  // The breakers' timers never keep a process alive; between two stages nothing else might.
  const keepAlive = setInterval(() => {}, 60_000);
  try {
    console.log(`Node ${process.version}; ${ffmpegVersion()}; ${availableParallelism()} cores`);
    console.log(
      `Shot: ${shot.duration} s ${shot.resolution.width}x${shot.resolution.height} @ ${shot.fps} fps, keyframes testsrc2 + life, ${shot.camera.movement}, ` +
        `${shot.interpolation.transition} ${shot.interpolation.transitionDuration} s, ${METHOD} from ${shot.interpolation.sourceFps} fps, ${shot.export.format}, quality ${QUALITY}`,
    );
    console.log(`Ours: RenderEngine + WorkerPool(${WORKERS}) + engine circuits. Plain: the same ffmpeg argv via spawn, same parallelism.`);
    console.log(`${ROUNDS} measured rounds + 1 warm-up; order alternates each round.\n`);

    // Warm-up: ours first, since plain runs the tasks ours records. It also starts the workers and
    // fills fluent's per-process capability cache: one-off costs of a session, not of a render.
    const warmOurs = await runOurs(join(base, 'warmup-ours'));
    let rec = warmOurs.recording;
    const warmPlain = await runPlain(rec, join(base, 'warmup-plain'));
    const [oursHash, plainHash] = await Promise.all([sha256(warmOurs.output), sha256(warmPlain.output)]);
    // Same argv and deterministic sources: anything but identical bytes means plain is not our work.
    const same = oursHash === plainHash ? 'byte-identical' : 'DIFFERENT: plain may not be doing our work, or a source is not deterministic';
    console.log(`Warm-up (not counted): ours ${fmt(warmOurs.ms)} ms, plain ${fmt(warmPlain.ms)} ms; the two exports are ${same}.`);
    if (VERBOSE) {
      const cmd = plainCommands(rec, join(base, 'plain'));
      console.log('Plain command lines (the argv fluent gives ffmpeg in our stages, apart from the temporary output name):');
      for (const args of [...cmd.frames, cmd.interpolation, cmd.encode]) console.log(`  ${[FFMPEG, ...args].map(shellQuote).join(' ')}`);
    }
    await rm(join(base, 'warmup-ours'), { recursive: true, force: true });
    await rm(join(base, 'warmup-plain'), { recursive: true, force: true });
    console.log('');

    const rows: { label: string; order: string; row: Row }[] = [];
    // Per round: each stage, then what no stage accounts for (so that the medians below are of
    // paired figures; medians of parts do not add up to the median of the whole).
    const plainStages: number[][] = [];
    const oursStages: number[][] = [];
    const verifyMs: number[] = [];
    const qualityMs: number[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const plainFirst = round % 2 === 1;
      const oursDir = join(base, `r${round}-ours`);
      const plainDir = join(base, `r${round}-plain`);
      let plain: PlainRun;
      let ours: OursRun;
      if (plainFirst) {
        plain = await runPlain(rec, plainDir);
        ours = await runOurs(oursDir);
      } else {
        ours = await runOurs(oursDir);
        plain = await runPlain(rec, plainDir);
      }
      // The engine's tasks are the same every round (no chaos, no degradation); plain follows the latest.
      rec = ours.recording;
      const checks = ours.verifyMs + ours.qualityMs;
      const oursExcl = ours.ms - checks;
      const row: Row = { plain: plain.ms, ours: ours.ms, ratio: ours.ms / plain.ms, checks, oursExcl, overheadPct: (oursExcl / plain.ms - 1) * 100, checksPct: (checks / plain.ms) * 100 };
      rows.push({ label: String(round), order: plainFirst ? 'plain→ours' : 'ours→plain', row });
      const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);
      plainStages.push([...plain.stages, plain.ms - sum(plain.stages)]);
      oursStages.push([...ours.stages, oursExcl - sum(ours.stages)]);
      verifyMs.push(ours.verifyMs);
      qualityMs.push(ours.qualityMs);
      await rm(oursDir, { recursive: true, force: true });
      await rm(plainDir, { recursive: true, force: true });
    }

    // Each column's median on its own; the overhead is the median of the per-round (paired) figures.
    const col = (k: keyof Row) => median(rows.map((r) => r.row[k]));
    const med: Row = { plain: col('plain'), ours: col('ours'), ratio: col('ratio'), checks: col('checks'), oursExcl: col('oursExcl'), overheadPct: col('overheadPct'), checksPct: col('checksPct') };
    table(rows, med);

    console.log('\nWhere the time goes (medians, ms; ours per stage is host-side, from lease.run to its result):');
    // 'between stages' is ours' orchestration outside any worker: circuits, leasing, mkdir, the sidecar.
    const names = ['segments ×2', 'interpolation', 'export encode', 'between stages'];
    console.log(`${'stage'.padEnd(16)} ${pad('plain', 8)} ${pad('ours', 8)} ${pad('ours−plain', 11)}`);
    names.forEach((name, i) => {
      const p = median(plainStages.map((s) => s[i]!));
      const o = median(oursStages.map((s) => s[i]!));
      const diff = median(oursStages.map((s, r) => s[i]! - plainStages[r]![i]!));
      console.log(`${name.padEnd(16)} ${pad(fmt(p), 8)} ${pad(fmt(o), 8)} ${pad(fmt(diff), 11)}`);
    });

    const verdict = med.overheadPct < TARGET_PCT ? 'PASS' : 'MISS';
    console.log(`\nTarget: ours, verification and quality excluded, under ${TARGET_PCT}% over plain ffmpeg.`);
    // The range shows the machine's round-to-round noise, against which the median should be read.
    const overheads = rows.map((r) => r.row.overheadPct);
    console.log(`${verdict}: overhead ${pct(med.overheadPct)} (median of ${ROUNDS} paired rounds, each from ${pct(Math.min(...overheads))} to ${pct(Math.max(...overheads))}); ours÷plain ${fmt(med.ratio, 3)}× with checks included.`);
    console.log(
      `Verification + quality: ${fmt(med.checks)} ms, ${fmt(med.checksPct, 1)}% of plain ` +
        `(ffprobe ${fmt(median(verifyMs))} ms, SSIM/PSNR ${fmt(median(qualityMs))} ms; reported, not part of the target).`,
    );
  } finally {
    clearInterval(keepAlive);
    await pool.close();
    await rm(base, { recursive: true, force: true });
  }
}

await main();
