/**
 * The coordinator's /metrics in farm mode: BullMQ's chunk counts and a gauge per node, from the
 * studio's fleet view at scrape time; an embedded studio's /metrics has no farm series at all. And a
 * node's own /metrics: its circuits under the studio's names, each series labelled with the node.
 */
import { describe, expect, it } from 'vitest';
import { CircuitManager } from '../../src-main/breaker/index.ts';
import type { NodesView } from '../../src-main/engine/nodes-view.ts';
import { createMetricsRegistry } from '../../src-main/transport/metrics.ts';
import { createNodeMetricsRegistry, startMetricsServer } from '../../src-main/transport/node-metrics.ts';
import { UnsafeBindingError } from '../../src-main/transport/auth.ts';
import { FakeStudio } from './fake-studio.ts';
import { bearer, raw, serve } from './helpers.ts';

const sample = (text: string, series: string): number | undefined => {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};

const farmView: NodesView = {
  mode: 'farm',
  at: 0,
  address: 'redis://127.0.0.1:6379',
  reachable: true,
  heartbeatMs: 2000,
  queue: { waiting: 4, active: 2, delayed: 1, completed: 30, failed: 0, prioritized: 0 },
  nodes: [
    { name: 'alpha', state: 'live', host: 'h', pid: 1, tags: [], workers: 2, running: 2, circuits: { video_export: 'open' }, blocklists: [{ job: 'j', stage: 'export' }], lastBeatAgeMs: 250, startedAt: 0 },
    { name: 'beta', state: 'gone', host: 'h', pid: 2, tags: [], workers: 1, running: 0, circuits: {}, blocklists: [], lastBeatAgeMs: null, startedAt: 0 },
  ],
};

describe("the coordinator's farm metrics", () => {
  it('adds the chunk counts and per-node gauges to /metrics, read from the fleet at scrape time', async () => {
    const studio = Object.assign(new FakeStudio(), { nodes: async () => farmView });
    const { port, token } = await serve({ studio });
    const { status, body: text } = await raw(port, '/metrics', { headers: bearer(token) });
    expect(status).toBe(200);
    const m = (series: string) => sample(text, series);
    expect(m('storycore_farm_redis_up')).toBe(1);
    expect(m('storycore_farm_chunks{state="waiting"}')).toBe(4);
    expect(m('storycore_farm_chunks{state="active"}')).toBe(2);
    expect(m('storycore_farm_chunks{state="delayed"}')).toBe(1);
    expect(m('storycore_farm_chunks{state="completed"}')).toBe(30);
    expect(m('storycore_farm_chunks{state="failed"}')).toBe(0);
    expect(m('storycore_farm_nodes{state="live"}')).toBe(1);
    expect(m('storycore_farm_nodes{state="gone"}')).toBe(1);
    expect(m('storycore_farm_nodes{state="stale"}')).toBe(0);
    expect(m('storycore_farm_node_live{node="alpha"}')).toBe(1);
    expect(m('storycore_farm_node_live{node="beta"}')).toBe(0);
    expect(m('storycore_farm_node_chunks_running{node="alpha"}')).toBe(2);
    expect(m('storycore_farm_node_workers{node="alpha"}')).toBe(2);
    expect(m('storycore_farm_node_heartbeat_age_seconds{node="alpha"}')).toBe(0.25);
    expect(m('storycore_farm_node_heartbeat_age_seconds{node="beta"}')).toBeUndefined();
    expect(m('storycore_farm_node_circuits_in_trouble{node="alpha"}')).toBe(1);
    expect(m('storycore_farm_node_blocklists{node="alpha"}')).toBe(1);
    expect(text).toMatch(/^# TYPE storycore_farm_chunks gauge$/m);
  });

  it('says Redis is down, and counts nothing it cannot read, while the farm does not answer', async () => {
    const down: NodesView = { ...farmView, reachable: false, queue: null } as NodesView;
    const text = await createMetricsRegistry(Object.assign(new FakeStudio(), { nodes: async () => down })).metrics();
    expect(sample(text, 'storycore_farm_redis_up')).toBe(0);
    expect(text).not.toMatch(/^storycore_farm_chunks\{/m);
  });

  it('has no farm series in embedded mode', async () => {
    const text = await createMetricsRegistry(new FakeStudio()).metrics();
    expect(text).not.toContain('storycore_farm_');
    expect(text).toContain('resilience4j_circuitbreaker_state');
  });
});

describe("a node's own metrics", () => {
  const circuits = new CircuitManager({ circuits: { video_export: { failureThreshold: 2, recoveryTimeoutMs: 1000, successThreshold: 1, timeoutMs: 100, maxConcurrent: 3 } } });
  const source = {
    name: 'render-01',
    circuitStats: () => circuits.stats(),
    running: () => 1,
    workers: () => 2,
    chunks: () => ({ taken: 5, done: 3, failed: 1, stopped: 0, gave_back: 1 }),
  };

  it('names its circuits as the studio does, each series labelled with the node', async () => {
    await circuits.getBreaker('video_export').execute(() => 'ok');
    const text = await createNodeMetricsRegistry(source).metrics();
    const m = (series: string) => sample(text, series);
    expect(m('resilience4j_circuitbreaker_state{name="video_export",state="closed",node="render-01"}')).toBe(1);
    expect(m('resilience4j_circuitbreaker_calls_seconds_count{name="video_export",kind="successful",node="render-01"}')).toBe(1);
    expect(m('storycore_node_chunks_running{node="render-01"}')).toBe(1);
    expect(m('storycore_node_workers{node="render-01"}')).toBe(2);
    expect(m('storycore_node_chunks_total{outcome="done",node="render-01"}')).toBe(3);
    expect(m('storycore_node_chunks_total{outcome="gave_back",node="render-01"}')).toBe(1);
    // Every sample carries the node.
    const samples = text.split('\n').filter((l) => l && !l.startsWith('#'));
    expect(samples.every((l) => l.includes('node="render-01"'))).toBe(true);
  });

  it('serves /metrics alone, on loopback without a token, and asks for the token when it has one', async () => {
    const registry = createNodeMetricsRegistry(source);
    await expect(startMetricsServer({ registry, host: '0.0.0.0', port: 0 })).rejects.toThrow(UnsafeBindingError);
    const open = await startMetricsServer({ registry, port: 0 });
    try {
      expect(open.url).toBe(`http://127.0.0.1:${open.port}/metrics`);
      expect((await raw(open.port, '/metrics')).status).toBe(200);
      expect((await raw(open.port, '/other')).status).toBe(404);
    } finally {
      await open.close();
    }
    const token = 'a-long-enough-scrape-token';
    const guarded = await startMetricsServer({ registry, port: 0, token });
    try {
      expect((await raw(guarded.port, '/metrics')).status).toBe(401);
      expect((await raw(guarded.port, '/metrics', { headers: bearer('wrong-token-wrong-token') })).status).toBe(401);
      const ok = await raw(guarded.port, '/metrics', { headers: bearer(token) });
      expect(ok.status).toBe(200);
      expect(ok.body).toContain('storycore_node_chunks_running{node="render-01"} 1');
    } finally {
      await guarded.close();
    }
  });
});
