/**
 * Finding every process a chaos scenario started, however it was orphaned. Each scenario tags its
 * processes with an environment variable (a "mark"): a host passes its environment to its workers,
 * and a worker to its ffmpeg and ffprobe, so a process keeps the mark even after its parent died
 * and init adopted it. Other test runs on the same machine carry other marks (or none), so a scan
 * of /proc for one mark finds this scenario's processes and nobody else's. Linux only.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { isAlive } from '../../../src-main/engine/process-liveness.ts';

// The scenarios ask about liveness here, beside the other /proc questions; the check is the host's.
export { isAlive };

export const MARK_VARIABLE = 'STORYCORE_CHAOS_MARK';

export function newMark(scenario: string): string {
  return `${scenario}-${process.pid}-${randomBytes(4).toString('hex')}`;
}

/** The test's environment plus the mark; pass it to whatever the scenario spawns. */
export function markedEnv(mark: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { ...process.env, ...extra, [MARK_VARIABLE]: mark };
}

export interface MarkedProcess {
  pid: number;
  /** The command line, for the failure message. */
  command: string;
}

/** Live processes (zombies excluded) that carry the mark, or a mark starting with `prefix*`. */
export function processesMarked(mark: string): MarkedProcess[] {
  const wildcard = mark.endsWith('*');
  const needle = `${MARK_VARIABLE}=${wildcard ? mark.slice(0, -1) : mark}`;
  const found: MarkedProcess[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (pid === process.pid) continue;
    try {
      const environ = readFileSync(`/proc/${entry}/environ`, 'latin1').split('\0');
      const hit = environ.some((v) => (wildcard ? v.startsWith(needle) : v === needle));
      if (!hit || !isAlive(pid)) continue;
      found.push({ pid, command: commandLine(pid) });
    } catch {
      // Exited while we looked, or not ours to read.
    }
  }
  return found;
}

/** Children, grandchildren... of a pid, read from /proc. */
export function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(parent, [...(children.get(parent) ?? []), Number(entry)]);
    } catch {
      // exited while we looked
    }
  }
  const found: number[] = [];
  const walk = (pid: number) => {
    for (const child of children.get(pid) ?? []) {
      found.push(child);
      walk(child);
    }
  };
  walk(root);
  return found;
}

/** The executable's name of a live process ('ffmpeg', 'node'...), or undefined. */
export function commandName(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** The command line of a live process, or '' once it is gone. */
export function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'latin1').split('\0').join(' ').trim();
  } catch {
    return '';
  }
}

/** Sends a signal, ignoring a process that is already gone. */
export function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // ESRCH: gone already.
  }
}
