/**
 * The Studio host as its own process (`cli.ts serve`), driven over its HTTP API, as an operator's
 * browser would: for the scenarios that kill or refuse the host itself.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Command, CommandReply, Snapshot } from '../../../src-preload/contract.ts';
import { monotonic } from './timing.ts';

const cli = fileURLToPath(new URL('../../../src-main/cli.ts', import.meta.url));
export const TOKEN = 'chaos-suite-token-0123456789';

export interface ServeHost {
  child: ChildProcess;
  base: string;
  startupMs: number;
  output: () => string;
  send: (command: Command) => Promise<unknown>;
  snapshot: () => Promise<Snapshot>;
  /** Resolves with the exit code and signal once the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Spawns the host and waits until it serves; rejects with its output if it exits first. */
export async function startServeHost(dataDir: string, env: NodeJS.ProcessEnv, workers = 2, timeoutMs = 60_000): Promise<ServeHost> {
  const started = monotonic();
  const child = spawn(process.execPath, [cli, 'serve', '--port', '0', '--data', dataDir, '--token', TOKEN, '--workers', String(workers)], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d));
  child.stderr!.on('data', (d: Buffer) => (output += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const base = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`host not serving after ${timeoutMs} ms:\n${output}`)), timeoutMs);
    const look = () => {
      const match = /open (http:\/\/[^/\s]+)\//.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout!.on('data', look);
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`host exited (code ${code}, signal ${signal}) before serving:\n${output}`));
    });
  });
  const send = async (command: Command): Promise<unknown> => {
    const response = await fetch(`${base}/api/command`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ command }),
    });
    const reply = (await response.json()) as CommandReply;
    if (!reply.ok) throw new Error(`${command.type}: ${reply.error.code}: ${reply.error.message}`);
    return reply.result;
  };
  return { child, base, startupMs: monotonic() - started, output: () => output, send, snapshot: () => send({ type: 'snapshot' }) as Promise<Snapshot>, exited };
}

/** Runs the host expecting it to refuse to start; resolves with its exit code, output and time. */
export function runRefusedHost(dataDir: string, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<{ code: number | null; signal: NodeJS.Signals | null; output: string; ms: number }> {
  const started = monotonic();
  const child = spawn(process.execPath, [cli, 'serve', '--port', '0', '--data', dataDir, '--token', TOKEN, '--workers', '1'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d));
  child.stderr!.on('data', (d: Buffer) => (output += d));
  // A host that hangs instead of refusing is killed at the limit, and the test sees signal SIGKILL.
  const limit = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      clearTimeout(limit);
      resolve({ code, signal, output, ms: monotonic() - started });
    });
  });
}
