/**
 * Per studio job, the nodes that keep failing one stage's chunks (as Flamenco blocklists a worker
 * for a job's task type): the coordinator counts each node's failed chunks per job and stage, and
 * at three it blocklists the node for that job and stage. A blocklisted node hands such chunks back
 * (it checks the list as it takes one), the coordinator queues them naming it in `avoid`, and a
 * chunk no live node may take renders on the coordinator. Kept in Redis for a day after the last
 * failure, so that a restarted coordinator keeps it.
 */
import type { Redis } from 'ioredis';
import { blockEntry, farmKeys } from './farm-keys.ts';

export const BLOCKLIST_AFTER_FAILURES = 3;
const KEEP_SECONDS = 24 * 3600;

export class Blocklist {
  private readonly probe: Redis;

  constructor(probe: Redis) {
    this.probe = probe;
  }

  /** The nodes blocklisted for a job's chunks of a stage (none when Redis cannot say). */
  async nodes(job: string, stage: string): Promise<string[]> {
    const entries = await this.probe.smembers(farmKeys.blocklist(job)).catch(() => [] as string[]);
    const suffix = `|${stage}`;
    return entries.filter((e) => e.endsWith(suffix)).map((e) => e.slice(0, -suffix.length));
  }

  /** Counts a node's failed chunk; true when this failure blocklists it for the job and stage. */
  async failed(job: string, stage: string, node: string): Promise<boolean> {
    const entry = blockEntry(node, stage);
    const count = await this.probe.hincrby(farmKeys.failures(job), entry, 1);
    await this.probe.expire(farmKeys.failures(job), KEEP_SECONDS);
    if (count < BLOCKLIST_AFTER_FAILURES) return false;
    const added = await this.probe.sadd(farmKeys.blocklist(job), entry);
    await this.probe.expire(farmKeys.blocklist(job), KEEP_SECONDS);
    return added === 1;
  }
}
