import { describe, expect, it } from 'vitest';
import { ChaosPlan, parseChaosRule } from '../../src-main/engine/chaos.ts';
import { backoffDelay, sleep } from '../../src-main/engine/retry.ts';

describe('chaos rules', () => {
  it('parses STAGE=MODE[:TIMES] with per-mode defaults', () => {
    expect(parseChaosRule('interpolation=hang')).toEqual({ stage: 'interpolation', mode: 'hang', times: undefined });
    expect(parseChaosRule('frame_processing=crash')).toEqual({ stage: 'frame_processing', mode: 'crash', times: 1 });
    expect(parseChaosRule('export=fail:2')).toEqual({ stage: 'export', mode: 'fail', times: 2 });
  });

  it('names the mistake', () => {
    expect(() => parseChaosRule('render=hang')).toThrow('unknown stage "render": use one of frame_processing, interpolation, export');
    expect(() => parseChaosRule('export=explode')).toThrow('unknown chaos mode "explode": use one of fail, hang, crash, slow');
    expect(() => parseChaosRule('export hang')).toThrow(/STAGE=MODE/);
  });

  it('hits each task the given number of times, per task', () => {
    const plan = new ChaosPlan([parseChaosRule('frame_processing=crash:2')]);
    expect([plan.take('frame_processing', 's/0'), plan.take('frame_processing', 's/0'), plan.take('frame_processing', 's/0')]).toEqual(['crash', 'crash', undefined]);
    expect(plan.take('frame_processing', 's/1')).toBe('crash');
    expect(plan.take('export', 's/1')).toBeUndefined();
  });
});

describe('backoff', () => {
  it('grows exponentially with jitter in the upper half, capped', () => {
    const policy = { maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 1000 };
    expect(backoffDelay(policy, 1, () => 0)).toBe(50);
    expect(backoffDelay(policy, 1, () => 1)).toBe(100);
    expect(backoffDelay(policy, 3, () => 0.5)).toBe(300);
    expect(backoffDelay(policy, 10, () => 1)).toBe(1000);
  });

  it('sleeps abortably', async () => {
    const controller = new AbortController();
    const pending = sleep(60_000, controller.signal);
    controller.abort(new Error('stop'));
    await expect(pending).rejects.toThrow('stop');
  });
});
