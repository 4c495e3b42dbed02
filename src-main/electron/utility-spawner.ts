/**
 * Workers as Electron utility processes, behind the same WorkerSpawner interface the Node host uses
 * (child_process.fork), so the pool never knows which host it runs under. Each worker gets its own
 * serviceName, which names it in the OS task manager and in crash reports.
 */
import { utilityProcess, type UtilityProcess } from 'electron';
import type { WorkerHandle, WorkerSpawner } from '../engine/worker-spawner.ts';

export class UtilityWorkerSpawner implements WorkerSpawner {
  private readonly workerPath: string;
  private count = 0;

  constructor(workerPath: string) {
    this.workerPath = workerPath;
  }

  spawn(): WorkerHandle {
    const child = utilityProcess.fork(this.workerPath, [], { serviceName: `StoryCore worker ${++this.count}`, stdio: 'inherit' });
    return new UtilityWorker(child);
  }
}

class UtilityWorker implements WorkerHandle {
  private readonly child: UtilityProcess;
  private exited = false;
  /** Set by a fatal error: the worker is going down, so nothing more is sent to it. */
  private failed = false;

  constructor(child: UtilityProcess) {
    this.child = child;
    child.once('exit', () => {
      this.exited = true;
    });
    // A UtilityProcess is an EventEmitter: an 'error' nobody listens to would throw in the main
    // process. Electron emits 'exit' after it in any case, and that exit is what the pool acts on
    // (replacing the worker, failing its task); the kill makes sure the process really ends.
    child.on('error', (type, location) => {
      this.failed = true;
      console.error(`a StoryCore worker (pid ${child.pid ?? 'unknown'}) hit a ${type} at ${location}; it is ended and replaced`);
      this.kill();
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  send(message: unknown): void {
    if (!this.exited && !this.failed) this.child.postMessage(message);
  }

  onMessage(listener: (message: unknown) => void): void {
    this.child.on('message', listener);
  }

  onExit(listener: (code: number | null, signal: string | null) => void): void {
    // Utility processes report an exit code only; a kill shows as a non-zero code.
    this.child.once('exit', (code) => listener(code, null));
  }

  /**
   * utilityProcess.kill() sends SIGTERM, which a hung worker may never act on; SIGKILL by pid ends it.
   * There are no process groups here: the pool also kills the worker's known ffmpeg pid.
   */
  kill(): void {
    const pid = this.child.pid;
    if (pid === undefined || this.exited) return;
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      this.child.kill();
    }
  }
}
