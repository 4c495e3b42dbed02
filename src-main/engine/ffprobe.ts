/** Reading what a file holds: its first video stream, through ffprobe. */
import { spawn } from 'node:child_process';
import { resolveFfmpeg } from './ffmpeg-binaries.ts';
import { checkPath } from './ffmpeg-spec.ts';
import { ERROR_TAIL_LINES, StageError, type StageLabel } from './tasks.ts';

export interface ProbeResult {
  codec: string;
  width: number;
  height: number;
  fps: number;
  /** Packets read from the first video stream: one per frame for the codecs we write. */
  frames: number;
  duration: number;
}

export interface ProbeOptions {
  signal?: AbortSignal;
  stage?: StageLabel;
  /** Options before the input, e.g. ['-framerate', '24'] for an image sequence pattern. */
  inputOptions?: readonly string[];
}

function parseRate(rate: unknown): number | null {
  if (typeof rate !== 'string') return null;
  const [num, den] = rate.split('/').map(Number);
  if (!num || !den || !Number.isFinite(num / den)) return null;
  return num / den;
}

/** Reads the first video stream with ffprobe (our own spawn, so that it can be aborted). */
export async function probe(path: string, options: ProbeOptions = {}): Promise<ProbeResult> {
  const stage = options.stage ?? 'unknown';
  const { signal } = options;
  if (signal?.aborted) throw new StageError('canceled', stage, `${stage}: canceled before ffprobe started`);
  const args = [
    '-v', 'error', ...(options.inputOptions ?? []),
    // -count_packets reads the whole file, but without decoding: cheap, and it works for
    // containers (mkv, webm) that store no frame count.
    '-count_packets', '-select_streams', 'v:0',
    '-show_entries', 'stream=codec_name,width,height,r_frame_rate,avg_frame_rate,nb_read_packets,duration:format=duration',
    '-of', 'json', checkPath(path, stage, false),
  ];
  const child = spawn(resolveFfmpeg().ffprobe, args, { stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on('data', (b: Buffer) => out.push(b));
  child.stderr.on('data', (b: Buffer) => err.push(b));
  const onAbort = () => child.kill('SIGKILL');
  signal?.addEventListener('abort', onAbort, { once: true });
  const code = await new Promise<number | string>((resolve) => {
    child.on('error', (e) => resolve(e.message));
    child.on('close', (c, sig) => resolve(c ?? sig ?? -1));
  }).finally(() => signal?.removeEventListener('abort', onAbort));
  if (signal?.aborted) throw new StageError('canceled', stage, `${stage}: canceled; ffprobe was killed`);
  const stderr = Buffer.concat(err).toString('utf8').trim().split('\n').slice(-ERROR_TAIL_LINES).join('\n');
  if (code !== 0) throw new StageError('ffmpeg_failed', stage, `${stage}: ffprobe failed (${code}) on ${path}${stderr ? `\n${stderr}` : ''}`);
  const json = JSON.parse(Buffer.concat(out).toString('utf8')) as { streams?: Record<string, unknown>[]; format?: { duration?: string } };
  const s = json.streams?.[0];
  if (!s) throw new StageError('verification_failed', stage, `${stage}: ${path} has no video stream`);
  // avg_frame_rate is what was actually written; r_frame_rate is the fallback when it is 0/0.
  const fps = parseRate(s.avg_frame_rate) ?? parseRate(s.r_frame_rate) ?? 0;
  // mkv often has no per-stream duration; the container's is then the answer.
  const duration = [s.duration, json.format?.duration].map(Number).find(Number.isFinite) ?? 0;
  return {
    codec: String(s.codec_name ?? 'unknown'),
    width: Number(s.width ?? 0),
    height: Number(s.height ?? 0),
    fps,
    frames: Number(s.nb_read_packets ?? 0),
    duration,
  };
}
