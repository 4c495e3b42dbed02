/**
 * The analysis view's model: the host's per-day aggregates (the `analysis` command) laid out as
 * grids, one row per circuit or stage and one cell per day of the span, every day present (a quiet
 * day is a zero, not a gap), with a heat level per cell so the bad days read at a glance.
 */
import type { CircuitAnalysis } from '../../../src-preload/contract.ts';

export interface OpensCell {
  day: string;
  opens: number;
  forcedOpens: number;
}
export interface OpensRow {
  circuit: string;
  cells: OpensCell[];
  total: number;
}
export interface StageCell {
  day: string;
  attempts: number;
  failed: number;
  timeouts: number;
  slow: number;
}
export interface StageRow {
  stage: string;
  cells: StageCell[];
  attempts: number;
  failed: number;
  timeouts: number;
  slow: number;
}

/** 0 for nothing, then 1..4 by the share of the grid's worst cell: the cell's shade. */
export function heat(value: number, max: number): 0 | 1 | 2 | 3 | 4 {
  if (value <= 0 || max <= 0) return 0;
  return Math.min(4, Math.max(1, Math.ceil((value / max) * 4))) as 1 | 2 | 3 | 4;
}

/** Opens (and forced opens) per circuit per day, the circuits that opened most first. */
export function opensGrid(analysis: CircuitAnalysis): { rows: OpensRow[]; max: number } {
  const byCircuit = new Map<string, Map<string, { opens: number; forcedOpens: number }>>();
  for (const o of analysis.opens) {
    const days = byCircuit.get(o.circuit) ?? new Map();
    days.set(o.day, { opens: o.opens, forcedOpens: o.forcedOpens });
    byCircuit.set(o.circuit, days);
  }
  let max = 0;
  const rows = [...byCircuit].map(([circuit, days]) => {
    const cells = analysis.dayList.map((day) => ({ day, opens: days.get(day)?.opens ?? 0, forcedOpens: days.get(day)?.forcedOpens ?? 0 }));
    for (const c of cells) max = Math.max(max, c.opens + c.forcedOpens);
    return { circuit, cells, total: cells.reduce((n, c) => n + c.opens + c.forcedOpens, 0) };
  });
  rows.sort((a, b) => b.total - a.total || a.circuit.localeCompare(b.circuit));
  return { rows, max };
}

/** Attempts, failures, timeouts and slow attempts per stage per day, in pipeline order; `max` is the worst day's failures. */
export function stageGrid(analysis: CircuitAnalysis, order: readonly string[]): { rows: StageRow[]; max: number } {
  const byStage = new Map<string, Map<string, StageCell>>();
  for (const s of analysis.stages) {
    const days = byStage.get(s.stage) ?? new Map<string, StageCell>();
    days.set(s.day, { day: s.day, attempts: s.attempts, failed: s.failed, timeouts: s.timeouts, slow: s.slow });
    byStage.set(s.stage, days);
  }
  const rank = (stage: string) => (order.includes(stage) ? order.indexOf(stage) : order.length);
  let max = 0;
  const rows = [...byStage]
    .sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b))
    .map(([stage, days]) => {
      const cells = analysis.dayList.map((day) => days.get(day) ?? { day, attempts: 0, failed: 0, timeouts: 0, slow: 0 });
      for (const c of cells) max = Math.max(max, c.failed);
      const sum = (k: 'attempts' | 'failed' | 'timeouts' | 'slow') => cells.reduce((n, c) => n + c[k], 0);
      return { stage, cells, attempts: sum('attempts'), failed: sum('failed'), timeouts: sum('timeouts'), slow: sum('slow') };
    });
  return { rows, max };
}
