/**
 * Scenario 8: the wall clock jumping (NTP step, a user changing the time, a VM resumed), acted out
 * by moving Date.now in the host process by an hour either way while the monotonic clock
 * (performance.now) and the real timers run on.
 * Must hold: deadlines and recovery times follow the monotonic clock, so a jump neither times a call
 * out early nor late, neither skips an open circuit's recovery time nor stalls it; half-open admits
 * its probe; and a render running across jumps completes with no circuit counting a failure, its
 * progress still written, its measured durations and ETA not made negative or huge by the jump.
 */
import { readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Job, Snapshot } from '../../src-preload/contract.ts';
import { CircuitBreaker, CircuitTimeoutError } from '../../src-main/breaker/index.ts';
import { EventBus } from '../../src-main/host/event-bus.ts';
import { project, shot } from './support/projects.ts';
import { type ChaosStudio, expectQueueIntact, openChaosStudio } from './support/studio.ts';
import { monotonic, sleep, waitFor, withinBound } from './support/timing.ts';

const SCENARIO = '8 clock jumps';
const HOUR = 3_600_000;
/** Timer lateness allowed on a busy 2-core machine. */
const TIMER_GRACE_MS = 1000;

const realNow = Date.now.bind(Date);
let offset = 0;
const jump = (ms: number) => {
  offset += ms;
};
beforeAll(() => {
  Date.now = () => realNow() + offset;
});
afterEach(() => {
  offset = 0;
});
afterAll(() => {
  Date.now = realNow;
});

let chaos: ChaosStudio | undefined;
afterEach(async () => {
  await chaos?.dispose();
  chaos = undefined;
});

const config = { failureThreshold: 1, recoveryTimeoutMs: 800, successThreshold: 1, timeoutMs: 600, maxConcurrent: 2 };

