import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { CircuitBreaker, type CircuitBreakerConfig, ManualScheduler, SEED_CIRCUITS } from '../../src-main/breaker/index.ts';
import { type ReadTextFile, type ResourceMonitorOptions, type ResourceSample, ResourceMonitor, readTextFile } from '../../src-main/engine/resource-monitor.ts';

const isLinux = process.platform === 'linux';
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const flush = () => new Promise<void>((resolve) => setImmediate(resolve));
const realRead: ReadTextFile = (path, { signal }) => readFile(path, { encoding: 'utf8', signal });

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

async function busyChild(): Promise<ChildProcess & { pid: number }> {
  const child = spawn(process.execPath, ['-e', 'setInterval(()=>{let x=0;for(let i=0;i<1e7;i++)x+=i},0)'], { stdio: 'ignore' });
  children.push(child);
  await once(child, 'spawn');
  return child as ChildProcess & { pid: number };
}

function setup(options: Partial<ResourceMonitorOptions> & { config?: Partial<CircuitBreakerConfig> } = {}) {
  const scheduler = new ManualScheduler();
  const breaker = new CircuitBreaker('resource_monitoring', { ...SEED_CIRCUITS.resource_monitoring, ...options.config }, { scheduler });
  const ids = { host: process.pid, workers: [] as number[], ffmpeg: [] as number[] };
  const monitor = new ResourceMonitor({ breaker, pids: () => ids, ...options });
  const samples: ResourceSample[] = [];
  monitor.on('sample', (s) => samples.push(s));
  return { scheduler, breaker, ids, monitor, samples };
}

/** /proc/<pid> files of a made-up process, for cases the real kernel will not stage on demand. */
const fakeStat = (pid: number, ticks: number, start = 5000, state = 'S') =>
  `${pid} (ff mpeg (x)) ${state} 1 1 1 0 -1 0 0 0 0 0 ${ticks} 0 0 0 20 0 1 0 ${start} 1000 10 0`;
const fakeStatus = (rssKib: number) => `Name:\tffmpeg\nState:\tS (sleeping)\nVmRSS:\t  ${rssKib} kB\n`;
/** /proc/meminfo and /proc/stat of a made-up machine (one core, 1 000 000 kB unless told). */
const meminfo = (availableKib = 500_000, totalKib = 1_000_000) =>
  `MemTotal:       ${totalKib} kB\nMemFree:        ${Math.floor(availableKib / 2)} kB\nMemAvailable:   ${availableKib} kB\n`;
const procStat = (busy: number, idle: number) => `cpu  ${busy} 0 0 ${idle} 0 0 0 0 0 0\ncpu0 ${busy} 0 0 ${idle} 0 0 0 0 0 0\n`;

