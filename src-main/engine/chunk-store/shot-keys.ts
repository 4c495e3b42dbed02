/**
 * What each kind of stored chunk's key is made of. A key names everything that determines the
 * chunk's frames: its task with paths, labels and drills taken out (the shot's id, a segment's or
 * chunk's index and the stall window change no frame), the very ffmpeg command it runs (written with
 * placeholder paths, so that a change to how a stage builds its command changes the key by itself),
 * and the identities of the upstream chunks whose frames it reads. Big intermediates are never
 * hashed: a chunk's identity is its key, and a downstream chunk names the keys it reads from:
 * - a frame chunk: its keyframe (a picture by the SHA-256 of its bytes) and its part of the move;
 * - a segment: its one chunk's key, or its chunks' keys in order (their -c copy join);
 * - the interpolation's joined source: the join's parameters and every segment's identity;
 * - an interpolation chunk: the join's parameters and the identities of the segments its source
 *   span overlaps (with slack), so that a changed last keyframe changes only the chunks that read it;
 * - an export chunk: the identities of the interpolation chunks its frame range overlaps;
 * - the export: its chunks' keys (or, unchunked, every interpolation piece's), format and checks.
 */
import { concatJoinArgs, CHUNK_CONTAINER, exportChunkArgs } from '../chunks/export-chunk.ts';
import { interpolationChunkArgs } from '../chunks/interpolation-chunk.ts';
import { joinSourceArgs } from '../chunks/join-source.ts';
import type { ShotTimeline } from '../shot-timeline.ts';
import { EXPECTED_CODEC, encoderArgs, exportEncodeSpec } from '../stages/export.ts';
import { frameSpec } from '../stages/frame.ts';
import { interpolationSpec } from '../stages/interpolate.ts';
import type { ExportChunkTask, ExportTask, FrameTask, InterpolationChunkTask, InterpolationJoinTask, InterpolationTask } from '../tasks.ts';
import { canonicalJson, chunkKey, keyPath, sha256Hex } from './store-key.ts';

/** A stretch of a stage's output frames [start, end) and the identity of what holds them. */
export interface Piece {
  start: number;
  end: number;
  key: string;
}

/** A task's fields less those that name places, runs or drills rather than frames. */
function framesOf<T extends object>(task: T, drop: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(task)) if (!['output', 'chaos', 'stallMs', 'shotId', ...drop].includes(field)) out[field] = value;
  return out;
}

const segmentPlaceholders = (n: number) => Array.from({ length: n }, (_, i) => keyPath(`segment-${i}`, '.mkv'));

/** A frame chunk or a whole segment. `imageDigest`: the SHA-256 of its keyframe picture, if it has one. */
export function frameChunkKey(task: FrameTask, imageDigest: string | undefined): string {
  const spec = frameSpec({ ...task, output: keyPath('output', task.output) });
  const picture = 'image' in task.keyframe ? `sha256:${imageDigest ?? 'unknown'}` : undefined;
  const inputs = spec.inputs.map((input) => ('path' in input && picture ? { ...input, path: picture } : input));
  const fields = framesOf(task, ['segment']);
  return chunkKey({ kind: 'frame', task: picture ? { ...fields, keyframe: { image: picture } } : fields, spec: { ...spec, inputs } });
}

/** A segment: its one chunk, or its chunks joined in order. */
export function segmentKey(chunkKeys: readonly string[]): string {
  return chunkKeys.length === 1 ? chunkKeys[0]! : chunkKey({ kind: 'segment', container: 'mkv', chunks: chunkKeys });
}

/** The whole interpolation stage in one task, from its segments. */
export function interpolationWholeKey(task: InterpolationTask, segmentKeys: readonly string[]): string {
  const spec = interpolationSpec({ ...task, inputs: segmentPlaceholders(task.inputs.length), output: keyPath('output', task.output) });
  return chunkKey({ kind: 'interpolation', task: framesOf(task, ['inputs']), spec, inputs: segmentKeys });
}

/** What a joined source is besides its segments: the join's graph and parameters (no retime, so no method). */
export function joinParams(task: InterpolationJoinTask): string {
  const placeholders = { ...task, inputs: segmentPlaceholders(task.inputs.length) };
  return sha256Hex(canonicalJson({ task: framesOf(task, ['inputs', 'method']), argv: joinSourceArgs(placeholders, keyPath('output', '.mkv')) }));
}

export function joinKey(task: InterpolationJoinTask, segmentKeys: readonly string[]): string {
  return chunkKey({ kind: 'join', join: joinParams(task), inputs: segmentKeys });
}

/**
 * The segments whose frames an interpolation chunk's source span may read: those overlapping the
 * span in time, with slack for the cut's per-segment rounding (a segment holds ⌈duration × rate⌉
 * frames) and a frame either side.
 */
export function segmentsRead(timeline: ShotTimeline, span: { start: number; end: number }): number[] {
  const rate = timeline.sourceFps;
  const from = span.start / rate;
  const to = span.end / rate;
  return timeline.segments
    .filter((segment) => {
      const slack = (segment.index + 2) / rate;
      return segment.start - slack < to && segment.start + segment.frames / rate + slack > from;
    })
    .map((segment) => segment.index);
}

/** One interpolation chunk, from the join's parameters and the identities of the segments it reads. */
export function interpolationChunkKey(task: InterpolationChunkTask, upstream: { join: string; segments: readonly string[] }): string {
  const argv = interpolationChunkArgs({ ...task, source: keyPath('source', '.mkv'), output: keyPath('output', task.output) });
  return chunkKey({ kind: 'interpolation_chunk', task: framesOf(task, ['index', 'source']), argv, upstream });
}

/** The pieces holding any of the frames [start, end). */
export function overlapping(pieces: readonly Piece[], start: number, end: number): string[] {
  return pieces.filter((p) => p.start < end && p.end > start).map((p) => p.key);
}

/** The unchunked export (encode, verification, measurement), from every interpolation piece. */
export function exportWholeKey(task: ExportTask, pieces: readonly Piece[]): string {
  const spec = exportEncodeSpec({ ...task, input: keyPath('input', '.mkv') }, keyPath('output', task.output));
  return chunkKey({ kind: 'export', task: framesOf(task, ['input', 'chunks']), spec, codec: EXPECTED_CODEC[task.format], inputs: pieces.map((p) => p.key) });
}

/** One export chunk, from the interpolation pieces its frames come from. */
export function exportChunkKey(task: ExportChunkTask, pieces: readonly Piece[]): string {
  const argv = exportChunkArgs({ input: keyPath('input', '.mkv'), fps: task.fps, format: task.format, start: task.start, end: task.end, encoderArgs: encoderArgs(task), output: keyPath('output', task.output) });
  return chunkKey({ kind: 'export_chunk', task: framesOf(task, ['index', 'input']), argv, inputs: overlapping(pieces, task.start, task.end) });
}

/** The chunked export's join (verified and measured as a whole), from its chunks. */
export function exportJoinKey(task: ExportTask, chunkKeys: readonly string[]): string {
  const format = task.format === 'png_sequence' ? 'mp4' : task.format;
  const argv = concatJoinArgs({ list: keyPath('list', '.txt'), container: CHUNK_CONTAINER[format], output: keyPath('output', task.output) });
  return chunkKey({ kind: 'export_join', task: framesOf(task, ['input', 'chunks']), argv, codec: EXPECTED_CODEC[task.format], chunks: chunkKeys });
}
