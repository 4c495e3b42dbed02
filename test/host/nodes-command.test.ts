/**
 * The `nodes` command: validated as every command is, answered "embedded: this machine renders
 * alone" without a farm, and with the farm's view when the Studio has one (serve --farm).
 */
import { describe, expect, it } from 'vitest';
import { CommandSchema, EMBEDDED_MESSAGE, type NodesView } from '../../src-preload/contract.ts';
import { cleanupAfterEach, openStudio } from './helpers.ts';

const handOver = cleanupAfterEach();

describe('the nodes command', () => {
  it('takes no fields', () => {
    expect(CommandSchema.safeParse({ type: 'nodes' }).success).toBe(true);
    const extra = CommandSchema.safeParse({ type: 'nodes', node: 'alpha' });
    expect(extra.success).toBe(false);
    expect(extra.error?.issues[0]?.message).toMatch(/unrecognized|node/i);
  });

  it('says plainly that an embedded studio renders alone, and refuses a bad command as invalid', async () => {
    const { studio, send, cleanup } = await openStudio();
    handOver(cleanup);
    const view = await send({ type: 'nodes' });
    expect(view).toMatchObject({ mode: 'embedded', message: EMBEDDED_MESSAGE });
    expect(EMBEDDED_MESSAGE).toBe('embedded: this machine renders alone');
    expect(studio.nodes).toBeUndefined();
    const refused = await studio.execute({ type: 'nodes', all: true }, 'tester');
    expect(refused).toMatchObject({ ok: false, error: { code: 'invalid' } });
  });

  it("answers with the farm's view in farm mode", async () => {
    const farm: NodesView = {
      mode: 'farm',
      at: 1,
      address: 'redis://127.0.0.1:6379',
      reachable: true,
      heartbeatMs: 2000,
      queue: { waiting: 1, active: 2, delayed: 0, completed: 3, failed: 0, prioritized: 0 },
      nodes: [{ name: 'alpha', state: 'live', host: 'h', pid: 9, tags: ['gpu'], workers: 2, running: 1, circuits: {}, blocklists: [], lastBeatAgeMs: 100, startedAt: 0 }],
    };
    const { send, cleanup } = await openStudio({ nodes: async () => farm });
    handOver(cleanup);
    expect(await send({ type: 'nodes' })).toEqual(farm);
  });
});
