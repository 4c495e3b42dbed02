/**
 * `npm test`: builds, runs the unit and integration tests (vitest), then the e2e specs (Playwright) against the build,
 * then one plain total line, `N passed, N failed, N skipped`, with the reason of every skip.
 * Both suites always run, so one failing does not hide the other's count; the exit code is non-zero
 * if either failed or if no test ran at all. `npm test -- --chaos` (what CI runs) adds the chaos suite
 * (test/chaos, several minutes of killed processes and floods) to the same total, and `--long` the
 * real-size shots (test/long: the 12 s 1080p shot and harder ones, minutes of ffmpeg).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

interface Tally {
  passed: number;
  failed: number;
  skipped: number;
  skips: string[];
  /** `title: first line of the error` of every failed test, repeated at the end so a long log's tail names them. */
  failures: string[];
  ok: boolean;
}

const firstLine = (message: string | undefined) =>
  (message ?? 'no message').replace(/\x1b\[[0-9;]*m/g, '').trim().split('\n')[0]!.slice(0, 300);

const scratch = mkdtempSync(join(tmpdir(), 'storycore-tests-'));
const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';

function run(args: string[], env: NodeJS.ProcessEnv = {}): number {
  const result = spawnSync(npx, args, { stdio: 'inherit', env: { ...process.env, ...env } });
  return result.status ?? 1;
}

function vitest(name: string, extra: string[] = []): Tally {
  const file = join(scratch, `${name}.json`);
  const status = run(['vitest', 'run', ...extra, '--reporter=default', '--reporter=json', `--outputFile.json=${file}`]);
  const tally: Tally = { passed: 0, failed: 0, skipped: 0, skips: [], failures: [], ok: status === 0 };
  if (!existsSync(file)) return { ...tally, failed: 1, ok: false, skips: ['vitest wrote no report'] };
  const report = JSON.parse(readFileSync(file, 'utf8')) as {
    testResults: {
      name: string;
      message?: string;
      assertionResults: { status: string; fullName: string; title: string; failureMessages?: string[] }[];
    }[];
  };
  for (const suite of report.testResults) {
    for (const t of suite.assertionResults) {
      if (t.status === 'passed') tally.passed++;
      else if (t.status === 'failed') {
        tally.failed++;
        tally.failures.push(`${t.fullName}: ${firstLine(t.failureMessages?.[0])}`);
      } else {
        tally.skipped++;
        tally.skips.push(`${t.fullName} (${t.status})`);
      }
    }
    // A file that failed to load has no assertions, only a message.
    if (suite.assertionResults.length === 0 && suite.message) tally.failures.push(`${suite.name}: ${firstLine(suite.message)}`);
  }
  return tally;
}

interface PwSpec {
  title: string;
  tests: {
    status: string;
    annotations: { type: string; description?: string }[];
    results?: { error?: { message?: string } }[];
  }[];
}
interface PwSuite {
  specs?: PwSpec[];
  suites?: PwSuite[];
}

function playwright(): Tally {
  const file = join(scratch, 'playwright.json');
  const status = run(['playwright', 'test', '--reporter=list,json'], { PLAYWRIGHT_JSON_OUTPUT_FILE: file });
  const tally: Tally = { passed: 0, failed: 0, skipped: 0, skips: [], failures: [], ok: status === 0 };
  if (!existsSync(file)) return { ...tally, failed: 1, ok: false, skips: ['playwright wrote no report'] };
  const report = JSON.parse(readFileSync(file, 'utf8')) as { suites: PwSuite[]; errors?: unknown[] };
  const walk = (suite: PwSuite) => {
    for (const spec of suite.specs ?? []) {
      for (const t of spec.tests) {
        if (t.status === 'expected' || t.status === 'flaky') tally.passed++;
        else if (t.status === 'skipped') {
          tally.skipped++;
          const why = t.annotations.find((a) => a.type === 'skip')?.description ?? 'no reason given';
          tally.skips.push(`${spec.title}: ${why}`);
        } else {
          tally.failed++;
          const last = t.results?.at(-1);
          tally.failures.push(`${spec.title}: ${firstLine(last?.error?.message)}`);
        }
      }
    }
    suite.suites?.forEach(walk);
  };
  report.suites.forEach(walk);
  if (report.errors?.length && tally.failed === 0) tally.failed = report.errors.length;
  return tally;
}

// The e2e specs run against the built app: build first so a fresh clone's `npm test` just works.
if (run(['electron-vite', 'build', '--logLevel', 'warn']) !== 0) {
  console.log('the build failed, so no test ran');
  console.log('0 passed, 1 failed');
  process.exit(1);
}
const suites: [string, Tally][] = [['vitest', vitest('vitest')], ['playwright', playwright()]];
if (process.argv.includes('--chaos')) suites.push(['chaos', vitest('chaos', ['--config', 'vitest.chaos.config.ts'])]);
if (process.argv.includes('--long')) suites.push(['long', vitest('long', ['--config', 'vitest.long.config.ts'])]);
rmSync(scratch, { recursive: true, force: true });

const sum = (key: 'passed' | 'failed' | 'skipped') => suites.reduce((n, [, t]) => n + t[key], 0);
for (const [, t] of suites) for (const why of t.skips) console.log(`skipped: ${why}`);
for (const [name, t] of suites) for (const what of t.failures) console.log(`failed (${name}): ${what}`);
for (const [name, t] of suites) console.log(`${name}: ${t.passed} passed, ${t.failed} failed, ${t.skipped} skipped`);
console.log(`${sum('passed')} passed, ${sum('failed')} failed, ${sum('skipped')} skipped`);
process.exitCode = suites.every(([, t]) => t.ok) && sum('failed') === 0 && sum('passed') > 0 ? 0 : 1;
