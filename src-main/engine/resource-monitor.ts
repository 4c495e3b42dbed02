/**
 * ResourceMonitor: samples the CPU and memory of the machine, the host process, each worker and
 * each ffmpeg process. Every sample runs through the `resource_monitoring` circuit breaker, and what
 * cannot be read is reported missing with a reason: a dashboard must show a gap, not a made-up number.
 *
 * A sample reads everything first and commits counters only afterwards, so a sample that times out
 * leaves the previous counters as they were: the next CPU % still spans a real, measured interval.
 */
import { readFile as fsReadFile } from 'node:fs/promises';
import os from 'node:os';
import { CircuitBreakerError, CircuitTimeoutError, EmergencyStopError, type CircuitBreaker } from '../breaker/index.ts';

export type ProcessRole = 'host' | 'worker' | 'ffmpeg';

export interface MachineReading {
  totalBytes: number;
  freeBytes: number;
  /** What can be allocated without swapping: MemAvailable on Linux, os.freemem() elsewhere. */
  availableBytes: number;
  availablePercent: number;
  /** Busy share of all cores over the time since the previous sample, 0–100. */
  cpuPercent: number | null;
  /** 1, 5 and 15 minute load averages; null on Windows, where Node reports zeros. */
  loadAverage: [number, number, number] | null;
  cores: number;
  /** Why a null field above is null. */
  missing?: string;
}

export interface ProcessReading {
  pid: number;
  role: ProcessRole;
  /** Percent of one core since the previous sample, as top shows it: a process on two cores reads 200. */
  cpuPercent: number | null;
  rssBytes: number | null;
  /** Why a null field above is null ('first sample', a read error, 'unsupported on darwin'). */
  missing?: string;
}

export interface ResourceSample {
  /** Epoch milliseconds when the sample began. */
  at: number;
  machine: MachineReading | null;
  /** Processes that have exited are left out. */
  processes: ProcessReading[];
  /** Why the whole sample failed (timeout, open circuit, unreadable machine counters). */
  missing?: string;
}

export interface PressureEvent {
  under: boolean;
  availableBytes: number;
  availablePercent: number;
  reason: string;
}

export interface ProcessIds {
  host: number;
  workers: number[];
  ffmpeg: number[];
}

/** Reads a text file; must honour `signal`. Tests inject one to fake /proc or to fail. */
export type ReadTextFile = (path: string, options: { signal: AbortSignal }) => Promise<string>;

export interface ResourceMonitorOptions {
  /** The resource_monitoring circuit: every sample runs through it. */
  breaker: CircuitBreaker;
  pids: () => ProcessIds;
  /** Default 2000. */
  intervalMs?: number;
  memoryPressure?: {
    /** Under pressure when available memory is below this many bytes. Off by default. */
    availableBelowBytes?: number;
    /** Under pressure when available memory is below this percent of total. Default 10; 0 turns it off. */
    availableBelowPercent?: number;
    /**
     * Leaving pressure needs this many percentage points of total memory above each threshold,
     * so a machine hovering at the line does not flap. Default 5.
     */
    hysteresisPercent?: number;
  };
  readFile?: ReadTextFile;
  /** Default process.platform; tests pass another to check the non-Linux paths. */
  platform?: NodeJS.Platform;
}

interface Events {
  sample: ResourceSample;
  pressure: PressureEvent;
}

/**
 * Clock ticks per second of /proc/<pid>/stat times. Node cannot ask sysconf(_SC_CLK_TCK), and running
 * `getconf` would cost a process per start; Linux fixes USER_HZ at 100 on x86 and ARM, so we assume it.
 */
const CLOCK_TICKS_PER_SECOND = 100;

type CpuCounter = { busy: number; total: number };
/** Raw counters of one process; `start` tells a reused pid from the process we saw before. */
type ProcessCounter = { cpuSeconds: number; start: string; at: number };
type RawProcess =
  | { pid: number; role: ProcessRole; kind: 'gone' }
  | { pid: number; role: ProcessRole; kind: 'failed'; reason: string }
  | { pid: number; role: ProcessRole; kind: 'read'; counter: ProcessCounter; rssBytes: number };
type RawMachine = Omit<MachineReading, 'cpuPercent' | 'missing' | 'availablePercent'> & { cpu: CpuCounter | null };

