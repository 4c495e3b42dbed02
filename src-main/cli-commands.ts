/**
 * The command line's commands and options, defined once: commander parses argv from these
 * definitions and writes `--help` from them, so the help can never drift from what is accepted.
 * Values arrive as strings and are checked by the commands' zod schemas in cli.ts, whose messages
 * name the option and the fix.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { APP_NAME } from './app-info.ts';
import { QUALITIES } from './engine/model.ts';

export interface RenderOptions {
  demo: boolean;
  out?: string;
  quality?: string;
  circuit: string[];
  chaos: string[];
  workers?: string;
  json: boolean;
  /** false with --no-reuse: look nothing up in the chunk store. */
  reuse: boolean;
  chunkStore?: string;
}

export interface ServeOptions {
  port: string;
  host: string;
  data: string;
  token?: string;
  workers?: string;
  farm?: string;
  shared?: string;
  quorum?: string;
}

/** `storycore node`: a render node of a farm. */
export interface NodeOptions {
  farm?: string;
  name?: string;
  workers?: string;
  tags?: string;
  shared?: string;
  lockMs?: string;
  stalledMs?: string;
  heartbeatMs?: string;
  metricsPort?: string;
  metricsHost?: string;
  metricsToken?: string;
  circuits?: string;
}

export interface CircuitsOptions {
  json: boolean;
}

export interface CommandActions {
  /** `positionals` holds every operand, so the command itself can refuse more than one project. */
  render: (positionals: string[], values: RenderOptions) => Promise<void>;
  serve: (values: ServeOptions) => Promise<void>;
  node: (values: NodeOptions) => Promise<void>;
  circuits: (values: CircuitsOptions) => void;
}

/**
 * The command line's chunk store: a cache folder, not inside --out, so that --out holds only what
 * was rendered: $XDG_CACHE_HOME/storycore/chunks, else ~/.cache/storycore/chunks.
 */
export function defaultChunkStoreDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'storycore', 'chunks');
}

const EXIT_CODES = `
Exit codes: 0 all rendered (or help shown), 1 a shot failed, 2 bad input (nothing is written).
The project format: docs/PROJECT-FORMAT.md. Example: storycore render --demo --out renders --json`;

const RENDER_EXAMPLES = `
Examples:
  storycore render --demo --out renders
  storycore render resources/examples/pictures/project.json --out renders --quality draft
  storycore render project.json --out renders --json --circuit video_interpolation.timeoutMs=2000
  storycore render project.json --out renders --chaos interpolation=hang:1
  storycore render project.json --out renders --no-reuse`;

/** A repeatable option: every occurrence is kept, in order. */
const collect = (value: string, previous: string[]): string[] => [...previous, value];

/**
 * The program with its four commands. Output goes through `out` (help is stdout's), commander's
 * own error printing is silenced and its exits become thrown CommanderErrors, so the caller decides
 * the message and the exit code.
 */