describe.runIf(isLinux)('ResourceMonitor on real /proc', () => {
  it('samples the machine, the host and a busy child: no CPU % on the first sample, real numbers on the second', async () => {
    const child = await busyChild();
    const { monitor, ids, breaker } = setup();
    ids.workers = [child.pid];

    const first = await monitor.sampleOnce();
    expect(first.missing).toBeUndefined();
    expect(first.machine).toMatchObject({ cpuPercent: null, missing: 'cpuPercent: first sample' });
    expect(first.machine!.totalBytes).toBeGreaterThan(first.machine!.availableBytes);
    expect(first.machine!.availableBytes).toBeGreaterThan(0);
    expect(first.machine!.cores).toBeGreaterThanOrEqual(1);
    expect(first.machine!.loadAverage).toHaveLength(3);
    expect(first.processes).toEqual([
      { pid: process.pid, role: 'host', cpuPercent: null, rssBytes: expect.any(Number), missing: 'first sample' },
      { pid: child.pid, role: 'worker', cpuPercent: null, rssBytes: expect.any(Number), missing: 'first sample' },
    ]);

    await sleep(400);
    const second = await monitor.sampleOnce();
    const [host, worker] = second.processes;
    expect(second.machine!.cpuPercent).toBeGreaterThan(0);
    expect(second.machine!.cpuPercent).toBeLessThanOrEqual(100);
    expect(second.machine!.missing).toBeUndefined();
    expect(host).toMatchObject({ role: 'host', cpuPercent: expect.any(Number) });
    expect(host!.rssBytes).toBeGreaterThan(0);
    expect(worker!.missing).toBeUndefined();
    expect(worker!.cpuPercent).toBeGreaterThan(10);
    // One busy thread plus Node's helpers: nowhere near several cores.
    expect(worker!.cpuPercent).toBeLessThan(400);
    expect(worker!.rssBytes).toBeGreaterThan(1024 * 1024);
    expect(monitor.latest()).toBe(second);
    expect(breaker.stats().stats).toMatchObject({ total_requests: 2, successful_requests: 2 });
  });

  it('drops a process that has exited, without failing the sample', async () => {
    const child = await busyChild();
    const { monitor, ids } = setup();
    ids.ffmpeg = [child.pid];
    expect((await monitor.sampleOnce()).processes.map((p) => p.role)).toEqual(['host', 'ffmpeg']);

    child.kill('SIGKILL');
    await once(child, 'exit');
    const after = await monitor.sampleOnce();
    expect(after.missing).toBeUndefined();
    expect(after.machine).not.toBeNull();
    expect(after.processes.map((p) => p.pid)).toEqual([process.pid]);
  });

  it('reports a failed read of one process as missing, never as a number, and the sample still succeeds', async () => {
    const child = await busyChild();
    const failing: ReadTextFile = (path, options) =>
      path === `/proc/${child.pid}/status` ? Promise.reject(Object.assign(new Error('EIO: i/o error'), { code: 'EIO' })) : realRead(path, options);
    const { monitor, ids, breaker } = setup({ readFile: failing });
    ids.workers = [child.pid];
    for (let i = 0; i < 2; i++) {
      const sample = await monitor.sampleOnce();
      expect(sample.processes[1]).toEqual({ pid: child.pid, role: 'worker', cpuPercent: null, rssBytes: null, missing: 'read failed: EIO: i/o error' });
    }
    expect(breaker.stats().stats).toMatchObject({ successful_requests: 2, failed_requests: 0 });
  });
});

