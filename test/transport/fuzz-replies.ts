/** What every answer to a bad-input probe must look like, whichever door the probe came through. */
import { z } from 'zod';
import type { Expectation } from './fuzz-arbitraries.ts';

const ErrorSchema = z
  .object({
    code: z.enum(['invalid', 'not_found', 'conflict', 'unauthorized', 'internal']),
    message: z.string().min(1),
    field: z.string().optional(),
  })
  .strict();

/** The contract's CommandReply, exactly: ok with a result, or an error with a code and a message. */
export const CommandReplySchema = z.union([z.object({ ok: z.literal(true), result: z.unknown() }).strict(), z.object({ ok: z.literal(false), error: ErrorSchema }).strict()]);

/** A reply on the WebSocket: the same, in the wire envelope. */
export const WireReplySchema = z.union([
  z.object({ type: z.literal('reply'), id: z.number().int().nonnegative().nullable(), ok: z.literal(true), result: z.unknown() }).strict(),
  z.object({ type: z.literal('reply'), id: z.number().int().nonnegative().nullable(), ok: z.literal(false), error: ErrorSchema }).strict(),
]);

export type CheckedReply = { ok: true; result: unknown } | { ok: false; error: z.infer<typeof ErrorSchema> };

/**
 * Throws, saying what was wrong, unless `reply` is well formed, meets the expectation (a refusal
 * naming the field; never `internal` for anything) and quotes nothing from the secret file.
 */
export function checkReply(reply: unknown, expect: Expectation, label: string, secret: string, schema: z.ZodType = CommandReplySchema): CheckedReply {
  const shape = schema.safeParse(reply);
  const show = () => `${label}: ${JSON.stringify(reply).slice(0, 600)}`;
  if (!shape.success) throw new Error(`malformed reply (${shape.error.issues[0]?.message}) to ${show()}`);
  const answer = reply as CheckedReply;
  if (!answer.ok && answer.error.code === 'internal') throw new Error(`internal error (an input the host did not expect) for ${show()}`);
  if (expect.kind === 'accepted' && !answer.ok) throw new Error(`refused a command that must be accepted: ${show()}`);
  if (expect.kind === 'refused' && answer.ok) throw new Error(`accepted a command that must be refused: ${show()}`);
  if (expect.kind === 'invalid') {
    if (answer.ok) throw new Error(`accepted a command that must be refused: ${show()}`);
    if (answer.error.code !== 'invalid') throw new Error(`refused with ${answer.error.code}, expected invalid: ${show()}`);
    const named = typeof expect.mentions === 'string' ? answer.error.message.includes(expect.mentions) : expect.mentions.test(answer.error.message);
    if (!named) throw new Error(`the refusal does not name ${String(expect.mentions)}: ${show()}`);
  }
  // Eight characters are enough to tell a quoted file apart from chance.
  if (JSON.stringify(reply).includes(secret.slice(0, 8))) throw new Error(`the reply quotes a file outside the data folder: ${show()}`);
  return answer;
}
