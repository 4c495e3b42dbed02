/**
 * How each stage's retry loop ended, counted the way resilience4j's Retry counts its calls, so
 * `resilience4j_retry_calls_total{kind}` means here what it means on resilience4j's dashboard:
 * one count per task that went through the loop, by whether it succeeded and whether it needed a
 * retry. Attempts inside the loop are the circuits' business and are counted there.
 */
import { STAGES } from './tasks.ts';

/** resilience4j's four kinds, in its own words. */
export const RETRY_KINDS = ['successful_without_retry', 'successful_with_retry', 'failed_with_retry', 'failed_without_retry'] as const;
export type RetryKind = (typeof RETRY_KINDS)[number];

export interface RetryOutcome {
  /** The retry's name: the stage whose loop it was (resilience4j names a Retry per use). */
  name: string;
  ok: boolean;
  /** Attempts the loop made, the first one included: 1 means no retry. */
  attempts: number;
}

export type RetryStats = Record<string, Record<RetryKind, number>>;

const zeros = (): Record<RetryKind, number> => ({ successful_without_retry: 0, successful_with_retry: 0, failed_with_retry: 0, failed_without_retry: 0 });

export function retryKindOf(outcome: Pick<RetryOutcome, 'ok' | 'attempts'>): RetryKind {
  const retried = outcome.attempts > 1;
  if (outcome.ok) return retried ? 'successful_with_retry' : 'successful_without_retry';
  return retried ? 'failed_with_retry' : 'failed_without_retry';
}

export class RetryTally {
  private readonly counts = new Map<string, Record<RetryKind, number>>();

  /**
   * Starts with every stage at zero, as resilience4j registers a Retry's counters when it is made:
   * a scrape shows the retries before any has ended, and rate() has a series to work on.
   */
  constructor(names: readonly string[] = STAGES) {
    for (const name of names) this.counts.set(name, zeros());
  }

  record(outcome: RetryOutcome): void {
    let counts = this.counts.get(outcome.name);
    if (counts === undefined) this.counts.set(outcome.name, (counts = zeros()));
    counts[retryKindOf(outcome)]++;
  }

  /** A copy: the caller may keep it while the counts go on. */
  snapshot(): RetryStats {
    return Object.fromEntries([...this.counts].map(([name, counts]) => [name, { ...counts }]));
  }
}
