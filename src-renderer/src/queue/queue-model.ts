/**
 * The queue table's logic, apart from React so that it can be tested under plain Node: the order
 * rows are shown in, filters, pages, and how times read.
 */
import type { Job, JobStatus } from '../../../src-preload/contract.ts';

export const PAGE_SIZE = 50;

export const FILTERS = {
  all: { label: 'All jobs', statuses: null },
  active: { label: 'Running and waiting', statuses: ['running', 'blocked', 'queued', 'paused'] },
  done: { label: 'Done', statuses: ['done'] },
  problems: { label: 'Failed and canceled', statuses: ['failed', 'canceled'] },
} as const satisfies Record<string, { label: string; statuses: readonly JobStatus[] | null }>;
export type FilterName = keyof typeof FILTERS;

/** Working first, then waiting in the order they will run, then finished, newest first (the host's own list order). */
const GROUP: Record<JobStatus, number> = { running: 0, blocked: 0, queued: 1, paused: 1, done: 2, failed: 2, canceled: 2 };

export function compareJobs(a: Job, b: Job): number {
  const group = GROUP[a.status] - GROUP[b.status];
  if (group !== 0) return group;
  if (GROUP[a.status] === 0) return (a.startedAt ?? 0) - (b.startedAt ?? 0) || a.position - b.position;
  if (GROUP[a.status] === 1) return b.priority - a.priority || a.position - b.position || a.createdAt - b.createdAt;
  return (b.finishedAt ?? b.updatedAt) - (a.finishedAt ?? a.updatedAt) || a.position - b.position;
}

export function visibleJobs(jobs: Record<string, Job>, filter: FilterName): Job[] {
  const statuses: readonly JobStatus[] | null = FILTERS[filter].statuses;
  const list = Object.values(jobs);
  return (statuses ? list.filter((j) => statuses.includes(j.status)) : list).sort(compareJobs);
}

export interface Page {
  rows: Job[];
  /** 0-based, clamped to the pages there are. */
  index: number;
  count: number;
  first: number;
  last: number;
  total: number;
}

/** One page of rows: the table renders only these, however long the queue is. */
export function pageOf(jobs: Job[], index: number, size = PAGE_SIZE): Page {
  const count = Math.max(1, Math.ceil(jobs.length / size));
  const clamped = Math.min(Math.max(0, Math.floor(index)), count - 1);
  const rows = jobs.slice(clamped * size, clamped * size + size);
  return { rows, index: clamped, count, first: rows.length ? clamped * size + 1 : 0, last: clamped * size + rows.length, total: jobs.length };
}

export function countByStatus(jobs: Record<string, Job>): Record<JobStatus, number> {
  const counts: Record<JobStatus, number> = { running: 0, blocked: 0, queued: 0, paused: 0, done: 0, failed: 0, canceled: 0 };
  for (const job of Object.values(jobs)) counts[job.status]++;
  return counts;
}

/** "8 s", "2 min 05 s", "1 h 03 min". */
export function formatSeconds(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}

export function formatMs(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

/** What a waiting job's blocked-by text and time say, e.g. "video_export: circuit open · 12 s". */
export function blockedCountdown(job: Pick<Job, 'blockedUntil'>, now: number): string | null {
  if (job.blockedUntil === null) return null;
  const left = (job.blockedUntil - now) / 1000;
  return left > 0 ? `next try in ${formatSeconds(Math.ceil(left))}` : 'trying again now';
}

export const STATUS_LABEL: Record<JobStatus, { icon: string; label: string }> = {
  running: { icon: '▶', label: 'Running' },
  blocked: { icon: '◷', label: 'Blocked' },
  queued: { icon: '○', label: 'Queued' },
  paused: { icon: '❚❚', label: 'Paused' },
  done: { icon: '✔', label: 'Done' },
  failed: { icon: '✖', label: 'Failed' },
  canceled: { icon: '⊘', label: 'Canceled' },
};

/** What an operator may do with a job in each status (the host's transitions, so buttons never offer a refusal). */
export function actionsFor(status: JobStatus): { pause: boolean; resume: boolean; cancel: boolean; retry: boolean; move: boolean; priority: boolean } {
  return {
    pause: status === 'queued' || status === 'blocked' || status === 'running',
    resume: status === 'paused',
    cancel: status === 'queued' || status === 'paused' || status === 'blocked' || status === 'running',
    retry: status === 'failed' || status === 'canceled',
    move: status === 'queued' || status === 'paused',
    priority: status === 'queued' || status === 'paused' || status === 'blocked' || status === 'running',
  };
}
