/**
 * The host's side of the fleet (host/fleet-link.ts), with a fake fleet: every stop takes a new epoch,
 * a reset or resume naming an older one is refused, each change is handed to the fleet, the latch
 * survives a restart and is what the fleet is given to assert; the nodes' acknowledgements are
 * audited (and dropped once the host closed); a newer stop found in Redis stops this host too without a stop of its own; and without a
 * farm the `fleet` command answers null.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { FleetControl, FleetHost } from '../../src-main/engine/fleet-control.ts';
import type { FleetLatch, FleetView } from '../../src-main/engine/fleet.ts';
import { openStudio } from './helpers.ts';

class FakeFleet implements FleetControl {
  host: FleetHost | undefined;
  applied: FleetLatch[] = [];
  attach(host: FleetHost): void {
    this.host = host;
  }
  async apply(latch: FleetLatch): Promise<void> {
    this.applied.push(latch);
  }
  view(): FleetView {
    return { at: 0, quorum: 0.5, redis: 'connected', nodes: [], openFleetWide: [], stop: null };
  }
}

describe("the host's fleet latch", () => {
  it('numbers each stop, refuses a stale reset or resume, hands every change to the fleet, and keeps the latch across a restart', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'storycore-fleet-link-'));
    try {
      const fleet = new FakeFleet();
      const { send, studio, cleanup } = await openStudio({ dataDir, fleet });
      expect(fleet.host!.latch()).toMatchObject({ epoch: 0, phase: 'running' });
      await send({ type: 'emergencyStop', reason: 'one' }, 'operator');
      await send({ type: 'reset' }, 'operator');
      await send({ type: 'resume' }, 'operator');
      await send({ type: 'emergencyStop', reason: 'two' }, 'operator');
      expect(fleet.applied.map((l) => `${l.epoch}:${l.phase}`)).toEqual(['1:stopped', '1:reset', '1:running', '2:stopped']);
      const stale = await studio.execute({ type: 'reset', epoch: 1 }, 'operator');
      expect(stale).toMatchObject({ ok: false, error: { code: 'conflict', message: expect.stringMatching(/stop #1.*stop #2/) } });
      expect(Object.values(studio.circuitStats()).every((c) => c.state === 'forced_open')).toBe(true);
      expect((await studio.execute({ type: 'resume', epoch: 1 }, 'operator')).ok).toBe(false);

      fleet.host!.acknowledged({ epoch: 2, phase: 'stopped', acked: ['alpha', 'beta'], missing: ['gamma'] });
      expect(studio.snapshot().audit.find((e) => e.action === 'fleet_acknowledged')).toMatchObject({ actor: 'fleet', detail: { epoch: 2, phase: 'stopped', nodes: ['alpha', 'beta'], missing: ['gamma'] } });
      await cleanup(false);
      // Acknowledgements still being gathered when the host closed arrive after its database is gone: dropped, not thrown.
      expect(() => fleet.host!.acknowledged({ epoch: 2, phase: 'stopped', acked: ['alpha'], missing: [] })).not.toThrow();
      expect(() => fleet.host!.newerStop({ epoch: 9, phase: 'stopped', scope: 'immediate', reason: 'late', at: Date.now() })).not.toThrow();

      const again = new FakeFleet();
      const reopened = await openStudio({ dataDir, fleet: again });
      expect(again.host!.latch()).toMatchObject({ epoch: 2, phase: 'stopped', reason: 'two' });
      await reopened.send({ type: 'reset', epoch: 2 }, 'operator');
      expect(again.applied.map((l) => `${l.epoch}:${l.phase}`)).toEqual(['2:reset']);
      await reopened.cleanup(false);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('stops for a newer stop found in Redis, taking its epoch, without sending a stop of its own', async () => {
    const fleet = new FakeFleet();
    const { studio, cleanup } = await openStudio({ fleet });
    try {
      fleet.host!.newerStop({ epoch: 7, phase: 'stopped', scope: 'immediate', reason: 'another coordinator', at: Date.now() });
      expect(studio.snapshot().queue.stopped).toMatchObject({ reason: 'another coordinator' });
      expect(fleet.host!.latch()).toMatchObject({ epoch: 7, phase: 'stopped' });
      expect(fleet.applied).toEqual([]);
      // An older one changes nothing.
      fleet.host!.newerStop({ epoch: 3, phase: 'stopped', scope: 'immediate', reason: 'old', at: Date.now() });
      expect(fleet.host!.latch().epoch).toBe(7);
    } finally {
      await cleanup();
    }
  });

  it('answers the fleet command with null without a farm', async () => {
    const { send, cleanup } = await openStudio();
    try {
      expect(await send({ type: 'fleet' })).toBeNull();
    } finally {
      await cleanup();
    }
  });
});
