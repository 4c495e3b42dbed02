/**
 * What the Electron IPC door decides, without Electron, so it can be tested and fuzzed under plain
 * Node: who may talk (the sender frame), what a command payload may be, and that a failure of the
 * studio still comes back as a CommandReply rather than a rejected invoke.
 *
 * An invoke's payload arrives by structured clone, which carries more than JSON can: cycles, BigInt,
 * Map, Set, Date, typed arrays, undefined, NaN, nesting as deep as the sender likes, any size. The
 * WebSocket door only ever sees JSON text of at most 256 KiB. So the payload is turned into exactly
 * what the WebSocket would have carried (JSON, the same size limit) before the studio sees it: one
 * command means the same thing, and is refused the same way, whichever door it came through.
 */
import type { CommandReply } from '../../src-preload/contract.ts';
import { MAX_JSON_DEPTH } from '../engine/json-text.ts';
import type { AppPages } from '../shell/app-pages.ts';
import { isTrustedSender, type SenderFrame } from '../shell/sender-policy.ts';
import { type ErrorReply, invalid } from './envelope.ts';
import { type StudioPort, executeOrExplain } from './studio-port.ts';

/** The WebSocket's default frame limit (http-server.ts), so neither door takes more than the other. */
export const IPC_MAX_COMMAND_BYTES = 256 * 1024;

/** Every JSON value takes at least a byte, so no command within the byte limit holds more values than this. */
const IPC_MAX_COMMAND_VALUES = IPC_MAX_COMMAND_BYTES;

export const REFUSED_SENDER: CommandReply = { ok: false, error: { code: 'unauthorized', message: 'this frame may not talk to the studio' } };

export type NormalizedCommand = { ok: true; command: unknown } | { ok: false; reply: ErrorReply };

/**
 * What keeps a payload from being a command before JSON is asked to write it out, or undefined.
 * Walks it as JSON would write it out, shared references expanded, within a budget: structured
 * clone keeps shared references, so a few dozen objects each pointing twice at the next would make
 * JSON.stringify write out billions of values, and a cycle would never end (it nests without end).
 *
 * Nesting is capped at MAX_JSON_DEPTH (32), the limit of every JSON door (WebSocket frames, project
 * files), so a command is refused alike whichever door it came through. No command comes near it:
 * the deepest today has 7 levels (enqueue → project → shots → shot → camera → from → x). Deeper
 * payloads are refused before JSON sees them: parsing them costs main-loop time out of all
 * proportion to their size (100,000 nested arrays, 200 KB: about a quarter of a second here).
 */
export function shapeProblem(value: unknown, maxDepth = MAX_JSON_DEPTH, maxValues = IPC_MAX_COMMAND_VALUES): string | undefined {
  const stack: [unknown, number][] = [[value, 0]];
  let values = 0;
  while (stack.length > 0) {
    const [item, depth] = stack.pop()!;
    if (++values > maxValues) return `it holds more than ${maxValues} values`;
    if (item === null || typeof item !== 'object') continue;
    if (depth >= maxDepth) return `it nests deeper than ${maxDepth} levels (or holds a cycle)`;
    if (ArrayBuffer.isView(item) || item instanceof ArrayBuffer) return 'it holds binary data (a typed array or buffer), which no command does';
    if (Array.isArray(item) && item.length > maxValues) return `it holds more than ${maxValues} values`;
    const inner = item instanceof Map || item instanceof Set ? [...item.values()] : Object.values(item);
    for (const child of inner) stack.push([child, depth + 1]);
  }
  return undefined;
}

/** The payload as JSON would carry it, or the reason it cannot be carried. Never throws. */
export function normalizeIpcCommand(payload: unknown, maxBytes = IPC_MAX_COMMAND_BYTES): NormalizedCommand {
  const problem = shapeProblem(payload);
  if (problem) return { ok: false, reply: invalid(`command: ${problem}; send a JSON object such as {"type": "snapshot"}`, 'command') };
  let text: string | undefined;
  try {
    text = JSON.stringify(payload);
  } catch (error) {
    // TypeError: a BigInt (cycles end the walk above).
    const why = `it is not plain JSON data (${error instanceof Error ? error.message.split('\n')[0] : String(error)})`;
    return { ok: false, reply: invalid(`command: ${why}; send a JSON object such as {"type": "snapshot"}`, 'command') };
  }
  if (text === undefined) return { ok: false, reply: invalid('command is required: send a JSON object such as {"type": "snapshot"}', 'command') };
  const bytes = Buffer.byteLength(text);
  if (bytes > maxBytes) return { ok: false, reply: invalid(`command: ${bytes} bytes of JSON; at most ${maxBytes}`, 'command') };
  return { ok: true, command: JSON.parse(text) };
}

export interface IpcCommandOptions {
  maxBytes?: number;
  /** Where the app's pages come from (the dev server under npm run dev); the built renderer's scheme by default. */
  pages?: AppPages;
}

/** One invoke: the sender checked, the payload normalized, the studio's answer (or its failure) returned. */
export async function handleIpcCommand(studio: StudioPort, actor: string, sender: SenderFrame | null, payload: unknown, options: IpcCommandOptions = {}): Promise<CommandReply> {
  if (!isTrustedSender(sender, options.pages)) return REFUSED_SENDER;
  const normalized = normalizeIpcCommand(payload, options.maxBytes);
  if (!normalized.ok) return normalized.reply;
  return executeOrExplain(studio, normalized.command, actor);
}

export { isTrustedSender };
export type { SenderFrame };
