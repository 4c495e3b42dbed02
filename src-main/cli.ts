#!/usr/bin/env node
/**
 * Headless entry: `npx storycore <command>` (the package's bin) or `npm run storycore -- <command>`.
 * Commander reads the arguments and writes the help from the definitions in cli-commands.ts;
 * values are then validated before anything runs: bad input exits 2 with a message naming the
 * argument and the fix, and writes nothing.
 */
import { existsSync, realpathSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { CommanderError } from 'commander';
import { z } from 'zod';
import { InvalidConfigError, SEED_CIRCUITS } from './breaker/index.ts';
import { APP_NAME } from './app-info.ts';
import { parseChaosRule } from './engine/chaos.ts';
import { estimateShot, type ShotEstimate } from './engine/chunks/shot-estimate.ts';
import { ThroughputLearner } from './engine/chunks/throughput-learner.ts';
import { createEngineCircuits } from './engine/circuits.ts';
import { QUALITIES, ProjectError, type Quality } from './engine/model.ts';
import { type LoadedProject, loadProject } from './engine/project-io.ts';
import { type CircuitOverride, renderProject } from './engine/render-project.ts';
import { UsageError } from './cli-errors.ts';
import { createReporter } from './cli-report.ts';
import { type CircuitsOptions, type RenderOptions, type ServeOptions, defaultChunkStoreDir, defineCommands } from './cli-commands.ts';
import { Studio, osUser } from './host/studio.ts';
import { DatabaseOpenError } from './queue/open-error.ts';
import { UnsafeBindingError } from './transport/auth.ts';
import { assertSafeBinding, generateToken, startServer } from './transport/http-server.ts';

// Exit codes: 0 all rendered, 1 a shot failed, 2 bad input (a UsageError; a refused shot included).

const CIRCUIT_FIELDS = ['failureThreshold', 'recoveryTimeoutMs', 'successThreshold', 'timeoutMs', 'maxConcurrent', 'halfOpenMaxProbes', 'abandonAfterMs'] as const;

export function parseCircuitOverride(text: string): CircuitOverride {
  const match = /^([a-z_]+)\.([A-Za-z]+)=(.+)$/.exec(text);
  if (!match) throw new UsageError(`--circuit ${text}: expected NAME.FIELD=VALUE, for example video_interpolation.timeoutMs=2000`);
  const [, circuit, field, raw] = match as unknown as [string, string, string, string];
  if (!(circuit in SEED_CIRCUITS)) throw new UsageError(`--circuit ${text}: unknown circuit "${circuit}"; known: ${Object.keys(SEED_CIRCUITS).join(', ')}`);
  if (!(CIRCUIT_FIELDS as readonly string[]).includes(field)) throw new UsageError(`--circuit ${text}: unknown field "${field}"; known: ${CIRCUIT_FIELDS.join(', ')}`);
  const value = Number(raw);
  if (!Number.isFinite(value)) throw new UsageError(`--circuit ${text}: "${raw}" is not a number`);
  return { circuit, patch: { [field]: value } };
}

/** The demo project ships in resources/demo, found from this file in source and in the build. */
export function demoProjectPath(from = import.meta.dirname): string {
  for (let dir = from, i = 0; i < 4; i++, dir = dirname(dir)) {
    const candidate = join(dir, 'resources', 'demo', 'project.json');
    if (existsSync(candidate)) return candidate;
  }
  throw new Error('the demo project (resources/demo/project.json) is missing from this installation');
}

/** The built renderer: out/renderer from source, ../renderer from the bundle. Null when not built. */
export function rendererDir(from = import.meta.dirname): string | null {
  for (let dir = from, i = 0; i < 4; i++, dir = dirname(dir)) {
    for (const candidate of [join(dir, 'out', 'renderer'), join(dir, 'renderer')]) {
      if (existsSync(join(candidate, 'index.html'))) return candidate;
    }
  }
  return null;
}

const ServeArgs = z.object({
  port: z.coerce.number({ error: '--port must be a number' }).int('--port must be a whole number').min(0, '--port must be 0–65535').max(65535, '--port must be 0–65535'),
  host: z.string().min(1, '--host must not be empty'),
  data: z.string().min(1, '--data must not be empty'),
  token: z.string().min(16, '--token must be at least 16 characters (or leave it out to get a random one)').max(512).optional(),
  workers: z.coerce.number({ error: '--workers must be a number' }).int().min(1, '--workers must be at least 1').max(16, '--workers must be at most 16').optional(),
  farm: z.string().optional(),
  shared: z.string().optional(),
  quorum: z.coerce
    .number({ error: '--quorum must be a number, the share of live nodes, e.g. 0.5' })
    .min(0, '--quorum must be at least 0 (any one node opens a circuit fleet-wide)')
    .lt(1, '--quorum must be under 1: a circuit opens fleet-wide on more than this share of the live nodes')
    .optional(),
});

async function serve(values: ServeOptions, out: (line: string) => void): Promise<number> {
  const parsed = ServeArgs.safeParse(values);
  if (!parsed.success) throw new UsageError(parsed.error.issues[0]?.message ?? 'invalid arguments');
  const args = parsed.data;
  assertSafeBinding(args.host, args.token !== undefined);
  if (args.shared !== undefined && args.farm === undefined) throw new UsageError('--shared goes with --farm: it names the folder the farm shares');
  if (args.quorum !== undefined && args.farm === undefined) throw new UsageError("--quorum goes with --farm: it is the share of the farm's nodes that opens a circuit fleet-wide");
  // The farm's door opens only when asked for: the embedded studio never loads BullMQ or ioredis.
  const farm = args.farm === undefined ? undefined : await (await import('./cli-farm.ts')).openServeFarm({ farm: args.farm, shared: args.shared, data: args.data, quorum: args.quorum }, out);
  const studio = await Studio.open({
    dataDir: args.data,
    demoProjectPath: demoProjectPath(),
    ...(args.workers ? { workers: args.workers } : {}),
    ...(farm ? { leaser: (pool) => farm.leaser(pool), nodes: () => farm.nodes(), fleet: farm.fleet } : {}),
  }).catch(async (error: unknown) => {
    await farm?.close();
    throw error;
  });
  const server = await startServer({
    studio,
    host: args.host,
    port: args.port,
    token: args.token ?? generateToken(),
    rendererDir: rendererDir(),
    tokenName: args.token ? 'token' : `${osUser()} (generated token)`,
  });
  out(`${APP_NAME} serving ${args.data}${farm ? ` as the coordinator of the farm at ${farm.address} (shared folder ${args.shared})` : ''}`);
  out(`open ${server.url}`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  out('stopping: running jobs go back to the queue');
  await server.close();
  await studio.close();
  return 0;
}

const RenderArgs = z.object({
  project: z.string().optional(),
  demo: z.boolean(),
  out: z.string({ error: '--out DIR is required: the folder the renders go to' }).min(1, '--out must not be empty'),
  quality: z.enum(QUALITIES, { error: `--quality must be one of ${QUALITIES.join(', ')}` }).optional(),
  workers: z.coerce.number({ error: '--workers must be a number' }).int('--workers must be a whole number').min(1, '--workers must be at least 1').max(16, '--workers must be at most 16').optional(),
  reuse: z.boolean(),
  chunkStore: z.string().min(1, '--chunk-store must not be empty').optional(),
});

async function render(positionals: string[], values: RenderOptions, out: (line: string) => void): Promise<number> {
  const parsed = RenderArgs.safeParse({ ...values, project: positionals[0] });
  if (!parsed.success) throw new UsageError(parsed.error.issues[0]?.message ?? 'invalid arguments');
  const args = parsed.data;
  if (positionals.length > 1) throw new UsageError(`render takes one project file; got ${positionals.length} (${positionals.join(', ')})`);
  if (args.demo === Boolean(args.project)) throw new UsageError('give either a project.json path or --demo');

  const overrides = (values.circuit ?? []).map(parseCircuitOverride);
  let chaos;
  try {
    chaos = (values.chaos ?? []).map(parseChaosRule);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const loaded = await loadProject(args.project ?? demoProjectPath());

  const reporter = createReporter({ json: values.json ?? false, out, interactive: Boolean(process.stdout.isTTY) && !values.json, shots: loaded.project.shots.map((s) => s.id) });
  const estimates = estimateProject(loaded, overrides, args.quality, args.workers ?? Math.max(1, Math.min(4, availableParallelism())));
  loaded.warnings.forEach((warning) => reporter.warning(warning));
  estimates.forEach((estimate) => reporter.estimate(estimate));
  const refused = estimates.find((e) => e.refusal);
  if (refused?.refusal) throw new UsageError(`shot "${refused.shotId}": ${refused.refusal.message} Nothing was rendered.`);
  const controller = new AbortController();
  const onSignal = () => controller.abort(new Error('interrupted'));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const summary = await renderProject(loaded, {
      outDir: args.out,
      ...(args.quality ? { quality: args.quality } : {}),
      ...(args.workers ? { workers: args.workers } : {}),
      overrides,
      chaos,
      signal: controller.signal,
      onEvent: reporter.event,
      chunkStore: { dir: resolve(args.chunkStore ?? defaultChunkStoreDir()), reuse: args.reuse },
    });
    reporter.summary(summary);
    return summary.ok ? 0 : 1;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/**
 * Every shot's estimate, as the studio reckons it but from the built-in figures: the CLI keeps no
 * database (it writes only inside --out), so its learner lives in memory for this run. The circuits
 * are the seven with this run's --circuit overrides, which are checked here, before anything is written.
 */
function estimateProject(loaded: LoadedProject, overrides: ReturnType<typeof parseCircuitOverride>[], quality: Quality | undefined, workers: number): ShotEstimate[] {
  const circuits = createEngineCircuits();
  for (const { circuit, patch } of overrides) circuits.configure(circuit, patch);
  const learner = new ThroughputLearner();
  const { project } = loaded;
  return project.shots.map((shot) =>
    estimateShot(shot, quality ?? shot.quality ?? project.quality, { figure: (key) => learner.figure(key), circuits: (name) => circuits.getBreaker(name).config, workers }),
  );
}

export async function runCli(argv: string[], out: (line: string) => void = (line) => process.stdout.write(`${line}\n`)): Promise<number> {
  let code = 0;
  const program = defineCommands(out, {
    render: async (positionals, values) => void (code = await render(positionals, values, out)),
    serve: async (values) => void (code = await serve(values, out)),
    node: async (values) => void (code = await (await import('./cli-farm.ts')).runNode(values, out)),
    circuits: (values) => void (code = circuits(values, out)),
  });
  if (argv.length === 0) {
    out(program.helpInformation().trimEnd());
    return 2;
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (error) {
    if (error instanceof CommanderError) return commanderExit(error, argv);
    if (error instanceof UsageError || error instanceof ProjectError) {
      process.stderr.write(`storycore: ${(error as Error).message}\n`);
      return 2;
    }
    if (error instanceof DatabaseOpenError || error instanceof UnsafeBindingError) {
      process.stderr.write(`storycore: ${error.message}\n`);
      return 2;
    }
    if (error instanceof InvalidConfigError) {
      process.stderr.write(`storycore: --circuit: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
}

const COMMANDS = ['render', 'serve', 'node', 'circuits'];

/** Help asked for is exit 0; anything commander refuses (unknown option, missing value) is bad input, exit 2. */
function commanderExit(error: CommanderError, argv: string[]): number {
  if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return 0;
  if (error.code === 'commander.help') return error.exitCode === 0 ? 0 : 2;
  if (error.code === 'commander.unknownCommand') {
    const name = /'(.*)'/.exec(error.message)?.[1] ?? argv[0];
    process.stderr.write(`storycore: unknown command "${name}": try render, serve, node, circuits or --help\n`);
    return 2;
  }
  const command = COMMANDS.find((c) => argv.includes(c));
  process.stderr.write(`storycore: ${error.message.replace(/^error: /, '').replace(/\s*\n\s*/g, ' ')} — see \`storycore ${command ? `${command} ` : ''}--help\`\n`);
  return 2;
}

function circuits(values: CircuitsOptions, out: (line: string) => void): number {
  if (values.json) {
    out(JSON.stringify(SEED_CIRCUITS));
    return 0;
  }
  out('circuit                  fail  recovery  succ  timeout  max');
  for (const [name, c] of Object.entries(SEED_CIRCUITS)) {
    out(
      `${name.padEnd(24)} ${String(c.failureThreshold).padStart(4)} ${`${c.recoveryTimeoutMs / 1000}s`.padStart(9)} ${String(c.successThreshold).padStart(5)} ${`${c.timeoutMs / 1000}s`.padStart(8)} ${String(c.maxConcurrent).padStart(4)}`,
    );
  }
  return 0;
}

const isEntry = process.argv[1] !== undefined && import.meta.filename === realpathSync(process.argv[1]);
if (isEntry) {
  // Whoever reads our output may go first (a closed pipe, `| head`): that ends the output, not the host.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') throw error;
    });
  }
  runCli(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`storycore: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
