/**
 * Blocklisting: a node that fails one stage's chunks three times for a job is blocklisted for that
 * job and stage (as Flamenco does per job and task type). Here one node's ffmpeg lacks the
 * minterpolate filter, so it fails every interpolation chunk it takes and nothing else: after its
 * third failure it is listed, hands such chunks back, and the shot completes on the good node.
 */
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inJob } from '../../src-main/engine/job-scope.ts';
import { BLOCKLIST_AFTER_FAILURES } from '../../src-main/farm/blocklist.ts';
import { farmKeys } from '../../src-main/farm/farm-keys.ts';
import { type Farm, chunkedShot, farmEngine, openFarm, renderOnFarm } from './farm-fixture.ts';
import { skipWithoutRedis } from './redis-harness.ts';

const SLOW = 240_000;
const skip = skipWithoutRedis('blocklist');

describe.skipIf(skip)('a node that keeps failing a stage for a job', () => {
  let farm: Farm;
  beforeAll(async () => {
    farm = await openFarm({ nodes: ['good'] });
    // An ffmpeg without minterpolate: it refuses every interpolation chunk and runs everything else.
    const fake = join(farm.shared, 'ffmpeg-without-minterpolate');
    writeFileSync(fake, '#!/bin/sh\ncase "$*" in *minterpolate*) echo "No such filter: minterpolate" >&2; exit 1;; esac\nexec ffmpeg "$@"\n');
    chmodSync(fake, 0o755);
    await farm.addNode('broken', { env: { FFMPEG_PATH: fake, FFPROBE_PATH: 'ffprobe' } });
    await farm.untilCapacity(2);
  }, 60_000);
  afterAll(async () => farm?.close(), 60_000);

  it(
    'is blocklisted for that job and stage after three failures, hands such chunks back, and the shot completes',
    async () => {
      // The coordinator's circuits at their defaults: one node's failures are that node's (its own
      // circuit, the blocklist), so they do not open the coordinator's.
      const engine = farmEngine(farm, { lanes: 2, maxAttempts: 8 });
      const result = await inJob('job-listed', () => renderOnFarm(farm, engine, chunkedShot('listed')));
      expect(result.verification?.frames).toBe(72);

      const [good, broken] = farm.nodes as [(typeof farm.nodes)[number], (typeof farm.nodes)[number]];
      expect(farm.events).toContainEqual(expect.objectContaining({ type: 'blocklisted', node: 'broken', job: 'job-listed', stage: 'interpolation' }));
      const redis = new Redis(farm.redis.url);
      try {
        expect(await redis.sismember(farmKeys.blocklist('job-listed'), 'broken|interpolation')).toBe(1);
      } finally {
        redis.disconnect();
      }
      // At most one more failure than the limit: the chunk it was already running when it was listed.
      const failures = broken.of('failed').length;
      expect(failures).toBeGreaterThanOrEqual(BLOCKLIST_AFTER_FAILURES);
      expect(failures).toBeLessThanOrEqual(BLOCKLIST_AFTER_FAILURES + 1);
      expect(broken.of('gave_back').some((l) => /blocklisted/.test(l.why ?? ''))).toBe(true);
      // Its other work still ran there (frames, the join: no minterpolate in them); every
      // interpolation chunk was finished by the good node.
      const minterpolated = (node: typeof good) => node.of('done').filter((d) => node.of('taken').some((t) => t.chunk === d.chunk && t.kind === 'chunk' && t.stage === 'interpolation'));
      expect(minterpolated(broken)).toEqual([]);
      expect(minterpolated(good).length).toBeGreaterThanOrEqual(3);
    },
    SLOW,
  );
});
