/**
 * This machine's seconds per megapixel-frame, learned from finished chunks.
 *
 * Per key (stage/method/quality) an exponentially weighted moving average: each finished chunk
 * moves the figure by `alpha` (a quarter) of the way to what it measured. Bounded so that one
 * outlier cannot collapse a deadline:
 * - a measurement counts as at most `maxRise` times and at least `maxFall` times the current
 *   figure, so one chunk of easy frames can lower the figure by at most alpha × (1 − maxFall),
 *   an eighth by default, while a slow one raises it faster (the safe direction);
 * - the figure stays within [builtin / spread, builtin × spread];
 * - a chunk so short that an ffmpeg start dominates it teaches nothing.
 * An operator-pinned figure overrides learning for its key until unpinned; learning goes on
 * underneath, so unpinning returns to what the machine really does.
 */
import { builtinSecondsPerMpf, FFMPEG_START_S, megapixels, throughputKey, type ThroughputKey } from './cost-model.ts';

/** One key's row, as a store keeps it. */
export interface ThroughputRecord {
  key: string;
  /** The learned figure (or the built-in one until a first sample). */
  secondsPerMpf: number;
  samples: number;
  /** An operator's fixed figure, which wins over the learned one; null when not pinned. */
  pinned: number | null;
  /** Wall-clock ms of the last change: a label only. */
  updatedAt: number;
}

/** Where records live between runs (the queue's ThroughputStore over SQLite). */
export interface ThroughputPersistence {
  loadAll(): ThroughputRecord[];
  save(record: ThroughputRecord): void;
}

export interface ThroughputSample {
  key: ThroughputKey;
  frames: number;
  width: number;
  height: number;
  /** The chunk's wall seconds, from start to finish on the monotonic clock. */
  wallSeconds: number;
}

export type FigureSource = 'pinned' | 'learned' | 'builtin';

export interface ThroughputFigure {
  secondsPerMpf: number;
  source: FigureSource;
  samples: number;
}

export interface ThroughputLearnerOptions {
  persistence?: ThroughputPersistence;
  /** Weight of each new sample, 0..1; default 0.25. */
  alpha?: number;
  /** A sample counts as at most this many times the current figure; default 4. */
  maxRise?: number;
  /** A sample counts as at least this fraction of the current figure; default 0.5. */
  maxFall?: number;
  /** The figure stays within builtin / spread .. builtin × spread; default 20. */
  spread?: number;
  /** The per-run start subtracted from a sample's wall time; default FFMPEG_START_S. */
  startS?: number;
  now?: () => number;
}

export class ThroughputLearner {
  private readonly records = new Map<string, ThroughputRecord>();
  private readonly persistence: ThroughputPersistence | undefined;
  private readonly alpha: number;
  private readonly maxRise: number;
  private readonly maxFall: number;
  private readonly spread: number;
  private readonly startS: number;
  private readonly now: () => number;

  constructor(options: ThroughputLearnerOptions = {}) {
    this.persistence = options.persistence;
    this.alpha = within(options.alpha ?? 0.25, 0, 1, 'alpha');
    this.maxRise = within(options.maxRise ?? 4, 1, Infinity, 'maxRise');
    this.maxFall = within(options.maxFall ?? 0.5, 0, 1, 'maxFall');
    this.spread = within(options.spread ?? 20, 1, Infinity, 'spread');
    this.startS = options.startS ?? FFMPEG_START_S;
    this.now = options.now ?? Date.now;
    for (const record of this.persistence?.loadAll() ?? []) this.records.set(record.key, record);
  }

  /** The figure deadlines and estimates use now for `key`. */
  figure(key: ThroughputKey): ThroughputFigure {
    const record = this.records.get(throughputKey(key));
    if (record?.pinned != null) return { secondsPerMpf: record.pinned, source: 'pinned', samples: record.samples };
    if (record && record.samples > 0) return { secondsPerMpf: this.bounded(key, record.secondsPerMpf), source: 'learned', samples: record.samples };
    return { secondsPerMpf: builtinSecondsPerMpf(key), source: 'builtin', samples: 0 };
  }

  /** Learns from one finished chunk; returns the figure now in force for its key. */
  observe(sample: ThroughputSample): ThroughputFigure {
    const work = sample.frames * megapixels(sample);
    const seconds = sample.wallSeconds - this.startS;
    // Mostly process start, or nonsense: nothing to learn about the work itself.
    if (!(work > 0) || !Number.isFinite(sample.wallSeconds) || seconds < this.startS) return this.figure(sample.key);
    const name = throughputKey(sample.key);
    const record = this.records.get(name);
    const current = record && record.samples > 0 ? record.secondsPerMpf : builtinSecondsPerMpf(sample.key);
    const measured = clamp(seconds / work, current * this.maxFall, current * this.maxRise);
    const next: ThroughputRecord = {
      key: name,
      secondsPerMpf: this.bounded(sample.key, current + this.alpha * (measured - current)),
      samples: (record?.samples ?? 0) + 1,
      pinned: record?.pinned ?? null,
      updatedAt: this.now(),
    };
    this.put(next);
    return this.figure(sample.key);
  }

  /** Fixes `key`'s figure at `secondsPerMpf` (an operator's choice), or unpins it with null. */
  pin(key: ThroughputKey, secondsPerMpf: number | null): ThroughputFigure {
    if (secondsPerMpf !== null && !(Number.isFinite(secondsPerMpf) && secondsPerMpf > 0)) {
      throw new RangeError(`a pinned throughput must be a positive number of seconds per megapixel-frame, got ${secondsPerMpf}`);
    }
    const name = throughputKey(key);
    const record = this.records.get(name);
    this.put({ key: name, secondsPerMpf: record?.secondsPerMpf ?? builtinSecondsPerMpf(key), samples: record?.samples ?? 0, pinned: secondsPerMpf, updatedAt: this.now() });
    return this.figure(key);
  }

  /** Every key with a record, for stats and the operator's view. */
  list(): ThroughputRecord[] {
    return [...this.records.values()].map((r) => ({ ...r }));
  }

  private bounded(key: ThroughputKey, value: number): number {
    const builtin = builtinSecondsPerMpf(key);
    return clamp(value, builtin / this.spread, builtin * this.spread);
  }

  private put(record: ThroughputRecord): void {
    this.records.set(record.key, record);
    this.persistence?.save({ ...record });
  }
}

function clamp(value: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, value));
}

function within(value: number, lo: number, hi: number, what: string): number {
  if (!(value >= lo && value <= hi)) throw new RangeError(`${what} must be within ${lo}..${hi}, got ${value}`);
  return value;
}
