/** Uploads over a real serve-mode server: multipart, the token, the limits, and only pictures kept. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveFfmpeg } from '../../src-main/engine/ffmpeg-binaries.ts';
import { AssetStore } from '../../src-main/host/asset-store.ts';
import { FakeStudio } from './fake-studio.ts';
import { bearer, raw, serve } from './helpers.ts';

const root = mkdtempSync(join(tmpdir(), 'storycore-upload-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const pngPath = join(root, 'frame.png');
execFileSync(resolveFfmpeg().ffmpeg, ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=s=320x180', '-frames:v', '1', pngPath]);
const PNG = readFileSync(pngPath);

class UploadStudio extends FakeStudio {
  readonly store = new AssetStore(join(root, 'data'));
  assetStore(): AssetStore {
    return this.store;
  }
}

/** A multipart body with one file part, as a browser's FormData sends it. */
function multipart(name: string, bytes: Buffer): { body: Buffer; headers: Record<string, string> } {
  const boundary = '----storycore-test-boundary';
  const body = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="picture"; filename="${name}"\r\nContent-Type: application/octet-stream\r\n\r\n`),
    bytes,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  return { body, headers: { 'Content-Type': `multipart/form-data; boundary=${boundary}`, 'Content-Length': String(body.length) } };
}

describe('POST /api/assets', () => {
  it('refuses an upload without the token', async () => {
    const { port } = await serve({ studio: new UploadStudio() });
    const { body, headers } = multipart('frame.png', PNG);
    const reply = await raw(port, '/api/assets', { method: 'POST', headers, body });
    expect(reply.status).toBe(401);
  });

  it('keeps a real PNG and answers its id, size, alpha and thumbnail, which it then serves', async () => {
    const { port, token } = await serve({ studio: new UploadStudio() });
    const { body, headers } = multipart('frame.png', PNG);
    const reply = await raw(port, '/api/assets', { method: 'POST', headers: { ...headers, ...bearer(token) }, body });
    expect(reply.status).toBe(200);
    const answer = JSON.parse(reply.body) as { ok: true; result: { id: string; name: string; width: number; height: number; hasAlpha: boolean; thumbnailUrl: string }[] };
    expect(answer.result).toEqual([{ id: expect.stringMatching(/^[0-9a-f]{64}$/), name: 'frame.png', width: 320, height: 180, hasAlpha: false, thumbnailUrl: `/api/assets/${answer.result[0]!.id}/thumbnail` }]);
    const thumbnail = await raw(port, answer.result[0]!.thumbnailUrl, { headers: bearer(token) });
    expect(thumbnail.status).toBe(200);
    expect(thumbnail.headers['content-type']).toBe('image/jpeg');
  });

  it('refuses a non-image, naming it', async () => {
    const { port, token } = await serve({ studio: new UploadStudio() });
    const { body, headers } = multipart('notes.png', Buffer.from('1\n00:00:01,000 --> 00:00:02,000\nnot a picture\n'));
    const reply = await raw(port, '/api/assets', { method: 'POST', headers: { ...headers, ...bearer(token) }, body });
    expect(reply.status).toBe(400);
    expect(JSON.parse(reply.body)).toEqual({ ok: false, error: { code: 'invalid', message: expect.stringMatching(/^notes\.png is not a picture/), field: 'picture' } });
  });

  it('answers 413 for a picture over the limit, and keeps nothing', async () => {
    const studio = new UploadStudio();
    const { port, token } = await serve({ studio, maxUploadBytes: { file: 1024 } });
    const { body, headers } = multipart('frame.png', PNG);
    expect(PNG.length).toBeGreaterThan(1024);
    const reply = await raw(port, '/api/assets', { method: 'POST', headers: { ...headers, ...bearer(token) }, body });
    expect(reply.status).toBe(413);
    expect(await studio.store.find('0'.repeat(64))).toBeUndefined();
  });

  it('answers 413 for a request over the limit, and 415 for a body that is not multipart', async () => {
    const { port, token } = await serve({ studio: new UploadStudio(), maxUploadBytes: { request: 2048 } });
    const { body, headers } = multipart('frame.png', PNG);
    expect((await raw(port, '/api/assets', { method: 'POST', headers: { ...headers, ...bearer(token) }, body })).status).toBe(413);
    const json = await raw(port, '/api/assets', { method: 'POST', headers: { 'Content-Type': 'application/json', ...bearer(token) }, body: '{}' });
    expect(json.status).toBe(415);
  });
});
