import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach } from 'vitest';
import type { Command, CommandResults, EventBatch, Job } from '../../src-preload/contract.ts';
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
  /** Runs a command that must succeed, and answers its result (typed per command). */
  const send = async <C extends Command>(command: C, actor = 'tester'): Promise<CommandResults[C['type']]> => {
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

/**
 * Registers an afterEach that runs the cleanup the test handed over last (if any); returns the
 * function to hand it over with. A cleanup runs once, even if it throws.
 */
export function cleanupAfterEach(): (cleanup: () => Promise<void>) => void {
  let pending: (() => Promise<void>) | undefined;
  afterEach(async () => {
    const cleanup = pending;
    pending = undefined;
    await cleanup?.();
  });
  return (cleanup) => {
    pending = cleanup;
  };
}

/**
 * One studio per test: `setup` opens it, and it is closed, its data folder removed, after the test
 * however the test ended. A test that reopens a data folder itself hands `closeAfter` what to close.
 */
export function studioPerTest() {
  const closeAfter = cleanupAfterEach();
  const setup = async (...args: Parameters<typeof openStudio>) => {
    const opened = await openStudio(...args);
    closeAfter(() => opened.cleanup());
    return opened;
  };
  return { setup, closeAfter };
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
