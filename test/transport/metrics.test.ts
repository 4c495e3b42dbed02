import { describe, expect, it } from 'vitest';
import { CircuitManager, ManualScheduler } from '../../src-main/breaker/index.ts';
import { createMetricsRegistry } from '../../src-main/transport/metrics.ts';
import { callTaking } from '../breaker/helpers.ts';
import { FakeStudio } from './fake-studio.ts';
import { bearer, raw, serve } from './helpers.ts';

const config = { failureThreshold: 2, recoveryTimeoutMs: 1000, successThreshold: 1, timeoutMs: 100, maxConcurrent: 3 };

/** A studio whose circuits are a real CircuitManager on a hand-driven clock. */
function studioWithCircuits() {
  const scheduler = new ManualScheduler();
  const manager = new CircuitManager({ scheduler, circuits: { video_export: config, video_interpolation: config } });
  const studio = new FakeStudio();
  studio.circuits = () => manager.stats();
  studio.counts = { queued: 4, running: 1 };
  return { manager, scheduler, studio };
}

/** The value of one sample, found by its exact name and labels as Prometheus would print them. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('metrics', () => {
  it('shows a real breaker under resilience4j names and labels', async () => {
    const { manager, scheduler, studio } = studioWithCircuits();
    const exportCircuit = manager.getBreaker('video_export');
    await exportCircuit.execute(() => 'ok');
    await exportCircuit.execute(() => 'ok');
    await exportCircuit.execute(() => Promise.reject(new Error('encode failed'))).catch(() => {});
    const slow = exportCircuit.execute(() => new Promise(() => {})).catch(() => {});
    scheduler.advance(150); // the hung call times out: the second failure opens the circuit
    await slow;
    await exportCircuit.execute(() => 'never runs').catch(() => {});
    const running = manager.getBreaker('video_interpolation').execute(() => new Promise(() => {}));
    running.catch(() => {});
    expect(exportCircuit.stats().state).toBe('open');

    const { port, token } = await serve({ studio });
    const res = await raw(port, '/metrics', { headers: bearer(token) });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    const text = res.body;
    const m = (series: string) => sample(text, series);

    expect(m('resilience4j_circuitbreaker_state{name="video_export",state="open"}')).toBe(1);
    for (const state of ['closed', 'half_open', 'forced_open', 'disabled', 'metrics_only']) {
      expect(m(`resilience4j_circuitbreaker_state{name="video_export",state="${state}"}`), state).toBe(0);
    }
    expect(m('resilience4j_circuitbreaker_state{name="video_interpolation",state="closed"}')).toBe(1);
    expect(m('resilience4j_circuitbreaker_calls_seconds_count{name="video_export",kind="successful"}')).toBe(2);
    expect(m('resilience4j_circuitbreaker_calls_seconds_count{name="video_export",kind="failed"}')).toBe(2);
    expect(m('resilience4j_circuitbreaker_calls_seconds_count{name="video_export",kind="ignored"}')).toBe(0);
    expect(m('resilience4j_circuitbreaker_not_permitted_calls_total{name="video_export",kind="not_permitted"}')).toBe(1);
    expect(m('resilience4j_circuitbreaker_failure_rate{name="video_export"}')).toBe(50);
    expect(m('resilience4j_circuitbreaker_failure_rate{name="video_interpolation"}')).toBe(-1);
    expect(m('resilience4j_circuitbreaker_buffered_calls{name="video_export",kind="successful"}')).toBe(2);
    expect(m('resilience4j_circuitbreaker_buffered_calls{name="video_export",kind="failed"}')).toBe(2);
    expect(m('resilience4j_bulkhead_max_allowed_concurrent_calls{name="video_interpolation"}')).toBe(3);
    expect(m('resilience4j_bulkhead_available_concurrent_calls{name="video_interpolation"}')).toBe(2);
    expect(m('storycore_circuit_timeouts_total{name="video_export"}')).toBe(1);
    expect(m('storycore_queue_jobs{status="queued"}')).toBe(4);
    expect(m('storycore_queue_jobs{status="canceled"}')).toBe(0);
    expect(text).toMatch(/^# TYPE resilience4j_circuitbreaker_calls_seconds_count counter$/m);
    expect(text).toMatch(/^storycore_process_cpu_user_seconds_total \d/m);
    // The hung call failed at its 100 ms deadline (manual clock); the others took no time.
    expect(m('resilience4j_circuitbreaker_calls_seconds_sum{name="video_export",kind="failed"}')).toBeCloseTo(0.1);
    expect(m('resilience4j_circuitbreaker_calls_seconds_sum{name="video_export",kind="successful"}')).toBe(0);
    expect(text).not.toContain('resilience4j_circuitbreaker_calls_seconds_sum{name="video_export",kind="ignored"}');
  });

  it('shows slow calls by outcome and the slow-call rate of the window, as resilience4j does', async () => {
    const { manager, scheduler, studio } = studioWithCircuits();
    const exportCircuit = manager.getBreaker('video_export');
    /** A call that takes `ms` on the hand-driven clock, expected to take 10 ms (slow past 20 ms). */
    const taking = (ms: number, fails = false) => callTaking(exportCircuit, scheduler, ms, fails, { expectedMs: 10 });
    await taking(5);
    await taking(30);
    await taking(25, true);
    await taking(15, true);
    const text = await createMetricsRegistry(studio).metrics();
    const m = (series: string) => sample(text, series);
    expect(m('resilience4j_circuitbreaker_slow_calls{name="video_export",kind="successful"}')).toBe(1);
    expect(m('resilience4j_circuitbreaker_slow_calls{name="video_export",kind="failed"}')).toBe(1);
    expect(m('resilience4j_circuitbreaker_slow_call_rate{name="video_export"}')).toBe(50);
    expect(m('resilience4j_circuitbreaker_slow_call_rate{name="video_interpolation"}')).toBe(-1);
    expect(m('resilience4j_circuitbreaker_slow_calls{name="video_interpolation",kind="failed"}')).toBe(0);
    expect(text).toMatch(/^# TYPE resilience4j_circuitbreaker_slow_calls gauge$/m);
    // Slow is counted, not failed: the failure rate sees only the two failures.
    expect(m('resilience4j_circuitbreaker_failure_rate{name="video_export"}')).toBe(50);
  });

  it('reads the studio afresh on each scrape: a forced-open circuit shows at once', async () => {
    const { manager, studio } = studioWithCircuits();
    const registry = createMetricsRegistry(studio);
    const before = await registry.metrics();
    expect(sample(before, 'resilience4j_circuitbreaker_state{name="video_export",state="closed"}')).toBe(1);
    manager.forceOpenAll('drill');
    await new Promise((r) => setImmediate(r));
    const after = await registry.metrics();
    expect(sample(after, 'resilience4j_circuitbreaker_state{name="video_export",state="forced_open"}')).toBe(1);
    expect(sample(after, 'resilience4j_circuitbreaker_state{name="video_export",state="closed"}')).toBe(0);
  });

  it('exports the latency histogram as cumulative buckets whose +Inf matches the count', async () => {
    const { manager, scheduler, studio } = studioWithCircuits();
    const exportCircuit = manager.getBreaker('video_export');
    const taking = (ms: number, fails = false) => callTaking(exportCircuit, scheduler, ms, fails);
    await taking(3);
    await taking(40);
    await taking(60, true);
    const text = await createMetricsRegistry(studio).metrics();
    const m = (series: string) => sample(text, series);
    const bucket = (kind: string, le: string) => m(`resilience4j_circuitbreaker_calls_seconds_bucket{name="video_export",kind="${kind}",le="${le}"}`);
    expect(bucket('successful', '0.001')).toBe(0);
    expect(bucket('successful', '0.005')).toBe(1);
    expect(bucket('successful', '0.05')).toBe(2);
    expect(bucket('successful', '600')).toBe(2);
    expect(bucket('successful', '+Inf')).toBe(m('resilience4j_circuitbreaker_calls_seconds_count{name="video_export",kind="successful"}'));
    expect(bucket('failed', '0.05')).toBe(0);
    expect(bucket('failed', '0.1')).toBe(1);
    expect(bucket('failed', '+Inf')).toBe(m('resilience4j_circuitbreaker_calls_seconds_count{name="video_export",kind="failed"}'));
    expect(m('resilience4j_circuitbreaker_calls_seconds_sum{name="video_export",kind="failed"}')).toBeCloseTo(0.06);
    expect(m('resilience4j_circuitbreaker_calls_seconds_bucket{name="video_interpolation",kind="failed",le="+Inf"}')).toBe(0);
    expect(text).not.toMatch(/calls_seconds_bucket\{[^}]*kind="ignored"/);
    // Every circuit and outcome has the same 19 buckets, in rising order of le.
    expect(text.match(/^resilience4j_circuitbreaker_calls_seconds_bucket\{name="video_export",kind="successful"/gm)).toHaveLength(19);
  });

  it('shows the window size as max_buffered_calls and the retry outcomes by kind', async () => {
    const { studio } = studioWithCircuits();
    studio.retries = {
      export: { successful_without_retry: 5, successful_with_retry: 2, failed_with_retry: 1, failed_without_retry: 0 },
      interpolation: { successful_without_retry: 0, successful_with_retry: 0, failed_with_retry: 0, failed_without_retry: 3 },
    };
    const text = await createMetricsRegistry(studio).metrics();
    const m = (series: string) => sample(text, series);
    expect(m('resilience4j_circuitbreaker_max_buffered_calls{name="video_export"}')).toBe(60);
    expect(m('resilience4j_retry_calls_total{name="export",kind="successful_without_retry"}')).toBe(5);
    expect(m('resilience4j_retry_calls_total{name="export",kind="successful_with_retry"}')).toBe(2);
    expect(m('resilience4j_retry_calls_total{name="export",kind="failed_with_retry"}')).toBe(1);
    expect(m('resilience4j_retry_calls_total{name="export",kind="failed_without_retry"}')).toBe(0);
    expect(m('resilience4j_retry_calls_total{name="interpolation",kind="failed_without_retry"}')).toBe(3);
    expect(text).toMatch(/^# TYPE resilience4j_retry_calls_total counter$/m);
  });

  it('answers 500 without crashing when the studio cannot be read', async () => {
    const studio = new FakeStudio();
    studio.circuits = () => {
      throw new Error('host gone');
    };
    const { port, token } = await serve({ studio });
    expect((await raw(port, '/metrics', { headers: bearer(token) })).status).toBe(500);
    expect((await raw(port, '/api/health', { headers: bearer(token) })).status).toBe(200);
  });
});
