/**
 * The worker processes of this host, written to a file in the data folder, so that a host starting
 * after a crash can find and end whatever the dead one left running. Workers already exit when
 * their host disappears; this is the second line, for a worker that hung and never noticed.
 * Each worker leads its own process group (its ffmpeg joins it), so one group kill ends both.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { isAlive } from '../engine/process-liveness.ts';

const Entries = z.array(z.object({ pid: z.number().int().positive(), startedAt: z.number() }));
type Entry = z.infer<typeof Entries>[number];

export class ProcessRegistry {
  private readonly file: string;
  private readonly entries = new Map<number, Entry>();

  constructor(dataDir: string) {
    this.file = join(dataDir, 'processes.json');
  }

  add(pid: number): void {
    this.entries.set(pid, { pid, startedAt: Date.now() });
    this.save();
  }

  remove(pid: number): void {
    if (this.entries.delete(pid)) this.save();
  }

  /**
   * Ends the process groups a previous host recorded, if they still run a studio worker (a pid may
   * have been reused by something else since: that one is left alone). Returns the pids ended.
   */
  reapLeftovers(): number[] {
    let recorded: Entry[] = [];
    try {
      recorded = Entries.parse(JSON.parse(readFileSync(this.file, 'utf8')));
    } catch {
      // No file, or one we cannot read: nothing recorded to reap.
    }
    const ended: number[] = [];
    for (const { pid } of recorded) {
      if (!isStudioWorker(pid)) continue;
      try {
        process.kill(-pid, 'SIGKILL');
        ended.push(pid);
      } catch {
        try {
          process.kill(pid, 'SIGKILL');
          ended.push(pid);
        } catch {
          // Gone between the check and the kill.
        }
      }
    }
    this.save();
    return ended;
  }

  private save(): void {
    const temp = `${this.file}.partial`;
    writeFileSync(temp, JSON.stringify([...this.entries.values()]));
    renameSync(temp, this.file);
  }
}

function isStudioWorker(pid: number): boolean {
  if (!isAlive(pid)) return false;
  try {
    // Linux: the command line says whether this pid is still one of our workers.
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return /worker\.(ts|js)/.test(cmdline);
  } catch {
    // Elsewhere we cannot tell a reused pid from ours; leave it rather than kill a stranger.
    return false;
  }
}
