/**
 * What a circuit card says about deadlines and slow calls, as plain data: how close the last calls
 * came to their deadline (the worst and the 95th percentile of elapsed / deadline), and how many
 * were slower than expected. A word and a symbol go with every tone, so it never relies on colour.
 */
import type { CircuitStats } from '../../../src-preload/contract.ts';
import type { Tone } from './tone.ts';

/** At this share of its deadline a call is close to being killed; at 1 it was. */
export const CLOSE_RATIO = 0.8;

export interface Reading {
  tone: Tone;
  /** A word for the tone: the same news as the colour. */
  label: string;
  icon: string;
  text: string;
}

const percentOf = (ratio: number) => `${Math.round(ratio * 100)}%`;
const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`;

export function headroomReading(headroom: CircuitStats['stats']['headroom']): Reading {
  const { worst_ratio: worst, p95_ratio: p95, samples } = headroom;
  if (samples === 0 || worst === null || p95 === null) return { tone: 'idle', label: 'NO CALLS', icon: '○', text: 'none has ended yet' };
  const text = `worst ${percentOf(worst)} of deadline, p95 ${percentOf(p95)}, last ${plural(samples, 'call')}`;
  if (worst >= 1) return { tone: 'bad', label: 'HIT DEADLINE', icon: '✖', text };
  if (worst >= CLOSE_RATIO) return { tone: 'warn', label: 'CLOSE', icon: '▲', text };
  return { tone: 'ok', label: 'OK', icon: '●', text };
}

/** Slow calls: the window's count and share set the tone; the total since start goes alongside. */
export function slowCallsReading(stats: CircuitStats['stats']): Reading {
  const { slow, seconds } = stats.window;
  const rate = stats.slow_call_rate_percent;
  const span = seconds === 60 ? 'the last minute' : `the last ${seconds} s`;
  const total = `${stats.slow_calls} in all`;
  if (rate === null) return { tone: 'idle', label: 'NO CALLS', icon: '○', text: `in ${span} · ${stats.slow_calls} slow in all` };
  if (slow === 0) return { tone: 'ok', label: 'NONE', icon: '●', text: `in ${span} · ${total}` };
  const text = `${slow} in ${span} (${Math.round(rate)}% of calls) · ${total}`;
  return rate >= 50 ? { tone: 'bad', label: 'MANY', icon: '✖', text } : { tone: 'warn', label: 'SOME', icon: '▲', text };
}
