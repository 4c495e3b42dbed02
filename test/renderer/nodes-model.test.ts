import { describe, expect, it } from 'vitest';
import { EMBEDDED_MESSAGE, type FleetNode, type NodesView } from '../../src-preload/contract.ts';
import { NODE_STATE_ICON, NODE_STATE_LABEL, beatAge, fleetSummary, nodeRows } from '../../src-renderer/src/nodes/nodes-model.ts';

const node = (name: string, over: Partial<FleetNode> = {}): FleetNode => ({
  name,
  state: 'live',
  host: 'render-01',
  pid: 100,
  tags: [],
  workers: 2,
  running: 1,
  circuits: {},
  blocklists: [],
  lastBeatAgeMs: 300,
  startedAt: 0,
  ...over,
});
const farm = (nodes: FleetNode[], over: Partial<Extract<NodesView, { mode: 'farm' }>> = {}): NodesView => ({
  mode: 'farm',
  at: 0,
  address: 'redis://127.0.0.1:6379',
  reachable: true,
  heartbeatMs: 2000,
  nodes,
  queue: { waiting: 2, active: 3, delayed: 1, completed: 9, failed: 0, prioritized: 1 },
  ...over,
});

describe('the nodes panel model', () => {
  it('puts trouble first: gone, stale, live with circuits or blocklists, then clean live nodes, each by name', () => {
    const rows = nodeRows([
      node('alpha'),
      node('zeta', { state: 'gone', running: 0 }),
      node('beta', { circuits: { video_interpolation: 'open' } }),
      node('delta', { state: 'stale' }),
      node('gamma', { blocklists: [{ job: 'j1', stage: 'export' }] }),
      node('able', { state: 'gone' }),
    ]);
    expect(rows.map((r) => r.name)).toEqual(['able', 'zeta', 'delta', 'beta', 'gamma', 'alpha']);
    expect(rows.map((r) => r.rank)).toEqual([0, 0, 1, 2, 2, 3]);
  });

  it('says each state by word, symbol and tone, all different', () => {
    const rows = nodeRows([node('a'), node('b', { state: 'stale' }), node('c', { state: 'gone' })]);
    expect(rows.map((r) => [r.state, r.label, r.icon, r.tone])).toEqual([
      ['gone', 'GONE', '✖', 'bad'],
      ['stale', 'STALE', '◐', 'warn'],
      ['live', 'LIVE', '●', 'ok'],
    ]);
    expect(new Set(Object.values(NODE_STATE_LABEL)).size).toBe(3);
    expect(new Set(Object.values(NODE_STATE_ICON)).size).toBe(3);
  });

  it('words circuits as the cards do and names blocklisted jobs by their shot when known', () => {
    const [row] = nodeRows([node('a', { circuits: { video_interpolation: 'half_open', video_export: 'forced_open' }, blocklists: [{ job: 'j1', stage: 'interpolation' }, { job: 'j2', stage: 'export' }] })], (id) =>
      id === 'j1' ? 'fractal_pan' : undefined,
    );
    expect(row!.circuits).toEqual([
      { name: 'video_export', state: 'forced_open', word: 'STOPPED' },
      { name: 'video_interpolation', state: 'half_open', word: 'HALF-OPEN' },
    ]);
    expect(row!.blocklists.map((b) => b.text)).toEqual(['fractal_pan: interpolation', 'j2: export']);
  });

  it('gives the last heartbeat an age a person reads', () => {
    expect(beatAge(null)).toBe('never seen');
    expect(beatAge(420)).toBe('0.4 s ago');
    expect(beatAge(12_400)).toBe('12 s ago');
    expect(beatAge(180_000)).toBe('3 min ago');
    expect(beatAge(7_200_000)).toBe('2 h ago');
  });

  it('sums the farm up in one line, toned by its worst node', () => {
    expect(fleetSummary(farm([node('a'), node('b', { running: 2 })]))).toEqual({ text: '2 nodes: 2 live · 3 chunks running · farm queue 3 waiting, 3 active, 1 handed back', tone: 'ok' });
    expect(fleetSummary(farm([node('a'), node('b', { state: 'stale' })])).tone).toBe('warn');
    expect(fleetSummary(farm([node('a', { circuits: { video_export: 'open' } })])).tone).toBe('warn');
    const lost = fleetSummary(farm([node('a', { state: 'gone', running: 4 })], { queue: null }));
    expect(lost).toEqual({ text: '1 node: 0 live, 1 gone · none live: the coordinator renders on its own workers · 0 chunks running', tone: 'bad' });
    expect(fleetSummary(farm([], { queue: null })).text).toMatch(/^No node has joined yet/);
    expect(fleetSummary(farm([node('a')], { reachable: false })).text).toMatch(/^Redis at redis:\/\/127\.0\.0\.1:6379 does not answer/);
  });

  it('says plainly that an embedded studio renders alone', () => {
    expect(fleetSummary({ mode: 'embedded', at: 0, message: EMBEDDED_MESSAGE })).toEqual({ text: 'Embedded: this machine renders alone.', tone: 'idle' });
  });
});
