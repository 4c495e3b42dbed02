/**
 * The job state machine, as data: for each change, the statuses it may start from. The queue turns
 * each into one guarded UPDATE (`WHERE id = ? AND status IN (...)`), so the check and the change are
 * a single atomic statement; when the guard refuses, the message comes from here.
 */
import type { JobStatus } from './job.ts';
import { QueueError } from './queue-error.ts';

export interface Transition {
  from: readonly JobStatus[];
  /** Past participle for "only X jobs can be ___". */
  verb: string;
}

export const TRANSITIONS = {
  markRunning: { from: ['queued'], verb: 'started' },
  report: { from: ['running', 'blocked'], verb: 'given progress' },
  markUnblocked: { from: ['blocked'], verb: 'unblocked' },
  markDone: { from: ['running', 'blocked'], verb: 'marked done' },
  markFailed: { from: ['queued', 'running', 'blocked'], verb: 'marked failed' },
  requeue: { from: ['running', 'blocked'], verb: 'put back in the queue' },
  pause: { from: ['queued', 'blocked'], verb: 'paused' },
  resume: { from: ['paused'], verb: 'resumed' },
  cancel: { from: ['queued', 'paused', 'blocked', 'running'], verb: 'canceled' },
  retry: { from: ['failed', 'canceled'], verb: 'retried' },
  setPriority: { from: ['queued', 'paused', 'blocked', 'running'], verb: 'given a new priority' },
  move: { from: ['queued', 'paused'], verb: 'moved' },
} as const satisfies Record<string, Transition>;

/** The guard as SQL. Statuses come from the constants above, never from a caller. */
export function statusIn(transition: Transition): string {
  return `status IN (${transition.from.map((s) => `'${s}'`).join(', ')})`;
}

export function refused(id: string, status: JobStatus | undefined, transition: Transition): QueueError {
  if (status === undefined) return new QueueError('not_found', `no job ${id} in the queue`, id);
  return new QueueError('conflict', `job ${id} is ${status}; only ${spell(transition.from)} jobs can be ${transition.verb}`, id);
}

function spell(words: readonly string[]): string {
  return words.length <= 1 ? (words[0] ?? '') : `${words.slice(0, -1).join(', ')} or ${words.at(-1)}`;
}
