import { describe, expect, it } from 'vitest';
import type { AuditEntry, CircuitStats, Job } from '../../src-preload/contract.ts';
import { describeResume, resetPlan, resumePlan } from '../../src-renderer/src/controls/plans.ts';
import { describeAudit } from '../../src-renderer/src/history/audit.ts';

const circuit = (name: string, state: CircuitStats['state']) => ({ name, state }) as CircuitStats;
const job = (id: string, status: Job['status'], priority = 0, position = 0, createdAt = 0) => ({ id, shotId: `shot_${id}`, status, priority, position, createdAt }) as Job;

describe('resetPlan', () => {
  it('lists every circuit reset will close, trouble first, and whether the latched stop clears', () => {
    const circuits = { a: circuit('a', 'closed'), b: circuit('b', 'open'), c: circuit('c', 'forced_open'), d: circuit('d', 'half_open') };
    const plan = resetPlan(circuits, { paused: true, stopped: { at: 1, scope: 'immediate', reason: 'x' } });
    expect(plan.rearm).toEqual([
      { name: 'c', state: 'forced_open' },
      { name: 'b', state: 'open' },
      { name: 'd', state: 'half_open' },
    ]);
    expect(plan).toMatchObject({ clearsStop: true, queueStaysPaused: true });
    expect(resetPlan({ a: circuit('a', 'closed') }, { paused: false, stopped: null })).toEqual({ rearm: [], clearsStop: false, queueStaysPaused: false });
  });
});

describe('resumePlan', () => {
  it('names the queued jobs in the scheduler order: priority, then position, then age', () => {
    const jobs = Object.fromEntries(
      [job('low', 'queued', 0, 1), job('high', 'queued', 5, 9), job('first', 'queued', 0, 0, 5), job('done', 'done', 99), job('paused', 'paused', 99), job('older', 'queued', 0, 0, 1)].map((j) => [j.id, j]),
    );
    const plan = resumePlan(jobs, 3);
    expect(plan.queued).toBe(4);
    expect(plan.next.map((j) => j.id)).toEqual(['high', 'older', 'first']);
    expect(describeResume(plan)).toBe('4 queued: shot_high, shot_older, shot_first, …');
    expect(describeResume(resumePlan({}))).toBe('nothing queued');
  });
});

describe('describeAudit', () => {
  const entry = (action: string, detail: Record<string, unknown>): AuditEntry => ({ id: 1, at: 1, actor: 'ops', action, reason: null, detail });

  it('shows a config change as old → new for each field that changed', () => {
    const d = describeAudit(entry('configure_circuit', { circuit: 'video_export', from: { timeoutMs: 300000, maxConcurrent: 1 }, to: { timeoutMs: 1500, maxConcurrent: 1 } }));
    expect(d.changes).toEqual([{ field: 'timeoutMs', from: '300000', to: '1500' }]);
    expect(d.notes).toEqual(['circuit: video_export']);
  });

  it('reads drills as stage=mode and an empty list as none', () => {
    expect(describeAudit(entry('set_chaos', { from: [], to: [{ stage: 'interpolation', mode: 'hang', times: 2 }] })).changes).toEqual([{ field: 'drill', from: 'none', to: 'interpolation=hang:2' }]);
  });

  it('lists other details as notes', () => {
    expect(describeAudit(entry('emergency_stop', { scope: 'immediate', jobs: ['j1'] }))).toEqual({ changes: [], notes: ['scope: immediate', 'jobs: j1'] });
  });
});
