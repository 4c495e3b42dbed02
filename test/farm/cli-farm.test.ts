/**
 * The farm's doors on the command line: `storycore node` and `serve --farm`, their refusals (exit 2,
 * naming the option and the fix, nothing started), and a node's clean start and stop.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { farmKeys } from '../../src-main/farm/farm-keys.ts';
import { CLI_ENTRY, runCliAsync } from '../cli-process.ts';
import { FAST_FARM, startNode } from './farm-nodes.ts';
import { type TestRedis, freePort, skipWithoutRedis, startRedis } from './redis-harness.ts';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'storycore-cli-farm-'));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

describe('the farm commands in the help', () => {
  it('node --help and serve --help name the farm options', async () => {
    const node = await runCliAsync(['node', '--help'], dir, 30_000);
    expect(node.status).toBe(0);
    for (const option of ['--farm <redis://host:port>', '--name <name>', '--workers <n>', '--tags <a,b>', '--shared <dir>', '--lock-ms <ms>', '--stalled-ms <ms>', '--heartbeat-ms <ms>']) expect(node.stdout).toContain(option);
    const serve = await runCliAsync(['serve', '--help'], dir, 30_000);
    for (const option of ['--farm <redis://host:port>', '--shared <dir>', '--quorum <share>']) expect(serve.stdout).toContain(option);
    expect((await runCliAsync(['--help'], dir, 30_000)).stdout).toMatch(/^  node /m);
  });
});

describe('the farm commands refuse bad input', () => {
  const refused = async (args: string[], message: RegExp) => {
    const run = await runCliAsync(args, dir, 30_000);
    expect(run.status, run.stderr).toBe(2);
    expect(run.stderr).toMatch(message);
  };

  it('node: --farm and --shared are required, the URL is redis://HOST:PORT, the folder exists', async () => {
    await refused(['node', '--shared', dir], /--farm redis:\/\/HOST:PORT is required/);
    await refused(['node', '--farm', 'redis://127.0.0.1:6379'], /--shared DIR is required/);
    await refused(['node', '--farm', 'http://127.0.0.1:6379', '--shared', dir], /starts with redis:\/\//);
    await refused(['node', '--farm', 'redis://127.0.0.1', '--shared', dir], /name the host and the port/);
    await refused(['node', '--farm', 'redis://127.0.0.1:6379', '--shared', join(dir, 'missing')], /no such folder/);
    await refused(['node', '--farm', 'redis://127.0.0.1:6379', '--shared', dir, '--name', 'no spaces'], /a node name is/);
    await refused(['node', '--farm', 'redis://127.0.0.1:6379', '--shared', dir, '--lock-ms', '100'], /--lock-ms must be at least/);
    await refused(['node', '--farm', 'redis://127.0.0.1:6379', '--shared', dir, '--circuits', '{nope'], /--circuits must be JSON/);
    await refused(['node', '--farm', 'redis://127.0.0.1:6379', '--shared', dir, '--circuits', '{"video_blur":{}}'], /--circuits: .*a circuit is one of/);
    await refused(['node', '--farm', 'redis://127.0.0.1:6379', '--shared', dir, '--circuits', '{"video_export":{"failureThreshold":0}}'], /--circuits: video_export\.failureThreshold/);
  });

  it('node: its /metrics stays on loopback unless a token guards it; a bad port is named', async () => {
    const farm = ['node', '--farm', 'redis://127.0.0.1:6379', '--shared', dir];
    await refused([...farm, '--metrics-host', '0.0.0.0'], /--metrics-host 0\.0\.0\.0: refusing to listen on "0\.0\.0\.0" without an explicit token[^]*--metrics-token/);
    await refused([...farm, '--metrics-port', 'many'], /--metrics-port must be a port number, 0 or 'off'/);
    await refused([...farm, '--metrics-port', '70000'], /--metrics-port must be 0–65535/);
    await refused([...farm, '--metrics-token', 'short'], /--metrics-token must be at least 16 characters/);
  });

  it('node: an unreachable Redis is named', async () => {
    const port = await freePort();
    await refused(['node', '--farm', `redis://127.0.0.1:${port}`, '--shared', dir], new RegExp(`cannot reach the farm's Redis at redis://127.0.0.1:${port}`));
  });

  it('serve: --farm needs --shared, --data inside it; --shared needs --farm', async () => {
    await refused(['serve', '--port', '0', '--data', join(dir, 'data'), '--farm', 'redis://127.0.0.1:6379'], /--farm needs --shared DIR/);
    await refused(['serve', '--port', '0', '--data', join(tmpdir(), 'elsewhere'), '--farm', 'redis://127.0.0.1:6379', '--shared', dir], /must be inside --shared/);
    await refused(['serve', '--port', '0', '--data', join(dir, 'data'), '--shared', dir], /--shared goes with --farm/);
  });

  it('serve: --quorum is a share under 1, and goes with --farm', async () => {
    const farm = ['serve', '--port', '0', '--data', join(dir, 'data'), '--farm', 'redis://127.0.0.1:6379', '--shared', dir];
    await refused([...farm, '--quorum', 'half'], /--quorum must be a number, the share of live nodes/);
    await refused([...farm, '--quorum', '1'], /--quorum must be under 1/);
    await refused([...farm, '--quorum', '-0.1'], /--quorum must be at least 0/);
    await refused(['serve', '--port', '0', '--data', join(dir, 'data'), '--quorum', '0.5'], /--quorum goes with --farm/);
  });
});

describe.skipIf(skipWithoutRedis('cli-farm'))('a node on the command line', () => {
  let redis: TestRedis;
  beforeAll(async () => {
    redis = await startRedis();
  }, 30_000);
  afterAll(async () => redis?.stop());

  it('claims its name (a second node under it is refused), and leaves the farm when stopped', async () => {
    const node = await startNode(redis.url, { name: 'only', workers: 1, shared: dir, ...FAST_FARM });
    const client = new Redis(redis.url);
    try {
      expect(JSON.parse((await client.get(farmKeys.node('only')))!)).toMatchObject({ name: 'only', workers: 1, lockDurationMs: FAST_FARM.lockMs });
      const twin = await runCliAsync(['node', '--farm', redis.url, '--shared', dir, '--name', 'only'], dir, 30_000);
      expect(twin.status).toBe(2);
      expect(twin.stderr).toMatch(/a node named "only" is already live/);
      await node.stop();
      expect(await node.exited).toBe(0);
      expect(await client.exists(farmKeys.node('only'))).toBe(0);
    } finally {
      client.disconnect();
    }
  }, 60_000);

  it('serve --farm says it coordinates the farm, with the quorum it was given', async () => {
    const child = spawn(process.execPath, [CLI_ENTRY, 'serve', '--port', '0', '--data', join(dir, 'studio'), '--farm', redis.url, '--shared', dir, '--quorum', '0.25'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    const deadline = Date.now() + 30_000;
    while (!/open http/.test(out) && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 50));
    expect(out).toMatch(new RegExp(`as the coordinator of the farm at ${redis.url.replace(/[/.]/g, '\\$&')}`));
    const opened = new URL(/open (http\S+)/.exec(out)![1]!);
    const reply = await fetch(new URL('/api/command', opened), {
      method: 'POST',
      headers: { Authorization: `Bearer ${opened.searchParams.get('token')}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ command: { type: 'fleet' } }),
    });
    expect(await reply.json()).toMatchObject({ ok: true, result: { quorum: 0.25 } });
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  }, 60_000);
});
