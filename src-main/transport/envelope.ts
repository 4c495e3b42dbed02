/**
 * Reading one client frame into a command, or into the error reply that explains what was wrong.
 * Nothing a client sends can throw out of here: bad input becomes an { ok: false } answer.
 */
import type { RawData } from 'ws';
import type { z } from 'zod';
import { ClientMessageSchema, type CommandReply } from '../../src-preload/contract.ts';
import { MAX_JSON_DEPTH, nestingBeyond } from '../engine/json-text.ts';

export type ErrorReply = Extract<CommandReply, { ok: false }>;
export type ParsedFrame = { id: number; command: unknown } | { id: number | null; reply: ErrorReply };

export const invalid = (message: string, field?: string): ErrorReply => ({
  ok: false,
  error: field === undefined ? { code: 'invalid', message } : { code: 'invalid', message, field },
});

function describe(issue: z.core.$ZodIssue): { message: string; field?: string } {
  if (issue.code === 'unrecognized_keys') {
    return { field: issue.keys[0], message: `unknown field(s) ${issue.keys.join(', ')}: a message has only id and command` };
  }
  const field = issue.path.join('.');
  if (field === '') return { message: 'a message must be a JSON object: {"id": <number>, "command": {...}}' };
  if (field === 'command') return { field, message: 'command is required' };
  return { field, message: issue.message };
}

const toText = (data: RawData) =>
  (Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data)).toString('utf8');

/** The id of a frame refused unparsed, when it leads the frame (as every client of ours writes it). */
const LEADING_ID = /^[ \t\n\r]*\{[ \t\n\r]*"id"[ \t\n\r]*:[ \t\n\r]*(\d{1,16})[ \t\n\r]*[,}]/;

export type IpcParse<T> = { ok: true; value: T } | { ok: false; reply: ErrorReply };

/**
 * Validates what arrived over IPC against a schema from the contract. A failure becomes the same
 * `{ ok: false, error: { code: 'invalid' } }` reply the WebSocket gives, ready to return from the
 * invoke handler, so the renderer sees one error shape whichever transport it is on.
 */
export function parseIpcPayload<S extends z.ZodType>(schema: S, payload: unknown): IpcParse<z.output<S>> {
  const result = schema.safeParse(payload);
  if (result.success) return { ok: true, value: result.data };
  const [first] = result.error.issues;
  const field = first && first.path.length > 0 ? first.path.map(String).join('.') : undefined;
  return { ok: false, reply: invalid(result.error.issues.map((issue) => issue.message).join('; '), field) };
}

export function parseFrame(data: RawData, isBinary: boolean): ParsedFrame {
  if (isBinary) return { id: null, reply: invalid('binary frames are not accepted: send each message as JSON text') };
  const text = toText(data);
  // Parsing 256 KiB of nested brackets holds the event loop for a large part of a second; no command
  // nests past a handful of levels, so such a frame is refused by one cheap pass instead.
  if (nestingBeyond(text) >= 0) {
    const id = Number(LEADING_ID.exec(text)?.[1]);
    return { id: Number.isSafeInteger(id) ? id : null, reply: invalid(`a message must not nest deeper than ${MAX_JSON_DEPTH} levels; no command comes close`) };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { id: null, reply: invalid(`malformed JSON: ${error instanceof Error ? error.message : String(error)}`) };
  }
  const envelope = ClientMessageSchema.safeParse(value);
  if (envelope.success) return { id: envelope.data.id, command: envelope.data.command };
  // Echo a usable id even when something else is wrong, so the client can settle that request.
  const rawId = typeof value === 'object' && value !== null ? (value as { id?: unknown }).id : undefined;
  const id = Number.isSafeInteger(rawId) && (rawId as number) >= 0 ? (rawId as number) : null;
  const issues = envelope.error.issues.map(describe);
  return { id, reply: invalid(issues.map((i) => i.message).join('; '), issues[0]?.field) };
}
