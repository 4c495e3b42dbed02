/**
 * What an ffmpeg run is, before anything runs it: the spec the stages build, checked and laid out
 * as the argument list ffmpeg gets. Arguments always travel as argv (never through a shell), so
 * paths are never parsed by a shell. Filter graphs are parsed by ffmpeg, though, so every string
 * that ends up inside one goes through assertSafeFilterValue (or is a number formatted by filterNumber).
 */
import { isAbsolute } from 'node:path';
import { StageError, type StageLabel } from './tasks.ts';

// ---------------------------------------------------------------------------------------------
// Filter-graph safety

/** Characters that give a string structure in ffmpeg's filter-graph and option syntax. */
const FILTER_SYNTAX = /[[\];,:='\\\n\r]/;

/** Returns the value if it cannot change a filter graph's structure; throws otherwise. */
export function assertSafeFilterValue(value: string, what = 'filter value'): string {
  if (value.length === 0 || FILTER_SYNTAX.test(value)) {
    throw new StageError('invalid_task', 'unknown', `${what} ${JSON.stringify(value)} is not allowed in a filter graph (empty or contains filter syntax)`);
  }
  return value;
}

/** A finite number as plain decimal text (never exponent notation, which expressions mis-read). */
export function filterNumber(n: number, what = 'number'): string {
  if (!Number.isFinite(n) || Math.abs(n) > 1e9) {
    throw new StageError('invalid_task', 'unknown', `${what} ${n} cannot go into a filter graph`);
  }
  const text = n.toFixed(6).replace(/\.?0+$/, '');
  return text === '-0' ? '0' : text;
}

// ---------------------------------------------------------------------------------------------
// Specs and their arguments

export type FfmpegInput =
  | { path: string; options?: readonly string[] }
  /** A lavfi source graph (e.g. a generator), built from validated values only. */
  | { lavfi: string; options?: readonly string[] };

export interface FfmpegSpec {
  /** The stage the run belongs to, for error reports. */
  stage: StageLabel;
  inputs: readonly FfmpegInput[];
  /** A -filter_complex graph; pick its outputs with -map in outputOptions. */
  complexFilter?: string;
  /** A -vf chain, for single-input runs. */
  videoFilter?: string;
  /** An absolute path, or '-' together with outputOptions ['-f', 'null'] to discard the result. */
  output: string;
  outputOptions?: readonly string[];
}

/** A path as ffmpeg or ffprobe may get it: absolute, or '-' (a discarded output) where allowed. */
export function checkPath(path: string, stage: StageLabel, allowDash: boolean): string {
  // Absolute paths cannot be mistaken for options ("-x") or protocols ("concat:"), which is
  // what keeps a crafted file name from changing what ffmpeg does.
  if ((allowDash && path === '-') || isAbsolute(path)) return path;
  throw new StageError('invalid_task', stage, `ffmpeg paths must be absolute, got ${JSON.stringify(path)}`);
}

/** fluent splits a lone "a b" option string in two; several arguments are always taken verbatim. */
function verbatim(options: readonly string[]): string[] {
  if (options.length === 1 && options[0]!.includes(' ')) throw new Error(`option ${JSON.stringify(options[0])} must be split into separate arguments`);
  return [...options];
}

/** Flags every run carries; they ride in front of the first input (fluent has no public global-options slot). */
const GLOBAL_FLAGS: readonly string[] = ['-nostdin', '-hide_banner', '-y'];

/** A spec checked and laid out as ffmpeg will get it: the one place that decides the arguments. */
export interface ArgPlan {
  inputs: { source: string; lavfi: boolean; options: string[] }[];
  output: string;
  outputOptions: string[];
}

export function plan(spec: FfmpegSpec): ArgPlan {
  const { stage } = spec;
  const inputs = spec.inputs.map((input, i) => {
    const options = verbatim([...(i === 0 ? GLOBAL_FLAGS : []), ...(input.options ?? [])]);
    return 'lavfi' in input ? { source: input.lavfi, lavfi: true, options } : { source: checkPath(input.path, stage, false), lavfi: false, options };
  });
  const output = checkPath(spec.output, stage, true);
  const outputOptions = verbatim([
    ...(spec.complexFilter ? ['-filter_complex', spec.complexFilter] : []),
    ...(spec.videoFilter ? ['-vf', spec.videoFilter] : []),
    ...(spec.outputOptions ?? []),
  ]);
  return { inputs, output, outputOptions };
}

/**
 * The argv ffmpeg gets for a spec, without fluent, so that a plain spawn() (the render benchmark's
 * baseline, or a later fluent-free runner) runs exactly the command our stages run. It follows
 * fluent's layout: per input `-f lavfi` (from inputFormat), its options, `-i`; then the `-y` fluent
 * adds for every file output (every output of ours, '-' included: it has no protocol prefix);
 * then the output options and the output. fluent's only other rewrite, `-strict experimental`
 * after an experimental `-vcodec`, never applies: we always write `-c:v`.
 */
export function specToArgs(spec: FfmpegSpec): string[] {
  const { inputs, output, outputOptions } = plan(spec);
  return [...inputs.flatMap((input) => [...(input.lavfi ? ['-f', 'lavfi'] : []), ...input.options, '-i', input.source]), '-y', ...outputOptions, output];
}
