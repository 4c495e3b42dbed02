/**
 * Hostile text all the way through a render: projects whose name and titles carry path traversal,
 * ffmpeg filter syntax, shell syntax and odd unicode, enqueued over the serve-mode WebSocket into a
 * real Studio that really renders them (real workers, real ffmpeg). The free text is data only: every
 * shot renders, its output lands in its job's own folder, nothing is written anywhere else.
 * Few runs, since each is a real render: FUZZ_RUNS widens it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Job, ServerMessage } from '../../src-preload/contract.ts';
import { Studio } from '../../src-main/host/studio.ts';
import { type RunningServer, generateToken, startServer } from '../../src-main/transport/http-server.ts';
import { demoProjectPath, until } from '../host/helpers.ts';
import { FILTER_SYNTAX, ODD_UNICODE, hostilePaths } from './fuzz-arbitraries.ts';
import { type FuzzWorld, type TreeEntry, makeFuzzWorld, snapshotTree, treeViolations } from './fuzz-world.ts';
import { Client } from './helpers.ts';
import { fuzzParams } from '../fuzz-settings.ts';

let world: FuzzWorld;
let studio: Studio;
let server: RunningServer;
let token: string;
let treeBefore: Map<string, TreeEntry>;

beforeAll(async () => {
  world = makeFuzzWorld('storycore-render-fuzz-');
  studio = await Studio.open({ dataDir: world.dataDir, demoProjectPath, workers: 1, maxRunningJobs: 1, retry: { maxAttempts: 1, baseDelayMs: 10, maxDelayMs: 10 }, monitorIntervalMs: 1000 });
  token = generateToken();
  server = await startServer({ studio, token, rendererDir: null, port: 0 });
  treeBefore = snapshotTree(world.root);
}, 60_000);

afterAll(async () => {
  await server?.close();
  await studio?.close();
  world?.remove();
});

type Reply = Extract<ServerMessage, { type: 'reply' }>;

/** Lone surrogates as SQLite's UTF-8 gives them back: U+FFFD (String.prototype.toWellFormed, before ES2024 typings). */
const wellFormed = (s: string) => s.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');

describe('hostile text through a real render', () => {
  it('renders projects whose free text is hostile, each output in its own job folder and nothing written elsewhere', async () => {
    const client = new Client(server.port, { token });
    await client.opened;
    const text = fc.constantFrom(...FILTER_SYNTAX, ...ODD_UNICODE, ...hostilePaths(world).filter((p) => p.length > 0));
    let id = 0;
    await fc.assert(
      fc.asyncProperty(text, text, fc.constantFrom('mp4', 'webm', 'png_sequence'), async (name, title, format) => {
        id += 1;
        const project = {
          version: 1,
          name: name.slice(0, 200),
          quality: 'draft',
          shots: [{ id: 'hostile', title: title.slice(0, 200), duration: 0.5, fps: 12, resolution: { width: 64, height: 36 }, keyframes: [{ generator: 'testsrc2' }], interpolation: { method: 'blend', sourceFps: 6 }, export: { format } }],
        };
        const from = client.messages.length;
        client.send({ id, command: { type: 'enqueue', project } });
        const reply = await client.next((m): m is Reply => m.type === 'reply' && m.id === id, 10_000, from);
        expect(reply, JSON.stringify(reply)).toMatchObject({ ok: true });
        const job = (reply as Extract<Reply, { ok: true }>).result as Job[];
        const done = await until(() => {
          const now = studio.queue.get(job[0]!.id)!;
          return now.status === 'done' || now.status === 'failed' ? now : undefined;
        }, 120_000, 'the hostile project rendered');
        expect(done, `${JSON.stringify(name)} / ${JSON.stringify(title)}: ${done.error}`).toMatchObject({ status: 'done', projectName: wellFormed(name.slice(0, 200)) });
        const folder = join(world.dataDir, 'renders', done.id);
        for (const file of [done.output!, done.sidecar!]) {
          expect(relative(folder, file).startsWith(`..${sep}`), `${file} is outside ${folder}`).toBe(false);
          expect(existsSync(file)).toBe(true);
        }
        // The text is data in the sidecar, exactly as given; nothing of it became a file or folder name.
        // (The title travels inside the stored shot's JSON, where a lone surrogate stays the escape
        // JSON.stringify wrote, unlike the project name, a column of its own that SQLite makes U+FFFD.)
        expect(readFileSync(done.sidecar!, 'utf8')).toContain(JSON.stringify(title.slice(0, 200)).slice(1, -1));
      }),
      fuzzParams(2),
    );
    expect(treeViolations(world, treeBefore, snapshotTree(world.root), true)).toEqual([]);
  }, 300_000);
});
