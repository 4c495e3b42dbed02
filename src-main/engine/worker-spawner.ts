/**
 * How the WorkerPool gets a process: a spawner hands out WorkerHandles. This file has the Node one
 * (child_process.fork); the Electron shell can add a utilityProcess one behind the same interface,
 * so the pool itself never knows which host it runs under.
 */
import { type ChildProcess, type SpawnOptions, fork, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** One worker process, as the pool sees it. */
export interface WorkerHandle {
  /** Undefined only when the process could not be started (onExit follows). */
  readonly pid: number | undefined;
  send(message: unknown): void;
  onMessage(listener: (message: unknown) => void): void;
  /** Called once, when the process has exited (or failed to start: code and signal null). */
  onExit(listener: (code: number | null, signal: string | null) => void): void;
  /**
   * SIGKILLs the worker and everything it started (its ffmpeg). Safe to call after the worker has
   * exited: it then reaps whatever the worker left behind.
   */
  kill(): void;
  /**
   * Whether this worker may keep the host alive. The pool lets go of idle workers, so a host that
   * forgets close() still exits; busy ones hold on, so a host never quits under a running task.
   * Optional: hosts without the notion (Electron's main process) leave it out.
   */
  setKeepAlive?(keepAlive: boolean): void;
}

export interface WorkerSpawner {
  spawn(): WorkerHandle;
}

export interface NodeSpawnerOptions {
  /** The worker entry; defaults to defaultWorkerPath(). */
  workerPath?: string;
  /** The worker's environment; defaults to the host's. */
  env?: NodeJS.ProcessEnv;
  /** Node flags for the worker; empty by default, so a test runner's own flags are not inherited. */
  execArgv?: string[];
  /** Where the worker's stdout and stderr go; the host's by default, so its crashes are seen. */
  output?: 'inherit' | 'ignore';
  /**
   * A command the worker runs under, such as prlimit to give it (and its ffmpeg) resource limits:
   * the worker starts as `command ...args node ...execArgv workerPath`. The command must exec node
   * in place (as prlimit, nice or taskset do), so that the IPC channel's descriptor carries over and
   * the pid the pool sees is the worker's own.
   */
  prefix?: { command: string; args: readonly string[] };
}

/**
 * The worker entry next to this module: src-main/worker.ts when run from source (Node runs it
 * natively), worker.js beside the bundle when built (or one folder up, if this module landed in a
 * shared chunk folder).
 */
export function defaultWorkerPath(moduleUrl: string = import.meta.url): string {
  if (moduleUrl.endsWith('.ts')) return fileURLToPath(new URL('../worker.ts', moduleUrl));
  const beside = fileURLToPath(new URL('./worker.js', moduleUrl));
  const above = fileURLToPath(new URL('../worker.js', moduleUrl));
  return existsSync(beside) || !existsSync(above) ? beside : above;
}

/** Spawns workers with child_process.fork (or under a prefix command), each leading its own process group. */
export class NodeWorkerSpawner implements WorkerSpawner {
  private readonly options: NodeSpawnerOptions;

  constructor(options: NodeSpawnerOptions = {}) {
    this.options = options;
  }

  spawn(): WorkerHandle {
    const output = this.options.output ?? 'inherit';
    const workerPath = this.options.workerPath ?? defaultWorkerPath();
    const execArgv = this.options.execArgv ?? [];
    // detached: the worker leads a process group that its ffmpeg joins, so one group kill takes both,
    // even after the worker itself has died and left ffmpeg orphaned. (Windows has no process
    // groups, and there detached would open a console window; the pool kills ffmpeg by pid there.)
    const options = {
      env: this.options.env ?? process.env,
      detached: process.platform !== 'win32',
      windowsHide: true,
      stdio: ['ignore', output, output, 'ipc'],
      serialization: 'json',
    } satisfies SpawnOptions;
    const prefix = this.options.prefix;
    const child = prefix
      ? spawn(prefix.command, [...prefix.args, process.execPath, ...execArgv, workerPath], options)
      : fork(workerPath, [], { ...options, execArgv });
    return new WorkerProcess(child);
  }
}

/** A worker started by this spawner (forked, or spawned under a prefix command) as the pool sees it. */
class WorkerProcess implements WorkerHandle {
  private readonly child: ChildProcess;
  private exitListeners: Array<(code: number | null, signal: string | null) => void> = [];
  private exited = false;

  constructor(child: ChildProcess) {
    this.child = child;
    child.on('exit', (code, signal) => this.finish(code, signal));
    // A failed spawn emits 'error' and never 'exit'; a failed send emits 'error' on a live child,
    // which must not become an uncaught exception in the host.
    child.on('error', () => {
      if (child.pid === undefined) this.finish(null, null);
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  send(message: unknown): void {
    if (!this.child.connected) return;
    // The callback turns a send that races the worker's death into a no-op; onExit reports the death.
    this.child.send(message as object, () => {});
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
      if (process.platform === 'win32') this.child.kill('SIGKILL');
      else process.kill(-pid, 'SIGKILL');
    } catch {
      // ESRCH: the group is empty, nothing left to kill.
    }
    if (!this.exited) this.child.kill('SIGKILL');
  }

  setKeepAlive(keepAlive: boolean): void {
    if (this.exited) return;
    if (keepAlive) {
      this.child.ref();
      this.child.channel?.ref();
    } else {
      this.child.unref();
      this.child.channel?.unref();
    }
  }

  private finish(code: number | null, signal: string | null): void {
    if (this.exited) return;
    this.exited = true;
    const listeners = this.exitListeners;
    this.exitListeners = [];
    for (const listener of listeners) listener(code, signal);
  }
}
