/**
 * Real workers started under a file-size limit (RLIMIT_FSIZE, through util-linux's prlimit), which
 * their ffmpeg inherits: a write past the limit fails as a write to a full disk would, and ffmpeg
 * gets SIGXFSZ. Everything else is the real spawner's: prlimit execs node in place, so the worker
 * keeps its IPC channel and its pid, leads its own process group and is killed with it.
 */
import { spawnSync } from 'node:child_process';
import { NodeWorkerSpawner } from '../../../src-main/engine/worker-spawner.ts';

/** Null when prlimit is missing, with the reason to print when skipping. */
export function prlimitMissing(): string | null {
  const probe = spawnSync('prlimit', ['--version'], { encoding: 'utf8' });
  return probe.status === 0 ? null : 'prlimit (util-linux) is not installed, so a worker cannot be given RLIMIT_FSIZE';
}

export class FileSizeLimitedSpawner extends NodeWorkerSpawner {
  constructor(maxFileBytes: number, env: NodeJS.ProcessEnv) {
    super({ env, prefix: { command: 'prlimit', args: [`--fsize=${maxFileBytes}`, '--'] } });
  }
}
