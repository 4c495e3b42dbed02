/**
 * A render node's /metrics door (`storycore node --metrics-port`), opened by cli-farm.ts beside the
 * node. Loopback by default; another address needs --metrics-token. The default port is 9470; a
 * second node on the same machine finds it taken and serves on a free port instead, printed in its
 * log (an explicit port that is taken is an error: Prometheus was told that one).
 */
import { z } from 'zod';
import { UsageError } from './cli-errors.ts';
import type { NodeOptions } from './cli-commands.ts';
import { UnsafeBindingError } from './transport/auth.ts';
import { type NodeMetricsSource, type RunningMetricsServer, createNodeMetricsRegistry, startMetricsServer } from './transport/node-metrics.ts';

export const DEFAULT_NODE_METRICS_PORT = 9470;

const MetricsArgs = z.object({
  port: z
    .string()
    .optional()
    .refine((v) => v === undefined || v === 'off' || /^\d+$/.test(v), "--metrics-port must be a port number, 0 or 'off'")
    .transform((v) => (v === undefined || v === 'off' ? v : Number(v)))
    .refine((v) => v === undefined || v === 'off' || v <= 65535, '--metrics-port must be 0–65535'),
  host: z.string().min(1, '--metrics-host must not be empty'),
  token: z.string().min(16, '--metrics-token must be at least 16 characters').max(512).optional(),
});

/** Checks the options before the node starts: a bad one changes nothing. */
export function nodeMetricsArgs(values: NodeOptions): z.infer<typeof MetricsArgs> {
  const parsed = MetricsArgs.safeParse({ port: values.metricsPort, host: values.metricsHost ?? '127.0.0.1', token: values.metricsToken });
  if (!parsed.success) throw new UsageError(parsed.error.issues[0]?.message ?? 'invalid --metrics options');
  return parsed.data;
}

const NO_CHUNKS = { taken: 0, done: 0, failed: 0, stopped: 0, gave_back: 0 };

/**
 * Serves the node's metrics (zeros until `source()` has a node); undefined with --metrics-port off.
 * Prints where, as one JSON line of the node's log.
 */
export async function serveNodeMetrics(args: z.infer<typeof MetricsArgs>, name: string, source: () => Omit<NodeMetricsSource, 'name'> | undefined, out: (line: string) => void): Promise<RunningMetricsServer | undefined> {
  if (args.port === 'off') return undefined;
  const node: NodeMetricsSource = {
    name,
    circuitStats: () => source()?.circuitStats() ?? {},
    running: () => source()?.running() ?? 0,
    workers: () => source()?.workers() ?? 0,
    chunks: () => source()?.chunks() ?? NO_CHUNKS,
  };
  const registry = createNodeMetricsRegistry(node);
  const start = (port: number) => startMetricsServer({ registry, host: args.host, port, ...(args.token !== undefined ? { token: args.token } : {}) });
  let server: RunningMetricsServer;
  try {
    try {
      server = await start(args.port ?? DEFAULT_NODE_METRICS_PORT);
    } catch (error) {
      if (args.port !== undefined || (error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
      server = await start(0);
    }
  } catch (error) {
    if (error instanceof UnsafeBindingError) throw new UsageError(`--metrics-host ${args.host}: ${error.message.replace('--token', '--metrics-token')}`);
    throw new UsageError(`--metrics-port ${args.port ?? DEFAULT_NODE_METRICS_PORT}: cannot listen on ${args.host}: ${(error as Error).message}`);
  }
  out(JSON.stringify({ at: Date.now(), node: node.name, type: 'metrics', url: server.url, ...(args.port === undefined && server.port !== DEFAULT_NODE_METRICS_PORT ? { note: `port ${DEFAULT_NODE_METRICS_PORT} was taken` } : {}) }));
  return server;
}
