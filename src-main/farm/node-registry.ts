/**
 * The coordinator's view of the live nodes: the heartbeat keys that exist, read every heartbeat
 * interval. A node whose key has expired is gone; while Redis cannot be read, the last view ages
 * out after a key's lifetime, so that a coordinator cut off from its farm renders locally.
 */
import type { Redis } from 'ioredis';
import { farmKeys } from './farm-keys.ts';
import { type NodeHeartbeat, NodeHeartbeatSchema } from './farm-messages.ts';
import { type FarmTimings, heartbeatTtlMs } from './farm-timings.ts';

export class NodeRegistry {
  private readonly probe: Redis;
  private readonly timings: FarmTimings;
  private readonly onChange: () => void;
  private nodes: NodeHeartbeat[] = [];
  /** Monotonic time of the last successful read. */
  private readAt = -Infinity;
  private timer: NodeJS.Timeout | undefined;
  private reading = false;

  constructor(probe: Redis, timings: FarmTimings, onChange: () => void) {
    this.probe = probe;
    this.timings = timings;
    this.onChange = onChange;
  }

  start(): Promise<void> {
    this.timer = setInterval(() => void this.read(), this.timings.heartbeatMs);
    this.timer.unref();
    return this.read();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** The live nodes, as last read (none once the last read is older than a heartbeat's lifetime). */
  live(): NodeHeartbeat[] {
    return performance.now() - this.readAt > heartbeatTtlMs(this.timings) ? [] : this.nodes;
  }

  /** Chunks the live nodes can run at once. */
  capacity(): number {
    return this.live().reduce((n, node) => n + node.workers, 0);
  }

  /** The slowest BullMQ timings of the live nodes (ours while none is): how long a cancelled chunk may take to end. */
  nodeTimings(): FarmTimings {
    const live = this.live();
    if (live.length === 0) return this.timings;
    return {
      ...this.timings,
      lockDurationMs: Math.max(...live.map((n) => n.lockDurationMs)),
      stalledIntervalMs: Math.max(...live.map((n) => n.stalledIntervalMs)),
    };
  }

  private async read(): Promise<void> {
    if (this.reading) return;
    this.reading = true;
    try {
      const keys: string[] = [];
      let cursor = '0';
      do {
        const [next, batch] = await this.probe.scan(cursor, 'MATCH', farmKeys.nodePattern, 'COUNT', 200);
        cursor = next;
        keys.push(...batch);
      } while (cursor !== '0');
      const values = keys.length ? await this.probe.mget(...keys) : [];
      const nodes: NodeHeartbeat[] = [];
      for (const value of values) {
        if (value === null) continue;
        // A key someone else wrote, or a newer build's, is not a node this coordinator can use.
        const parsed = NodeHeartbeatSchema.safeParse(safeJson(value));
        if (parsed.success) nodes.push(parsed.data);
      }
      nodes.sort((a, b) => a.name.localeCompare(b.name));
      this.nodes = nodes;
      this.readAt = performance.now();
    } catch {
      // Unreadable now: live() ages the last view out.
    } finally {
      this.reading = false;
      this.onChange();
    }
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
