/**
 * How busy each core was while something ran, read every half second: the machine's cores from
 * /proc/stat, and apart the CPU this process and its descendants used (from /proc/<pid>/stat).
 * The machine's figures include other programs' work; on a shared machine only the process tree's
 * figure says what the measured run itself kept busy.
 */
import { readFileSync, readdirSync } from 'node:fs';

/** One interval between two readings: when it ended (Date.now()), each core's busy share in it (0..100), and the cores' worth our process tree used. */
export interface CoreSample {
  at: number;
  busyPct: number[];
  ownCores: number;
}

export interface CoreUse {
  /** Mean busy % of each core over the window. */
  meanBusyPct: number[];
  /** Share of the window (0..1) in which every core was over BUSY_PCT busy. */
  allBusyShare: number;
  /** Mean cores' worth of CPU this process and its descendants used over the window (2 = both cores full). */
  ownCores: number;
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

/** Linux reports process times in USER_HZ ticks, which is 100 on every architecture it runs on. */
const TICKS_PER_S = 100;

/** utime + stime, in ticks, of this process and every live descendant, by pid. */
function readTree(): Map<number, number> {
  const parent = new Map<number, number>();
  const ticks = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let text: string;
    try {
      text = readFileSync(`/proc/${name}/stat`, 'utf8');
    } catch {
      continue; // gone since the listing
    }
    // The command name is in parentheses and may hold spaces: fields are counted after the last ')'.
    const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
    parent.set(Number(name), Number(f[1]));
    ticks.set(Number(name), Number(f[11]) + Number(f[12]));
  }
  const mine = (pid: number): boolean => {
    for (let p = pid, hops = 0; p > 1 && hops < 64; p = parent.get(p) ?? 0, hops++) if (p === process.pid) return true;
    return false;
  };
  return new Map([...ticks].filter(([pid]) => mine(pid)));
}

/**
 * CPU seconds this process and every child it has reaped have used (utime, stime, cutime, cstime),
 * or null without /proc. Exact for a run once its processes have exited: a reaped child's time,
 * its own reaped children's included, is added to its parent's cutime/cstime.
 */
export function treeCpuSeconds(): number | null {
  try {
    const text = readFileSync('/proc/self/stat', 'utf8');
    const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / TICKS_PER_S;
  } catch {
    return null;
  }
}

export class CoreSampler {
  readonly samples: CoreSample[] = [];
  private last: [number, number][] | null = null;
  private lastTree = new Map<number, number>();
  private lastAt = 0;
  private timer: ReturnType<typeof setInterval> | undefined;

  /** False where there is no /proc/stat: nothing is sampled and summaries are null. */
  start(): boolean {
    this.last = readCores();
    if (!this.last) return false;
    this.lastTree = readTree();
    this.lastAt = performance.now();
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
    // A process seen for the first time started within the interval: all its time is the interval's.
    // One that ended within it loses its last fraction of a second (its parent's cutime would count it twice).
    const tree = readTree();
    let ticks = 0;
    for (const [pid, t] of tree) ticks += t - (this.lastTree.get(pid) ?? 0);
    const nowMs = performance.now();
    const ownCores = nowMs > this.lastAt ? ticks / TICKS_PER_S / ((nowMs - this.lastAt) / 1000) : 0;
    this.lastTree = tree;
    this.lastAt = nowMs;
    this.samples.push({ at: Date.now(), busyPct, ownCores });
  }

  /** Use over the samples that ended within [from, to] (Date.now() times); all of them by default. */
  summary(from = -Infinity, to = Infinity): CoreUse | null {
    const window = this.samples.filter((s) => s.at >= from && s.at <= to);
    if (window.length === 0) return null;
    const cores = window[0]!.busyPct.length;
    const meanBusyPct = Array.from({ length: cores }, (_, i) => window.reduce((a, s) => a + (s.busyPct[i] ?? 0), 0) / window.length);
    const allBusy = window.filter((s) => s.busyPct.every((p) => p > BUSY_PCT)).length;
    const ownCores = window.reduce((a, s) => a + s.ownCores, 0) / window.length;
    return { meanBusyPct, allBusyShare: allBusy / window.length, ownCores, samples: window.length };
  }
}

/** "own 1.12 cores; machine: core 0 93%, core 1 41%, both > 80% busy 37% of the time (120 samples)" */
export function describeCoreUse(use: CoreUse | null): string {
  if (!use) return 'n/a (no /proc/stat samples)';
  const cores = use.meanBusyPct.map((p, i) => `core ${i} ${p.toFixed(0)}%`).join(', ');
  const all = use.meanBusyPct.length === 2 ? 'both' : `all ${use.meanBusyPct.length}`;
  return `own ${use.ownCores.toFixed(2)} cores; machine: ${cores}, ${all} > ${BUSY_PCT}% busy ${(use.allBusyShare * 100).toFixed(0)}% of the time (${use.samples} samples)`;
}
