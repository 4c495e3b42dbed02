import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command, EventBatch, Job } from '../../src-preload/contract.ts';
import { Studio, type StudioOptions } from '../../src-main/host/studio.ts';

export const demoProjectPath = fileURLToPath(new URL('../../resources/demo/project.json', import.meta.url));

/** A tiny inline project: 96x54, one second, generated keyframes; renders in a second or two. */
export function tinyProject(ids: string[], over: Record<string, unknown> = {}) {
  return {
    version: 1 as const,
    name: 'tiny',
    quality: 'draft' as const,
    shots: ids.map((id) => ({
      id,
      duration: 1,
      fps: 12,
      resolution: { width: 96, height: 54 },
      keyframes: [{ generator: 'testsrc2' as const }],
      interpolation: { method: 'blend' as const, sourceFps: 6 },
      ...over,
    })),
  };
}

export async function openStudio(over: Partial<StudioOptions> = {}) {
  const dataDir = over.dataDir ?? (await mkdtemp(join(tmpdir(), 'storycore-host-')));
  const studio = await Studio.open({ dataDir, demoProjectPath, workers: 2, retry: { maxAttempts: 2, baseDelayMs: 20, maxDelayMs: 50 }, monitorIntervalMs: 500, ...over });
  const batches: EventBatch[] = [];
  const unsubscribe = studio.subscribe((b) => batches.push(b));
  const send = async (command: Command, actor = 'tester') => {
    const reply = await studio.execute(command, actor);
    if (!reply.ok) throw new Error(`${command.type}: ${reply.error.code}: ${reply.error.message}`);
    return reply.result;
  };
  const job = (id: string): Job => studio.queue.get(id)!;
  const cleanup = async (removeData = true) => {
    unsubscribe();
    await studio.close();
    if (removeData) await rm(dataDir, { recursive: true, force: true });
  };
  return { studio, dataDir, batches, send, job, cleanup };
}

export async function until<T>(probe: () => T | undefined | false, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
