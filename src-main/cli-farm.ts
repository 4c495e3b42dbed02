/**
 * The command line's doors to the render farm: `storycore node` and `serve --farm`. cli.ts imports
 * this file only when one of them is asked for, so that the embedded studio never loads BullMQ or
 * ioredis (nor needs a Redis).
 */
import { statSync } from 'node:fs';
import { availableParallelism, hostname } from 'node:os';
import { resolve } from 'node:path';
import { z } from 'zod';
import { UsageError } from './cli-errors.ts';
import type { NodeOptions } from './cli-commands.ts';
import { nodeMetricsArgs, serveNodeMetrics } from './cli-node-metrics.ts';
import { isInside } from './farm/chunk-files.ts';
import { type FarmCoordinator, openFarmCoordinator } from './farm/coordinator.ts';
import { NodeNameSchema } from './farm/farm-messages.ts';
import { FarmUrlError, parseFarmUrl } from './farm/farm-redis.ts';
import { DEFAULT_FARM_TIMINGS, LOCK_MS_MAX, LOCK_MS_MIN } from './farm/farm-timings.ts';
import { NodeNameTakenError } from './farm/node-heartbeat.ts';
import { type ConfigPatch, ConfigPatchSchema, SEED_CIRCUIT_NAMES } from './breaker/index.ts';
import { RenderNode } from './farm/render-node.ts';

const ms = (option: string, min: number, max: number) =>
  z.coerce.number({ error: `${option} must be a number of milliseconds` }).int(`${option} must be a whole number of milliseconds`).min(min, `${option} must be at least ${min}`).max(max, `${option} must be at most ${max}`);

/** This machine's name as a node name: the host name with anything else than letters, digits, dots and dashes made a dash. */
function defaultNodeName(): string {
  const name = hostname().replace(/[^A-Za-z0-9._-]/g, '-').replace(/^[^A-Za-z0-9]+/, '').slice(0, 64);
  return name || 'node';
}

const NodeArgs = z.object({
  farm: z.string({ error: "--farm redis://HOST:PORT is required: the farm's Redis" }),
  name: NodeNameSchema,
  workers: z.coerce.number({ error: '--workers must be a number' }).int('--workers must be a whole number').min(1, '--workers must be at least 1').max(16, '--workers must be at most 16'),
  tags: z.array(z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, '--tags: each tag is 1–64 letters, digits, dots, dashes or underscores')).max(32, '--tags: at most 32'),
  shared: z.string({ error: '--shared DIR is required: the folder every machine of the farm sees at the same path' }).min(1, '--shared must not be empty'),
  lockMs: ms('--lock-ms', LOCK_MS_MIN, LOCK_MS_MAX),
  stalledMs: ms('--stalled-ms', 200, LOCK_MS_MAX).optional(),
  heartbeatMs: ms('--heartbeat-ms', 100, 60_000),
});

/** A folder given on the command line: it must exist; answered absolute. */
function sharedFolder(path: string): string {
  const full = resolve(path);
  let isDir = false;
  try {
    isDir = statSync(full).isDirectory();
  } catch {
    // Reported below.
  }
  if (!isDir) throw new UsageError(`--shared ${path}: no such folder; mount the farm's shared folder there first`);
  return full;
}

const NodeCircuitsSchema = z.record(z.string(), ConfigPatchSchema);
const CIRCUIT_NAMES: ReadonlySet<string> = new Set(SEED_CIRCUIT_NAMES);

/** `--circuits JSON`: settings over the node's default circuits, checked here so that a typo stops the node before it starts. */
function nodeCircuits(text: string | undefined): Record<string, ConfigPatch> {
  if (text === undefined) return {};
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new UsageError('--circuits must be JSON, for example {"video_interpolation":{"failureThreshold":2}}');
  }
  const parsed = NodeCircuitsSchema.safeParse(json);
  const unknown = parsed.success ? Object.keys(parsed.data).find((name) => !CIRCUIT_NAMES.has(name)) : undefined;
  if (unknown !== undefined) throw new UsageError(`--circuits: ${unknown}: a circuit is one of ${SEED_CIRCUIT_NAMES.join(', ')}`);
  if (!parsed.success) throw new UsageError(`--circuits: ${parsed.error.issues[0]?.path.join('.') ?? ''}: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  return parsed.data;
}

function farmUrl(text: string): string {
  try {
    return parseFarmUrl(text);
  } catch (error) {
    throw error instanceof FarmUrlError ? new UsageError(error.message) : error;
  }
}

/** `storycore node`: runs until SIGINT or SIGTERM (its chunks go back to the farm), or until another node takes its name. */
export async function runNode(values: NodeOptions, out: (line: string) => void): Promise<number> {
  const parsed = NodeArgs.safeParse({
    ...values,
    name: values.name ?? defaultNodeName(),
    workers: values.workers ?? Math.max(1, Math.min(4, availableParallelism())),
    tags: values.tags ? values.tags.split(',').map((t) => t.trim()).filter(Boolean) : [],
  });
  if (!parsed.success) throw new UsageError(parsed.error.issues[0]?.message ?? 'invalid arguments');
  const args = parsed.data;
  const url = farmUrl(args.farm);
  const circuits = nodeCircuits(values.circuits);
  const stalledIntervalMs = args.stalledMs ?? Math.round(args.lockMs / 2);
  if (stalledIntervalMs > args.lockMs) throw new UsageError('--stalled-ms must not be longer than --lock-ms');
  // Bound before the node joins, so that a port in use refuses the node before it takes any chunk.
  let node: RenderNode | undefined;
  const metricsServer = await serveNodeMetrics(nodeMetricsArgs(values), args.name, () => node?.metricsSource(), out);
  try {
    node = await RenderNode.start({
      url,
      name: args.name,
      workers: args.workers,
      tags: args.tags,
      shared: sharedFolder(args.shared),
      timings: { lockDurationMs: args.lockMs, stalledIntervalMs, heartbeatMs: args.heartbeatMs },
      circuits,
      out,
    });
  } catch (error) {
    await metricsServer?.close();
    if (error instanceof FarmUrlError || error instanceof NodeNameTakenError) throw new UsageError(error.message);
    throw error;
  }
  const started = node;
  const why = await new Promise<string | undefined>((done) => {
    process.once('SIGINT', () => done(undefined));
    process.once('SIGTERM', () => done(undefined));
    void started.ended.then(done);
  });
  await metricsServer?.close();
  await started.close();
  return why === undefined ? 0 : 1;
}

/** `serve --farm`: connects the coordinator; its leaser goes to the Studio. */
export async function openServeFarm(args: { farm: string; shared: string | undefined; data: string; quorum?: number | undefined }, out: (line: string) => void): Promise<FarmCoordinator> {
  const url = farmUrl(args.farm);
  if (args.shared === undefined) throw new UsageError('--farm needs --shared DIR: the folder every machine of the farm sees at the same path (and --data inside it)');
  const shared = sharedFolder(args.shared);
  if (!isInside(shared, resolve(args.data))) throw new UsageError(`--data ${args.data} must be inside --shared ${args.shared}: the nodes read and write the jobs' files there`);
  try {
    return await openFarmCoordinator({ url, shared, timings: DEFAULT_FARM_TIMINGS, log: out, ...(args.quorum !== undefined ? { quorum: args.quorum } : {}) });
  } catch (error) {
    throw error instanceof FarmUrlError ? new UsageError(error.message) : error;
  }
}
