/**
 * How busy each core was while something ran: /proc/stat read every half second. The whole machine
 * is measured, not one process tree: work of other programs shows too, which is why a run also
 * reports the load average it saw.
 */
import { readFileSync } from 'node:fs';

/** One interval between two readings: when it ended (Date.now()) and each core's busy share in it, 0..100. */
export interface CoreSample {
  at: number;
  busyPct: number[];
}

export interface CoreUse {
  /** Mean busy % of each core over the window. */
  meanBusyPct: number[];
  /** Share of the window (0..1) in which every core was over BUSY_PCT busy. */
  allBusyShare: number;
  samples: number;
}

export const SAMPLE_MS = 500;
export const BUSY_PCT = 80;

/** Per core: [busy jiffies, total jiffies]; null where /proc/stat is absent (not Linux). */
function readCores(): [number, number][] | null {
  let text: string;
  try {
    text = readFileSync('/proc/stat', 'utf8');
  } catch {
    return null;
  }
  const cores: [number, number][] = [];
  for (const line of text.split('\n')) {
    // "cpu0 user nice system idle iowait irq softirq steal guest guest_nice"; the bare "cpu" line is the sum.
    if (!/^cpu\d+ /.test(line)) continue;
    const v = line.trim().split(/\s+/).slice(1, 9).map(Number);
    const total = v.reduce((a, b) => a + b, 0);
    // guest time is already inside user, so it is left out of the total; idle and iowait are not busy.
    cores.push([total - v[3]! - v[4]!, total]);
  }
  return cores;
}

export class CoreSampler {
  readonly samples: CoreSample[] = [];
  private last: [number, number][] | null = null;
  private timer: ReturnType<typeof setInterval> | undefined;

  /** False where there is no /proc/stat: nothing is sampled and summaries are null. */
  start(): boolean {
    this.last = readCores();
    if (!this.last) return false;
    this.timer = setInterval(() => this.tick(), SAMPLE_MS);
    return true;
  }

  stop(): void {
    clearInterval(this.timer);
    this.tick();
  }

  private tick(): void {
    const now = readCores();
    if (!now || !this.last) return;
    const busyPct = now.map(([busy, total], i) => {
      const [b0, t0] = this.last![i] ?? [busy, total];
      return total > t0 ? (100 * (busy - b0)) / (total - t0) : 0;
    });
    this.last = now;
    this.samples.push({ at: Date.now(), busyPct });
  }

  /** Use over the samples that ended within [from, to] (Date.now() times); all of them by default. */
  summary(from = -Infinity, to = Infinity): CoreUse | null {
    const window = this.samples.filter((s) => s.at >= from && s.at <= to);
    if (window.length === 0) return null;
    const cores = window[0]!.busyPct.length;
    const meanBusyPct = Array.from({ length: cores }, (_, i) => window.reduce((a, s) => a + (s.busyPct[i] ?? 0), 0) / window.length);
    const allBusy = window.filter((s) => s.busyPct.every((p) => p > BUSY_PCT)).length;
    return { meanBusyPct, allBusyShare: allBusy / window.length, samples: window.length };
  }
}

/** "core 0 93%, core 1 41%; all 2 > 80%: 37% of the time" */
export function describeCoreUse(use: CoreUse | null): string {
  if (!use) return 'n/a (no /proc/stat samples)';
  const cores = use.meanBusyPct.map((p, i) => `core ${i} ${p.toFixed(0)}%`).join(', ');
  const all = use.meanBusyPct.length === 2 ? 'both' : `all ${use.meanBusyPct.length}`;
  return `${cores}; ${all} > ${BUSY_PCT}% busy ${(use.allBusyShare * 100).toFixed(0)}% of the time (${use.samples} samples)`;
}
