import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SEED_CIRCUITS } from '../src-main/breaker/index.ts';

const cli = fileURLToPath(new URL('../src-main/cli.ts', import.meta.url));
const run = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 10_000 });

describe('storycore command line', () => {
  it('prints the seven circuits as JSON that matches the library', () => {
    const result = run('circuits', '--json');
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual(SEED_CIRCUITS);
  });

  it('prints a readable table', () => {
    const result = run('circuits');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/video_export\s+2\s+60s\s+1\s+300s\s+1/);
  });

  it('rejects an unknown command or flag with a clear message and a non-zero exit', () => {
    const unknown = run('explode');
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/unknown command "explode"/);
    const flag = run('circuits', '--bogus');
    expect(flag.status).toBe(2);
    expect(flag.stderr).toMatch(/--bogus/);
  });
});
