import { memo, useSyncExternalStore } from 'react';
import type { CircuitStats } from '../../../src-preload/contract.ts';
import { Gauge, type Tone } from './Gauge.tsx';
import { headroomReading, type Reading, slowCallsReading } from './headroom.ts';
import { Sparkline } from './Sparkline.tsx';
import { CallsChart } from './CallsChart.tsx';
import { useStudio } from '../store.ts';

/** Each state has a word and a symbol, so it never depends on colour alone. */
export const STATE_LABEL: Record<CircuitStats['state'], string> = {
  closed: 'CLOSED',
  open: 'OPEN',
  half_open: 'HALF-OPEN',
  forced_open: 'STOPPED',
  disabled: 'DISABLED',
};
export const STATE_ICON: Record<CircuitStats['state'], string> = { closed: '●', open: '✖', half_open: '◐', forced_open: '■', disabled: '○' };

/** Trouble first: forced open and open, then half-open, then the rest. */
export function troubleRank(c: CircuitStats): number {
  return { forced_open: 0, open: 1, half_open: 2, disabled: 3, closed: 4 }[c.state];
}

/**
 * One shared 250 ms clock for every countdown on screen: open circuits update in the same frame
 * instead of each on its own timer (under load several circuits are open at once).
 */
const countdownClock = {
  ticks: 0,
  listeners: new Set<() => void>(),
  timer: undefined as ReturnType<typeof setInterval> | undefined,
  subscribe(listener: () => void): () => void {
    countdownClock.listeners.add(listener);
    countdownClock.timer ??= setInterval(() => {
      countdownClock.ticks++;
      for (const l of countdownClock.listeners) l();
    }, 250);
    return () => {
      countdownClock.listeners.delete(listener);
      if (countdownClock.listeners.size === 0) {
        clearInterval(countdownClock.timer);
        countdownClock.timer = undefined;
      }
    };
  },
};
const noSubscription = () => () => {};

/** The time now, re-rendering on the shared clock while `active`. */
function useNow(active: boolean): number {
  useSyncExternalStore(active ? countdownClock.subscribe : noSubscription, () => (active ? countdownClock.ticks : 0));
  return Date.now();
}

const fmt = (ms: number | null) => (ms === null ? '—' : ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${ms.toFixed(ms < 10 ? 1 : 0)} ms`);

/** One line of the card whose word, symbol and colour say the same thing, then the figures behind it. */
function ReadingLine({ title, reading, testId }: { title: string; reading: Reading; testId: string }) {
  return (
    <p className="reading" data-testid={testId} data-tone={reading.tone}>
      <span className="muted">{title}</span>{' '}
      <span className={`reading-label reading-${reading.tone}`}>
        <span aria-hidden="true">{reading.icon} </span>
        {reading.label}
      </span>{' '}
      {reading.text}
    </p>
  );
}

/** One circuit by name, from the store: re-renders when that circuit's stats change, not on every batch. */
export const CircuitCardFor = memo(function CircuitCardFor({ name }: { name: string }) {
  const stats = useStudio((s) => s.circuits[name]);
  return stats ? <CircuitCard stats={stats} /> : null;
});

/** One circuit: state by label, symbol and colour together, the numbers an operator acts on. */
export function CircuitCard({ stats: c }: { stats: CircuitStats }) {
  const offset = useStudio((s) => s.clockOffsetMs);
  const now = useNow(c.state === 'open') + offset;
  const countdown = c.timing.next_attempt_at === null ? null : Math.max(0, c.timing.next_attempt_at - now / 1000);
  const s = c.stats;
  const rate = s.success_rate_percent;
  const rateTone: Tone = rate === null ? 'idle' : rate >= 95 ? 'ok' : rate >= 80 ? 'warn' : 'bad';
  const threshold = c.config.failure_threshold;
  const failTone: Tone = s.consecutive_failures === 0 ? 'ok' : s.consecutive_failures >= threshold ? 'bad' : 'warn';
  const load = s.concurrent_requests / Math.max(1, c.config.max_concurrent);
  const recovery = c.config.recovery_timeout;
  return (
    <article className={`circuit circuit-${c.state}`} data-testid={`circuit-card-${c.name}`} tabIndex={-1} data-state={c.state} aria-label={`${c.name}: ${STATE_LABEL[c.state]}`}>
      <header>
        <h3>{c.name}</h3>
        <span className="state-label">
          <span aria-hidden="true">{STATE_ICON[c.state]} </span>
          {STATE_LABEL[c.state]}
        </span>
      </header>
      <Gauge label="success" value={rate ?? 0} max={100} tone={rateTone} text={rate === null ? 'no calls yet' : `${rate}%`} />
      <Gauge label="in flight" value={s.concurrent_requests} max={c.config.max_concurrent} tone={load >= 1 ? 'warn' : 'ok'} text={`${s.concurrent_requests}/${c.config.max_concurrent}`} />
      <Gauge label="failures in a row" value={s.consecutive_failures} max={threshold} tone={failTone} text={`${s.consecutive_failures}/${threshold}`} />
      {countdown !== null ? (
        <p className="countdown" data-testid={`countdown-${c.name}`} role="timer">
          half-open in {countdown.toFixed(1)} s
          <span className="countdown-bar" aria-hidden="true">
            <span style={{ width: `${recovery > 0 ? Math.min(100, (countdown / recovery) * 100) : 0}%` }} />
          </span>
        </p>
      ) : null}
      <Sparkline name={c.name} />
      <CallsChart name={c.name} />
      <p className="latency">
        <span className="muted">latency</span>{' '}
        {s.latency_ms.p50 === null ? 'no completed calls in the last minute' : `p50 ${fmt(s.latency_ms.p50)} · p95 ${fmt(s.latency_ms.p95)} · p99 ${fmt(s.latency_ms.p99)}`}
      </p>
      <ReadingLine title="deadline" reading={headroomReading(s.headroom)} testId={`headroom-${c.name}`} />
      <ReadingLine title="slow calls" reading={slowCallsReading(s)} testId={`slow-calls-${c.name}`} />
    </article>
  );
}
