/**
 * The `analysis` command: circuit behaviour over the last `days` days from the stored history, for
 * the History view's analysis. The figures come aggregated from the queue room (analysis-queries.ts);
 * this adds the span and fills in the days that had nothing, so a chart's axis has every day.
 */
import type { AnalysisRows } from '../queue/analysis-rows.ts';

/** The queue room's aggregates (AnalysisQueries), by what this needs of them. */
export interface AnalysisSource {
  read(since: number): AnalysisRows;
}

export interface CircuitAnalysis extends AnalysisRows {
  days: number;
  /** Epoch ms: the start of the first UTC day in the span, and the time of the answer. */
  since: number;
  until: number;
  /** Every UTC day of the span, oldest first (YYYY-MM-DD). */
  dayList: string[];
}

const DAY_MS = 86_400_000;

export function circuitAnalysis(queries: AnalysisSource, days: number, now = Date.now()): CircuitAnalysis {
  const todayStart = Math.floor(now / DAY_MS) * DAY_MS;
  const since = todayStart - (days - 1) * DAY_MS;
  const dayList = Array.from({ length: days }, (_, i) => new Date(since + i * DAY_MS).toISOString().slice(0, 10));
  return { days, since, until: now, dayList, ...queries.read(since) };
}
