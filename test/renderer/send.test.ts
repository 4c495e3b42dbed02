import { describe, expect, it } from 'vitest';
import type { Command, CommandReply, Job } from '../../src-preload/contract.ts';
import { sendThrough } from '../../src-renderer/src/send.ts';

const job = { id: 'j1', shotId: 's1', status: 'queued' } as unknown as Job;

/** A studio that answers every command with `reply`, and the error line as a list of what was set. */
function rig(reply: CommandReply) {
  const sent: Command[] = [];
  const errorLine: (string | undefined)[] = [];
  const studio = { send: async (command: Command) => (sent.push(command), reply) } as Parameters<typeof sendThrough>[0];
  return { sent, errorLine, setError: (message: string | undefined) => void errorLine.push(message), studio };
}

describe('sendThrough', () => {
  it('shows a refusal in the error line and clears the line on success, by default', async () => {
    const refused = rig({ ok: false, error: { code: 'conflict', message: 'the queue is stopped' } });
    const send = sendThrough(refused.studio, refused.setError, 'error-line');
    const reply = await send({ type: 'retry', jobId: 'j1' });
    expect(reply).toEqual({ ok: false, error: { code: 'conflict', message: 'the queue is stopped' } });
    expect(refused.errorLine).toEqual(['the queue is stopped']);

    const accepted = rig({ ok: true, result: job });
    await sendThrough(accepted.studio, accepted.setError, 'error-line')({ type: 'retry', jobId: 'j1' });
    expect(accepted.sent).toEqual([{ type: 'retry', jobId: 'j1' }]);
    expect(accepted.errorLine).toEqual([undefined]);
  });

  it('leaves the error line alone when the caller shows its own refusals', async () => {
    const refused = rig({ ok: false, error: { code: 'invalid', message: 'timeoutMs must be positive', field: 'timeoutMs' } });
    const reply = await sendThrough(refused.studio, refused.setError, 'caller')({ type: 'setChaos', rules: [] });
    expect(reply.ok).toBe(false);
    expect(refused.errorLine).toEqual([]);
  });

  it('types the result by the command: a retry answers a Job, with no cast at the caller', async () => {
    const { studio, setError } = rig({ ok: true, result: job });
    const reply = await sendThrough(studio, setError, 'caller')({ type: 'retry', jobId: 'j1' });
    if (!reply.ok) throw new Error('expected the fake to accept');
    const answered: Job = reply.result;
    expect(answered.shotId).toBe('s1');
  });
});
