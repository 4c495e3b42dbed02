/**
 * Render nodes for the farm tests: each a real `storycore node` process, its JSON log read line by
 * line, so a test can see which chunks it took, finished and lost, and the pids of its workers
 * and ffmpeg runs (to check that nothing outlives it).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { isAlive } from '../../src-main/engine/process-liveness.ts';
import { CLI_ENTRY } from '../cli-process.ts';

export interface NodeLine {
  type: string;
  node: string;
  at: number;
  chunk?: string;
  attempt?: number;
  output?: string;
  pid?: number;
  why?: string;
  detail?: string;
  [key: string]: unknown;
}

export interface NodeTimingArgs {
  lockMs: number;
  stalledMs: number;
  heartbeatMs: number;
}

/** Timings that make a lost node cost seconds, not minutes, yet leave a loaded machine room to renew. */
export const FAST_FARM: NodeTimingArgs = { lockMs: 4000, stalledMs: 1000, heartbeatMs: 500 };

export class NodeProcess {
  readonly name: string;
  readonly child: ChildProcess;
  readonly lines: NodeLine[] = [];
  readonly exited: Promise<number | null>;
  stderr = '';

  constructor(name: string, child: ChildProcess) {
    this.name = name;
    this.child = child;
    let buffer = '';
    child.stdout!.on('data', (data: Buffer) => {
      buffer += data.toString();
      let at: number;
      while ((at = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, at);
        buffer = buffer.slice(at + 1);
        try {
          this.lines.push(JSON.parse(line) as NodeLine);
        } catch {
          // Not a log line (nothing else is printed, but a stray line must not break the test).
        }
      }
    });
    child.stderr!.on('data', (data: Buffer) => (this.stderr += data.toString()));
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  of(type: string): NodeLine[] {
    return this.lines.filter((l) => l.type === type);
  }

  /** Worker and ffmpeg pids this node reported. */
  pids(): number[] {
    return [...this.of('worker'), ...this.of('ffmpeg')].map((l) => l.pid!).filter((pid) => pid > 0);
  }

  alivePids(): number[] {
    return this.pids().filter(isAlive);
  }

  async waitFor(predicate: (line: NodeLine) => boolean, timeoutMs: number, what: string): Promise<NodeLine> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.lines.find(predicate);
      if (found) return found;
      if (this.child.exitCode !== null) throw new Error(`node ${this.name} exited (${this.child.exitCode}) before ${what}:\n${this.stderr}`);
      if (Date.now() > deadline) throw new Error(`node ${this.name}: timed out after ${timeoutMs} ms waiting for ${what}\n${this.stderr}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  /** Asks it to stop (its chunks go back to the farm) and waits for it. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGTERM');
    const late = setTimeout(() => this.child.kill('SIGKILL'), 15_000);
    await this.exited;
    clearTimeout(late);
  }
}

export async function startNode(url: string, options: { name: string; workers: number; shared: string; env?: NodeJS.ProcessEnv; args?: string[] } & NodeTimingArgs): Promise<NodeProcess> {
  const args = [CLI_ENTRY, 'node', '--farm', url, '--name', options.name, '--workers', String(options.workers), '--shared', options.shared, ...(options.args ?? [])];
  args.push('--lock-ms', String(options.lockMs), '--stalled-ms', String(options.stalledMs), '--heartbeat-ms', String(options.heartbeatMs));
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...options.env } });
  const node = new NodeProcess(options.name, child);
  await node.waitFor((l) => l.type === 'started', 20_000, 'its start');
  return node;
}
