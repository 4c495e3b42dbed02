/**
 * The chunk store as the operator sees it: space used against the limit, what is pinned by jobs
 * still to finish, and the limit as a number of GiB to type. Pure, so it is tested under Node.
 */
import type { ChunkStoreView } from '../../../src-preload/contract.ts';

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

/** "1.4 GiB", "312 MiB", "0 B": sizes as people read them. */
export function formatBytes(bytes: number): string {
  if (bytes >= GiB) return `${(bytes / GiB).toFixed(bytes >= 10 * GiB ? 0 : 1)} GiB`;
  if (bytes >= MiB) return `${Math.round(bytes / MiB)} MiB`;
  if (bytes >= 1024) return `${Math.round(bytes / 1024)} KiB`;
  return `${bytes} B`;
}

export type StoreTone = 'ok' | 'near' | 'full';

export interface StoreSummary {
  usedText: string;
  /** 0–100, of the limit. */
  percent: number;
  tone: StoreTone;
  /** The tone as a word, so colour is never the only sign. */
  toneLabel: string;
  detail: string;
}

export function summariseStore(view: ChunkStoreView): StoreSummary {
  const percent = view.limitBytes > 0 ? Math.min(100, (view.bytes / view.limitBytes) * 100) : 0;
  // Eviction keeps the store under its limit; near it, the oldest chunks are going, which an operator wants to know.
  const tone: StoreTone = percent >= 98 ? 'full' : percent >= 85 ? 'near' : 'ok';
  const toneLabel = tone === 'full' ? '■ at the limit: oldest chunks are evicted' : tone === 'near' ? '▲ near the limit' : '● room to spare';
  const pinned = view.pinnedEntries > 0 ? `; ${view.pinnedEntries} held by unfinished jobs (${formatBytes(view.pinnedBytes)}), never evicted` : '';
  return {
    usedText: `${formatBytes(view.bytes)} of ${formatBytes(view.limitBytes)}`,
    percent,
    tone,
    toneLabel,
    detail: `${view.entries} chunk${view.entries === 1 ? '' : 's'} kept${pinned}. Limit: ${view.limitSource === 'setting' ? 'set by an operator' : 'the default (20 GiB or half the free disk)'}.`,
  };
}

/** The limit box's text as bytes: a number of GiB (decimals allowed), or empty for the default. */
export function limitFromText(text: string): { limitBytes: number | null } | { problem: string } {
  const t = text.trim();
  if (t === '') return { limitBytes: null };
  const gib = Number(t);
  if (!Number.isFinite(gib) || gib <= 0) return { problem: 'limit: enter a number of GiB, like 20, or leave it empty for the default' };
  return { limitBytes: Math.round(gib * GiB) };
}

/** The limit as the box shows it, in GiB. */
export function limitText(view: ChunkStoreView): string {
  return view.limitSource === 'setting' ? String(Math.round((view.limitBytes / GiB) * 100) / 100) : '';
}
