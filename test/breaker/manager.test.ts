import { describe, expect, it } from 'vitest';
import {
  type CircuitEvent,
  CircuitManager,
  EmergencyStopError,
  ManualScheduler,
  SEED_CIRCUITS,
  SEED_CIRCUIT_NAMES,
} from '../../src-main/breaker/index.ts';
import { BASE, controlled, fail, flush, outcome } from './helpers.ts';

const seeded = () => {
  const scheduler = new ManualScheduler();
  return { scheduler, manager: new CircuitManager({ scheduler, circuits: SEED_CIRCUITS }) };
};

describe('SEED_CIRCUITS', () => {
  it('holds the seven circuits of the brief with their defaults', () => {
    expect(SEED_CIRCUIT_NAMES).toEqual([
      'video_frame_processing',
      'video_interpolation',
      'video_export',
      'resource_monitoring',
      'parallel_processing',
      'error_retry',
      'error_fallback',
    ]);
    expect(SEED_CIRCUITS.video_export).toEqual({ failureThreshold: 2, recoveryTimeoutMs: 60_000, successThreshold: 1, timeoutMs: 300_000, maxConcurrent: 1 });
    expect(SEED_CIRCUITS.parallel_processing.maxConcurrent).toBe(8);
    expect(SEED_CIRCUITS.error_retry).toMatchObject({ failureThreshold: 5, recoveryTimeoutMs: 120_000, timeoutMs: 30_000, maxConcurrent: 3 });
  });
});

describe('CircuitManager', () => {
  it('gets the same breaker for a name, and refuses a second, different config', () => {
    const { manager } = seeded();
    const a = manager.getBreaker('video_export');
    expect(manager.getBreaker('video_export', SEED_CIRCUITS.video_export)).toBe(a);
    expect(() => manager.getBreaker('video_export', { ...SEED_CIRCUITS.video_export, timeoutMs: 1000 })).toThrow(
      /already exists with another config \(timeoutMs 300000 ≠ 1000\).*configure\("video_export"/,
    );
    expect(() => manager.getBreaker('nope')).toThrow(/Unknown circuit "nope"/);
  });

  it('configures live, validates, and streams config_change', () => {
    const { manager } = seeded();
    const events: CircuitEvent[] = [];
    manager.subscribe((e) => events.push(e));
    manager.configure('video_interpolation', { timeoutMs: 2000 });
    expect(manager.getBreaker('video_interpolation').config.timeoutMs).toBe(2000);
    expect(events).toEqual([
      expect.objectContaining({ type: 'config_change', circuit: 'video_interpolation', from: expect.objectContaining({ timeoutMs: 120_000 }) }),
    ]);
    expect(() => manager.configure('video_interpolation', { timeoutMs: 'soon' } as never)).toThrow(/timeoutMs must be a number/);
  });

  it('forceOpenAll is the emergency stop: every circuit latched open, running work aborted', async () => {
    const { manager, scheduler } = seeded();
    const running = controlled({ obeysAbort: true });
    const result = outcome(manager.getBreaker('video_export').execute(running.op));
    manager.forceOpenAll('operator pressed stop');
    await flush();
    expect(Object.values(manager.stats()).map((s) => s.state)).toEqual(Array(7).fill('forced_open'));
    expect(result.error).toBeInstanceOf(EmergencyStopError);
    expect((result.error as EmergencyStopError).reason).toBe('emergency_stop');

    scheduler.advance(3_600_000);
    await expect(manager.getBreaker('video_frame_processing').execute(() => 1)).rejects.toMatchObject({ reason: 'forced_open' });
    expect(manager.getBreaker('video_frame_processing').state).toBe('forced_open');

    manager.forceCloseAll();
    expect(Object.values(manager.stats()).map((s) => s.state)).toEqual(Array(7).fill('closed'));
  });

  it("'after current' stop latches the circuits but lets running work finish", async () => {
    const { manager } = seeded();
    const running = controlled();
    const result = outcome(manager.getBreaker('video_export').execute(running.op));
    manager.forceOpenAll('stop after current', { abort: false });
    running.resolve('finished');
    await flush();
    expect(result.value).toBe('finished');
    expect(manager.getBreaker('video_export').state).toBe('forced_open');
  });

  it('streams every breaker’s events through one subscription, and stops when unsubscribed', async () => {
    const scheduler = new ManualScheduler();
    const manager = new CircuitManager({ scheduler });
    const events: CircuitEvent[] = [];
    const unsubscribe = manager.subscribe((e) => events.push(e));
    const a = manager.getBreaker('alpha', { ...BASE, failureThreshold: 1 });
    const b = manager.getBreaker('beta', BASE);
    await a.execute(fail()).catch(() => {});
    await b.execute(() => 'fine');
    expect(events.map((e) => `${e.circuit}:${e.type}`)).toEqual(['alpha:failure', 'alpha:state_change', 'beta:success']);
    unsubscribe();
    await b.execute(() => 'quiet');
    expect(events).toHaveLength(3);
  });

  it('returns every circuit’s stats keyed by name', () => {
    const { manager } = seeded();
    const stats = manager.stats();
    expect(Object.keys(stats)).toEqual(SEED_CIRCUIT_NAMES);
    expect(stats.resource_monitoring?.config).toMatchObject({ failure_threshold: 5, timeout: 10, max_concurrent: 1 });
  });
});
