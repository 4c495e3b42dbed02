/**
 * The circuits' Prometheus metrics, under resilience4j's names and labels (see metrics.ts for what
 * each means and what is left out), for whoever has circuits: the studio's /metrics and a render
 * node's. Every metric is refilled at scrape time from `circuits()`, reset first, so that circuits
 * that disappear take their series with them.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { CircuitStats } from '../breaker/types.ts';

/** resilience4j's states; metrics_only never applies to us and is always 0, as resilience4j shows an unused state. */
const STATES = ['closed', 'open', 'half_open', 'forced_open', 'disabled', 'metrics_only'] as const;

export type Fill<L extends string> = (set: (labels: Record<L, string>, value: number) => void) => void;

/** Gauges and counters registered on `registry` and refilled at every scrape by their `fill`. */
export function metricMakers(registry: Registry) {
  /**
   * What every metric here shares: registered once, and refilled on every scrape,
   * reset first, so that circuits that disappear take their series with them.
   */
  const refilled = <L extends string, M extends { reset(): void }>(name: string, help: string, labelNames: readonly L[], fill: Fill<L>, put: (metric: M, labels: Record<L, string>, value: number) => void) => ({
    name,
    help,
    labelNames,
    registers: [registry],
    collect(this: M) {
      this.reset();
      fill((labels, value) => put(this, labels, value));
    },
  });
  const gauge = <L extends string>(name: string, help: string, labelNames: readonly L[], fill: Fill<L>) =>
    new Gauge<L>(refilled(name, help, labelNames, fill, (metric: Gauge<L>, labels, value) => metric.set(labels, value)));
  /** A counter mirrored from a running total the breaker keeps: reset, then raised to that total. */
  const counter = <L extends string>(name: string, help: string, labelNames: readonly L[], fill: Fill<L>) =>
    new Counter<L>(refilled(name, help, labelNames, fill, (metric: Counter<L>, labels, value) => metric.inc(labels, value)));

  return { gauge, counter };
}

/** Every circuit metric, read from `circuits()` at scrape time. */
export function addCircuitMetrics(registry: Registry, circuits: () => CircuitStats[]): void {
  const eachCircuit = (f: (c: CircuitStats) => void) => circuits().forEach(f);
  const { gauge, counter } = metricMakers(registry);

  gauge('resilience4j_circuitbreaker_state', 'The states of the circuit breaker: 1 for the current one, 0 for the others', ['name', 'state'], (set) =>
    eachCircuit((c) => STATES.forEach((state) => set({ name: c.name, state }, c.state === state ? 1 : 0))),
  );
  counter('resilience4j_circuitbreaker_calls_seconds_count', 'Calls that ended, by outcome (ignored: not counted for or against the circuit)', ['name', 'kind'], (set) =>
    eachCircuit((c) => {
      set({ name: c.name, kind: 'successful' }, c.stats.successful_requests);
      set({ name: c.name, kind: 'failed' }, c.stats.failed_requests);
      set({ name: c.name, kind: 'ignored' }, c.stats.ignored_errors + c.stats.canceled);
    }),
  );
  counter('resilience4j_circuitbreaker_calls_seconds_sum', 'Summed duration of calls that ended, by outcome, in seconds', ['name', 'kind'], (set) =>
    eachCircuit((c) => {
      set({ name: c.name, kind: 'successful' }, c.stats.call_seconds_total.successful);
      set({ name: c.name, kind: 'failed' }, c.stats.call_seconds_total.failed);
    }),
  );
  counter('resilience4j_circuitbreaker_calls_seconds_bucket', 'Calls that ended at most `le` seconds after they began, by outcome, since start', ['name', 'kind', 'le'], (set) =>
    eachCircuit((c) => {
      const { bounds_ms: bounds, successful, failed } = c.stats.latency_histogram;
      const les = [...bounds.map((ms) => String(ms / 1000)), '+Inf'];
      les.forEach((le, i) => {
        set({ name: c.name, kind: 'successful', le }, successful[i] ?? 0);
        set({ name: c.name, kind: 'failed', le }, failed[i] ?? 0);
      });
    }),
  );
  counter('resilience4j_circuitbreaker_not_permitted_calls_total', 'Calls turned away without running', ['name', 'kind'], (set) =>
    eachCircuit((c) => set({ name: c.name, kind: 'not_permitted' }, c.stats.rejected_requests)),
  );
  gauge('resilience4j_circuitbreaker_failure_rate', 'Failed calls in the sliding window, in percent; -1 while the window holds no calls', ['name'], (set) =>
    eachCircuit((c) => {
      const { successes, failures } = c.stats.window;
      set({ name: c.name }, successes + failures === 0 ? -1 : (failures / (successes + failures)) * 100);
    }),
  );
  gauge('resilience4j_circuitbreaker_buffered_calls', 'Calls in the sliding window, by outcome', ['name', 'kind'], (set) =>
    eachCircuit((c) => {
      set({ name: c.name, kind: 'successful' }, c.stats.window.successes);
      set({ name: c.name, kind: 'failed' }, c.stats.window.failures);
    }),
  );
  gauge('resilience4j_circuitbreaker_max_buffered_calls', 'The span of the time-based sliding window, in seconds: it holds every call of that span, so it has no capacity in calls', ['name'], (set) =>
    eachCircuit((c) => set({ name: c.name }, c.stats.window.seconds)),
  );
  // As resilience4j: the slow calls of the sliding window by outcome, and their share of its calls.
  gauge('resilience4j_circuitbreaker_slow_calls', 'Calls in the sliding window slower than expected (or than the slow-call threshold), by outcome', ['name', 'kind'], (set) =>
    eachCircuit((c) => {
      set({ name: c.name, kind: 'successful' }, c.stats.window.slow_successes);
      set({ name: c.name, kind: 'failed' }, c.stats.window.slow_failures);
    }),
  );
  gauge('resilience4j_circuitbreaker_slow_call_rate', 'Slow calls in the sliding window, in percent; -1 while the window holds no calls', ['name'], (set) =>
    eachCircuit((c) => {
      const { successes, failures, slow } = c.stats.window;
      set({ name: c.name }, successes + failures === 0 ? -1 : (slow / (successes + failures)) * 100);
    }),
  );
  gauge('resilience4j_bulkhead_available_concurrent_calls', 'Concurrency slots free now', ['name'], (set) =>
    eachCircuit((c) => set({ name: c.name }, Math.max(0, c.config.max_concurrent - c.stats.concurrent_requests))),
  );
  gauge('resilience4j_bulkhead_max_allowed_concurrent_calls', 'Concurrency slots in all', ['name'], (set) =>
    eachCircuit((c) => set({ name: c.name }, c.config.max_concurrent)),
  );
  counter('storycore_circuit_timeouts_total', 'Calls that ran past their deadline and were aborted', ['name'], (set) =>
    eachCircuit((c) => set({ name: c.name }, c.stats.timeouts)),
  );
}
