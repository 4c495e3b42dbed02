/**
 * The quorum rule on the coordinator, over a fake registry: a circuit is open fleet-wide only when
 * more than the quorum's share of the live nodes have it open (or half-open); the coordinator's own
 * circuit trips once when the quorum is reached, not again while it holds; the quorum is configurable.
 */
import { describe, expect, it } from 'vitest';
import { createEngineCircuits } from '../../src-main/engine/circuits.ts';
import { FleetCircuits } from '../../src-main/farm/fleet-circuits.ts';
import type { NodeHeartbeat } from '../../src-main/farm/farm-messages.ts';
import type { NodeRegistry } from '../../src-main/farm/node-registry.ts';

const node = (name: string, circuits: Record<string, string> = {}): NodeHeartbeat => ({
  v: 1, name, instance: name, host: 'h', pid: 1, workers: 1, tags: [], startedAt: 0, at: 0, lockDurationMs: 4000, stalledIntervalMs: 1000, running: 0, circuits,
});

function setup(quorum = 0.5) {
  let live: NodeHeartbeat[] = [];
  const registry = { live: () => live } as unknown as NodeRegistry;
  const events: Array<Record<string, unknown>> = [];
  const fleet = new FleetCircuits(registry, quorum, (e) => events.push(e));
  const circuits = createEngineCircuits();
  fleet.attach(circuits);
  return { fleet, circuits, events, set: (nodes: NodeHeartbeat[]) => ((live = nodes), fleet.update()) };
}

describe('circuits across the fleet', () => {
  it('opens a circuit fleet-wide only on more than half of the live nodes', () => {
    const { fleet, circuits, set } = setup();
    const state = () => circuits.getBreaker('video_interpolation').state;
    set([node('a', { video_interpolation: 'open' }), node('b'), node('c')]);
    expect(fleet.fleetWide('video_interpolation')).toBe(false);
    expect(state()).toBe('closed');
    // Two of four is not more than half.
    set([node('a', { video_interpolation: 'open' }), node('b', { video_interpolation: 'half_open' }), node('c'), node('d')]);
    expect(fleet.open()).toEqual([]);
    expect(state()).toBe('closed');
    set([node('a', { video_interpolation: 'open' }), node('b', { video_interpolation: 'half_open' }), node('c')]);
    expect(fleet.open()).toEqual([{ circuit: 'video_interpolation', nodes: ['a', 'b'], live: 3 }]);
    expect(fleet.fleetWide('video_interpolation')).toBe(true);
    expect(state()).toBe('open');
    expect(circuits.stats().video_interpolation!.state).toBe('open');
  });

  it('trips the coordinator once when the quorum is reached, not again while it holds', () => {
    const { circuits, events, set } = setup();
    const open = [node('a', { video_export: 'open' }), node('b', { video_export: 'open' }), node('c')];
    set(open);
    expect(circuits.getBreaker('video_export').state).toBe('open');
    circuits.getBreaker('video_export').forceClose('operator');
    set(open);
    expect(circuits.getBreaker('video_export').state).toBe('closed');
    expect(events.filter((e) => e.type === 'fleet_open')).toHaveLength(1);
    set([node('a'), node('b', { video_export: 'open' }), node('c')]);
    expect(events.at(-1)).toEqual({ type: 'fleet_closed', circuit: 'video_export' });
  });

  it('leaves a forced-open circuit (a stop) alone, and counts no forced-open node toward a quorum', () => {
    const { circuits, fleet, set } = setup();
    circuits.forceOpenAll('stop');
    set([node('a', { video_export: 'open' }), node('b', { video_export: 'open' })]);
    expect(circuits.getBreaker('video_export').state).toBe('forced_open');
    set([node('a', { video_export: 'forced_open' }), node('b', { video_export: 'forced_open' })]);
    expect(fleet.open()).toEqual([]);
  });

  it('takes another quorum when configured, and refuses a share of 1 or more', () => {
    const { fleet, set } = setup(0.25);
    set([node('a', { video_interpolation: 'open' }), node('b'), node('c')]);
    expect(fleet.fleetWide('video_interpolation')).toBe(true);
    expect(() => setup(1)).toThrow(/quorum/);
  });
});
