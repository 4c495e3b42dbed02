import { describe, expect, it } from 'vitest';
import { appendCapped, ratesBetween, sparkPath } from '../../src-renderer/src/dashboard/series.ts';
import { missingReadings, resourcePoint } from '../../src-renderer/src/dashboard/resources.ts';
import type { ResourceSampleView } from '../../src-preload/contract.ts';

describe('ratesBetween', () => {
  const at = (ms: number, calls: number, failures = 0, timeouts = 0, rejections = 0) => ({ at: ms, calls, failures, timeouts, rejections });

  it('gives per-second rates over the real interval, not the nominal one', () => {
    expect(ratesBetween(at(0, 100, 10, 2, 0), at(2000, 300, 14, 2, 6))).toEqual({ at: 2000, calls: 100, failures: 2, timeouts: 0, rejections: 3 });
  });

  it('has no rate without an earlier reading, or when a counter went down (host restarted)', () => {
    expect(ratesBetween(undefined, at(1000, 5))).toBeNull();
    expect(ratesBetween(at(0, 500), at(1000, 3))).toBeNull();
  });
});

it('appendCapped slides a fixed window and never grows past it', () => {
  let window: number[] = [];
  for (let i = 0; i < 500; i++) window = appendCapped(window, [i], 120);
  expect(window).toHaveLength(120);
  expect(window[0]).toBe(380);
  expect(window[119]).toBe(499);
});

describe('resourcePoint', () => {
  const sample: ResourceSampleView = {
    at: 1,
    machine: { availablePercent: 50, cpuPercent: 40, cores: 2, availableBytes: 1, freeBytes: 1, totalBytes: 2, loadAverage: null },
    processes: [
      { pid: 1, role: 'host', cpuPercent: 12.5, rssBytes: 100 * 1024 * 1024 },
      { pid: 2, role: 'worker', cpuPercent: 5, rssBytes: 50 * 1024 * 1024 },
      { pid: 3, role: 'worker', cpuPercent: null, rssBytes: null, missing: 'first sample' },
    ],
  };

  it('sums each role; a role with no process is zero, one whose readings are all missing is a gap', () => {
    const point = resourcePoint(sample);
    expect(point.cpu).toEqual({ host: 12.5, worker: 5, ffmpeg: 0 });
    expect(point.memoryMiB).toEqual({ host: 100, worker: 50, ffmpeg: 0 });
    const allMissing = resourcePoint({ ...sample, processes: [{ pid: 3, role: 'worker', cpuPercent: null, rssBytes: null, missing: 'gone' }] });
    expect(allMissing.cpu.worker).toBeNull();
  });

  it('a sample the host could not take is a gap everywhere, and says why', () => {
    const failed: ResourceSampleView = { at: 2, machine: null, processes: [], missing: 'resource_monitoring is open' };
    expect(resourcePoint(failed).cpu).toEqual({ host: null, worker: null, ffmpeg: null });
    expect(missingReadings(failed)).toEqual(['whole sample: resource_monitoring is open']);
    expect(missingReadings(sample)).toEqual(['worker 3: first sample']);
  });
});

describe('sparkPath', () => {
  const point = (at: number, calls: number) => ({ at, calls, failures: 0, timeouts: 0, rejections: 0 });

  it('puts the newest sample at the right edge, one unit a second, scaled to the box', () => {
    expect(sparkPath([point(1000, 0), point(2000, 10)], 'calls', 10, 120, 40)).toBe('M119.0,39.0L120.0,1.0');
  });

  it('breaks the line over a hole in the data instead of bridging it', () => {
    expect(sparkPath([point(1000, 5), point(2000, 5), point(6000, 5)], 'calls', 10, 120, 40)).toBe('M115.0,20.0L116.0,20.0M120.0,20.0');
  });

  it('draws nothing without samples and clips values above the scale', () => {
    expect(sparkPath([], 'calls', 10)).toBe('');
    expect(sparkPath([point(1000, 50)], 'calls', 10, 120, 40)).toBe('M120.0,1.0');
  });
});
