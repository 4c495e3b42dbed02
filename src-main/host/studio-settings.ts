/**
 * What the studio keeps across restarts besides its jobs: the operator's circuit overrides, the
 * chaos drills, the queue's state (paused, latched stop) and the chunk store's size limit. Each is read back through its schema,
 * so a value a newer or damaged build wrote is reported and ignored rather than trusted.
 */
import { z } from 'zod';
import type { QueueState } from '../../src-preload/contract.ts';
import { type CircuitManager, type ConfigPatch, ConfigPatchSchema } from '../breaker/index.ts';
import { type ChaosRule, ChaosRuleSchema } from '../engine/chaos.ts';
import { ChunkStoreLimitSchema } from '../engine/chunk-store/store-limit.ts';
import { FLEET_PHASES, type FleetLatch } from '../engine/fleet.ts';
import type { Journal } from '../queue/journal.ts';

const CircuitOverridesSchema = z.record(z.string(), ConfigPatchSchema);
const ChaosDrillsSchema = z.array(ChaosRuleSchema);
const QueueStateSchema = z.object({
  paused: z.boolean(),
  stopped: z.object({ at: z.number(), scope: z.enum(['immediate', 'after_current']), reason: z.string() }).nullable(),
});

const FleetLatchSchema = z.object({
  epoch: z.number().int().nonnegative(),
  phase: z.enum(FLEET_PHASES),
  scope: z.enum(['immediate', 'after_current']),
  reason: z.string().nullable(),
  at: z.number(),
});

/** The settings' keys in the journal; stored data uses them, so they never change. */
const KEYS = { overrides: 'circuit_overrides', chaos: 'chaos', queueState: 'queue_state', chunkStoreLimit: 'chunk_store_limit', fleetLatch: 'fleet_latch' } as const;

export class StudioSettings {
  private readonly journal: Journal;

  constructor(journal: Journal) {
    this.journal = journal;
  }

  /** Per circuit, every field the operator changed, merged over time. */
  circuitOverrides(): Record<string, ConfigPatch> {
    return this.journal.getSetting(KEYS.overrides, CircuitOverridesSchema) ?? {};
  }

  addCircuitOverride(circuit: string, patch: ConfigPatch): void {
    const overrides = this.circuitOverrides();
    overrides[circuit] = { ...overrides[circuit], ...patch };
    this.journal.setSetting(KEYS.overrides, overrides);
  }

  chaosDrills(): ChaosRule[] {
    return this.journal.getSetting(KEYS.chaos, ChaosDrillsSchema) ?? [];
  }

  saveChaosDrills(rules: ChaosRule[]): void {
    this.journal.setSetting(KEYS.chaos, rules);
  }

  queueState(): QueueState {
    return this.journal.getSetting(KEYS.queueState, QueueStateSchema) ?? { paused: false, stopped: null };
  }

  saveQueueState(state: QueueState): void {
    this.journal.setSetting(KEYS.queueState, state);
  }

  /** The chunk store's limit an operator set, or undefined for the default. */
  chunkStoreLimit(): number | undefined {
    return this.journal.getSetting(KEYS.chunkStoreLimit, ChunkStoreLimitSchema);
  }

  /** null goes back to the default. */
  saveChunkStoreLimit(bytes: number | null): void {
    this.journal.setSetting(KEYS.chunkStoreLimit, bytes === null ? undefined : ChunkStoreLimitSchema.parse(bytes));
  }

  /** The emergency stop's latch with its epoch (host/fleet-link.ts); none before the first was kept. */
  fleetLatch(): FleetLatch | undefined {
    return this.journal.getSetting(KEYS.fleetLatch, FleetLatchSchema) ?? undefined;
  }

  saveFleetLatch(latch: FleetLatch): void {
    this.journal.setSetting(KEYS.fleetLatch, latch);
  }
}

/** Puts the stored overrides back on the circuits at start. */
export function applyCircuitOverrides(circuits: CircuitManager, overrides: Record<string, ConfigPatch>): void {
  for (const [name, patch] of Object.entries(overrides)) {
    try {
      if (circuits.has(name)) circuits.configure(name, patch);
    } catch {
      // A stored override that no longer validates is skipped, not fatal; the audit log has its history.
    }
  }
}
