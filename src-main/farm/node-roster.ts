/**
 * The farm's nodes as the window shows them (the `nodes` command) and the coordinator's `/metrics`
 * counts them: every node seen live since the coordinator started, in three states, with its
 * blocklists and BullMQ's chunk counts.
 *
 * A node's age is read from Redis's own clock (the heartbeat key's TTL is three of the node's beats,
 * so its PTTL says how long ago it was renewed), never from the node's clock, which may be off.
 * Nodes whose key has gone are remembered, as gone, for GONE_KEPT_MS after they were last seen.
 */
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { FleetNode, FleetQueueCounts, NodesView } from '../engine/nodes-view.ts';
import { farmKeys } from './farm-keys.ts';
import { type NodeHeartbeat, NodeHeartbeatSchema } from './farm-messages.ts';
import type { FarmTimings } from './farm-timings.ts';
import type { NodeRegistry } from './node-registry.ts';

/** How long a gone node stays on the roster. */
export const GONE_KEPT_MS = 15 * 60_000;
/** A node is stale once its last beat is older than this many of its beats. */
export const STALE_AFTER_BEATS = 1.5;
const COUNTED = ['waiting', 'active', 'delayed', 'completed', 'failed', 'prioritized'] as const;

interface Seen {
  beat: NodeHeartbeat;
  /** Epoch ms (the coordinator's) it was last seen live. */
  seenAt: number;
}

export interface RosterParts {
  probe: Redis;
  queue: Queue;
  registry: NodeRegistry;
  timings: FarmTimings;
  address: string;
}

/** Seconds-old state from a heartbeat key's remaining life: live, or stale after a missed beat. */
export function stateOfBeat(sinceBeatMs: number, heartbeatMs: number): 'live' | 'stale' {
  return sinceBeatMs > STALE_AFTER_BEATS * heartbeatMs ? 'stale' : 'live';
}

/** Blocklist entries (`node|stage` per job) gathered per node. */
export function blocklistsByNode(byJob: ReadonlyMap<string, readonly string[]>): Map<string, Array<{ job: string; stage: string }>> {
  const out = new Map<string, Array<{ job: string; stage: string }>>();
  for (const [job, entries] of byJob) {
    for (const entry of entries) {
      const bar = entry.lastIndexOf('|');
      if (bar <= 0) continue;
      const node = entry.slice(0, bar);
      const list = out.get(node) ?? [];
      list.push({ job, stage: entry.slice(bar + 1) });
      out.set(node, list);
    }
  }
  for (const list of out.values()) list.sort((a, b) => a.job.localeCompare(b.job) || a.stage.localeCompare(b.stage));
  return out;
}

export class NodeRoster {
  private readonly parts: RosterParts;
  private readonly seen = new Map<string, Seen>();
  private timer: NodeJS.Timeout | undefined;

  constructor(parts: RosterParts) {
    this.parts = parts;
  }

  /** Remembers the registry's live nodes every beat, so that one that dies between two looks is still named. */
  start(): void {
    this.remember();
    this.timer = setInterval(() => this.remember(), this.parts.timings.heartbeatMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private remember(): void {
    const now = Date.now();
    for (const beat of this.parts.registry.live()) this.seen.set(beat.name, { beat, seenAt: now });
    for (const [name, seen] of this.seen) if (now - seen.seenAt > GONE_KEPT_MS) this.seen.delete(name);
  }

  /** BullMQ's chunk counts, or null when Redis does not answer. */
  async queueCounts(): Promise<FleetQueueCounts | null> {
    try {
      const counts = await this.parts.queue.getJobCounts(...COUNTED);
      return Object.fromEntries(COUNTED.map((k) => [k, counts[k] ?? 0])) as unknown as FleetQueueCounts;
    } catch {
      return null;
    }
  }

  /** Every node on the roster, as Redis says now (as last seen, when it does not answer). */
  async view(): Promise<NodesView> {
    const now = Date.now();
    const { probe, timings } = this.parts;
    const present = new Map<string, { beat: NodeHeartbeat; sinceBeatMs: number }>();
    let blocklists = new Map<string, Array<{ job: string; stage: string }>>();
    let reachable = true;
    try {
      const keys = await scanAll(probe, farmKeys.nodePattern);
      const reads = keys.length ? await probe.pipeline(keys.flatMap((k) => [['get', k], ['pttl', k]])).exec() : [];
      for (let i = 0; i < keys.length; i++) {
        const [, value] = reads?.[2 * i] ?? [];
        const [, pttl] = reads?.[2 * i + 1] ?? [];
        const parsed = NodeHeartbeatSchema.safeParse(safeJson(value));
        if (!parsed.success || typeof pttl !== 'number' || pttl < 0) continue;
        const beatMs = parsed.data.heartbeatMs ?? timings.heartbeatMs;
        present.set(parsed.data.name, { beat: parsed.data, sinceBeatMs: Math.max(0, 3 * beatMs - pttl) });
        this.seen.set(parsed.data.name, { beat: parsed.data, seenAt: now });
      }
      const jobKeys = await scanAll(probe, farmKeys.blocklist('*'));
      const prefix = farmKeys.blocklist('');
      const members = jobKeys.length ? await probe.pipeline(jobKeys.map((k) => ['smembers', k])).exec() : [];
      const byJob = new Map<string, string[]>();
      jobKeys.forEach((key, i) => byJob.set(key.slice(prefix.length), (members?.[i]?.[1] as string[] | undefined) ?? []));
      blocklists = blocklistsByNode(byJob);
    } catch {
      reachable = false;
    }
    const names = new Set([...this.seen.keys(), ...blocklists.keys()]);
    const nodes: FleetNode[] = [...names].map((name) => {
      const live = present.get(name);
      const seen = this.seen.get(name);
      const beat = live?.beat ?? seen?.beat;
      const beatMs = beat?.heartbeatMs ?? timings.heartbeatMs;
      const state = live ? stateOfBeat(live.sinceBeatMs, beatMs) : !reachable && seen && now - seen.seenAt <= 3 * beatMs ? 'stale' : 'gone';
      return {
        name,
        state,
        host: beat?.host ?? '',
        pid: beat?.pid ?? 0,
        tags: beat?.tags ?? [],
        workers: beat?.workers ?? 0,
        running: state === 'gone' ? 0 : (beat?.running ?? 0),
        circuits: state === 'gone' ? {} : (beat?.circuits ?? {}),
        blocklists: blocklists.get(name) ?? [],
        lastBeatAgeMs: live ? live.sinceBeatMs : seen ? now - seen.seenAt : null,
        startedAt: beat?.startedAt ?? null,
      };
    });
    nodes.sort((a, b) => a.name.localeCompare(b.name));
    return { mode: 'farm', at: now, address: this.parts.address, reachable, heartbeatMs: timings.heartbeatMs, nodes, queue: reachable ? await this.queueCounts() : null };
  }
}

async function scanAll(probe: Redis, pattern: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await probe.scan(cursor, 'MATCH', pattern, 'COUNT', 200);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');
  return keys;
}

function safeJson(text: unknown): unknown {
  if (typeof text !== 'string') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
