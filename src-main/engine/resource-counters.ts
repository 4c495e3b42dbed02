/**
 * Raw counters of the machine and of one process, as the OS gives them: /proc on Linux, Node's os
 * module elsewhere. Nothing here remembers a previous reading; turning counters into percentages
 * over an interval is the resource monitor's job.
 */
import { readFile as fsReadFile } from 'node:fs/promises';
import os from 'node:os';
import type { CpuCounter, MachineCounters, ProcessRole } from './resource-sample.ts';


/** Reads a text file; must honour `signal`. Tests inject one to fake /proc or to fail. */
export type ReadTextFile = (path: string, options: { signal: AbortSignal }) => Promise<string>;

/** The default reader: fs/promises, so reads never block the event loop, and abortable. */
export const readTextFile: ReadTextFile = (path, { signal }) => fsReadFile(path, { encoding: 'utf8', signal });



/** Raw counters of one process; `start` tells a reused pid from the process we saw before. */
export type { CpuCounter, MachineCounters, ProcessRole } from './resource-sample.ts';

export type ProcessCounter = { cpuSeconds: number; start: string; at: number };

export type ProcessCounters =
  | { pid: number; role: ProcessRole; kind: 'gone' }
  | { pid: number; role: ProcessRole; kind: 'failed'; reason: string }
  | { pid: number; role: ProcessRole; kind: 'read'; counter: ProcessCounter; rssBytes: number };

/**
 * Clock ticks per second of /proc/<pid>/stat times. Node cannot ask sysconf(_SC_CLK_TCK), and running
 * `getconf` would cost a process per start; Linux fixes USER_HZ at 100 on x86 and ARM, so we assume it.
 */
const CLOCK_TICKS_PER_SECOND = 100;

export const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error));
const isGone = (error: unknown) => {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return code === 'ENOENT' || code === 'ESRCH';
};

/** Throws when the machine's counters cannot be read: without them the whole sample is missing. */
export async function readMachineCounters(platform: NodeJS.Platform, readFile: ReadTextFile, signal: AbortSignal): Promise<MachineCounters> {
  const loadAverage = platform === 'win32' ? null : (os.loadavg() as [number, number, number]);
  if (platform !== 'linux') {
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
  const [meminfo, stat] = await Promise.all([readFile('/proc/meminfo', { signal }), readFile('/proc/stat', { signal })]);
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

/** Never throws: a process that has exited reads as gone, one that cannot be read as failed with the reason. */
export async function readProcessCounters(
  pid: number,
  role: ProcessRole,
  platform: NodeJS.Platform,
  readFile: ReadTextFile,
  signal: AbortSignal,
): Promise<ProcessCounters> {
  if (pid === process.pid) {
    // Our own process: Node's counters work on every OS and cost no file read.
    const { user, system } = process.cpuUsage();
    const counter = { cpuSeconds: (user + system) / 1e6, start: 'self', at: performance.now() };
    return { pid, role, kind: 'read', counter, rssBytes: process.memoryUsage.rss() };
  }
  if (!Number.isSafeInteger(pid) || pid <= 0) return { pid, role, kind: 'failed', reason: 'invalid pid' };
  if (platform !== 'linux') return { pid, role, kind: 'failed', reason: `unsupported on ${platform}` };
  try {
    const [stat, status] = await Promise.all([readFile(`/proc/${pid}/stat`, { signal }), readFile(`/proc/${pid}/status`, { signal })]);
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
