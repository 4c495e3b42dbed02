/**
 * Prometheus metrics, read from the studio at scrape time. Circuit metrics use the names and labels
 * of resilience4j's Micrometer binding, so dashboards built for resilience4j work unchanged.
 *
 * calls_seconds_sum is exported for successful and failed calls, whose durations the breaker sums;
 * ignored calls (canceled, or not the circuit's business) have no duration kept, so no sum. Not
 * exported: _max, which the breaker does not track; a made-up figure would be worse than none.
 *
 * calls_seconds_bucket comes from the breaker's all-time fixed buckets (1 ms to 600 s), cumulative
 * since the breaker began as Prometheus expects, so histogram_quantile works on it; its +Inf bucket
 * equals calls_seconds_count for the same kind. _bucket, _sum and _count stay three counter families
 * (not one histogram family) because the ignored kind has a count but no durations.
 *
 * max_buffered_calls: resilience4j's was the capacity of its count-based ring buffer, in calls (a
 * gauge labelled by name only); resilience4j dropped the figure when it added time-based windows,
 * yet its dashboard still plots it. Our window is time-based (every call of the last
 * `window.seconds`, however many), so it has no capacity in calls. We report what sizes it: its
 * span in seconds, said so in the help text; it is not a ceiling of buffered_calls.
 *
 * retry_calls_total: one count per stage task that went through the engine's retry loop, by
 * resilience4j's four kinds; the retry's name is the stage's.
 */
import { Registry, collectDefaultMetrics } from 'prom-client';
import { type CircuitStats, JOB_STATUSES, type JobStatus } from '../../src-preload/contract.ts';
import { RETRY_KINDS, type RetryStats } from '../engine/retry-tally.ts';
import { addCircuitMetrics, metricMakers } from './circuit-metrics.ts';
import { addFarmMetrics } from './farm-metrics.ts';
import type { StudioPort } from './studio-port.ts';

export function createMetricsRegistry(studio: StudioPort): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'storycore_' });

  // One read of the studio per scrape, shared by every metric's collect (they run back to back).
  let cached: { circuits: CircuitStats[]; queue: Record<JobStatus, number>; retries: RetryStats } | null = null;
  const read = () => {
    if (cached === null) {
      cached = { circuits: Object.values(studio.circuitStats()), queue: studio.queueCounts(), retries: studio.retryStats?.() ?? {} };
      setImmediate(() => (cached = null));
    }
    return cached;
  };

  addCircuitMetrics(registry, () => read().circuits);
  const { gauge, counter } = metricMakers(registry);

  counter('resilience4j_retry_calls_total', 'Stage tasks through the retry loop, by whether they succeeded and whether they were retried', ['name', 'kind'], (set) => {
    for (const [name, counts] of Object.entries(read().retries)) for (const kind of RETRY_KINDS) set({ name, kind }, counts[kind]);
  });
  gauge('storycore_queue_jobs', 'Render jobs by status', ['status'], (set) => {
    const queue = read().queue;
    for (const status of JOB_STATUSES) set({ status }, queue[status] ?? 0);
  });
  if (studio.nodes) addFarmMetrics(registry, studio.nodes);
  return registry;
}
