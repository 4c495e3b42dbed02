import { useEffect, useState } from 'react';
import type { CircuitStats } from '../../src-preload/contract.ts';

const STATE_LABEL: Record<CircuitStats['state'], string> = {
  closed: 'CLOSED',
  open: 'OPEN',
  half_open: 'HALF-OPEN',
  forced_open: 'STOPPED',
  disabled: 'DISABLED',
};

/** Trouble first: forced open and open, then half-open, then the rest. */
export function troubleRank(c: CircuitStats): number {
  return { forced_open: 0, open: 1, half_open: 2, disabled: 3, closed: 4 }[c.state];
}

function useNow(active: boolean): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    if (!active) return;
    const timer = setInterval(() => setNow(Date.now()), 250);
    return () => clearInterval(timer);
  }, [active]);
  return now;
}

/** One circuit: state by label and colour together, the numbers an operator acts on. */
export function CircuitCard({ stats: c }: { stats: CircuitStats }) {
  const now = useNow(c.state === 'open');
  const countdown = c.timing.next_attempt_at === null ? null : Math.max(0, c.timing.next_attempt_at - now / 1000);
  const s = c.stats;
  return (
    <article className={`circuit circuit-${c.state}`} data-testid={`circuit-card-${c.name}`} data-state={c.state} aria-label={`${c.name}: ${STATE_LABEL[c.state]}`}>
      <header>
        <h3>{c.name}</h3>
        <span className="state-label">{STATE_LABEL[c.state]}</span>
      </header>
      <dl>
        <dt>success</dt>
        <dd>{s.success_rate_percent === null ? '—' : `${s.success_rate_percent}%`}</dd>
        <dt>in flight</dt>
        <dd>
          <meter min={0} max={c.config.max_concurrent} value={s.concurrent_requests} /> {s.concurrent_requests}/{c.config.max_concurrent}
        </dd>
        <dt>failures in a row</dt>
        <dd>
          {s.consecutive_failures}/{c.config.failure_threshold}
        </dd>
        <dt>last {s.window.seconds}s</dt>
        <dd>
          {s.window.successes} ok · {s.window.failures} failed · {s.window.timeouts} timeouts · {s.window.rejected} rejected
        </dd>
        <dt>latency</dt>
        <dd>{s.latency_ms.p50 === null ? '—' : `p50 ${fmt(s.latency_ms.p50)} · p95 ${fmt(s.latency_ms.p95)} · p99 ${fmt(s.latency_ms.p99)}`}</dd>
      </dl>
      {countdown !== null ? (
        <p className="countdown" data-testid={`countdown-${c.name}`}>
          half-open in {countdown.toFixed(1)} s
        </p>
      ) : null}
    </article>
  );
}

const fmt = (ms: number | null) => (ms === null ? '—' : ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${ms.toFixed(ms < 10 ? 1 : 0)} ms`);
