/**
 * Circuits across the fleet, with real nodes. One node's ffmpeg lacks the minterpolate filter, so it
 * fails every interpolation chunk: its own circuit opens (after two failures, as its --circuits
 * says), it is taken out of rotation for that stage (it hands such chunks back), the coordinator's
 * circuit stays closed although it would open on two failures of its own, and the other nodes finish
 * the shot. With two such nodes of three (a quorum), the circuit opens fleet-wide: the coordinator's
 * circuit trips, and the shot still completes on the good node through its half-open probes.
 */
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CircuitManager } from '../../src-main/breaker/index.ts';
import { inJob } from '../../src-main/engine/job-scope.ts';
import { type Farm, chunkedShot, farmEngine, openFarm, renderOnFarm } from './farm-fixture.ts';
import type { NodeProcess } from './farm-nodes.ts';
import { skipWithoutRedis } from './redis-harness.ts';

const SLOW = 240_000;
const skip = skipWithoutRedis('fleet-quorum');
const OPENS_AFTER_TWO = ['--circuits', JSON.stringify({ video_interpolation: { failureThreshold: 2, recoveryTimeoutMs: 600_000 } })];

/** Adds a node whose ffmpeg refuses every minterpolate run (and runs everything else). */
async function addBrokenNode(farm: Farm, name: string): Promise<NodeProcess> {
  const fake = join(farm.shared, 'ffmpeg-without-minterpolate');
  writeFileSync(fake, '#!/bin/sh\ncase "$*" in *minterpolate*) echo "No such filter: minterpolate" >&2; exit 1;; esac\nexec ffmpeg "$@"\n');
  chmodSync(fake, 0o755);
  return farm.addNode(name, { env: { FFMPEG_PATH: fake, FFPROBE_PATH: 'ffprobe' }, args: OPENS_AFTER_TWO });
}

/** The coordinator's circuits for a render, tied to the farm's fleet (as a Studio's are), with their transitions. */
function coordinatorCircuits(farm: Farm, circuits: CircuitManager): Array<{ circuit: string; to: string; reason: string }> {
  const transitions: Array<{ circuit: string; to: string; reason: string }> = [];
  circuits.subscribe((e) => e.type === 'state_change' && transitions.push({ circuit: e.circuit, to: e.to, reason: e.reason }));
  farm.coordinator.fleet.attach({ circuits, latch: () => ({ epoch: 0, phase: 'running', scope: 'immediate', reason: null, at: 0 }), acknowledged: () => {}, newerStop: () => {} });
  return transitions;
}

const interpolationFailures = (node: NodeProcess) => node.of('failed').filter((f) => node.of('taken').some((t) => t.chunk === f.chunk && t.stage === 'interpolation'));

describe.skipIf(skip)('one bad node among good ones', () => {
  let farm: Farm;
  let broken: NodeProcess;
  beforeAll(async () => {
    farm = await openFarm({ nodes: ['good1', 'good2'] });
    broken = await addBrokenNode(farm, 'broken');
    await farm.untilCapacity(3);
  }, 60_000);
  afterAll(async () => farm?.close(), 60_000);

  it(
    'opens only its own circuit, is taken out of rotation for the stage, and the others finish the shot',
    async () => {
      let circuits: CircuitManager | undefined;
      let transitions: Array<{ circuit: string; to: string; reason: string }> = [];
      // The coordinator's circuit would open on two failures of its own: the node's must not count.
      const engine = farmEngine(farm, {
        maxAttempts: 8,
        configure: (c) => {
          c.configure('video_interpolation', { failureThreshold: 2 });
          circuits = c;
          transitions = coordinatorCircuits(farm, c);
        },
      });
      const result = await inJob('job-one-bad', () => renderOnFarm(farm, engine, chunkedShot('one-bad')));
      expect(result.verification?.frames).toBe(72);

      expect(interpolationFailures(broken)).toHaveLength(2);
      expect(broken.of('gave_back').some((l) => /video_interpolation is open/.test(l.why ?? ''))).toBe(true);
      const view = farm.coordinator.fleet.view();
      expect(view.nodes.find((n) => n.name === 'broken')?.circuits.video_interpolation).toBe('open');
      expect(view.nodes.find((n) => n.name === 'good1')?.circuits.video_interpolation).toBe('closed');
      expect(view.openFleetWide).toEqual([]);
      expect(transitions.filter((t) => t.circuit === 'video_interpolation' || t.circuit === 'error_retry')).toEqual([]);
      expect(circuits!.stats().video_interpolation!.stats.failed_requests).toBe(0);
      const goodChunks = farm.nodes.filter((n) => n !== broken).flatMap((n) => n.of('done').filter((d) => n.of('taken').some((t) => t.chunk === d.chunk && t.stage === 'interpolation')));
      expect(goodChunks.length).toBeGreaterThanOrEqual(3);
    },
    SLOW,
  );
});

describe.skipIf(skip)('a quorum of bad nodes', () => {
  let farm: Farm;
  let bad: NodeProcess[];
  beforeAll(async () => {
    farm = await openFarm({ nodes: ['good'] });
    bad = [await addBrokenNode(farm, 'bad1'), await addBrokenNode(farm, 'bad2')];
    await farm.untilCapacity(3);
  }, 60_000);
  afterAll(async () => farm?.close(), 60_000);

  it(
    'opens the circuit fleet-wide: the coordinator\'s circuit trips, then probes on the good node',
    async () => {
      let transitions: Array<{ circuit: string; to: string; reason: string }> = [];
      const engine = farmEngine(farm, {
        maxAttempts: 8,
        configure: (c) => {
          c.configure('video_interpolation', { recoveryTimeoutMs: 2000 });
          transitions = coordinatorCircuits(farm, c);
        },
      });
      const result = await inJob('job-quorum', () => renderOnFarm(farm, engine, chunkedShot('quorum')));
      expect(result.verification?.frames).toBe(72);
      for (const node of bad) expect(interpolationFailures(node)).toHaveLength(2);
      const opened = transitions.find((t) => t.circuit === 'video_interpolation' && t.to === 'open');
      expect(opened?.reason).toMatch(/open on 2 of 3 live nodes \(bad1, bad2\): a quorum of the fleet/);
      expect(farm.events).toContainEqual(expect.objectContaining({ type: 'fleet_open', circuit: 'video_interpolation', nodes: ['bad1', 'bad2'], live: 3 }));
      expect(farm.coordinator.fleet.view().openFleetWide).toEqual([{ circuit: 'video_interpolation', nodes: ['bad1', 'bad2'], live: 3 }]);
      // Past its recovery time its own half-open probes went on, run by the good node (the shot needs
      // fewer chunks than the probes that would close it again).
      expect(transitions.filter((t) => t.circuit === 'video_interpolation').map((t) => t.to).slice(0, 2)).toEqual(['open', 'half_open']);
    },
    SLOW,
  );
});