describe('chaos 8: wall-clock jumps', () => {
  it('a call times out at its deadline, not earlier after a jump forward nor later after a jump back', async () => {
    const breaker = new CircuitBreaker('clock_timeout', { ...config, failureThreshold: 5 });
    const started = monotonic();
    const hung = breaker.execute((ctx) => new Promise((resolve) => ctx.signal.addEventListener('abort', resolve)));
    await sleep(100);
    jump(+HOUR);
    await sleep(100);
    expect(breaker.stats().stats.concurrent_requests, 'still running after a jump forward').toBe(1);
    jump(-2 * HOUR);
    const error = await hung.then(
      () => undefined,
      (e: unknown) => e,
    );
    const ms = monotonic() - started;
    expect(error).toBeInstanceOf(CircuitTimeoutError);
    expect(ms).toBeGreaterThanOrEqual(config.timeoutMs - 5);
    withinBound(SCENARIO, `timeout of ${config.timeoutMs} ms across ±1 h jumps`, ms, config.timeoutMs + TIMER_GRACE_MS);
    expect(breaker.stats()).toMatchObject({ state: 'closed', stats: { failed_requests: 1, timeouts: 1 } });

    // A call that ends in time is a success whatever the wall clock did meanwhile.
    const quick = breaker.execute(async () => {
      jump(+HOUR);
      await sleep(200);
      return 'ok';
    });
    await expect(quick).resolves.toBe('ok');
    expect(breaker.stats()).toMatchObject({ state: 'closed', stats: { successful_requests: 1, timeouts: 1 } });
  });

  it('an open circuit waits its recovery time: a jump forward does not skip it, a jump back does not stall it; the probe closes it', async () => {
    const breaker = new CircuitBreaker('clock_recovery', config);
    const states: string[] = [];
    breaker.on('state_change', (e) => states.push(e.to));
    await breaker.execute(() => Promise.reject(new Error('boom'))).catch(() => {});
    const openedAt = monotonic();
    expect(breaker.state).toBe('open');

    jump(+HOUR);
    await sleep(100);
    expect(breaker.state, 'still open after a jump forward').toBe('open');
    expect(breaker.peekAdmission()).toBe('open');
    await expect(breaker.execute(async () => 'early')).rejects.toMatchObject({ reason: 'open' });
    // Reported times are wall-clock and follow the jump; the wait left is still the monotonic one.
    const nextAttempt = breaker.stats().timing.next_attempt_at! * 1000;
    expect(nextAttempt - Date.now()).toBeGreaterThan(0);
    expect(nextAttempt - Date.now()).toBeLessThanOrEqual(config.recoveryTimeoutMs);

    jump(-2 * HOUR);
    await waitFor(() => breaker.state === 'half_open', config.recoveryTimeoutMs + TIMER_GRACE_MS + 2000, 'half-open', 5);
    const ms = monotonic() - openedAt;
    expect(ms).toBeGreaterThanOrEqual(config.recoveryTimeoutMs - 5);
    withinBound(SCENARIO, `open → half-open (recovery ${config.recoveryTimeoutMs} ms) across ±1 h jumps`, ms, config.recoveryTimeoutMs + TIMER_GRACE_MS);

    jump(-HOUR);
    await expect(breaker.execute(async () => 'probe')).resolves.toBe('probe');
    expect(breaker.state).toBe('closed');
    expect(states).toEqual(['open', 'half_open', 'closed']);
    expect(breaker.stats().timing.time_since_last_failure).toBeGreaterThanOrEqual(0);
  });

  it('a subscriber backed up for less than its grace keeps its events after a jump forward (no snapshot instead)', () => {
    const snapshot = { at: 0, jobs: [], circuits: {}, queue: { paused: false, stopped: null }, audit: [], history: [], resources: null, chaos: [] } as unknown as Snapshot;
    const bus = new EventBus({ snapshot: () => snapshot, circuitStats: () => undefined, snapshotAfterMs: 1000 });
    let backedUp = false;
    const batches: { events: number; snapshot: boolean; dropped: number }[] = [];
    bus.subscribe((b) => batches.push({ events: b.events.length, snapshot: b.snapshot !== undefined, dropped: b.dropped }), { isBackedUp: () => backedUp });
    bus.flush();
    bus.publish({ kind: 'log', level: 'info', jobId: null, message: 'hello', at: Date.now() });
    backedUp = true;
    bus.flush();
    jump(+HOUR);
    bus.flush();
    backedUp = false;
    bus.flush();
    bus.close();
    expect(batches).toEqual([
      { events: 0, snapshot: true, dropped: 0 },
      { events: 1, snapshot: false, dropped: 0 },
    ]);
  });

  it('a render across jumps completes: no circuit failure, progress still written while the clock is behind, durations and ETA sane', async () => {
    chaos = await openChaosStudio({ scenario: SCENARIO, workers: 2 });
    // The slow drill makes the interpolation last its real 4 s, long enough to jump around in.
    await chaos.send({ type: 'setChaos', rules: [{ stage: 'interpolation', mode: 'slow' }] });
    const shots = [shot('across', { duration: 4, fps: 24, width: 320, height: 180 })];
    const startedAt = monotonic();
    const [job] = (await chaos.send({ type: 'enqueue', project: project('clock', shots) })) as Job[];
    await waitFor(() => chaos!.job(job!.id).stage === 'interpolation', 60_000, 'the interpolation runs');
    jump(+HOUR);
    await sleep(700);
    jump(-2 * HOUR);
    const written: number[] = [];
    await waitFor(
      () => {
        const now = chaos!.job(job!.id);
        if (written.at(-1) !== now.progress) written.push(now.progress);
        return now.status === 'done' || now.status === 'failed';
      },
      120_000,
      'the job ended',
      50,
    );
    const realMs = monotonic() - startedAt;
    // Progress kept reaching the database while the wall clock was an hour behind.
    expect(written.length, `progress values written while behind: ${written.join(', ')}`).toBeGreaterThanOrEqual(3);

    const [final] = expectQueueIntact(chaos, [job!], shots, ['done']);
    for (const [name, stats] of Object.entries(chaos.studio.circuitStats())) {
      expect(stats.stats.failed_requests, `${name} failures`).toBe(0);
      expect(stats.state, `${name} state`).toBe('closed');
    }
    const sidecar = JSON.parse(readFileSync(final!.sidecar!, 'utf8')) as { trace: { attempts: { stage: string; elapsedMs: number }[]; stageTimingsMs: Record<string, number> } };
    for (const attempt of sidecar.trace.attempts) {
      expect(attempt.elapsedMs, `${attempt.stage} took a real duration`).toBeGreaterThanOrEqual(0);
      expect(attempt.elapsedMs, `${attempt.stage} took a real duration`).toBeLessThanOrEqual(realMs);
    }
    const etas = chaos.jobUpdates.filter((j) => j.id === job!.id).map((j) => j.etaSeconds);
    for (const eta of etas) if (eta !== null) expect(eta, 'an ETA in the stream').toBeGreaterThanOrEqual(0), expect(eta).toBeLessThan(600);
    await chaos.close();
  });
});
