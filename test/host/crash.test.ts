import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { CommandReply, Job, Snapshot } from '../../src-preload/contract.ts';
import { isAlive } from '../fixtures/stage-tasks.ts';
import { until } from './helpers.ts';

const cli = fileURLToPath(new URL('../../src-main/cli.ts', import.meta.url));
const TOKEN = 'crash-test-token-0123456789';
const hosts: ChildProcess[] = [];
let dataDir = '';

afterEach(async () => {
  for (const host of hosts.splice(0)) if (host.exitCode === null) host.kill('SIGKILL');
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

async function startHost(): Promise<{ host: ChildProcess; base: string }> {
  const host = spawn(process.execPath, [cli, 'serve', '--port', '0', '--data', dataDir, '--token', TOKEN, '--workers', '2'], { stdio: ['ignore', 'pipe', 'pipe'] });
  hosts.push(host);
  let output = '';
  host.stderr!.on('data', (d: Buffer) => (output += d));
  const base = await new Promise<string>((resolve, reject) => {
    host.stdout!.on('data', (d: Buffer) => {
      output += d;
      const match = /open (http:\/\/[^/\s]+)\//.exec(output);
      if (match) resolve(match[1]!);
    });
    host.once('exit', (code) => reject(new Error(`host exited (${code}) before serving:\n${output}`)));
  });
  return { host, base };
}

async function command(base: string, body: unknown): Promise<CommandReply> {
  const response = await fetch(`${base}/api/command`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify({ command: body }) });
  return (await response.json()) as CommandReply;
}

async function snapshot(base: string): Promise<Snapshot> {
  const reply = await command(base, { type: 'snapshot' });
  if (!reply.ok) throw new Error(reply.error.message);
  return reply.result as Snapshot;
}

/** Children and grandchildren of a pid (workers, and their ffmpeg), read from /proc. */
function descendants(root: number): number[] {
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // exited while we looked
    }
  }
  const found: number[] = [];
  const walk = (pid: number) => {
    for (const [child, parent] of parents) if (parent === pid) found.push(child), walk(child);
  };
  walk(root);
  return found;
}

describe('crash safety', () => {
  it('survives SIGKILL mid-render: jobs kept, no stray processes, partial work redone, the render completes', async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'storycore-crash-'));
    const first = await startHost();
    const enqueued = await command(first.base, { type: 'enqueue', demo: true });
    expect(enqueued.ok).toBe(true);
    const jobs = (enqueued as { result: Job[] }).result;
    expect(jobs).toHaveLength(3);

    let running: Job[] = [];
    const deadline = Date.now() + 60_000;
    while (running.length === 0 || !running.some((j) => j.stage === 'interpolation')) {
      if (Date.now() > deadline) throw new Error('no job reached interpolation');
      await new Promise((resolve) => setTimeout(resolve, 100));
      running = (await snapshot(first.base)).jobs.filter((j) => j.status === 'running');
    }
    const children = descendants(first.host.pid!);
    expect(children.length).toBeGreaterThan(0);

    first.host.kill('SIGKILL');
    await new Promise((resolve) => first.host.once('exit', resolve));
    await until(() => children.every((pid) => !isAlive(pid)), 10_000, 'every worker and ffmpeg of the dead host gone');

    const second = await startHost();
    const final = await (async () => {
      const end = Date.now() + 150_000;
      for (;;) {
        const snap = await snapshot(second.base);
        const ours = snap.jobs.filter((j) => jobs.some((q) => q.id === j.id));
        if (ours.every((j) => j.status === 'done' || j.status === 'failed')) return ours;
        if (Date.now() > end) throw new Error(`render did not complete: ${JSON.stringify(ours.map((j) => [j.shotId, j.status]))}`);
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    })();
    expect(final).toHaveLength(3);
    for (const job of final) {
      expect(job.status, `${job.shotId}: ${job.error}`).toBe('done');
      expect(existsSync(job.output!)).toBe(true);
      expect(existsSync(job.sidecar!)).toBe(true);
    }
    for (const interrupted of running) {
      expect(final.find((j) => j.id === interrupted.id)!.attempts).toBeGreaterThanOrEqual(2);
    }
    const audit = (await snapshot(second.base)).audit;
    expect(audit.find((e) => e.action === 'recover')).toMatchObject({ detail: { requeuedJobs: expect.arrayContaining(running.map((j) => j.id)) } });

    second.host.kill('SIGTERM');
    const secondChildren = descendants(second.host.pid!);
    await new Promise((resolve) => second.host.once('exit', resolve));
    await until(() => secondChildren.every((pid) => !isAlive(pid)), 10_000, 'the second host’s workers gone');
  }, 240_000);
});
