/**
 * Whether a process still runs, by pid. Signal 0 says whether the pid exists (and may be signalled),
 * but a zombie (dead, not yet reaped by its parent) exists too; /proc tells the two apart on Linux.
 * Shared by the host (is a recorded worker still there?) and the tests that check nothing outlived them.
 */
import { readFileSync } from 'node:fs';

/** Whether a process runs. A zombie counts as gone; where there is no /proc, existing is running. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    // On Linux the process exited between the two looks; elsewhere there is nothing more to ask.
    return process.platform !== 'linux';
  }
}