describe('ResourceMonitor with injected /proc', () => {
  function fakeProc(files: Record<string, string | (() => string)>) {
    const calls: string[] = [];
    const read: ReadTextFile = async (path) => {
      calls.push(path);
      const file = files[path];
      if (file === undefined) throw Object.assign(new Error(`ENOENT: no such file, open '${path}'`), { code: 'ENOENT' });
      return typeof file === 'function' ? file() : file;
    };
    return { read, calls, files };
  }

  it('computes machine CPU % from /proc/stat deltas', async () => {
    let busy = 100;
    let idle = 900;
    const proc = fakeProc({ '/proc/meminfo': meminfo(), '/proc/stat': () => procStat(busy, idle) });
    const { monitor } = setup({ readFile: proc.read, platform: 'linux' });
    await monitor.sampleOnce();
    busy += 30;
    idle += 70;
    expect((await monitor.sampleOnce()).machine).toMatchObject({ cpuPercent: 30, cores: 1, availablePercent: 50 });
  });

  it('forgets a pid once it is no longer listed, and restarts a reused pid at "first sample"', async () => {
    const pid = 4242;
    const proc = fakeProc({ '/proc/meminfo': meminfo(), '/proc/stat': procStat(1, 1), [`/proc/${pid}/stat`]: fakeStat(pid, 10), [`/proc/${pid}/status`]: fakeStatus(2048) });
    const { monitor, ids } = setup({ readFile: proc.read, platform: 'linux' });
    const worker = async () => (await monitor.sampleOnce()).processes.find((p) => p.pid === pid);

    ids.workers = [pid];
    expect(await worker()).toEqual({ pid, role: 'worker', cpuPercent: null, rssBytes: 2048 * 1024, missing: 'first sample' });
    proc.files[`/proc/${pid}/stat`] = fakeStat(pid, 20);
    expect((await worker())!.cpuPercent).toBeGreaterThan(0);

    ids.workers = [];
    expect(await worker()).toBeUndefined();
    ids.workers = [pid];
    // Had the old counters been kept, this would be a (wrong) delta instead.
    expect((await worker())!.missing).toBe('first sample');

    proc.files[`/proc/${pid}/stat`] = fakeStat(pid, 30, 9999);
    expect(await worker()).toMatchObject({ cpuPercent: null, missing: 'first sample' });
  });

  it('treats a zombie as gone', async () => {
    const pid = 4343;
    const proc = fakeProc({ '/proc/meminfo': meminfo(), '/proc/stat': procStat(1, 1), [`/proc/${pid}/stat`]: fakeStat(pid, 10, 1, 'Z'), [`/proc/${pid}/status`]: 'State:\tZ (zombie)\n' });
    const { monitor, ids } = setup({ readFile: proc.read, platform: 'linux' });
    ids.ffmpeg = [pid];
    expect((await monitor.sampleOnce()).processes.map((p) => p.pid)).toEqual([process.pid]);
  });

  it('runs every sample through the breaker', async () => {
    const proc = fakeProc({ '/proc/meminfo': meminfo(), '/proc/stat': procStat(1, 1) });
    const { monitor, breaker } = setup({ readFile: proc.read, platform: 'linux' });
    for (let i = 1; i <= 3; i++) {
      await monitor.sampleOnce();
      expect(breaker.stats().stats.total_requests).toBe(i);
    }
  });

  it('reports a sample the breaker timed out as missing, and aborts the hung read', async () => {
    let signal: AbortSignal | undefined;
    let reading!: () => void;
    const started = new Promise<void>((resolve) => (reading = resolve));
    const hang: ReadTextFile = (_path, options) =>
      new Promise((_resolve, reject) => {
        signal = options.signal;
        signal.addEventListener('abort', () => reject(signal!.reason), { once: true });
        reading();
      });
    const { monitor, scheduler, breaker, samples } = setup({ readFile: hang, platform: 'linux', config: { timeoutMs: 50 } });
    const pending = monitor.sampleOnce();
    await started;
    scheduler.advance(50);
    const sample = await pending;
    expect(sample).toEqual({ at: expect.any(Number), machine: null, processes: [], missing: 'resource_monitoring timed out after 50 ms' });
    expect(signal!.aborted).toBe(true);
    expect(samples).toEqual([sample]);
    expect(breaker.stats().stats).toMatchObject({ timeouts: 1, failed_requests: 1, concurrent_requests: 0 });
  });

  it('commits nothing from a sample that ends after its timeout', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let stuck = true;
    // Ignores its signal and answers late, as a read stuck in the kernel would.
    const late: ReadTextFile = async (path) => {
      if (stuck) await gate;
      return path === '/proc/meminfo' ? meminfo() : procStat(1, 1);
    };
    const { monitor, scheduler, breaker } = setup({ readFile: late, platform: 'linux', config: { timeoutMs: 50 } });
    const pending = monitor.sampleOnce();
    await flush();
    scheduler.advance(50);
    expect((await pending).missing).toBe('resource_monitoring timed out after 50 ms');
    stuck = false;
    release();
    await flush();
    expect(breaker.stats().stats.concurrent_requests).toBe(0);
    // Had the late result been committed, this would already be a CPU delta.
    expect((await monitor.sampleOnce()).machine).toMatchObject({ cpuPercent: null, missing: 'cpuPercent: first sample' });
  });

  it('the default reader passes the signal on to fs', async () => {
    await expect(readTextFile('/proc/meminfo', { signal: AbortSignal.abort() })).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('opens the circuit after repeated failures; later samples are missing with the reason and read nothing', async () => {
    const proc = fakeProc({ '/proc/stat': procStat(1, 1) });
    const { monitor, breaker, samples } = setup({ readFile: proc.read, platform: 'linux', config: { failureThreshold: 2 } });
    for (let i = 0; i < 2; i++) expect((await monitor.sampleOnce()).missing).toMatch(/^sample failed: ENOENT.*meminfo/);
    expect(breaker.state).toBe('open');
    const reads = proc.calls.length;

    const rejected = await monitor.sampleOnce();
    expect(rejected).toMatchObject({ machine: null, processes: [], missing: 'resource_monitoring circuit open' });
    expect(proc.calls.length).toBe(reads);
    // Still emitted, so the dashboard can draw the gap.
    expect(samples.at(-1)).toBe(rejected);
    expect(monitor.latest()).toBe(rejected);
    expect(breaker.stats().stats.rejected_requests).toBe(1);
  });

  it('fails the whole sample when the pid list cannot be had', async () => {
    const breaker = new CircuitBreaker('resource_monitoring', SEED_CIRCUITS.resource_monitoring, { scheduler: new ManualScheduler() });
    const monitor = new ResourceMonitor({
      breaker,
      pids: () => {
        throw new Error('pool is shutting down');
      },
    });
    expect((await monitor.sampleOnce()).missing).toBe('sample failed: pool is shutting down');
  });

  it('fires pressure on edges only, with hysteresis', async () => {
    let availableKib = 500_000;
    const proc = fakeProc({ '/proc/meminfo': () => meminfo(availableKib), '/proc/stat': procStat(1, 1) });
    const { monitor } = setup({ readFile: proc.read, platform: 'linux', memoryPressure: { availableBelowPercent: 10, hysteresisPercent: 5 } });
    const events: Array<{ under: boolean; availablePercent: number; reason: string }> = [];
    monitor.on('pressure', (e) => events.push(e));

    const at = async (percent: number) => {
      availableKib = percent * 10_000;
      await monitor.sampleOnce();
      return events.length;
    };
    expect(await at(50)).toBe(0);
    expect(await at(9)).toBe(1);
    expect(events[0]).toEqual({ under: true, availableBytes: 90_000 * 1024, availablePercent: 9, reason: 'available 9% < 10%' });
    expect(await at(12)).toBe(1); // above the line but inside the hysteresis band: still under
    expect(await at(8)).toBe(1);
    expect(monitor.underPressure).toBe(true);
    expect(await at(16)).toBe(2);
    expect(events[1]).toMatchObject({ under: false, availablePercent: 16, reason: 'available 16% ≥ 15%' });
    expect(await at(14)).toBe(2);
    expect(await at(9.5)).toBe(3);
    expect(events.map((e) => e.under)).toEqual([true, false, true]);
  });

  it('also enters pressure on an absolute floor of available bytes', async () => {
    const proc = fakeProc({ '/proc/meminfo': meminfo(300_000, 1_000_000), '/proc/stat': procStat(1, 1) });
    const { monitor } = setup({ readFile: proc.read, platform: 'linux', memoryPressure: { availableBelowBytes: 512 * 2 ** 20 } });
    const events: unknown[] = [];
    monitor.on('pressure', (e) => events.push(e));
    await monitor.sampleOnce();
    expect(events).toEqual([expect.objectContaining({ under: true, reason: 'available 293 MiB < 512 MiB' })]);
  });

  it('elsewhere than Linux: reads the machine and the host from Node, and says other processes are unsupported', async () => {
    const proc = fakeProc({});
    const { monitor, ids } = setup({ readFile: proc.read, platform: 'darwin' });
    ids.workers = [4242];
    await monitor.sampleOnce();
    const sample = await monitor.sampleOnce();
    expect(proc.calls).toEqual([]);
    expect(sample.machine!.availableBytes).toBeGreaterThan(0);
    expect(sample.processes[0]).toMatchObject({ role: 'host', cpuPercent: expect.any(Number) });
    expect(sample.processes[1]).toEqual({ pid: 4242, role: 'worker', cpuPercent: null, rssBytes: null, missing: 'unsupported on darwin' });
  });

  it('never overlaps samples: a concurrent sampleOnce joins, and the timer skips busy ticks until stopped', async () => {
    let running = 0;
    let maxRunning = 0;
    const slow: ReadTextFile = async (path) => {
      if (path === '/proc/meminfo') {
        maxRunning = Math.max(maxRunning, ++running);
        await sleep(30);
        running--;
        return meminfo();
      }
      return procStat(1, 1);
    };
    const { monitor, breaker, samples } = setup({ readFile: slow, platform: 'linux', intervalMs: 5 });
    expect(monitor.sampleOnce()).toBe(monitor.sampleOnce());
    await monitor.sampleOnce();

    monitor.start();
    await sleep(120);
    monitor.stop();
    await monitor.sampleOnce(); // lets a sample still running finish
    const taken = samples.length;
    await sleep(30);
    await flush();
    expect(samples.length).toBe(taken);
    expect(maxRunning).toBe(1);
    // 120 ms at 5 ms would be ~24 ticks; 30 ms samples allow only a handful.
    expect(taken).toBeGreaterThan(2);
    expect(taken).toBeLessThan(10);
    expect(samples.every((s) => s.missing === undefined)).toBe(true);
    expect(breaker.stats().stats.rejected_requests).toBe(0);
  });
});
