/**
 * The lease watchdog's rule, on a fake Redis and a fake clock: a lock is known to last as far as the
 * last answer showed (the time the check was sent plus the lock's remaining time, as Redis said);
 * a chunk is lost once that is under lockDuration/2, or at once when the lock is gone or someone
 * else's; silence proves nothing; a cancel key is seen with the lock.
 */
import type { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { farmKeys } from '../../src-main/farm/farm-keys.ts';
import { LeaseWatchdog } from '../../src-main/farm/lease-watchdog.ts';

const TIMINGS = { lockDurationMs: 4000, stalledIntervalMs: 1000, heartbeatMs: 500 };

/** Redis as the watchdog sees it: each lock's token and expiry, a cancel set, and a switch to go silent. */
class FakeRedis {
  locks = new Map<string, { token: string; expiresAt: number }>();
  canceled = new Set<string>();
  silent = false;
  private readonly clock: () => number;
  constructor(clock: () => number) {
    this.clock = clock;
  }
  multi() {
    const replies: Array<() => [null, unknown]> = [];
    const chain = {
      get: (key: string) => (replies.push(() => [null, this.live(key)?.token ?? null]), chain),
      pttl: (key: string) => (replies.push(() => [null, this.live(key) ? this.live(key)!.expiresAt - this.clock() : -2]), chain),
      exists: (key: string) => (replies.push(() => [null, this.canceled.has(key) ? 1 : 0]), chain),
      exec: () => (this.silent ? new Promise<never>(() => {}) : Promise.resolve(replies.map((r) => r()))),
    };
    return chain;
  }
  private live(key: string) {
    const lock = this.locks.get(key);
    return lock && lock.expiresAt > this.clock() ? lock : undefined;
  }
}

let clock = 0;
const now = () => clock;
beforeEach(() => {
  vi.useFakeTimers();
  clock = 0;
});
afterEach(() => vi.useRealTimers());

async function advance(ms: number) {
  for (let i = 0; i < ms / 100; i++) {
    clock += 100;
    await vi.advanceTimersByTimeAsync(100);
  }
}

function setup() {
  const redis = new FakeRedis(now);
  const watchdog = new LeaseWatchdog(redis as unknown as Redis, TIMINGS, now);
  const lost: string[] = [];
  let canceled = 0;
  redis.locks.set(farmKeys.lock('c1'), { token: 't1', expiresAt: 4000 });
  const unwatch = watchdog.watch('c1', 't1', Date.now(), { lost: (why) => lost.push(why), canceled: () => canceled++ });
  /** BullMQ renewing the lock, and saying so, as a healthy node does every quarter of it. */
  const renew = () => {
    redis.locks.set(farmKeys.lock('c1'), { token: 't1', expiresAt: clock + TIMINGS.lockDurationMs });
    watchdog.renewed();
  };
  return { redis, watchdog, lost, canceled: () => canceled, unwatch, renew };
}

describe('the lease watchdog', () => {
  it('leaves a chunk alone while its lock is renewed', async () => {
    const { lost, renew, unwatch } = setup();
    for (let i = 0; i < 20; i++) {
      await advance(1000);
      renew();
    }
    expect(lost).toEqual([]);
    unwatch();
  });

  it('kills a chunk whose lock cannot be confirmed, while the lock still has half its time', async () => {
    const { redis, lost, renew, unwatch } = setup();
    await advance(1000);
    renew(); // the last renewal: the lock now lasts until 5000
    await advance(300);
    redis.silent = true;
    await advance(1500);
    expect(lost).toEqual([]);
    await advance(400); // at 3200 the lock is known to last 1800 ms more: under half of 4000
    expect(lost).toHaveLength(1);
    expect(lost[0]).toMatch(/could not be confirmed/);
    expect(clock).toBeLessThan(5000 - TIMINGS.lockDurationMs / 4);
    unwatch();
  });

  it('kills a chunk at once when its lock is gone or another node holds it', async () => {
    const gone = setup();
    gone.redis.locks.delete(farmKeys.lock('c1'));
    await advance(600);
    expect(gone.lost[0]).toMatch(/lock is gone/);
    gone.unwatch();

    const taken = setup();
    taken.redis.locks.set(farmKeys.lock('c1'), { token: 'someone-else', expiresAt: 9000 });
    await advance(600);
    expect(taken.lost[0]).toMatch(/another node holds its lock/);
    taken.unwatch();
  });

  it('sees a cancel with the lock, and BullMQ telling it the lock was lost', async () => {
    const { redis, watchdog, lost, canceled, renew, unwatch } = setup();
    redis.canceled.add(farmKeys.cancel('c1'));
    await advance(600);
    renew();
    expect(canceled()).toBeGreaterThan(0);
    expect(lost).toEqual([]);
    watchdog.lockLost(['c1']);
    expect(lost[0]).toMatch(/could not renew/);
    unwatch();
  });
});
