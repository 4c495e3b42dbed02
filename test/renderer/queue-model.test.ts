import { describe, expect, it } from 'vitest';
import type { Job } from '../../src-preload/contract.ts';
import { actionsFor, blockedCountdown, compareJobs, formatSeconds, pageOf, visibleJobs } from '../../src-renderer/src/queue/queue-model.ts';

let n = 0;
function job(over: Partial<Job>): Job {
  n++;
  return {
    id: `j${n}`,
    projectName: 'p',
    shotId: `s${n}`,
    status: 'queued',
    priority: 0,
    position: n,
    attempts: 0,
    quality: 'draft',
    stage: null,
    progress: 0,
    etaSeconds: null,
    estimateSeconds: null,
    blockedBy: null,
    blockedUntil: null,
    createdAt: n,
    updatedAt: n,
    startedAt: null,
    finishedAt: null,
    output: null,
    sidecar: null,
    error: null,
    ...over,
  };
}

describe('queue order', () => {
  it('shows working jobs first, then waiting ones in run order (paused keep their place), then finished ones newest first', () => {
    const jobs = [
      job({ id: 'done-old', status: 'done', finishedAt: 100 }),
      job({ id: 'queued-low', status: 'queued', priority: 0, position: 1 }),
      job({ id: 'paused-high', status: 'paused', priority: 5, position: 9 }),
      job({ id: 'running', status: 'running', startedAt: 50 }),
      job({ id: 'failed-new', status: 'failed', finishedAt: 300 }),
      job({ id: 'queued-low-later', status: 'queued', priority: 0, position: 2 }),
      job({ id: 'blocked-earlier', status: 'blocked', startedAt: 10 }),
    ];
    expect([...jobs].sort(compareJobs).map((j) => j.id)).toEqual(['blocked-earlier', 'running', 'paused-high', 'queued-low', 'queued-low-later', 'failed-new', 'done-old']);
  });

  it('filters by status group', () => {
    const jobs = Object.fromEntries([job({ status: 'done' }), job({ status: 'failed' }), job({ status: 'queued' }), job({ status: 'canceled' })].map((j) => [j.id, j]));
    expect(visibleJobs(jobs, 'all')).toHaveLength(4);
    expect(visibleJobs(jobs, 'problems').map((j) => j.status).sort()).toEqual(['canceled', 'failed']);
    expect(visibleJobs(jobs, 'active').map((j) => j.status)).toEqual(['queued']);
  });
});

describe('pages', () => {
  it('renders at most a page of a thousand jobs, and clamps a page past the end', () => {
    const jobs = Array.from({ length: 1000 }, () => job({}));
    const first = pageOf(jobs, 0);
    expect(first).toMatchObject({ index: 0, count: 20, first: 1, last: 50, total: 1000 });
    expect(first.rows).toHaveLength(50);
    expect(pageOf(jobs, 19).rows[49]).toBe(jobs[999]);
    expect(pageOf(jobs, 99)).toMatchObject({ index: 19, first: 951, last: 1000 });
    expect(pageOf([], 3)).toMatchObject({ index: 0, count: 1, first: 0, last: 0, total: 0, rows: [] });
  });
});

describe('times and actions', () => {
  it('reads durations and countdowns the way an operator says them', () => {
    expect(formatSeconds(8.4)).toBe('8 s');
    expect(formatSeconds(125)).toBe('2 min 05 s');
    expect(formatSeconds(3780)).toBe('1 h 03 min');
    expect(blockedCountdown({ blockedUntil: 10_500 }, 1_000)).toBe('next try in 10 s');
    expect(blockedCountdown({ blockedUntil: 1_000 }, 2_000)).toBe('trying again now');
    expect(blockedCountdown({ blockedUntil: null }, 0)).toBeNull();
  });

  it('offers only what the host accepts in each status', () => {
    expect(actionsFor('running')).toMatchObject({ pause: true, cancel: true, move: false, retry: false, resume: false });
    expect(actionsFor('paused')).toMatchObject({ resume: true, move: true, pause: false });
    expect(actionsFor('done')).toEqual({ pause: false, resume: false, cancel: false, retry: false, move: false, priority: false });
    expect(actionsFor('failed')).toMatchObject({ retry: true, cancel: false });
  });
});
