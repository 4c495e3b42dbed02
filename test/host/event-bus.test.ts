import { afterEach, describe, expect, it, vi } from 'vitest';
import type { CircuitStats, EventBatch, Job, Snapshot, StudioEvent } from '../../src-preload/contract.ts';
import { EventBus } from '../../src-main/host/event-bus.ts';

const snapshot = (): Snapshot => ({ at: 1, jobs: [], circuits: {}, queue: { paused: false, stopped: null }, audit: [], history: [], resources: null, chaos: [] });
const stats = (name: string, total: number) => ({ name, stats: { total_requests: total } }) as unknown as CircuitStats;
const job = (id: string, progress: number) => ({ id, progress }) as Job;
const log = (n: number): StudioEvent => ({ kind: 'log', level: 'info', jobId: null, message: `event ${n}`, at: n });

afterEach(() => vi.useRealTimers());

function makeBus(maxEvents = 500) {
  let total = 0;
  const bus = new EventBus({ snapshot, circuitStats: (name) => stats(name, ++total), intervalMs: 50, maxEvents });
  return bus;
}

describe('EventBus', () => {
  it('starts each subscriber with a snapshot, then sends only what changed, latest value per circuit and job', () => {
    const bus = makeBus();
    const batches: EventBatch[] = [];
    bus.subscribe((b) => batches.push(b));
    bus.flush();
    expect(batches[0]?.snapshot).toBeDefined();

    for (let i = 0; i <= 100; i++) {
      bus.circuitChanged('video_export');
      bus.jobChanged(job('j1', i));
    }
    bus.publish(log(1));
    bus.publish(log(2));
    bus.flush();
    const second = batches[1]!;
    expect(second.snapshot).toBeUndefined();
    expect(Object.keys(second.circuits)).toEqual(['video_export']);
    expect(second.jobs).toEqual([job('j1', 100)]);
    expect(second.events.map((e) => (e.kind === 'log' ? e.message : ''))).toEqual(['event 1', 'event 2']);

    bus.flush();
    expect(batches).toHaveLength(2); // nothing new, nothing sent
    bus.close();
  });

  it('flushes at most 20 times a second, however many events arrive', () => {
    vi.useFakeTimers();
    const bus = makeBus();
    const batches: EventBatch[] = [];
    bus.subscribe((b) => batches.push(b));
    for (let ms = 0; ms < 1000; ms++) {
      for (let k = 0; k < 10; k++) bus.circuitChanged('video_frame_processing');
      vi.advanceTimersByTime(1);
    }
    expect(batches.length).toBeLessThanOrEqual(20);
    expect(batches.length).toBeGreaterThanOrEqual(19);
    bus.close();
  });

  it('gives a backed-up subscriber a snapshot instead of a backlog, without holding back the others', () => {
    const bus = makeBus(10);
    const fast: EventBatch[] = [];
    const slow: EventBatch[] = [];
    let backedUp = false;
    bus.subscribe((b) => fast.push(b));
    bus.subscribe((b) => slow.push(b), { isBackedUp: () => backedUp });
    bus.flush();
    backedUp = true;
    for (let i = 0; i < 25; i++) {
      bus.publish(log(i));
      bus.flush();
    }
    expect(fast.slice(1).flatMap((b) => b.events)).toHaveLength(25);
    expect(slow).toHaveLength(1);

    backedUp = false;
    bus.flush();
    const caughtUp = slow[1]!;
    expect(caughtUp.snapshot).toBeDefined();
    expect(caughtUp.dropped).toBeGreaterThan(0);
    expect(caughtUp.events.length).toBeLessThanOrEqual(10);
    bus.close();
  });

  it('keeps a throwing subscriber from breaking the others', () => {
    const bus = makeBus();
    const good: EventBatch[] = [];
    const thrown: unknown[] = [];
    const onError = (error: unknown) => thrown.push(error);
    process.on('uncaughtException', onError);
    bus.subscribe(() => {
      throw new Error('bad subscriber');
    });
    bus.subscribe((b) => good.push(b));
    bus.flush();
    expect(good).toHaveLength(1);
    bus.close();
    return new Promise<void>((resolve) =>
      setTimeout(() => {
        process.off('uncaughtException', onError);
        // Still loud: the subscriber's error surfaces on its own, after the bus finished its round.
        expect(thrown).toEqual([new Error('bad subscriber')]);
        resolve();
      }, 10),
    );
  });
});
