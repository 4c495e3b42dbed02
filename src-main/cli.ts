/**
 * Headless entry: `npm run storycore -- <command>`. Arguments are validated before anything runs.
 */
import { realpathSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { SEED_CIRCUITS } from './breaker/index.ts';
import { APP_NAME } from './app-info.ts';

const USAGE = `${APP_NAME} — command line

  storycore circuits [--json]   the seven circuits and their default configs
  storycore --help              this text
`;

const Command = z.enum(['circuits'], { error: (issue) => `unknown command ${JSON.stringify(issue.input)}: try "circuits" or --help` });

export function runCli(argv: string[], out: (line: string) => void = console.log): number {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: { json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } },
  });
  if (values.help || positionals.length === 0) {
    out(USAGE);
    return values.help ? 0 : 2;
  }
  const command = Command.safeParse(positionals[0]);
  if (!command.success) throw new Error(command.error.issues[0]?.message ?? 'invalid command');

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
  try {
    process.exitCode = runCli(process.argv.slice(2));
  } catch (error) {
    console.error(`storycore: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 2;
  }
}
