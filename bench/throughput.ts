/**
 * Seconds per megapixel-frame of each (stage, method, quality): the built-in figures the cost model
 * starts from (src-main/engine/chunks/cost-model.ts) before it has learned this machine's own.
 * Run: `node bench/throughput.ts`.
 *
 * Each figure is one small real render, run with the very argument lists the stages run (frameSpec,
 * interpolationSpec, exportEncodeSpec through specToArgs): a zooming mandelbrot segment (the dearest
 * generator) at the source rate, every interpolation of it from 12 to 24 fps, every export format of
 * the interpolated result. The figure is (wall seconds − one ffmpeg start) / (frames × megapixels),
 * the start being measured apart, since the cost model adds it per chunk on its own.
 *
 * BENCH_SIZE: WxH (default 640x360). BENCH_SECONDS: shot length (default 2). BENCH_QUALITIES: a
 * comma list (default all four). BENCH_ROUNDS: renders per figure, the fastest kept (default 1).
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveFfmpeg } from '../src-main/engine/ffmpeg-binaries.ts';
import { specToArgs, type FfmpegSpec } from '../src-main/engine/ffmpeg-spec.ts';
import { FORMATS, INTERPOLATIONS, QUALITIES, type ExportFormat, type InterpolationMethod, type Quality } from '../src-main/engine/model.ts';
import { exportEncodeSpec } from '../src-main/engine/stages/export.ts';
import { frameSpec } from '../src-main/engine/stages/frame.ts';
import { interpolationSpec } from '../src-main/engine/stages/interpolate.ts';
import { throughputKey } from '../src-main/engine/chunks/cost-model.ts';

const [WIDTH, HEIGHT] = (process.env.BENCH_SIZE ?? '640x360').split('x').map(Number) as [number, number];
const SECONDS = Number(process.env.BENCH_SECONDS) || 2;
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS) || 1);
const QUALITY_LIST = (process.env.BENCH_QUALITIES?.split(',') ?? [...QUALITIES]) as Quality[];
const SOURCE_FPS = 12;
const FPS = 24;
const MP = (WIDTH * HEIGHT) / 1e6;
const FFMPEG = resolveFfmpeg().ffmpeg;

function run(args: readonly string[]): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(FFMPEG, args, { stdio: ['ignore', 'ignore', 'pipe'], windowsHide: true });
    let tail = '';
    child.stderr.on('data', (b: Buffer) => (tail = (tail + b.toString()).slice(-2000)));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve((performance.now() - started) / 1000) : reject(new Error(`ffmpeg exited with ${code}:\n${tail}`))));
  });
}

async function timed(spec: FfmpegSpec): Promise<number> {
  let best = Infinity;
  for (let i = 0; i < ROUNDS; i++) best = Math.min(best, await run(specToArgs(spec)));
  return best;
}

interface Figure {
  key: string;
  frames: number;
  wallS: number;
  secondsPerMpf: number;
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'storycore-throughput-'));
  const figures: Figure[] = [];
  try {
    // One ffmpeg start with a one-frame job: what every chunk pays whatever its size.
    const startS = await timed({ stage: 'unknown', inputs: [{ lavfi: 'color=size=16x16:rate=1' }], output: '-', outputOptions: ['-frames:v', '1', '-f', 'null'] });
    const add = (key: string, frames: number, wallS: number) => {
      const secondsPerMpf = Math.max(0, wallS - startS) / (frames * MP);
      figures.push({ key, frames, wallS, secondsPerMpf });
      console.log(`${key.padEnd(40)} ${String(frames).padStart(4)} frames ${wallS.toFixed(2).padStart(7)} s  ${secondsPerMpf.toFixed(4)} s/MP-frame`);
    };
    const sourceFrames = Math.ceil(SECONDS * SOURCE_FPS);
    const outputFrames = Math.round(SECONDS * FPS);
    for (const quality of QUALITY_LIST) {
      const segment = join(dir, `segment-${quality}.mkv`);
      add(
        throughputKey({ stage: 'frame_processing', method: 'zoompan', quality }),
        sourceFrames,
        await timed(
          frameSpec({
            stage: 'frame_processing', shotId: 'bench', segment: 0, keyframe: { generator: 'mandelbrot', seed: 0 }, width: WIDTH, height: HEIGHT,
            fps: SOURCE_FPS, frames: sourceFrames, quality, output: segment,
            camera: { from: { x: 0, y: 0, zoom: 1 }, to: { x: 0.3, y: 0.2, zoom: 1.8 }, easing: 'linear', t0: 0, t1: 1 },
          }),
        ),
      );
      let intermediate = '';
      for (const method of INTERPOLATIONS as readonly InterpolationMethod[]) {
        const output = join(dir, `interpolated-${quality}-${method}.mkv`);
        const spec = interpolationSpec({
          stage: 'interpolation', shotId: 'bench', inputs: [segment], segmentDuration: SECONDS, sourceFps: SOURCE_FPS, fps: FPS,
          frames: outputFrames, method, transition: 'cut', overlap: 0, width: WIDTH, height: HEIGHT, quality, output,
        });
        add(throughputKey({ stage: 'interpolation', method, quality }), outputFrames, await timed(spec));
        if (method === 'blend') intermediate = output;
      }
      for (const format of FORMATS as readonly ExportFormat[]) {
        const output = format === 'png_sequence' ? join(dir, `png-${quality}`) : join(dir, `export-${quality}.${format}`);
        if (format === 'png_sequence') await mkdir(output, { recursive: true });
        const spec = exportEncodeSpec({ stage: 'export', shotId: 'bench', input: intermediate, format, width: WIDTH, height: HEIGHT, fps: FPS, frames: outputFrames, quality, output });
        add(throughputKey({ stage: 'export', method: format, quality }), outputFrames, await timed(spec));
      }
    }
    const cpu = cpus()[0]?.model ?? 'unknown cpu';
    console.log(`\nmachine: ${availableParallelism()} cores (${cpu}), load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}; ${WIDTH}x${HEIGHT}, ${SECONDS} s; one ffmpeg start ${startS.toFixed(2)} s`);
    console.log('\n// seconds per megapixel-frame, as measured (multiply by a margin before using as a built-in)');
    for (const f of figures) console.log(`  '${f.key}': ${f.secondsPerMpf.toPrecision(3)},`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
