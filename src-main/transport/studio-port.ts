import type { CircuitStats, CommandReply, EventBatch, JobStatus } from '../../src-preload/contract.ts';
export interface StudioPort {
  /** Validates (zod) and runs one command for `actor`; never throws: errors come back as { ok: false }. */
  execute(command: unknown, actor: string): Promise<CommandReply>;
  /** A subscriber gets batches (first one carries a snapshot). isBackedUp lets the bus hold back and coalesce for a slow client. */
  subscribe(listener: (batch: EventBatch) => void, options?: { isBackedUp?: () => boolean }): () => void;
  circuitStats(): Record<string, CircuitStats>;
  queueCounts(): Record<JobStatus, number>;
  /** Absolute folders whose files the media route may serve (the finished renders); none when absent. */
  mediaRoots?(): string[];
}
