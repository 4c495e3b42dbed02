import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CommandReply, JobDetail } from '../../src-preload/contract.ts';
import { serveMediaUrl } from '../../src-main/transport/media-links.ts';
import { FakeStudio } from './fake-studio.ts';
import { bearer, raw, serve } from './helpers.ts';

/** A data folder: renders/<job>/ with a clip and a hidden partial, and, outside renders/, a secret. */
const data = mkdtempSync(join(tmpdir(), 'storycore-media-'));
const renders = join(data, 'renders');
const JOB = 'job_0001';
const CLIP = Buffer.from(Array.from({ length: 1000 }, (_, i) => i % 251));
mkdirSync(join(renders, JOB, 'shot_frames'), { recursive: true });
writeFileSync(join(renders, JOB, 'shot.mp4'), CLIP);
writeFileSync(join(renders, JOB, 'shot_frames', 'frame_00001.png'), 'png');
writeFileSync(join(renders, JOB, '.shot.partial.mp4'), 'unfinished');
writeFileSync(join(renders, JOB, 'empty.webm'), '');
writeFileSync(join(data, 'secret.txt'), 'outside the renders');
symlinkSync(join(data, 'secret.txt'), join(renders, JOB, 'link.mp4'));
afterAll(() => rmSync(data, { recursive: true, force: true }));

/** A studio with a render folder, answering jobDetail the way the host does (url left for the door). */
class MediaStudio extends FakeStudio {
  mediaRoots(): string[] {
    return [renders];
  }
  override async execute(command: unknown, actor: string): Promise<CommandReply> {
    if ((command as { type?: string }).type !== 'jobDetail') return super.execute(command, actor);
    const detail = { job: { id: JOB }, spec: null, trace: null, media: { kind: 'video', file: 'shot.mp4', mimeType: 'video/mp4', url: null } };
    return { ok: true, result: detail as unknown as JobDetail };
  }
}

const clipUrl = serveMediaUrl(JOB, 'shot.mp4');

describe('the media route: authentication', () => {
  it('serves nothing without the token, and serves with the header or the cookie', async () => {
    const { port, token } = await serve({ studio: new MediaStudio() });
    expect((await raw(port, clipUrl)).status).toBe(401);
    expect((await raw(port, clipUrl, { headers: { Authorization: 'Bearer wrong-token-wrong-token' } })).status).toBe(401);
    expect((await raw(port, clipUrl, { headers: { Cookie: 'storycore_token=nope' } })).status).toBe(401);
    expect((await raw(port, clipUrl, { headers: bearer(token) })).status).toBe(200);
    expect((await raw(port, clipUrl, { headers: { Cookie: `storycore_token=${encodeURIComponent(token)}` } })).status).toBe(200);
    // A token in the address is swapped for the cookie first, as for every page.
    const first = await raw(port, `${clipUrl}?token=${token}`);
    expect(first.status).toBe(302);
    expect(first.headers.location).toBe(clipUrl);
  });
});

describe('the media route: whole files and ranges', () => {
  it('sends the whole file with its type, length and Accept-Ranges; HEAD sends only the headers', async () => {
    const { port, token } = await serve({ studio: new MediaStudio() });
    const res = await rawBytes(port, clipUrl, bearer(token));
    expect(res.status).toBe(200);
    expect(res.body.equals(CLIP)).toBe(true);
    expect(res.headers).toMatchObject({ 'content-type': 'video/mp4', 'content-length': String(CLIP.length), 'accept-ranges': 'bytes', 'x-content-type-options': 'nosniff' });
    const head = await raw(port, clipUrl, { method: 'HEAD', headers: bearer(token) });
    expect(head).toMatchObject({ status: 200, body: '' });
    expect(head.headers['content-length']).toBe(String(CLIP.length));
    expect((await raw(port, clipUrl, { method: 'POST', headers: bearer(token) })).status).toBe(405);
    const frame = await raw(port, serveMediaUrl(JOB, 'shot_frames/frame_00001.png'), { headers: bearer(token) });
    expect(frame).toMatchObject({ status: 200, body: 'png' });
    expect(frame.headers['content-type']).toBe('image/png');
  });

  it('answers a range with 206 and exactly those bytes', async () => {
    const { port, token } = await serve({ studio: new MediaStudio() });
    const bytes = async (range: string) => {
      const res = await rawBytes(port, clipUrl, { ...bearer(token), Range: range });
      return res;
    };
    const first = await bytes('bytes=0-9');
    expect(first.status).toBe(206);
    expect(first.headers['content-range']).toBe(`bytes 0-9/${CLIP.length}`);
    expect(first.headers['content-length']).toBe('10');
    expect(first.body.equals(CLIP.subarray(0, 10))).toBe(true);

    const open = await bytes('bytes=990-');
    expect(open.headers['content-range']).toBe(`bytes 990-999/${CLIP.length}`);
    expect(open.body.equals(CLIP.subarray(990))).toBe(true);

    const suffix = await bytes('bytes=-5');
    expect(suffix.headers['content-range']).toBe(`bytes 995-999/${CLIP.length}`);
    expect(suffix.body.equals(CLIP.subarray(995))).toBe(true);

    // An end past the file is cut to the file, as players ask for "bytes=0-" and more than there is.
    const long = await bytes('bytes=500-5000');
    expect(long.headers['content-range']).toBe(`bytes 500-999/${CLIP.length}`);
    expect(long.body.length).toBe(500);
  });

  it('answers 416 to a range past the end, and ignores a malformed or multiple range (whole file)', async () => {
    const { port, token } = await serve({ studio: new MediaStudio() });
    const past = await rawBytes(port, clipUrl, { ...bearer(token), Range: `bytes=${CLIP.length}-` });
    expect(past.status).toBe(416);
    expect(past.headers['content-range']).toBe(`bytes */${CLIP.length}`);
    expect(past.body.length).toBe(0);
    expect((await rawBytes(port, clipUrl, { ...bearer(token), Range: 'bytes=-0' })).status).toBe(416);
    for (const range of ['bytes=abc', 'bytes=9-3', 'pages=1-2', 'bytes=0-1,5-6']) {
      const res = await rawBytes(port, clipUrl, { ...bearer(token), Range: range });
      expect(res.status, range).toBe(200);
      expect(res.body.length, range).toBe(CLIP.length);
    }
    // An empty render is sent as an empty 200, whatever the range.
    expect((await rawBytes(port, serveMediaUrl(JOB, 'empty.webm'), { ...bearer(token), Range: 'bytes=0-' })).status).toBe(200);
  });
});

