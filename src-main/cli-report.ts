/**
 * How `storycore render` reports: JSON lines (--json), live progress bars on a terminal, or plain
 * lines when piped. The summary is last in every mode.
 */
import { formatEstimate, type ShotEstimate } from './engine/chunks/shot-estimate.ts';
import type { RenderEvent, RenderSummary } from './engine/render-project.ts';
import type { ReuseSummary } from './engine/trace.ts';

export interface Reporter {
  /** A shot's expected render time, before anything starts. */
  estimate(estimate: ShotEstimate): void;
  /** What will render, but not well (a picture much smaller than its shot), before anything starts. */
  warning(text: string): void;
  event(event: RenderEvent): void;
  summary(summary: RenderSummary): void;
}

interface ShotLine {
  stage: string;
  percent: number;
  eta: number | null;
  note: string;
  status: 'waiting' | 'running' | 'done' | 'failed';
}

export function createReporter(options: { json: boolean; interactive: boolean; shots: string[]; out: (line: string) => void }): Reporter {
  if (options.json) return jsonReporter(options.out);
  return options.interactive ? barReporter(options.shots) : lineReporter(options.out);
}

/** "a: estimate ≈ 16 s (frame_processing ≈ 3 s, interpolation ≈ 11 s in 2 chunks, export ≈ 3 s)", or the refusal. */
export function estimateLine(estimate: ShotEstimate): string {
  if (estimate.refusal) return `${estimate.shotId}: REFUSED (${estimate.refusal.stage}, ${estimate.refusal.circuit}): ${estimate.refusal.message}`;
  const stages = Object.entries(estimate.stages).map(([stage, s]) => `${stage} ${formatEstimate(s.expectedSeconds)}${s.chunks > 1 ? ` in ${s.chunks} chunks` : ''}`);
  return `${estimate.shotId}: estimate ${formatEstimate(estimate.expectedSeconds)} at ${estimate.quality} (${stages.join(', ')})`;
}

function jsonReporter(out: (line: string) => void): Reporter {
  return {
    estimate: (estimate) => out(JSON.stringify({ type: 'estimate', ...estimate })),
    warning: (text) => out(JSON.stringify({ type: 'warning', message: text })),
    event: (event) => {
      // Errors in failure events are objects; state changes and the rest are plain data already.
      out(JSON.stringify(event, (key, value: unknown) => (key === 'error' && value instanceof Error ? value.message : value)));
    },
    summary: (summary) =>
      out(JSON.stringify({ type: 'summary', ...summary, reuse: totalReuse(summary), shots: summary.shots.map(({ result: _r, ...rest }) => ({ ...rest, verification: _r?.verification, quality: _r?.quality, reuse: _r?.reuse })) })),
  };
}

function describe(event: RenderEvent): string | null {
  if ('source' in event) {
    if (event.type === 'state_change') return `circuit ${event.circuit}: ${event.from} → ${event.to} (${event.reason})`;
    if (event.type === 'timeout') return `circuit ${event.circuit}: timed out a call after ${event.timeoutMs} ms`;
    if (event.type === 'config_change') {
      const changed = (Object.keys(event.to) as (keyof typeof event.to)[]).filter((k) => event.from[k] !== event.to[k]);
      return `circuit ${event.circuit}: config changed: ${changed.map((k) => `${k} ${event.from[k]} → ${event.to[k]}`).join(', ')}`;
    }
    if (event.type === 'abandoned') return `circuit ${event.circuit}: abandoned work that ignored its abort`;
    return null;
  }
  const chaos = 'chaos' in event && event.chaos ? ` [chaos: ${event.chaos}]` : '';
  switch (event.type) {
    case 'stage_finished':
      return `${event.shotId}: ${event.stage}${event.detail ? ` (${event.detail})` : ''} done in ${(event.elapsedMs / 1000).toFixed(1)} s${chaos}`;
    case 'stage_failed':
      return `${event.shotId}: ${event.stage} attempt ${event.attempt} failed (${event.code}): ${firstLine(event.error)}${chaos}`;
    case 'retry':
      return `${event.shotId}: retrying ${event.stage} (attempt ${event.attempt}) in ${event.delayMs} ms${chaos}`;
    case 'waiting':
      return `${event.shotId}: ${event.stage} waits: ${event.circuit} ${event.reason}`;
    case 'degradation':
      return `${event.shotId ?? 'engine'}: degraded ${event.kind} ${event.from} → ${event.to}: ${firstLine(event.reason)}`;
    case 'chunk':
      if (event.outcome === 'reused') return `${event.shotId}: reused ${event.stage} (${event.detail}) from the chunk store`;
      if (event.outcome === 'corrupt') return `${event.shotId}: the stored ${event.stage} (${event.detail}) was corrupt (${event.reason}): deleted, rendering it again`;
      return event.stored === false ? `${event.shotId}: ${event.stage} (${event.detail}) was not kept in the chunk store: ${event.reason}` : null;
    case 'shot_done':
      return `${event.shotId}: done → ${event.output} (${(event.elapsedMs / 1000).toFixed(1)} s)`;
    case 'shot_failed':
      return `${event.shotId}: FAILED: ${event.error}`;
    default:
      return null;
  }
}

const firstLine = (text: string) => text.split('\n')[0] ?? '';

