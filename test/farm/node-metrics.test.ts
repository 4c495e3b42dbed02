/**
 * Metrics over a real farm: a node process serves its own /metrics on loopback (its circuits under
 * the studio's names, labelled with the node), and the coordinator's /metrics counts it live with
 * BullMQ's chunk counts beside it. A second node started with the same port is refused by name.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FarmCoordinator, openFarmCoordinator } from '../../src-main/farm/coordinator.ts';
import { createMetricsRegistry } from '../../src-main/transport/metrics.ts';
import { until } from '../host/helpers.ts';
import { FakeStudio } from '../transport/fake-studio.ts';
import { FAST_FARM, type NodeProcess, startNode } from './farm-nodes.ts';
import { type TestRedis, skipWithoutRedis, startRedis } from './redis-harness.ts';

const skip = skipWithoutRedis('node-metrics');

describe.skipIf(skip)('metrics of a real farm', () => {
  let redis: TestRedis;
  let shared: string;
  let node: NodeProcess;
  let coordinator: FarmCoordinator;
  beforeAll(async () => {
    redis = await startRedis();
    shared = await mkdtemp(join(tmpdir(), 'storycore-farm-metrics-'));
    coordinator = await openFarmCoordinator({ url: redis.url, shared, timings: { heartbeatMs: FAST_FARM.heartbeatMs }, log: () => {} });
    node = await startNode(redis.url, { name: 'metered', workers: 1, shared, ...FAST_FARM, args: ['--metrics-port', '0'] });
  }, 60_000);
  afterAll(async () => {
    await node?.stop();
    await coordinator?.close();
    await redis?.stop();
    await rm(shared, { recursive: true, force: true });
  }, 60_000);

  it('a node serves its circuits and chunks on loopback, labelled with its name', async () => {
    const line = await node.waitFor((l) => l.type === 'metrics', 10_000, 'its metrics address');
    expect(String(line.url)).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    const text = await (await fetch(String(line.url))).text();
    expect(text).toMatch(/^resilience4j_circuitbreaker_state\{name="video_interpolation",state="closed",node="metered"\} 1$/m);
    expect(text).toMatch(/^storycore_node_chunks_running\{node="metered"\} 0$/m);
    expect(text).toMatch(/^storycore_node_workers\{node="metered"\} 1$/m);
    expect(text).toMatch(/^storycore_node_chunks_total\{outcome="taken",node="metered"\} 0$/m);
  });

  it("the coordinator's /metrics counts the node live, with the farm queue's chunks", async () => {
    await until(() => coordinator.registry.capacity() === 1, 10_000, 'the coordinator sees the node');
    const text = await createMetricsRegistry(Object.assign(new FakeStudio(), { nodes: () => coordinator.nodes() })).metrics();
    expect(text).toMatch(/^storycore_farm_redis_up 1$/m);
    expect(text).toMatch(/^storycore_farm_node_live\{node="metered"\} 1$/m);
    expect(text).toMatch(/^storycore_farm_node_workers\{node="metered"\} 1$/m);
    expect(text).toMatch(/^storycore_farm_chunks\{state="waiting"\} 0$/m);
  });

  it('refuses a second node on a port that is taken, naming the option', async () => {
    const line = node.lines.find((l) => l.type === 'metrics')!;
    const port = new URL(String(line.url)).port;
    await expect(startNode(redis.url, { name: 'clash', workers: 1, shared, ...FAST_FARM, args: ['--metrics-port', port] })).rejects.toThrow(/exited \(2\)[^]*--metrics-port \d+: cannot listen/);
  }, 30_000);
});
