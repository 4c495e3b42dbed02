/** The shipped Prometheus alerting rules: valid for promtool, and firing (or not) as promtool's own unit tests say. */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const rules = fileURLToPath(new URL('../../resources/monitoring/alerts.yml', import.meta.url));
const ruleTests = fileURLToPath(new URL('./alerts.rules-test.yml', import.meta.url));

const promtool = (...args: string[]) => spawnSync('promtool', args, { encoding: 'utf8', timeout: 30_000 });
const probe = promtool('--version');
const missing = probe.error ? `promtool is not installed (${probe.error.message}); .ci/run installs the prometheus package` : null;
if (missing) console.log(`[alerts] skipped: ${missing}`);

describe.skipIf(missing !== null)('alerts.yml', () => {
  it('passes promtool check rules, with the four alerts', () => {
    const check = promtool('check', 'rules', rules);
    expect(check.status, check.stdout + check.stderr).toBe(0);
    expect(check.stdout).toContain('SUCCESS: 4 rules found');
  });

  it('fires for a circuit open past a minute, a forced-open one, a high slow-call rate and rising job failures, naming the circuit', () => {
    const run = promtool('test', 'rules', ruleTests);
    expect(run.status, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toContain('SUCCESS');
  });
});