/** The default reader: fs/promises, so reads never block the event loop, and abortable. */
export const readTextFile: ReadTextFile = (path, { signal }) => fsReadFile(path, { encoding: 'utf8', signal });
const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error));
const isGone = (error: unknown) => {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return code === 'ENOENT' || code === 'ESRCH';
};
const mib = (bytes: number) => `${Math.round(bytes / 2 ** 20)} MiB`;
const pct = (value: number) => `${Math.round(value * 10) / 10}%`;

export class ResourceMonitor {
  private readonly breaker: CircuitBreaker;
  private readonly pids: () => ProcessIds;
  private readonly intervalMs: number;
  private readonly readFile: ReadTextFile;
  private readonly platform: NodeJS.Platform;
  private readonly belowBytes: number | undefined;
  private readonly belowPercent: number;
  private readonly hysteresis: number;

  private readonly listeners: { [K in keyof Events]: Set<(payload: Events[K]) => void> } = { sample: new Set(), pressure: new Set() };
  private readonly previous = new Map<number, ProcessCounter>();
  private previousCpu: CpuCounter | undefined;
  private last: ResourceSample | undefined;
  private pressured = false;
  private inflight: Promise<ResourceSample> | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(options: ResourceMonitorOptions) {
    const { intervalMs = 2000, memoryPressure = {} } = options;
    const { availableBelowBytes, availableBelowPercent = 10, hysteresisPercent = 5 } = memoryPressure;
    if (!Number.isFinite(intervalMs) || intervalMs <= 0) throw new RangeError(`intervalMs must be a positive number of milliseconds, got ${intervalMs}`);
    if (!(availableBelowPercent >= 0 && availableBelowPercent <= 100)) throw new RangeError('memoryPressure.availableBelowPercent must be between 0 and 100');
    if (!(hysteresisPercent >= 0)) throw new RangeError('memoryPressure.hysteresisPercent must be 0 or more');
    if (availableBelowBytes !== undefined && !(availableBelowBytes >= 0)) throw new RangeError('memoryPressure.availableBelowBytes must be 0 or more');
    this.breaker = options.breaker;
    this.pids = options.pids;
    this.intervalMs = intervalMs;
    this.readFile = options.readFile ?? readTextFile;
    this.platform = options.platform ?? process.platform;
    this.belowBytes = availableBelowBytes;
    this.belowPercent = availableBelowPercent;
    this.hysteresis = hysteresisPercent;
  }

  /** Samples now and then every intervalMs. A tick that finds the previous sample still running is skipped. */
  start(): void {
    if (this.timer) return;
    const tick = () => {
      if (!this.inflight) void this.sampleOnce();
    };
    this.timer = setInterval(tick, this.intervalMs);
    // Monitoring alone must never keep the process alive.
    this.timer.unref();
    tick();
  }

