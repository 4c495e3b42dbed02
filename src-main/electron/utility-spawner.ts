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

  constructor(child: UtilityProcess) {
    this.child = child;
    child.once('exit', () => {
      this.exited = true;
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  send(message: unknown): void {
    if (!this.exited) this.child.postMessage(message);
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