describe('the media route: only finished renders', () => {
  it('refuses traversal, encoded dots and separators, hidden files and links out; 404 for what is not there', async () => {
    const { port, token } = await serve({ studio: new MediaStudio() });
    const cases: [string, number][] = [
      ['/media/render/../secret.txt', 403],
      ['/media/render/../../secret.txt', 403],
      [`/media/render/${JOB}/../../secret.txt`, 403],
      ['/media/render/%2e%2e/secret.txt', 403],
      [`/media/render/${JOB}/%2e%2e/%2e%2e/secret.txt`, 403],
      [`/media/render/${JOB}/..%2f..%2fsecret.txt`, 403],
      [`/media/render/${JOB}/..%5c..%5csecret.txt`, 403],
      [`/media/render/${JOB}/%252e%252e/secret.txt`, 403],
      [`/media/render/${JOB}/shot.mp4%00.png`, 403],
      [`/media/render/${JOB}//shot.mp4`, 403],
      [`/media/render/${JOB}/.shot.partial.mp4`, 403],
      [`/media/render/${JOB}/link.mp4`, 403],
      ['/media/render/not.a.job/shot.mp4', 403],
      ['/media/x/../render/job_0001/shot.mp4', 404],
      ['/media/other/shot.mp4', 404],
      [`/media/render/${JOB}`, 404],
      [`/media/render/${JOB}/shot_frames`, 404],
      [`/media/render/${JOB}/missing.mp4`, 404],
      ['/media/render/job_0002/shot.mp4', 404],
    ];
    for (const [path, status] of cases) {
      const res = await raw(port, path, { headers: bearer(token) });
      expect(res.status, path).toBe(status);
      expect(res.body, path).not.toContain('outside the renders');
    }
  });

  it('serves nothing from a studio that names no render folder', async () => {
    const { port, token } = await serve({ studio: new FakeStudio() });
    expect((await raw(port, clipUrl, { headers: bearer(token) })).status).toBe(404);
  });
});

describe('job detail over serve mode', () => {
  it('names the output by this server\'s media route, which then serves it', async () => {
    const { port, token } = await serve({ studio: new MediaStudio() });
    const res = await raw(port, '/api/command', { method: 'POST', headers: { ...bearer(token), 'Content-Type': 'application/json' }, body: JSON.stringify({ command: { type: 'jobDetail', jobId: JOB } }) });
    const reply = JSON.parse(res.body) as { ok: true; result: JobDetail };
    expect(reply.result.media).toEqual({ kind: 'video', file: 'shot.mp4', mimeType: 'video/mp4', url: `/media/render/${JOB}/shot.mp4` });
    expect((await raw(port, reply.result.media!.url!, { headers: bearer(token) })).status).toBe(200);
  });

  it('encodes every segment of a media URL, so a name can never add a level', () => {
    expect(serveMediaUrl('j1', 'a b/c#d.png')).toBe('/media/render/j1/a%20b/c%23d.png');
    expect(serveMediaUrl('j1', 'x?.mp4')).toBe('/media/render/j1/x%3F.mp4');
  });
});

/** Like raw(), with the body kept as bytes. */
async function rawBytes(port: number, path: string, headers: Record<string, string>) {
  const { request } = await import('node:http');
  return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}
