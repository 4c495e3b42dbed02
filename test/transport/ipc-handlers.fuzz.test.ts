/**
 * Bad input through the IPC door's validation layer (ipc-handlers.ts), into a real Studio on a temp
 * data folder with its queue paused. An invoke carries structured-clone data, so this door also sees
 * what JSON cannot: cycles, BigInt, Map, Date, typed arrays, sparse arrays, NaN, nesting far deeper
 * than a 256 KiB frame allows. And a sender that is not the app's main frame must reach nothing.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommandReply } from '../../src-preload/contract.ts';
import type { Studio } from '../../src-main/host/studio.ts';
import { IPC_MAX_COMMAND_BYTES, REFUSED_SENDER, handleIpcCommand, isTrustedSender, type SenderFrame } from '../../src-main/transport/ipc-handlers.ts';
import type { StudioPort } from '../../src-main/transport/studio-port.ts';
import { tinyProject } from '../host/helpers.ts';
import { type Expectation, type FuzzContext, anyCommand, validCommand } from './fuzz-arbitraries.ts';
import { checkReply } from './fuzz-replies.ts';
import { type FuzzWorld, type TreeEntry, jobCount, makeFuzzWorld, openSeededStudio, queueState, snapshotTree, treeViolations } from './fuzz-world.ts';
import { fuzzParams as params } from '../fuzz-settings.ts';

const APP: SenderFrame = { url: 'storycore://app/index.html', isMainFrame: true };

let world: FuzzWorld;
let studio: Studio;
let ctx: FuzzContext;
let treeBefore: Map<string, TreeEntry>;
/** The real studio, counting what reaches it. */
let port: StudioPort & { calls: number };

beforeAll(async () => {
  world = makeFuzzWorld();
  ({ studio, ctx } = await openSeededStudio(world, ['s1', 's2', 's3']));
  port = {
    calls: 0,
    execute(command, actor) {
      port.calls += 1;
      return studio.execute(command, actor);
    },
    subscribe: (listener, options) => studio.subscribe(listener, options),
    circuitStats: () => studio.circuitStats(),
    queueCounts: () => studio.queueCounts(),
  };
  treeBefore = snapshotTree(world.root);
}, 60_000);

afterAll(async () => {
  await studio?.close();
  world?.remove();
});

/** Sends through the IPC door and checks what every answer must keep. */
async function viaIpc(payload: unknown, expectation: Expectation, label: string, sender: SenderFrame | null = APP): Promise<CommandReply> {
  const state = queueState(studio);
  const count = jobCount(studio);
  const reply = await handleIpcCommand(port, 'desktop-user', sender, payload);
  const answer = checkReply(reply, expectation, label, world.secret);
  if (!answer.ok) expect(queueState(studio), `${label}: a refused command changed the queue`).toBe(state);
  else if (!label.startsWith('enqueue')) expect(jobCount(studio), `${label}: jobs appeared`).toBe(count);
  expect(studio.queueCounts().running, `${label}: a job started`).toBe(0);
  return reply;
}

/** Structured-clone values JSON has no word for. */
const cloneOnly = fc.anything({
  maxDepth: 3,
  withBigInt: true,
  withBoxedValues: true,
  withDate: true,
  withMap: true,
  withSet: true,
  withNullPrototype: true,
  withObjectString: true,
  withSparseArray: true,
  withTypedArray: true,
});

