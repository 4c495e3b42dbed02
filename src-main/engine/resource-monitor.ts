/**
 * ResourceMonitor: samples the CPU and memory of the machine, the host process, each worker and
 * each ffmpeg process. Every sample runs through the `resource_monitoring` circuit breaker, and what
 * cannot be read is reported missing with a reason: a dashboard must show a gap, not a made-up number.
 *
 * A sample reads everything first and commits counters only afterwards, so a sample that times out
 * leaves the previous counters as they were: the next CPU % still spans a real, measured interval.
 * Reading the raw counters is resource-counters.ts; the pressure line is memory-pressure-threshold.ts.
 */
import { CircuitBreakerError, CircuitTimeoutError, EmergencyStopError, TypedEmitter, type CircuitBreaker } from '../breaker/index.ts';
import { type MemoryPressureOptions, MemoryPressureThreshold, type PressureEvent } from './memory-pressure-threshold.ts';
import {
  type CpuCounter,
  type MachineCounters,
  type ProcessCounter,
  type ProcessCounters,
  type ProcessRole,
  type ReadTextFile,
  errorText,
  readMachineCounters,
  readProcessCounters,
  readTextFile,
} from './resource-counters.ts';
import type { MachineReading, ProcessReading, ResourceSample } from './resource-sample.ts';

// The monitor's options and events name these; callers import them from here.
export { readTextFile, type ProcessRole, type ReadTextFile } from './resource-counters.ts';
export type { MemoryPressureOptions, PressureEvent } from './memory-pressure-threshold.ts';
export type { MachineReading, ProcessReading, ResourceSample } from './resource-sample.ts';


export interface ProcessIds {
  host: number;
  workers: number[];
  ffmpeg: number[];
}

export interface ResourceMonitorOptions {
  /** The resource_monitoring circuit: every sample runs through it. */
  breaker: CircuitBreaker;
  pids: () => ProcessIds;
  /** Default 2000. */
  intervalMs?: number;
  memoryPressure?: MemoryPressureOptions;
  readFile?: ReadTextFile;
  /** Default process.platform; tests pass another to check the non-Linux paths. */
  platform?: NodeJS.Platform;
}

export interface ResourceMonitorEvents {
  sample: ResourceSample;
  /** Only when memory crosses the pressure line, one way or the other. */
  pressure: PressureEvent;
}

export class ResourceMonitor {
  private readonly breaker: CircuitBreaker;
  private readonly pids: () => ProcessIds;
  private readonly intervalMs: number;
  private readonly readFile: ReadTextFile;
  private readonly platform: NodeJS.Platform;
  private readonly pressure: MemoryPressureThreshold;

  private readonly events = new TypedEmitter<ResourceMonitorEvents>();
  private readonly previous = new Map<number, ProcessCounter>();
  private previousCpu: CpuCounter | undefined;
  private last: ResourceSample | undefined;
  private inflight: Promise<ResourceSample> | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(options: ResourceMonitorOptions) {
    const { intervalMs = 2000 } = options;
    if (!Number.isFinite(intervalMs) || intervalMs <= 0) throw new RangeError(`intervalMs must be a positive number of milliseconds, got ${intervalMs}`);
    this.pressure = new MemoryPressureThreshold(options.memoryPressure);
    this.breaker = options.breaker;
    this.pids = options.pids;
    this.intervalMs = intervalMs;
    this.readFile = options.readFile ?? readTextFile;
    this.platform = options.platform ?? process.platform;
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
    return this.pressure.under;
  }

  /** A listener that throws does not stop sampling: see rethrowLater in the breaker's emitter. */
  on<K extends keyof ResourceMonitorEvents>(type: K, listener: (payload: ResourceMonitorEvents[K]) => void): () => void {
    return this.events.on(type, listener);
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
    const crossed = sample.machine ? this.pressure.update(sample.machine) : undefined;
    if (crossed) this.events.emit('pressure', crossed);
    this.events.emit('sample', sample);
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
      readMachineCounters(this.platform, this.readFile, signal),
      Promise.all([...listed].map(([pid, role]) => readProcessCounters(pid, role, this.platform, this.readFile, signal))),
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

  private commitMachine(raw: MachineCounters): MachineReading {
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

  private commitProcesses(raws: ProcessCounters[], listed: Map<number, ProcessRole>): ProcessReading[] {
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
}
