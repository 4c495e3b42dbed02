/** Who did what and why: every operator action is written to the journal and told to the stream. */
import type { AuditEntry } from '../../src-preload/contract.ts';
import type { Journal } from '../queue/journal.ts';
import type { EventBus } from './event-bus.ts';

export type Audit = (actor: string, action: string, reason: string | null, detail: Record<string, unknown>) => AuditEntry;

export function auditTo(journal: Journal, bus: EventBus): Audit {
  return (actor, action, reason, detail) => {
    const entry = journal.audit({ at: Date.now(), actor, action, reason, detail });
    bus.publish({ kind: 'audit', entry });
    return entry;
  };
}
