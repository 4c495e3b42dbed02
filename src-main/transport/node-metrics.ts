/**
 * A render node's own /metrics (`storycore node`): its circuits under the same resilience4j names as
 * the studio's, its chunks, and the process's; every series carries `node="<name>"`, so that one
 * Prometheus scraping every node keeps them apart and lines them up with the coordinator's
 * storycore_farm_node_* gauges. Served on loopback unless a token guards it.
 */
import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Registry, collectDefaultMetrics } from 'prom-client';
import type { CircuitStats } from '../breaker/types.ts';
import { assertSafeBinding, assertUsableToken, tokensEqual } from './auth.ts';
import { addCircuitMetrics, metricMakers } from './circuit-metrics.ts';
import { sendText, setSecurityHeaders } from './respond.ts';

/** How a node's chunks ended on it, counted since it started. */
export const NODE_CHUNK_OUTCOMES = ['taken', 'done', 'failed', 'stopped', 'gave_back'] as const;
export type NodeChunkOutcome = (typeof NODE_CHUNK_OUTCOMES)[number];

/** What a node shows: structural, so that transport needs nothing of the farm's. */
export interface NodeMetricsSource {
  readonly name: string;
  circuitStats(): Record<string, CircuitStats>;
  running(): number;
  workers(): number;
  chunks(): Record<NodeChunkOutcome, number>;
}

export function createNodeMetricsRegistry(node: NodeMetricsSource): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ node: node.name });
  collectDefaultMetrics({ register: registry, prefix: 'storycore_' });
  addCircuitMetrics(registry, () => Object.values(node.circuitStats()));
  const { gauge, counter } = metricMakers(registry);
  gauge('storycore_node_chunks_running', 'Chunks this node runs now', [], (set) => set({}, node.running()));
  gauge('storycore_node_workers', 'Worker processes of this node (halved under memory pressure): chunks it takes at once', [], (set) => set({}, node.workers()));
  counter('storycore_node_chunks_total', 'Chunks this node took, and how each ended (stopped: cancelled, cut off or shut down; gave_back: handed to another node)', ['outcome'], (set) => {
    const chunks = node.chunks();
    for (const outcome of NODE_CHUNK_OUTCOMES) set({ outcome }, chunks[outcome]);
  });
  return registry;
}

export interface MetricsServerOptions {
  registry: Registry;
  /** Default 127.0.0.1; anything beyond loopback needs a token. */
  host?: string;
  /** 0 picks a free port. */
  port: number;
  /** When set, every scrape must carry `Authorization: Bearer <token>` (Prometheus's `authorization` setting). */
  token?: string;
}

export interface RunningMetricsServer {
  port: number;
  url: string;
  close(): Promise<void>;
}

/** Serves GET /metrics alone. Throws UnsafeBindingError for a non-loopback host without a token. */
export async function startMetricsServer(options: MetricsServerOptions): Promise<RunningMetricsServer> {
  const host = options.host ?? '127.0.0.1';
  assertSafeBinding(host, options.token !== undefined);
  if (options.token !== undefined) assertUsableToken(options.token);
  const { registry, token } = options;
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    setSecurityHeaders(res, "'none'");
    if (token !== undefined) {
      const match = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
      if (!match || !tokensEqual(match[1]!, token)) return sendText(req, res, 401, 'unauthorized', { 'WWW-Authenticate': 'Bearer', 'Cache-Control': 'no-store' });
    }
    if ((req.url ?? '').split('?')[0] !== '/metrics') return sendText(req, res, 404, 'not found: a node serves /metrics only');
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendText(req, res, 405, 'method not allowed', { Allow: 'GET, HEAD' });
    const text = await registry.metrics();
    res.writeHead(200, { 'Content-Type': registry.contentType, 'Cache-Control': 'no-store', 'Content-Length': String(Buffer.byteLength(text)) });
    res.end(req.method === 'HEAD' ? undefined : text);
  };
  const server = createServer((req, res) => {
    handle(req, res).catch(() => (res.headersSent ? res.destroy() : sendText(req, res, 500, 'metrics unavailable')));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const shown = host.includes(':') ? `[${host}]` : host;
  return {
    port,
    url: `http://${shown}:${port}/metrics`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
