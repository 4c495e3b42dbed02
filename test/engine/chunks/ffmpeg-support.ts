// Real ffmpeg for the chunk tests: run an argv list, compare two files frame by frame.
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { specToArgs, type FfmpegSpec } from '../../../src-main/engine/ffmpeg-spec.ts';
import { exportEncodeSpec } from '../../../src-main/engine/stages/export.ts';
import type { ExportTask } from '../../../src-main/engine/tasks.ts';

const exec = promisify(execFile);

/** Runs ffmpeg with an argument list (no shell); rejects with its stderr's tail. */
export async function ffmpeg(args: readonly string[], cwd?: string): Promise<string> {
  try {
    const { stderr } = await exec('ffmpeg', [...args], { maxBuffer: 64 * 1024 * 1024, ...(cwd ? { cwd } : {}) });
    return stderr;
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? '';
    throw new Error(`ffmpeg ${args.join(' ')} failed:\n${stderr.slice(-2000)}`, { cause: error });
  }
}

/** Runs one of the engine's own stage commands, exactly as its stage would build it. */
export async function runSpec(spec: FfmpegSpec): Promise<void> {
  await ffmpeg(['-loglevel', 'error', ...specToArgs(spec)]);
}

let statsFiles = 0;

/**
 * SSIM of every frame of `distorted` against the same frame of `reference` (ffmpeg's ssim filter
 * with stats_file). Frames are paired by index, not by timestamp (containers round timestamps
 * differently). The stats file is named relative to `dir` so that no path goes into the graph.
 */
export async function ssimPerFrame(dir: string, distorted: string, reference: string, inputOptions: readonly string[] = []): Promise<number[]> {
  const stats = `ssim-${++statsFiles}.log`;
  const prep = 'settb=1,setpts=N,format=yuv420p';
  await ffmpeg(
    ['-loglevel', 'error', ...inputOptions, '-i', distorted, '-i', reference, '-filter_complex', `[0:v]${prep}[a];[1:v]${prep}[b];[a][b]ssim=stats_file=${stats}`, '-f', 'null', '-'],
    dir,
  );
  const lines = (await readFile(join(dir, stats), 'utf8')).trim().split('\n');
  return lines.map((line) => Number(/All:([0-9.]+)/.exec(line)?.[1]));
}

/** The md5 of every decoded frame, in order: equal lists mean bit-identical pictures. */
export async function frameMd5s(file: string, inputOptions: readonly string[] = []): Promise<string[]> {
  const { stdout } = await exec('ffmpeg', ['-loglevel', 'error', ...inputOptions, '-i', file, '-f', 'framemd5', '-'], { maxBuffer: 64 * 1024 * 1024 });
  return stdout
    .split('\n')
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => line.split(',').at(-1)!.trim());
}

/** Writes the concat list for `files` next to them and returns its path. */
export async function writeList(dir: string, name: string, text: string): Promise<string> {
  const list = join(dir, name);
  await writeFile(list, text);
  return list;
}

/** The encoder arguments the export stage uses for a task: its encode's options after -frames:v N -an. */
export function encoderArgsOf(task: ExportTask): string[] {
  const options = exportEncodeSpec(task).outputOptions ?? [];
  return options.slice(options.indexOf('-an') + 1);
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}
