/**
 * Where a farmed chunk's files are. For this step every machine mounts one shared folder at the same
 * path (`--shared DIR`): a chunk's inputs and output must lie inside it, on the coordinator (or the
 * chunk renders locally) and on the node (or the node refuses it: a message from Redis must never
 * make a node read or write elsewhere).
 *
 * A node never writes a chunk's final path. Each attempt writes into a folder of its own beside it,
 * `.farm/<chunk id>.<attempt>/`, so that a cut-off node still writing cannot clash with the node
 * that took the chunk over; the coordinator renames the accepted attempt's output into place
 * (atomic for a file) and removes the chunk's other attempts.
 */
import { readdir, rm, rmdir } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { commit } from '../engine/stages/common.ts';
import type { StageTask } from '../engine/tasks.ts';

/** Every file a task reads, and the one it writes. */
export function chunkFiles(task: StageTask): { inputs: string[]; output: string } {
  if ('kind' in task) {
    switch (task.kind) {
      case 'join':
      case 'concat':
        return { inputs: task.inputs, output: task.output };
      case 'chunk':
        return { inputs: [task.source], output: task.output };
      case 'encode_chunk':
        return { inputs: [task.input], output: task.output };
    }
  }
  switch (task.stage) {
    case 'frame_processing':
      return { inputs: 'image' in task.keyframe ? [task.keyframe.image] : [], output: task.output };
    case 'interpolation':
      return { inputs: task.inputs, output: task.output };
    case 'export':
      return { inputs: [task.input, ...(task.chunks ?? [])], output: task.output };
  }
}

/** Whether a path lies inside a folder (both made absolute; no `..` way out). */
export function isInside(root: string, path: string): boolean {
  if (!isAbsolute(path)) return false;
  const rel = relative(resolve(root), resolve(path));
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
}

/** The first of a task's files outside the shared folder, if any. */
export function outsideShared(task: StageTask, shared: string): string | undefined {
  const { inputs, output } = chunkFiles(task);
  return [...inputs, output].find((path) => !isInside(shared, path));
}

/** The folder beside an output that holds its farm attempts. */
export function attemptsFolder(output: string): string {
  return join(dirname(output), '.farm');
}

/** Where one attempt of a chunk writes its output: the same name (ffmpeg reads the container from it), in the attempt's folder. */
export function attemptOutput(output: string, chunkId: string, attempt: number): string {
  return join(attemptsFolder(output), `${chunkId}.${attempt}`, basename(output));
}

/** The task as one attempt runs it: writing into its own folder. */
export function forAttempt(task: StageTask, chunkId: string, attempt: number): StageTask {
  return { ...task, output: attemptOutput(task.output, chunkId, attempt) };
}

/** Removes a chunk's attempt folders (all, or all but none once one is accepted), and `.farm` once it is empty. */
export async function discardAttempts(output: string, chunkId: string): Promise<void> {
  const folder = attemptsFolder(output);
  const names = await readdir(folder).catch(() => [] as string[]);
  await Promise.all(names.filter((name) => name.startsWith(`${chunkId}.`)).map((name) => rm(join(folder, name), { recursive: true, force: true })));
  // Another chunk's attempts may still be there: then the folder stays.
  await rmdir(folder).catch(() => undefined);
}

/** Moves the accepted attempt's output to the chunk's final path and removes every attempt of the chunk. */
export async function acceptAttempt(output: string, chunkId: string, attempt: number): Promise<void> {
  await commit(attemptOutput(output, chunkId, attempt), output);
  await discardAttempts(output, chunkId);
}