export function defineCommands(out: (line: string) => void, actions: CommandActions): Command {
  const program = new Command('storycore')
    .description(`${APP_NAME} — command line: render shots, serve the studio in a browser, run a render node, show the circuits.`)
    .exitOverride()
    .configureOutput({
      writeOut: (text) => out(text.trimEnd()),
      writeErr: (text) => process.stderr.write(text),
      outputError: () => {},
    })
    .helpCommand(false)
    // Defaults worth reading (a port, a folder) are shown; false and [] for flags say nothing.
    .configureHelp({ optionDescription: (option) => (typeof option.defaultValue === 'string' ? `${option.description} (default: ${option.defaultValue})` : option.description) })
    .addHelpText('after', EXIT_CODES);

  program
    .command('render')
    .description("render every shot of a project (or the demo) to DIR, each stage behind its circuit breaker. Each shot's estimate is printed first; a shot that cannot fit its circuit's timeout is refused (exit 2, nothing rendered)")
    .argument('[project]', 'a project.json; keyframe pictures are read relative to its folder')
    .option('--demo', 'render the demo project that ships with the studio instead of a file', false)
    .option('--out <dir>', 'the folder the renders go to (required)')
    .option('--quality <level>', `override every shot's quality: ${QUALITIES.join(', ')}`)
    .option('--circuit <name.field=value>', 'change a circuit for this run (repeatable), e.g. video_interpolation.timeoutMs=2000', collect, [])
    .option('--chaos <stage=mode[:times]>', 'fault drill (repeatable): STAGE is frame_processing, interpolation or export; MODE is fail, hang, crash or slow', collect, [])
    .option('--workers <n>', 'worker processes, 1–16 (default: cores, at most 4)')
    .option('--json', 'one JSON object per line on stdout instead of progress bars', false)
    .option('--no-reuse', 'render everything again: read nothing from the chunk store (what is rendered is still kept there)')
    .option('--chunk-store <dir>', `where finished chunks are kept for the next render (default: ${defaultChunkStoreDir()})`)
    // More than one project is refused by the command itself, with a message that lists them.
    .allowExcessArguments()
    .addHelpText('after', RENDER_EXAMPLES)
    .action((_project: string | undefined, values: RenderOptions, command: Command) => actions.render(command.args, values));

  program
    .command('serve')
    .description('the studio in a browser: renderer, WebSocket, /metrics. Without --token a random one is made and printed with the URL; any host but loopback needs an explicit token')
    .option('--port <port>', 'TCP port, 0–65535 (0 picks a free one)', '7777')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--data <dir>', 'the data folder: queue database, history, renders', join(homedir(), '.storycore'))
    .option('--token <token>', 'the access token, at least 16 characters (default: a random one)')
    .option('--workers <n>', 'worker processes, 1–16 (default: cores, at most 4)')
    .option('--farm <redis://host:port>', "coordinate a render farm: chunks go to the nodes of this Redis (this machine renders while none is live); SQLite stays the studio's record")
    .option('--shared <dir>', 'with --farm: the folder every machine of the farm sees at the same path; --data must be inside it')
    .option('--quorum <share>', 'with --farm: a circuit opens fleet-wide when open on more than this share of the live nodes, 0 to under 1 (default 0.5); below it the failing node is taken out of rotation instead')
    .action((values: ServeOptions) => actions.serve(values));

  program
    .command('node')
    .description("a render node of a farm: takes chunks from the coordinator's Redis into its own worker pool, each under this node's circuit for its stage, and says it is alive with a heartbeat")
    .option('--farm <redis://host:port>', "the farm's Redis (required)")
    .option('--name <name>', 'this node\'s name in the farm, unique while it is live (default: the host name)')
    .option('--workers <n>', 'worker processes, and so chunks at once, 1–16 (default: cores, at most 4)')
    .option('--tags <a,b>', 'labels for this node, comma-separated (shown to the coordinator)')
    .option('--shared <dir>', "the folder every machine of the farm sees at the same path (required): a chunk's files must be inside it")
    .option('--lock-ms <ms>', "how long a taken chunk's lock lasts unless renewed: a lost node's chunk goes elsewhere about this long after, and a node cut off from Redis kills its chunk within half of it", '30000')
    .option('--stalled-ms <ms>', 'how often this node looks for chunks whose lock expired (default: half of --lock-ms)')
    .option('--heartbeat-ms <ms>', 'how often this node says it is alive; it counts as gone after three missed beats', '2000')
    .option('--metrics-port <port>', 'where this node serves Prometheus /metrics (default: 9470, or a free port, printed, when another node on this machine has it; 0: a free port; off: none)')
    .option('--metrics-host <host>', 'the address /metrics listens on; anything but loopback needs --metrics-token', '127.0.0.1')
    .option('--metrics-token <token>', 'a bearer token every scrape must carry, at least 16 characters')
    .option('--circuits <json>', 'this node\'s circuit settings over the defaults, as JSON, for example {"video_interpolation":{"failureThreshold":2}}')
    .action((values: NodeOptions) => actions.node(values));

  program
    .command('circuits')
    .description('the seven circuits and their default configs')
    .option('--json', 'one JSON object instead of a table', false)
    .action((values: CircuitsOptions) => actions.circuits(values));

  return program;
}
