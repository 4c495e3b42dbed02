/**
 * What Reset and Resume will do, worked out from the store before the operator commits: Reset
 * re-arms every circuit that is not closed and clears the latched stop; Resume starts queued jobs in
 * the scheduler's order (priority, then position, then age).
 */
import type { CircuitStats, Job, QueueState } from '../../../src-preload/contract.ts';

export interface ResetPlan {
  /** Circuits reset will close, trouble first; closed ones are left out (reset changes nothing there). */
  rearm: { name: string; state: CircuitStats['state'] }[];
  /** Whether the latched emergency stop is set, so reset clears it. */
  clearsStop: boolean;
  /** Reset never starts work: a paused queue stays paused until Resume. */
  queueStaysPaused: boolean;
}

const RANK: Record<CircuitStats['state'], number> = { forced_open: 0, open: 1, half_open: 2, disabled: 3, closed: 4 };

export function resetPlan(circuits: Record<string, CircuitStats>, queue: QueueState): ResetPlan {
  const rearm = Object.values(circuits)
    .filter((c) => c.state !== 'closed')
    .sort((a, b) => RANK[a.state] - RANK[b.state] || a.name.localeCompare(b.name))
    .map((c) => ({ name: c.name, state: c.state }));
  return { rearm, clearsStop: queue.stopped !== null, queueStaysPaused: queue.paused };
}

export interface ResumePlan {
  queued: number;
  /** The first few jobs that will start, in the scheduler's order. */
  next: Pick<Job, 'id' | 'shotId'>[];
}

export function resumePlan(jobs: Record<string, Job>, limit = 3): ResumePlan {
  const queued = Object.values(jobs)
    .filter((j) => j.status === 'queued')
    .sort((a, b) => b.priority - a.priority || a.position - b.position || a.createdAt - b.createdAt);
  return { queued: queued.length, next: queued.slice(0, limit).map((j) => ({ id: j.id, shotId: j.shotId })) };
}

/** One line for the control bar; a string, so a store selector returning it re-renders only when it changes. */
export function describeResume(plan: ResumePlan): string {
  if (plan.queued === 0) return 'nothing queued';
  const names = plan.next.map((j) => j.shotId).join(', ');
  return `${plan.queued} queued: ${names}${plan.queued > plan.next.length ? ', …' : ''}`;
}
