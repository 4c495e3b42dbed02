import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CircuitBreaker, ManualScheduler, TimerScheduler } from '../../src-main/breaker/index.ts';
import { BASE } from './helpers.ts';

afterEach(() => vi.restoreAllMocks());

describe('ManualScheduler', () => {
  it('runs tasks in time order, each at its own time, and skips cancelled ones', () => {
    const s = new ManualScheduler();
    const seen: string[] = [];
    s.schedule(30, () => seen.push(`c@${s.now()}`));
    s.schedule(10, () => seen.push(`a@${s.now()}`));
    const cancelled = s.schedule(20, () => seen.push('never'));
    s.schedule(10, () => seen.push(`b@${s.now()}`));
    cancelled.cancel();
    s.advance(25);
    expect(seen).toEqual(['a@10', 'b@10']);
    s.advance(5);
    expect(seen).toEqual(['a@10', 'b@10', 'c@30']);
    expect(s.pending()).toBe(0);
  });
});

describe('cancelled entries', () => {
  it('do not pile up when a task keeps being moved earlier, as a sweep is by ever shorter deadlines', () => {
    const s = new ManualScheduler();
    let task = s.schedule(1_000_000, () => {});
    let most = 0;
    for (let i = 1; i <= 10_000; i++) {
      task.cancel();
      task = s.schedule(1_000_000 - i, () => {});
      most = Math.max(most, s.held());
    }
    expect(s.pending()).toBe(1);
    expect(most).toBeLessThan(200);
  });

  it('still run in time order, skipping every cancelled one, across compactions', () => {
    const s = new ManualScheduler();
    let seed = 11;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const ran: number[] = [];
    const expected: { at: number; seq: number }[] = [];
    for (let seq = 0; seq < 2_000; seq++) {
      const at = Math.floor(random() * 500);
      const task = s.schedule(at, () => ran.push(seq));
      if (random() < 0.7) task.cancel();
      else expected.push({ at, seq });
    }
    s.advance(500);
    expected.sort((a, b) => a.at - b.at || a.seq - b.seq);
    expect(ran).toEqual(expected.map((e) => e.seq));
    expect(s.held()).toBe(0);
  });

  it('are not miscounted when a task that already ran is cancelled', () => {
    const s = new ManualScheduler();
    const done = s.schedule(1, () => {});
    s.advance(1);
    done.cancel();
    s.schedule(5, () => {});
    expect(s.pending()).toBe(1);
  });
});

describe('TimerScheduler', () => {
  it('keeps one timer for many open breakers, not one per breaker', async () => {
    const scheduler = new TimerScheduler();
    const live = new Set<unknown>();
    const realSet = globalThis.setTimeout;
    const realClear = globalThis.clearTimeout;
    vi.spyOn(globalThis, 'setTimeout').mockImplementation(((fn: () => void, ms?: number) => {
      const t = realSet(() => {
        live.delete(t);
        fn();
      }, ms);
      live.add(t);
      return t;
    }) as typeof setTimeout);
    vi.spyOn(globalThis, 'clearTimeout').mockImplementation(((t: ReturnType<typeof setTimeout>) => {
      live.delete(t);
      realClear(t);
    }) as typeof clearTimeout);

    const breakers = Array.from({ length: 50 }, (_, i) => new CircuitBreaker(`b${i}`, { ...BASE, failureThreshold: 1, recoveryTimeoutMs: 60_000 }, { scheduler }));
    for (const b of breakers) await b.execute(() => Promise.reject(new Error('x'))).catch(() => {});
    expect(breakers.every((b) => b.state === 'open')).toBe(true);
    expect(scheduler.pending()).toBeGreaterThanOrEqual(50);
    expect(live.size).toBe(1);
    for (const t of live) realClear(t as ReturnType<typeof setTimeout>);
  });

  it('fires a recovery for real, on the clock', async () => {
    const scheduler = new TimerScheduler();
    const b = new CircuitBreaker('real_clock', { ...BASE, failureThreshold: 1, recoveryTimeoutMs: 30 }, { scheduler });
    await b.execute(() => Promise.reject(new Error('x'))).catch(() => {});
    const changed = new Promise((resolve) => b.on('state_change', resolve));
    await expect(changed).resolves.toMatchObject({ from: 'open', to: 'half_open' });
  });

  it('never keeps a process alive: a process with open circuits and hung calls exits on its own', () => {
    const fixture = fileURLToPath(new URL('../fixtures/breaker-keepalive.ts', import.meta.url));
    const started = Date.now();
    const result = spawnSync(process.execPath, [fixture], { encoding: 'utf8', timeout: 20_000 });
    expect(result.error).toBeUndefined();
    expect(result.stderr).toBe('');
    expect(result.stdout.trim()).toBe('armed: open, closed');
    expect(result.status).toBe(0);
    // The circuits wait 60 s; the process must end long before that.
    expect(Date.now() - started).toBeLessThan(15_000);
  });
});
