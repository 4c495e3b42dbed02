/**
 * What the two render benchmarks (bench/render.ts, bench/render-long.ts) share: the plain ffmpeg
 * runner their baselines use, the check that a plain argv is the one our stages give ffmpeg, env
 * parsing and number formatting.
 */
import { execFileSync, spawn } from 'node:child_process';
import { isDeepStrictEqual } from 'node:util';
import { fluentArgs } from '../src-main/engine/ffmpeg.ts';
import { resolveFfmpeg } from '../src-main/engine/ffmpeg-binaries.ts';
import { type FfmpegSpec, specToArgs } from '../src-main/engine/ffmpeg-spec.ts';

export const FFMPEG = resolveFfmpeg().ffmpeg;

/** "ffmpeg version … (system|ffmpeg-static)", for the header of a run. */
export function ffmpegVersion(): string {
  const first = execFileSync(FFMPEG, ['-hide_banner', '-version'], { encoding: 'utf8' }).split('\n')[0];
  return `${first} (${resolveFfmpeg().source})`;
}

/** An env var that must be one of `allowed`; the fallback when unset or empty. */
export function pick<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
  const value = process.env[name];
  if (value === undefined || value === '') return fallback;
  if (!(allowed as readonly string[]).includes(value)) throw new Error(`${name} must be one of ${allowed.join(', ')}, got ${JSON.stringify(value)}`);
  return value as T;
}

/** specToArgs, refused unless it is exactly what fluent would hand ffmpeg for the same spec. */
export function checkedArgs(spec: FfmpegSpec): string[] {
  const args = specToArgs(spec);
  const fluent = fluentArgs(spec);
  if (!isDeepStrictEqual(args, fluent)) throw new Error(`plain argv differs from fluent's:\nplain:  ${args.join(' ')}\nfluent: ${fluent.join(' ')}`);
  return args;
}

/** Runs ffmpeg plainly (spawn, no shell, no fluent); resolves with its stdout, which is only kept when asked for. */
export function ffmpeg(args: string[], options: { stdout?: boolean } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    // stderr is drained (a full pipe would stall ffmpeg) and its tail kept for a failure message.
    // stdout is drained too; our commands write nothing there unless a filter is told to (ssim's stats_file=-).
    const child = spawn(FFMPEG, args, { stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true });
    let tail = '';
    let out = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => (tail = (tail + chunk).slice(-2000)));
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      if (options.stdout) out += chunk;
    });
    child.on('error', reject);
    child.on('close', (code, signal) => (code === 0 ? resolve(out) : reject(new Error(`plain ffmpeg exited with ${code ?? signal}:\n${tail}`))));
  });
}

export const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
export const fmt = (x: number, digits = 0): string => x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
export const pct = (x: number): string => `${x >= 0 ? '+' : ''}${fmt(x, 1)}%`;
export const pad = (s: string, w: number): string => (s.length >= w ? s : ' '.repeat(w - s.length) + s);
/** Quotes an argument for a POSIX shell only when it needs it, so the printed line can be pasted. */
export const shellQuote = (arg: string): string => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`);
