/**
 * The Nodes panel's model: the `nodes` command's answer as rows, trouble first, each state by word,
 * symbol and tone together (the dashboard's convention: never by colour alone), and one summary
 * line that says what the farm is doing. Pure, so it is tested under Node.
 */
import type { FleetNode, FleetNodeState, NodesView } from '../../../src-preload/contract.ts';
import type { Tone } from '../dashboard/tone.ts';

export const NODE_STATE_LABEL: Record<FleetNodeState, string> = { live: 'LIVE', stale: 'STALE', gone: 'GONE' };
export const NODE_STATE_ICON: Record<FleetNodeState, string> = { live: '●', stale: '◐', gone: '✖' };
export const NODE_STATE_TONE: Record<FleetNodeState, Tone> = { live: 'ok', stale: 'warn', gone: 'bad' };

/** A circuit state as the circuit cards word it (the heartbeat carries the breaker's state names). */
const CIRCUIT_WORD: Record<string, string> = { open: 'OPEN', half_open: 'HALF-OPEN', forced_open: 'STOPPED', disabled: 'DISABLED' };

export interface NodeRow {
  name: string;
  state: FleetNodeState;
  label: string;
  icon: string;
  tone: Tone;
  /** 0 gone, 1 stale, 2 live with circuits in trouble or blocklists, 3 live and clean. */
  rank: number;
  /** "0.4 s ago", "3 min ago", or "never seen". */
  lastBeat: string;
  where: string;
  tags: string[];
  workers: number;
  running: number;
  circuits: Array<{ name: string; state: string; word: string }>;
  /** `text` names the job by its shot when the window knows it (the job id then goes in a title). */
  blocklists: Array<{ job: string; stage: string; text: string }>;
}

/** Trouble first: gone, then stale, then live nodes with open circuits or blocklists, then the rest. */
export function nodeRank(node: FleetNode): number {
  if (node.state === 'gone') return 0;
  if (node.state === 'stale') return 1;
  return Object.keys(node.circuits).length > 0 || node.blocklists.length > 0 ? 2 : 3;
}

export function beatAge(ms: number | null): string {
  if (ms === null) return 'never seen';
  if (ms < 1000) return `${(ms / 1000).toFixed(1)} s ago`;
  if (ms < 60_000) return `${Math.round(ms / 1000)} s ago`;
  if (ms < 3_600_000) return `${Math.round(ms / 60_000)} min ago`;
  return `${Math.round(ms / 3_600_000)} h ago`;
}

/** The rows, trouble first, then by name. `shotOf` names a studio job by its shot when the window knows it. */
export function nodeRows(nodes: readonly FleetNode[], shotOf: (jobId: string) => string | undefined = () => undefined): NodeRow[] {
  return nodes
    .map((node) => ({
      name: node.name,
      state: node.state,
      label: NODE_STATE_LABEL[node.state],
      icon: NODE_STATE_ICON[node.state],
      tone: NODE_STATE_TONE[node.state],
      rank: nodeRank(node),
      lastBeat: beatAge(node.lastBeatAgeMs),
      where: node.host ? `${node.host} · pid ${node.pid}` : '—',
      tags: node.tags,
      workers: node.workers,
      running: node.running,
      circuits: Object.entries(node.circuits)
        .map(([name, state]) => ({ name, state, word: CIRCUIT_WORD[state] ?? state.toUpperCase() }))
        .sort((a, b) => a.name.localeCompare(b.name)),
      blocklists: node.blocklists.map(({ job, stage }) => {
        const shot = shotOf(job);
        return { job, stage, text: `${shot ?? job}: ${stage}` };
      }),
    }))
    .sort((a, b) => a.rank - b.rank || a.name.localeCompare(b.name));
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** One line over the table: the farm at a glance, or that this machine renders alone. */
export function fleetSummary(view: NodesView): { text: string; tone: Tone } {
  if (view.mode === 'embedded') return { text: `${view.message[0]!.toUpperCase()}${view.message.slice(1)}.`, tone: 'idle' };
  const count = (s: FleetNodeState) => view.nodes.filter((n) => n.state === s).length;
  const live = count('live');
  const stale = count('stale');
  const gone = count('gone');
  const running = view.nodes.reduce((n, node) => n + (node.state === 'gone' ? 0 : node.running), 0);
  const states = [`${live} live`, ...(stale ? [`${stale} stale`] : []), ...(gone ? [`${gone} gone`] : [])].join(', ');
  const parts = [
    view.nodes.length === 0 ? 'No node has joined yet: the coordinator renders on its own workers' : `${plural(view.nodes.length, 'node')}: ${states}`,
    ...(live === 0 && view.nodes.length > 0 ? ['none live: the coordinator renders on its own workers'] : []),
    `${plural(running, 'chunk')} running`,
    ...(view.queue ? [`farm queue ${view.queue.waiting + view.queue.prioritized} waiting, ${view.queue.active} active, ${view.queue.delayed} handed back`] : []),
  ];
  if (!view.reachable) parts.unshift(`Redis at ${view.address} does not answer: nodes as last seen`);
  const tone: Tone = !view.reachable || gone > 0 ? 'bad' : stale > 0 || view.nodes.some((n) => nodeRank(n) === 2) ? 'warn' : live > 0 ? 'ok' : 'idle';
  return { text: parts.join(' · '), tone };
}
