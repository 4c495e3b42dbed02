/**
 * Reading a `jobs` row back as a Job. The table's CHECK constraints already keep
 * statuses, stages and qualities in their sets; these readers turn a row that still surprises us
 * (a hand-edited file) into a clear error instead of a wrong value on the screen.
 */
import type { SQLOutputValue } from 'node:sqlite';
import { QUALITIES } from '../engine/model.ts';
import { STAGES } from '../engine/tasks.ts';
import { JOB_STATUSES, type Job } from './job.ts';

type Row = Record<string, SQLOutputValue>;

export function rowToJob(row: Row): Job {
  return {
    id: text(row, 'id'),
    projectName: text(row, 'project_name'),
    shotId: text(row, 'shot_id'),
    status: oneOf(row, 'status', JOB_STATUSES),
    priority: num(row, 'priority'),
    position: num(row, 'position'),
    attempts: num(row, 'attempts'),
    quality: oneOf(row, 'quality', QUALITIES),
    stage: row.stage === null ? null : oneOf(row, 'stage', STAGES),
    progress: num(row, 'progress'),
    etaSeconds: orNull(row, 'eta_seconds', num),
    estimateSeconds: orNull(row, 'estimate_seconds', num),
    blockedBy: orNull(row, 'blocked_by', text),
    blockedUntil: orNull(row, 'blocked_until', num),
    createdAt: num(row, 'created_at'),
    updatedAt: num(row, 'updated_at'),
    startedAt: orNull(row, 'started_at', num),
    finishedAt: orNull(row, 'finished_at', num),
    output: orNull(row, 'output', text),
    sidecar: orNull(row, 'sidecar', text),
    error: orNull(row, 'error', text),
  };
}

/** The columns a Job is read from: everything but the large spec and trace blobs. */
export const JOB_COLUMNS =
  'id, project_name, shot_id, status, priority, position, attempts, quality, stage, progress, eta_seconds, estimate_seconds, blocked_by, blocked_until, ' +
  'created_at, updated_at, started_at, finished_at, output, sidecar, error';

function text(row: Row, column: string): string {
  const value = row[column];
  if (typeof value !== 'string') throw unexpected(row, column);
  return value;
}

function num(row: Row, column: string): number {
  const value = row[column];
  if (typeof value !== 'number') throw unexpected(row, column);
  return value;
}

/** Null stays null; anything else must pass `read`. */
function orNull<T>(row: Row, column: string, read: (row: Row, column: string) => T): T | null {
  return row[column] === null ? null : read(row, column);
}

function oneOf<T extends string>(row: Row, column: string, values: readonly T[]): T {
  const value = text(row, column);
  if (!(values as readonly string[]).includes(value)) throw unexpected(row, column);
  return value as T;
}

function unexpected(row: Row, column: string): Error {
  return new Error(`jobs row ${String(row.id)}: column ${column} holds ${JSON.stringify(row[column])}, which no StoryCore wrote (was the database edited by hand?)`);
}