describe('bad input through the IPC handlers into a real Studio', () => {
  it('answers every command as the WebSocket would, refusing near-valid ones by field', async () => {
    await fc.assert(
      fc.asyncProperty(anyCommand(ctx), async (p) => {
        await viaIpc(p.command, p.expect, p.label);
      }),
      params(400),
    );
    expect(treeViolations(world, treeBefore, snapshotTree(world.root))).toEqual([]);
  }, 120_000);

  it('gives a refused command the same answer the WebSocket door gives it', async () => {
    const refused = anyCommand(ctx).filter((p) => p.expect.kind === 'invalid');
    await fc.assert(
      fc.asyncProperty(refused, async (p) => {
        // What the WebSocket hands the studio: the command after a trip through JSON text.
        const direct = await studio.execute(JSON.parse(JSON.stringify(p.command) ?? 'null'), 'desktop-user');
        expect(await viaIpc(p.command, p.expect, p.label)).toEqual(direct);
      }),
      params(200),
    );
  }, 120_000);

  it('answers values only structured clone can carry, anywhere in a command', async () => {
    const placed = fc.tuple(validCommand(ctx), fc.constantFrom('jobId', 'priority', 'project', 'reason', 'patch', 'rules', 'projectPath', 'shotIds', 'type'), cloneOnly);
    await fc.assert(
      fc.asyncProperty(fc.oneof(cloneOnly, placed.map(([valid, key, value]) => ({ ...valid, [key]: value }))), async (payload) => {
        // A clone-only value can vanish on the way ({ jobId: undefined } loses its key) and leave a
        // valid enqueue, which rightly queues jobs: such a payload is labelled as the enqueue it is.
        const isEnqueue = typeof payload === 'object' && payload !== null && (payload as { type?: unknown }).type === 'enqueue';
        await viaIpc(payload, { kind: 'answer' }, isEnqueue ? 'enqueue (structured clone)' : 'structured clone');
      }),
      params(300),
    );
    await expect(studio.execute({ type: 'snapshot' }, 'desktop-user')).resolves.toMatchObject({ ok: true });
  }, 120_000);

  it('refuses cycles, shared references, BigInt, binary data, deep nesting and oversized payloads by name, before the studio sees them', async () => {
    await fc.assert(
      fc.asyncProperty(validCommand(ctx), fc.constantFrom('cycle', 'bigint', 'deep-array', 'deep-object', 'oversized'), fc.integer({ min: 1_000, max: 200_000 }), async (valid, kind, size) => {
        const before = port.calls;
        const payload: Record<string, unknown> = { ...valid };
        if (kind === 'cycle') payload.self = { back: payload };
        else if (kind === 'bigint') payload.jobId = BigInt(size) ** 5n;
        else if (kind === 'oversized') payload.reason = 'x'.repeat(IPC_MAX_COMMAND_BYTES + size);
        else {
          let value: unknown = valid;
          for (let i = 0; i < size; i++) value = kind === 'deep-array' ? [value] : { project: value };
          payload.project = value;
        }
        const reply = await viaIpc(payload, { kind: 'invalid', mentions: /^command: / }, `${valid.type} + ${kind}`);
        expect(reply).toMatchObject({ ok: false, error: { code: 'invalid', field: 'command' } });
        // Refused at the door: the studio never sees them.
        expect(port.calls).toBe(before);
      }),
      params(40),
    );
    const cycle: Record<string, unknown> = { type: 'snapshot' };
    cycle.again = cycle;
    expect(await handleIpcCommand(port, 'desktop-user', APP, cycle)).toMatchObject({ ok: false, error: { code: 'invalid', field: 'command', message: expect.stringMatching(/or holds a cycle/) } });
    // Shared references: 30 levels, each pointing twice at the next, would be 2^30 values written out as JSON.
    let shared: Record<string, unknown> = { type: 'snapshot' };
    for (let i = 0; i < 30; i++) shared = { left: shared, right: shared };
    expect(await handleIpcCommand(port, 'desktop-user', APP, { type: 'snapshot', shared })).toMatchObject({ ok: false, error: { field: 'command', message: expect.stringMatching(/more than \d+ values/) } });
    // A little sharing, as a page might build a project, is fine: JSON writes it out twice.
    const resolution = { width: 96, height: 54 };
    const sharing = { type: 'enqueue', project: { ...tinyProject(['a', 'b']), shots: tinyProject(['a', 'b']).shots.map((s) => ({ ...s, resolution })) } };
    expect(await handleIpcCommand(port, 'desktop-user', APP, sharing)).toMatchObject({ ok: true });
    expect(await handleIpcCommand(port, 'desktop-user', APP, { type: 'reset', reason: new Uint8Array(1 << 20) })).toMatchObject({ ok: false, error: { field: 'command', message: expect.stringMatching(/binary data/) } });
    expect(await handleIpcCommand(port, 'desktop-user', APP, { type: 'setChaos', rules: new Array(1 << 20).fill(0) })).toMatchObject({ ok: false, error: { field: 'command', message: expect.stringMatching(/more than \d+ values/) } });
    expect(await handleIpcCommand(port, 'desktop-user', APP, { type: 'snapshot', n: 10n })).toMatchObject({ ok: false, error: { field: 'command', message: expect.stringMatching(/not plain JSON/) } });
    let deep: unknown = { type: 'snapshot' };
    for (let i = 0; i < 500_000; i++) deep = [deep];
    expect(await handleIpcCommand(port, 'desktop-user', APP, deep)).toMatchObject({ ok: false, error: { field: 'command', message: expect.stringMatching(/nests deeper than 32 levels/) } });
    expect(await handleIpcCommand(port, 'desktop-user', APP, { type: 'reset', reason: 'x'.repeat(IPC_MAX_COMMAND_BYTES) })).toMatchObject({
      ok: false,
      error: { field: 'command', message: expect.stringMatching(new RegExp(`at most ${IPC_MAX_COMMAND_BYTES}`)) },
    });
    expect(await handleIpcCommand(port, 'desktop-user', APP, undefined)).toMatchObject({ ok: false, error: { field: 'command', message: expect.stringMatching(/command is required/) } });
  }, 120_000);

  it('lets no frame but the app main frame reach the studio, whatever it sends', async () => {
    const appLike = fc.constantFrom(
      'storycore://app/index.html',
      'storycore://app.evil/index.html',
      'storycore://app@evil/index.html',
      'storycore://evil/index.html',
      'storycore://app:80/index.html',
      'STORYCORE://APP/',
      'storycore://%61pp/',
      'file:///index.html',
      'devtools://devtools/bundled/inspector.html',
      'http://127.0.0.1:7777/',
      'about:blank',
      'data:text/html,<script>1</script>',
      '',
      'not a url',
    );
    const sender = fc.oneof(fc.constant(null), fc.record({ url: fc.oneof(appLike, fc.webUrl(), fc.string()), isMainFrame: fc.boolean() }));
    const before = port.calls;
    let refusedCount = 0;
    await fc.assert(
      fc.asyncProperty(sender, anyCommand(ctx), async (frame, p) => {
        if (isTrustedSender(frame)) return; // the trusted door is the properties above
        refusedCount += 1;
        const state = queueState(studio);
        expect(await handleIpcCommand(port, 'intruder', frame, p.command)).toEqual(REFUSED_SENDER);
        expect(queueState(studio)).toBe(state);
      }),
      params(300),
    );
    expect(refusedCount).toBeGreaterThan(0);
    expect(port.calls).toBe(before);
  }, 120_000);

  it('answers for a studio that breaks its promise, instead of rejecting the invoke', async () => {
    const broken: StudioPort = { ...port, execute: () => Promise.reject(new Error('a broken promise')) };
    const throwing: StudioPort = {
      ...port,
      execute: () => {
        throw new Error('thrown at once');
      },
    };
    expect(await handleIpcCommand(broken, 'desktop-user', APP, { type: 'snapshot' })).toEqual({ ok: false, error: { code: 'internal', message: 'the studio failed: a broken promise' } });
    expect(await handleIpcCommand(throwing, 'desktop-user', APP, { type: 'snapshot' })).toEqual({ ok: false, error: { code: 'internal', message: 'the studio failed: thrown at once' } });
  });
});
