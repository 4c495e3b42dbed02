/**
 * The ffmpeg arguments of one export chunk and of the join that puts the chunks together without
 * re-encoding.
 *
 * A chunk is its own encode of frames [start, end) of the lossless intermediate, so it starts with
 * a key frame that refers to nothing before it (a closed GOP at every chunk start, for libx264 and
 * libvpx-vp9 alike) and the concat demuxer can join the chunks with `-c copy`. What makes the join
 * exact (measured, docs/CHUNKS.md):
 * - the input is cut by a seek to half a frame before `start` plus an exact frame count, which
 *   gave the intermediate's frames bit for bit (lossless check);
 * - every chunk is stamped from 0 at the shot's rate (settb + setpts=N, -r), so its duration is its
 *   frame count over fps, and chunk lengths are whole multiples of the timestamp unit;
 * - mp4 chunks are mp4 (the join then reads each file's edit list); +faststart is the join's.
 * ProRes and PNG are intra-only; PNG chunks write straight into the sequence's folder, numbered
 * from start + 1, and need no join.
 */
import type { ExportFormat } from '../model.ts';
import { absolute, CHUNK_GLOBAL_ARGS, seconds, wholeNumber } from './chunk-args.ts';

/** The container of a chunk and of the joined file, per format (png sequences are not joined). */
export type JoinedContainer = 'mp4' | 'webm' | 'mov' | 'mkv';

export const CHUNK_CONTAINER: Record<Exclude<ExportFormat, 'png_sequence'>, JoinedContainer> = { mp4: 'mp4', webm: 'webm', mov: 'mov' };

export interface ExportChunkSpec {
  /** The lossless intermediate, absolute path. */
  input: string;
  fps: number;
  format: ExportFormat;
  start: number;
  end: number;
  /**
   * The encoder's arguments exactly as the export stage builds them for the format and quality
   * (codec, preset or profile, crf, pixel format, ...), so that a chunk encodes like the whole file.
   */
  encoderArgs: readonly string[];
  /** Absolute path: the chunk file, or for png_sequence the folder's frame_%05d.png pattern. */
  output: string;
}

export function exportChunkArgs(spec: ExportChunkSpec): string[] {
  const { fps, start, end } = spec;
  wholeNumber(fps, 'fps', 1);
  wholeNumber(start, 'start', 0);
  wholeNumber(end - start, 'chunk length', 1);
  const seek = start > 0 ? ['-ss', seconds((start - 0.5) / fps)] : [];
  // A later -start_number wins over the encoder's own (ffmpeg keeps the last value of an option).
  const numbering = spec.format === 'png_sequence' ? ['-start_number', String(start + 1)] : [];
  return [
    ...CHUNK_GLOBAL_ARGS,
    ...seek,
    '-i', absolute(spec.input, 'input'),
    '-frames:v', String(end - start),
    '-an',
    '-vf', `settb=1/${fps},setpts=N`,
    '-r', String(fps),
    ...spec.encoderArgs,
    ...numbering,
    absolute(spec.output, 'output'),
  ];
}

/** The concat demuxer's list of the chunk files, in order. */
export function concatList(files: readonly string[]): string {
  if (files.length === 0) throw new RangeError('a join needs at least one chunk');
  // Inside single quotes the only special character is the quote itself: close, escape, reopen.
  const lines = files.map((file) => `file '${absolute(file, 'chunk').replaceAll("'", "'\\''")}'`);
  return `ffconcat version 1.0\n${lines.join('\n')}\n`;
}

export interface ConcatJoinSpec {
  /** Absolute path of the file holding concatList(chunks). */
  list: string;
  container: JoinedContainer;
  output: string;
}

/** Joins the chunks of a list into one file, copying their packets as they are. */
export function concatJoinArgs(spec: ConcatJoinSpec): string[] {
  return [
    ...CHUNK_GLOBAL_ARGS,
    // -safe 0: the list holds absolute paths, which the demuxer otherwise refuses.
    '-f', 'concat', '-safe', '0',
    '-i', absolute(spec.list, 'list'),
    '-map', '0:v', '-c', 'copy',
    // As the export stage writes mp4: the index up front, so players can start before the download ends.
    ...(spec.container === 'mp4' ? ['-movflags', '+faststart'] : []),
    absolute(spec.output, 'output'),
  ];
}
