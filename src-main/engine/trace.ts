/** A shot's pipeline trace, kept in its sidecar: what ran, how often, what degraded and why. */
import type { ChaosRule } from './chaos.ts';
import type { StageName } from './tasks.ts';

export interface AttemptRecord {
  stage: StageName;
  circuit: string;
  attempt: number;
  detail?: string;
  startedAt: number;
  elapsedMs: number;
  outcome: 'ok' | 'failed';
  error?: string;
  chaos?: string;
}

export interface Degradation {
  stage: StageName;
  from: string;
  to: string;
  reason: string;
  at: number;
}

export class ShotTrace {
  readonly chaos: ChaosRule[];
  readonly attempts: AttemptRecord[] = [];
  readonly degradations: Degradation[] = [];
  fanOut: 'parallel' | 'sequential' = 'parallel';
  interpolation: { requested: string; used: string };

  constructor(chaos: ChaosRule[], requested: string) {
    this.chaos = chaos;
    this.interpolation = { requested, used: requested };
  }

  attempt(record: AttemptRecord): void {
    this.attempts.push(record);
  }

  /** Wall time spent in each stage's attempts, ms (parallel segments overlap, so this is summed work). */
  stageTimings(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const a of this.attempts) out[a.stage] = (out[a.stage] ?? 0) + a.elapsedMs;
    return out;
  }

  toJSON() {
    return {
      chaos: this.chaos,
      fanOut: this.fanOut,
      interpolation: this.interpolation,
      degradations: this.degradations,
      attempts: this.attempts,
      stageTimingsMs: this.stageTimings(),
    };
  }
}