  /** Stops the timer. A sample already running finishes (bounded by the breaker's timeout) and is emitted. */
  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Takes a sample, or joins the one running: samples never overlap. Never rejects. */
  sampleOnce(): Promise<ResourceSample> {
    this.inflight ??= this.takeSample().finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  latest(): ResourceSample | undefined {
    return this.last;
  }

  get underPressure(): boolean {
    return this.pressured;
  }

  on<K extends keyof Events>(type: K, listener: (payload: Events[K]) => void): () => void {
    const set = this.listeners[type] as Set<(payload: Events[K]) => void>;
    set.add(listener);
    return () => set.delete(listener);
  }

  private emit<K extends keyof Events>(type: K, payload: Events[K]): void {
    for (const listener of this.listeners[type] as Set<(payload: Events[K]) => void>) {
      try {
        listener(payload);
      } catch (error) {
        // A faulty listener must not stop sampling; surface it without breaking our bookkeeping.
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }

  private async takeSample(): Promise<ResourceSample> {
    const at = Date.now();
    let sample: ResourceSample;
    try {
      sample = { at, ...(await this.breaker.execute((ctx) => this.collect(ctx.signal))) };
    } catch (error) {
      sample = { at, machine: null, processes: [], missing: this.describeFailure(error) };
    }
    this.last = sample;
    if (sample.machine) this.updatePressure(sample.machine);
    this.emit('sample', sample);
    return sample;
  }

  private describeFailure(error: unknown): string {
    const circuit = this.breaker.name;
    if (error instanceof CircuitBreakerError) return `${circuit} circuit ${error.reason}`;
    if (error instanceof CircuitTimeoutError) return `${circuit} timed out after ${error.timeoutMs} ms`;
    if (error instanceof EmergencyStopError) return `${circuit} emergency stop`;
    return `sample failed: ${errorText(error)}`;
  }

  // ── one sample: read everything, then commit ────────────────────────────────

  private async collect(signal: AbortSignal): Promise<Pick<ResourceSample, 'machine' | 'processes'>> {
    const listed = this.listPids();
    const [machine, raws] = await Promise.all([
      this.readMachine(signal),
      Promise.all([...listed].map(([pid, role]) => this.readProcess(pid, role, signal))),
    ]);
    // Timed out or aborted: the breaker has already reported it; leave our counters untouched.
    signal.throwIfAborted();
    return { machine: this.commitMachine(machine), processes: this.commitProcesses(raws, listed) };
  }

  /** pid → role, first role wins if a pid is listed twice. */
  private listPids(): Map<number, ProcessRole> {
    const { host, workers, ffmpeg } = this.pids();
    const listed = new Map<number, ProcessRole>([[host, 'host']]);
    for (const pid of workers) if (!listed.has(pid)) listed.set(pid, 'worker');
    for (const pid of ffmpeg) if (!listed.has(pid)) listed.set(pid, 'ffmpeg');
    return listed;
  }

  private async readMachine(signal: AbortSignal): Promise<RawMachine> {
    const loadAverage = this.platform === 'win32' ? null : (os.loadavg() as [number, number, number]);
    if (this.platform !== 'linux') {
      const cpus = os.cpus();
      let busy = 0;
      let total = 0;
      for (const { times } of cpus) {
        busy += times.user + times.nice + times.sys + times.irq;
        total += times.user + times.nice + times.sys + times.irq + times.idle;
      }
      const free = os.freemem();
      return {
        totalBytes: os.totalmem(),
        freeBytes: free,
        availableBytes: free,
        loadAverage,
        cores: cpus.length || os.availableParallelism(),
        cpu: cpus.length ? { busy, total } : null,
      };
    }
    const [meminfo, stat] = await Promise.all([this.readFile('/proc/meminfo', { signal }), this.readFile('/proc/stat', { signal })]);
    const kib = (field: string) => {
      const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(meminfo);
      if (!match) throw new Error(`/proc/meminfo has no ${field}`);
      return Number(match[1]) * 1024;
    };
    // Fields: user nice system idle iowait irq softirq steal (guest time is already inside user).
    const cpuLine = /^cpu\s+(.*)$/m.exec(stat);
    const ticks = cpuLine?.[1]?.trim().split(/\s+/).slice(0, 8).map(Number) ?? [];
    if (ticks.length < 8 || ticks.some((n) => !Number.isFinite(n))) throw new Error('/proc/stat has no readable cpu line');
    const total = ticks.reduce((a, b) => a + b, 0);
    const idle = ticks[3]! + ticks[4]!;
    return {
      totalBytes: kib('MemTotal'),
      freeBytes: kib('MemFree'),
      availableBytes: kib('MemAvailable'),
      loadAverage,
      cores: stat.match(/^cpu\d+ /gm)?.length ?? os.availableParallelism(),
      cpu: { busy: total - idle, total },
    };
  }

  private async readProcess(pid: number, role: ProcessRole, signal: AbortSignal): Promise<RawProcess> {
    if (pid === process.pid) {
      // Our own process: Node's counters work on every OS and cost no file read.
      const { user, system } = process.cpuUsage();
      const counter = { cpuSeconds: (user + system) / 1e6, start: 'self', at: performance.now() };
      return { pid, role, kind: 'read', counter, rssBytes: process.memoryUsage.rss() };
    }
    if (!Number.isSafeInteger(pid) || pid <= 0) return { pid, role, kind: 'failed', reason: 'invalid pid' };
    if (this.platform !== 'linux') return { pid, role, kind: 'failed', reason: `unsupported on ${this.platform}` };
    try {
      const [stat, status] = await Promise.all([
        this.readFile(`/proc/${pid}/stat`, { signal }),
        this.readFile(`/proc/${pid}/status`, { signal }),
      ]);
      const at = performance.now();
      // The command name sits in parentheses and may hold spaces or parentheses: parse after the last ')'.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const state = fields[0];
      // A zombie (or dead) process has exited and only waits to be reaped: it is gone.
      if (state === 'Z' || state === 'X') return { pid, role, kind: 'gone' };
      // Fields 14 and 15 of stat (utime, stime) and 22 (starttime); `fields` begins at field 3.
      const utime = Number(fields[11]);
      const stime = Number(fields[12]);
      const start = fields[19];
      if (!Number.isFinite(utime) || !Number.isFinite(stime) || !start) return { pid, role, kind: 'failed', reason: `unreadable /proc/${pid}/stat` };
      const rss = /^VmRSS:\s+(\d+) kB$/m.exec(status);
      if (!rss) return { pid, role, kind: 'failed', reason: `no VmRSS in /proc/${pid}/status` };
      const counter = { cpuSeconds: (utime + stime) / CLOCK_TICKS_PER_SECOND, start, at };
      return { pid, role, kind: 'read', counter, rssBytes: Number(rss[1]) * 1024 };
    } catch (error) {
      if (isGone(error)) return { pid, role, kind: 'gone' };
      return { pid, role, kind: 'failed', reason: `read failed: ${errorText(error)}` };
    }
  }

  private commitMachine(raw: RawMachine): MachineReading {
    const { cpu, ...rest } = raw;
    const reasons: string[] = [];
    let cpuPercent: number | null = null;
    if (!cpu) reasons.push('cpuPercent: no CPU times on this platform');
    else if (!this.previousCpu) reasons.push('cpuPercent: first sample');
    else {
      const total = cpu.total - this.previousCpu.total;
      if (total > 0) cpuPercent = Math.min(100, Math.max(0, ((cpu.busy - this.previousCpu.busy) / total) * 100));
      else reasons.push('cpuPercent: no time elapsed');
    }
    if (cpu) this.previousCpu = cpu;
    if (!raw.loadAverage) reasons.push(`loadAverage: not reported on ${this.platform}`);
    // A zero total would make every percent up; better a missing sample than an invented one.
    if (!(raw.totalBytes > 0)) throw new Error('total memory reads as 0');
    const availablePercent = (raw.availableBytes / raw.totalBytes) * 100;
    const reading: MachineReading = { ...rest, availablePercent, cpuPercent };
    if (reasons.length) reading.missing = reasons.join('; ');
    return reading;
  }

  private commitProcesses(raws: RawProcess[], listed: Map<number, ProcessRole>): ProcessReading[] {
    const readings: ProcessReading[] = [];
    for (const raw of raws) {
      const { pid, role } = raw;
      if (raw.kind === 'gone') {
        this.previous.delete(pid);
        continue;
      }
      if (raw.kind === 'failed') {
        readings.push({ pid, role, cpuPercent: null, rssBytes: null, missing: raw.reason });
        continue;
      }
      const before = this.previous.get(pid);
      const now = raw.counter;
      this.previous.set(pid, now);
      const reading: ProcessReading = { pid, role, cpuPercent: null, rssBytes: raw.rssBytes };
      const seconds = before ? (now.at - before.at) / 1000 : 0;
      const used = before ? now.cpuSeconds - before.cpuSeconds : 0;
      // A different start time means the pid now belongs to another process: its counters start afresh.
      if (!before || before.start !== now.start || used < 0) reading.missing = 'first sample';
      else if (seconds <= 0) reading.missing = 'no time elapsed';
      else reading.cpuPercent = (used / seconds) * 100;
      readings.push(reading);
    }
    // Forget pids no longer listed, so the map holds at most the processes of the last sample.
    for (const pid of this.previous.keys()) if (!listed.has(pid)) this.previous.delete(pid);
    return readings;
  }

  // ── memory pressure: edges only, with hysteresis ──────────────────────────────

  private updatePressure(machine: MachineReading): void {
    const { availableBytes, availablePercent, totalBytes } = machine;
    const percentOn = this.belowPercent > 0;
    const bytesOn = this.belowBytes !== undefined && this.belowBytes > 0;
    let reason: string;
    if (!this.pressured) {
      if (percentOn && availablePercent < this.belowPercent) reason = `available ${pct(availablePercent)} < ${pct(this.belowPercent)}`;
      else if (bytesOn && availableBytes < this.belowBytes!) reason = `available ${mib(availableBytes)} < ${mib(this.belowBytes!)}`;
      else return;
    } else {
      const leavePercent = this.belowPercent + this.hysteresis;
      const leaveBytes = (this.belowBytes ?? 0) + (this.hysteresis / 100) * totalBytes;
      if (percentOn && availablePercent < leavePercent) return;
      if (bytesOn && availableBytes < leaveBytes) return;
      reason = [
        percentOn ? `available ${pct(availablePercent)} ≥ ${pct(leavePercent)}` : '',
        bytesOn ? `available ${mib(availableBytes)} ≥ ${mib(leaveBytes)}` : '',
      ]
        .filter(Boolean)
        .join(' and ');
    }
    this.pressured = !this.pressured;
    this.emit('pressure', { under: this.pressured, availableBytes, availablePercent, reason });
  }
}
