/**
 * POST /api/assets: pictures uploaded from the shot form (multipart/form-data, parsed by busboy),
 * each streamed to a file in the data folder, never held in memory, then checked and kept by the
 * host's asset store. GET /api/assets/<id>/thumbnail: the small JPEG the form shows. The server has
 * checked the token before a request gets here.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import busboy from 'busboy';
import type { UploadedPicture } from '../../src-preload/contract.ts';
import type { AssetStore, StoredAsset } from '../host/asset-store.ts';
import { invalid } from './envelope.ts';
import { sendJson, sendText } from './respond.ts';

export const ASSETS_ROUTE = '/api/assets';
/** At most this many pictures per request: a shot holds 64 keyframes, and the form sends one at a time. */
const MAX_FILES = 16;

export interface UploadLimits {
  /** Largest picture. */
  fileBytes: number;
  /** Largest request, all its parts together. */
  requestBytes: number;
}

export const thumbnailUrl = (id: string) => `${ASSETS_ROUTE}/${id}/thumbnail`;

export async function routeAssets(req: IncomingMessage, res: ServerResponse, pathname: string, store: AssetStore | undefined, limits: UploadLimits): Promise<void> {
  if (!store) {
    sendJson(req, res, 404, { ok: false, error: { code: 'not_found', message: 'this host keeps no uploaded pictures' } });
    return;
  }
  if (pathname === ASSETS_ROUTE) {
    if (req.method !== 'POST') {
      sendText(req, res, 405, 'method not allowed', { Allow: 'POST', 'Cache-Control': 'no-store' });
      return;
    }
    await upload(req, res, store, limits);
    return;
  }
  const thumbnail = /^\/api\/assets\/([0-9a-f]{64})\/thumbnail$/.exec(pathname);
  if (thumbnail && (req.method === 'GET' || req.method === 'HEAD')) {
    const path = await store.thumbnailOf(thumbnail[1]!);
    if (!path) {
      sendText(req, res, 404, 'not found: no such picture; upload it again', { 'Cache-Control': 'no-store' });
      return;
    }
    // Named by the hash of the picture it shows: it never changes.
    res.writeHead(200, { 'Content-Type': 'image/jpeg', 'Cache-Control': 'private, max-age=31536000, immutable' });
    if (req.method === 'HEAD') res.end();
    else createReadStream(path).on('error', () => res.destroy()).pipe(res);
    return;
  }
  sendJson(req, res, 404, { ok: false, error: { code: 'not_found', message: `no endpoint ${pathname}; there are POST ${ASSETS_ROUTE} and GET ${ASSETS_ROUTE}/<id>/thumbnail` } });
}

type Received = { field: string; name: string; path: string; written: Promise<void>; tooLarge: boolean };

async function upload(req: IncomingMessage, res: ServerResponse, store: AssetStore, limits: UploadLimits): Promise<void> {
  const tooLarge = () => sendJson(req, res, 413, invalid(`a picture may be at most ${mib(limits.fileBytes)} and an upload at most ${mib(limits.requestBytes)}`), { Connection: 'close' });
  if (!/^multipart\/form-data\s*;/i.test(req.headers['content-type'] ?? '')) {
    sendJson(req, res, 415, invalid('send the pictures as multipart/form-data, one file part per picture'));
    return;
  }
  const announced = Number(req.headers['content-length']);
  if (Number.isFinite(announced) && announced > limits.requestBytes) {
    req.resume();
    tooLarge();
    return;
  }
  const received: Received[] = [];
  let parser: busboy.Busboy;
  try {
    parser = busboy({ headers: req.headers, limits: { fileSize: limits.fileBytes, files: MAX_FILES, fields: 0, parts: MAX_FILES } });
  } catch (error) {
    sendJson(req, res, 400, invalid(`malformed upload: ${error instanceof Error ? error.message : String(error)}`));
    return;
  }
  let requestBytes = 0;
  let overRequest = false;
  const parsed = new Promise<void>((resolve, reject) => {
    parser.on('file', (field, stream, info) => {
      const item: Received = { field, name: info.filename || 'picture', path: '', written: Promise.resolve(), tooLarge: false };
      received.push(item);
      stream.on('limit', () => (item.tooLarge = true));
      item.written = store.incomingPath().then((path) => {
        item.path = path;
        return pipeline(stream, createWriteStream(path));
      });
      item.written.catch(() => stream.resume());
    });
    parser.on('close', resolve);
    parser.on('error', reject);
  });
  req.on('data', (chunk: Buffer) => {
    requestBytes += chunk.length;
    if (requestBytes > limits.requestBytes && !overRequest) {
      overRequest = true;
      req.unpipe(parser);
      req.resume(); // discard the rest until the connection closes
      parser.destroy();
    }
  });
  req.pipe(parser);
  const outcome = await parsed.then(
    () => 'parsed' as const,
    (error: unknown) => (overRequest ? ('too_large' as const) : (error as Error)),
  );
  await Promise.allSettled(received.map((r) => r.written));
  const discard = () => Promise.all(received.map((r) => (r.path ? rm(r.path, { force: true }) : undefined)));
  if (overRequest || outcome === 'too_large' || received.some((r) => r.tooLarge)) {
    await discard();
    tooLarge();
    return;
  }
  if (outcome instanceof Error) {
    await discard();
    sendJson(req, res, 400, invalid(`malformed upload: ${outcome.message}`));
    return;
  }
  if (received.length === 0) {
    sendJson(req, res, 400, invalid('the upload holds no file: send each picture as a file part'));
    return;
  }
  const kept: StoredAsset[] = [];
  for (const item of received) {
    const result = await store.keep(item.path, item.name);
    if ('problem' in result) {
      await discard();
      sendJson(req, res, 400, invalid(result.problem, item.field));
      return;
    }
    kept.push(result);
  }
  const answer: UploadedPicture[] = kept.map((a) => ({ id: a.id, name: a.name, width: a.width, height: a.height, hasAlpha: a.hasAlpha, thumbnailUrl: thumbnailUrl(a.id) }));
  sendJson(req, res, 200, { ok: true, result: answer }, { 'Cache-Control': 'no-store' });
}

const mib = (bytes: number) => (bytes >= 1024 * 1024 ? `${Math.round(bytes / 1024 / 1024)} MiB` : `${bytes} bytes`);