/** Every done shot's reuse, added up; undefined when no shot had a chunk store. */
export function totalReuse(summary: RenderSummary): ReuseSummary | undefined {
  const each = summary.shots.flatMap((s) => (s.result?.reuse ? [s.result.reuse] : []));
  if (each.length === 0) return undefined;
  const sum = (field: 'reused' | 'rendered' | 'corrupt' | 'savedMs') => each.reduce((total, r) => total + r[field], 0);
  return { read: each.some((r) => r.read), reused: sum('reused'), rendered: sum('rendered'), corrupt: sum('corrupt'), savedMs: sum('savedMs') };
}

/** "reused 3 of 31 chunks, ≈ 12.4 s of rendering saved", or why nothing was looked up. */
export function reuseText(reuse: ReuseSummary): string {
  if (!reuse.read) return `nothing reused (--no-reuse): ${reuse.rendered} chunks rendered and kept`;
  const corrupt = reuse.corrupt ? `, ${reuse.corrupt} stored chunk(s) corrupt and rendered again` : '';
  return `reused ${reuse.reused} of ${reuse.reused + reuse.rendered} chunks, ≈ ${(reuse.savedMs / 1000).toFixed(1)} s of rendering saved${corrupt}`;
}

function summaryLines(summary: RenderSummary): string[] {
  const lines = [`${summary.ok ? 'rendered' : 'FAILED'}: ${summary.shots.filter((s) => s.status === 'done').length}/${summary.shots.length} shots in ${(summary.elapsedMs / 1000).toFixed(1)} s → ${summary.outDir}`];
  for (const shot of summary.shots) {
    const reuse = shot.result?.reuse ? ` (${reuseText(shot.result.reuse)})` : '';
    lines.push(shot.status === 'done' ? `  ✓ ${shot.shotId}: ${shot.output}${reuse}` : `  ✗ ${shot.shotId}: ${shot.error}`);
  }
  const total = totalReuse(summary);
  if (total && summary.shots.length > 1) lines.push(`  chunk store: ${reuseText(total)}`);
  const troubled = Object.values(summary.circuits).filter((c) => c.stats.failed_requests || c.stats.rejected_requests || c.state !== 'closed');
  for (const c of troubled) {
    lines.push(`  circuit ${c.name}: ${c.state}, ${c.stats.failed_requests} failed (${c.stats.timeouts} timeouts), ${c.stats.rejected_requests} rejected`);
  }
  return lines;
}

function lineReporter(out: (line: string) => void): Reporter {
  return {
    estimate: (estimate) => out(estimateLine(estimate)),
    warning: (text) => out(`warning: ${text}`),
    event: (event) => {
      const line = describe(event);
      if (line) out(line);
    },
    summary: (summary) => summaryLines(summary).forEach((l) => out(l)),
  };
}

/** One redrawn line per shot: stage, bar, percent, ETA. Other news scrolls above the bars. */
function barReporter(shots: string[]): Reporter {
  const state = new Map<string, ShotLine>(shots.map((id) => [id, { stage: 'queued', percent: 0, eta: null, note: '', status: 'waiting' }]));
  const width = Math.max(...shots.map((s) => s.length), 4);
  let drawn = 0;
  let lastDraw = 0;
  const write = (text: string) => process.stdout.write(text);
  const draw = (force = false) => {
    const now = performance.now(); // monotonic: a clock step back must not freeze the bars
    if (!force && now - lastDraw < 100) return;
    lastDraw = now;
    if (drawn) write(`\x1b[${drawn}A`);
    for (const [id, s] of state) {
      const filled = Math.round((s.percent / 100) * 24);
      const bar = `${'█'.repeat(filled)}${'░'.repeat(24 - filled)}`;
      const eta = s.status === 'running' && s.eta !== null ? ` ETA ${s.eta}s` : '';
      const mark = s.status === 'done' ? '✓' : s.status === 'failed' ? '✗' : ' ';
      write(`\x1b[2K${mark} ${id.padEnd(width)} ${bar} ${String(Math.round(s.percent)).padStart(3)}%  ${s.stage}${s.note ? ` (${s.note})` : ''}${eta}\n`);
    }
    drawn = state.size;
  };
  const above = (line: string) => {
    if (drawn) write(`\x1b[${drawn}A\x1b[0J`);
    drawn = 0;
    write(`${line}\n`);
    draw(true);
  };
  return {
    // Before the bars are first drawn: plain lines above them.
    estimate: (estimate) => write(`${estimateLine(estimate)}\n`),
    warning: (text) => write(`warning: ${text}\n`),
    event: (event) => {
      if (!('source' in event) && 'shotId' in event && event.shotId) {
        const s = state.get(event.shotId);
        if (s) {
          if (event.type === 'progress') Object.assign(s, { stage: event.stage, percent: event.shotPercent, eta: event.etaSeconds, status: 'running' });
          if (event.type === 'stage_started') Object.assign(s, { stage: event.stage, note: event.detail ?? '', status: 'running' });
          if (event.type === 'shot_done') Object.assign(s, { stage: 'done', percent: 100, status: 'done', note: '' });
          if (event.type === 'shot_failed') Object.assign(s, { stage: 'failed', status: 'failed', note: '' });
        }
      }
      const line = event.type === 'progress' || event.type === 'stage_started' || event.type === 'stage_finished' || event.type === 'shot_done' ? null : describe(event);
      if (line) above(line);
      else draw();
    },
    summary: (summary) => {
      draw(true);
      for (const line of summaryLines(summary)) write(`${line}\n`);
    },
  };
}
