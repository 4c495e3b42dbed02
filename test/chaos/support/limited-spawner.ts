/**
 * Real workers started under a file-size limit (RLIMIT_FSIZE, through util-linux's prlimit), which
 * their ffmpeg inherits: a write past the limit fails as a write to a full disk would, and ffmpeg
 * gets SIGXFSZ. Everything else is as NodeWorkerSpawner does it: the worker leads its own process
 * group, speaks over an IPC channel (prlimit execs node in place, so the channel's descriptor and
 * NODE_CHANNEL_FD carry over), and is killed with its group.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { defaultWorkerPath, type WorkerHandle, type WorkerSpawner } from '../../../src-main/engine/worker-spawner.ts';

/** Null when prlimit is missing, with the reason to print when skipping. */
export function prlimitMissing(): string | null {
  const probe = spawnSync('prlimit', ['--version'], { encoding: 'utf8' });
  return probe.status === 0 ? null : 'prlimit (util-linux) is not installed, so a worker cannot be given RLIMIT_FSIZE';
}

export class FileSizeLimitedSpawner implements WorkerSpawner {
  private readonly maxFileBytes: number;
  private readonly env: NodeJS.ProcessEnv;

  constructor(maxFileBytes: number, env: NodeJS.ProcessEnv) {
    this.maxFileBytes = maxFileBytes;
    this.env = env;
  }

  spawn(): WorkerHandle {
    const worker = defaultWorkerPath(new URL('../../../src-main/engine/worker-spawner.ts', import.meta.url).href);
    const child = spawn('prlimit', [`--fsize=${this.maxFileBytes}`, '--', process.execPath, worker], {
      env: this.env,
      detached: true,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      serialization: 'json',
    });
    return new LimitedWorker(child);
  }
}

class LimitedWorker implements WorkerHandle {
  private readonly child: ChildProcess;
  private readonly exitListeners: Array<(code: number | null, signal: string | null) => void> = [];
  private exited = false;

  constructor(child: ChildProcess) {
    this.child = child;
    child.on('exit', (code, signal) => this.finish(code, signal));
    child.on('error', () => {
      if (child.pid === undefined) this.finish(null, null);
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  send(message: unknown): void {
    if (this.child.connected) this.child.send(message as object, () => {});
  }

  onMessage(listener: (message: unknown) => void): void {
    this.child.on('message', listener);
  }

  onExit(listener: (code: number | null, signal: string | null) => void): void {
    if (this.exited) listener(this.child.exitCode, this.child.signalCode);
    else this.exitListeners.push(listener);
  }

  kill(): void {
    const pid = this.child.pid;
    if (pid === undefined) return;
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // The group is empty already.
    }
    if (!this.exited) this.child.kill('SIGKILL');
  }

  private finish(code: number | null, signal: string | null): void {
    if (this.exited) return;
    this.exited = true;
    for (const listener of this.exitListeners.splice(0)) listener(code, signal);
  }
}
