import type { AssetStore } from '../host/asset-store.ts';
import type { CircuitStats, CommandReply, EventBatch, JobStatus } from '../../src-preload/contract.ts';
import type { RetryStats } from '../engine/retry-tally.ts';
import type { NodesView } from '../engine/nodes-view.ts';

/** The studio as every door sees it: the host, or a wrapper of it (withMediaUrls), or a test's fake. */
export interface StudioPort {
  /** Validates (zod) and runs one command for `actor`; never throws: errors come back as { ok: false }. */
  execute(command: unknown, actor: string): Promise<CommandReply>;
  /** A subscriber gets batches (first one carries a snapshot). isBackedUp lets the bus hold back and coalesce for a slow client. */
  subscribe(listener: (batch: EventBatch) => void, options?: { isBackedUp?: () => boolean }): () => void;
  circuitStats(): Record<string, CircuitStats>;
  queueCounts(): Record<JobStatus, number>;
  /** How the stages' retry loops ended, per stage and resilience4j kind; none when absent (a port without retries). */
  retryStats?(): RetryStats;
  /** Absolute folders whose files the media route may serve (the finished renders); none when absent. */
  mediaRoots?(): string[];
  /** The render farm's nodes and chunk counts (serve --farm); absent in embedded mode, so /metrics has no farm series. */
  readonly nodes?: (() => Promise<NodesView>) | undefined;
  /** Where uploaded pictures are kept; a door without it accepts no uploads. */
  assetStore?(): AssetStore;
}

/**
 * One command through the port, for the doors (HTTP, WebSocket, IPC). The port promises never to
 * throw; one that breaks the promise (throws at once or rejects) still answers, as an internal
 * error, so no client is left waiting and no invoke rejects.
 */
export async function executeOrExplain(studio: StudioPort, command: unknown, actor: string): Promise<CommandReply> {
  try {
    return await studio.execute(command, actor);
  } catch (error) {
    return { ok: false, error: { code: 'internal', message: `the studio failed: ${error instanceof Error ? error.message : String(error)}` } };
  }
}
