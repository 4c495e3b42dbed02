/** The JSON endpoints: health for probes, and one command per POST (the WebSocket's twin, for curl and tests). */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type CommandErrorCode, type CommandReply, PROTOCOL_VERSION } from '../../src-preload/contract.ts';
import { invalid } from './envelope.ts';
import { sendJson } from './respond.ts';
import { type StudioPort, executeOrExplain } from './studio-port.ts';

const STATUS: Record<CommandErrorCode, number> = { invalid: 400, unauthorized: 403, not_found: 404, conflict: 409, internal: 500 };

/** `startedAt` is a performance.now() time: uptime is a duration, which a wall-clock step must not bend. */
export function health(req: IncomingMessage, res: ServerResponse, startedAt: number): void {
  sendJson(req, res, 200, { status: 'ok', uptimeSeconds: Math.floor((performance.now() - startedAt) / 1000), protocol: PROTOCOL_VERSION });
}

export async function postCommand(req: IncomingMessage, res: ServerResponse, studio: StudioPort, actor: string, maxBytes: number): Promise<void> {
  const answer = (status: number, reply: CommandReply, headers: Record<string, string> = {}) => sendJson(req, res, status, reply, headers);
  // Requiring JSON also means a cross-site form can never post here without a CORS preflight.
  if (!/^application\/json\s*(;|$)/i.test(req.headers['content-type'] ?? '')) {
    answer(415, invalid('send the body as JSON with Content-Type: application/json'));
    return;
  }
  const body = await readBody(req, maxBytes);
  if (body === null) {
    // Stop reading: closing the connection after this answer is cheaper than draining the rest.
    answer(413, invalid(`the body must be at most ${maxBytes} bytes`), { Connection: 'close' });
    return;
  }
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch (error) {
    answer(400, invalid(`malformed JSON: ${error instanceof Error ? error.message : String(error)}`));
    return;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value) || !('command' in value)) {
    answer(400, invalid('the body must be a JSON object {"command": {...}}', 'command'));
    return;
  }
  const extra = Object.keys(value).filter((key) => key !== 'command');
  if (extra.length > 0) {
    answer(400, invalid(`unknown field(s) ${extra.join(', ')}: the body has only command`, extra[0]));
    return;
  }
  const reply = await executeOrExplain(studio, (value as { command: unknown }).command, actor);
  answer(reply.ok ? 200 : STATUS[reply.error.code] ?? 500, reply);
}

/** The whole body, or null once it passes `maxBytes` (announced or actual). */
function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer | null> {
  const announced = Number(req.headers['content-length']);
  if (Number.isFinite(announced) && announced > maxBytes) return Promise.resolve(null);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        req.off('data', onData);
        req.resume(); // discard the rest until the connection closes
        resolve(null);
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
