/** The desktop's storycore-media: protocol, run under plain Node (it uses only web Request/Response). */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CommandReply, JobDetail } from '../../src-preload/contract.ts';
import { serveMedia, withDesktopMediaUrls } from '../../src-main/electron/media-protocol.ts';
import { mediaUrl } from '../../src-main/shell/media-path.ts';
import { FakeStudio } from '../transport/fake-studio.ts';

const data = mkdtempSync(join(tmpdir(), 'storycore-desktop-media-'));
const renders = join(data, 'renders');
mkdirSync(join(renders, 'job1'), { recursive: true });
writeFileSync(join(renders, 'job1', 'a.webm'), Buffer.alloc(100, 7));
afterAll(() => rmSync(data, { recursive: true, force: true }));

describe('the desktop media protocol', () => {
  it('names a job detail\'s output by the protocol, which then serves it, ranges included', async () => {
    class DetailStudio extends FakeStudio {
      override async execute(command: unknown, actor: string): Promise<CommandReply> {
        if ((command as { type?: string }).type !== 'jobDetail') return super.execute(command, actor);
        return { ok: true, result: { job: { id: 'job1' }, spec: null, trace: null, media: { kind: 'video', file: 'a.webm', mimeType: 'video/webm', url: null } } as unknown as JobDetail };
      }
    }
    const reply = await withDesktopMediaUrls(new DetailStudio()).execute({ type: 'jobDetail', jobId: 'job1' }, 'tester');
    const url = ((reply as { result: JobDetail }).result.media!.url)!;
    expect(url).toBe(mediaUrl('job1', 'a.webm'));
    expect(url).toBe('storycore-media://render/job1/a.webm');

    const whole = await serveMedia(new Request(url), [renders]);
    expect(whole.status).toBe(200);
    expect(whole.headers.get('content-type')).toBe('video/webm');
    expect((await whole.arrayBuffer()).byteLength).toBe(100);
    const part = await serveMedia(new Request(url, { headers: { Range: 'bytes=10-19' } }), [renders]);
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe('bytes 10-19/100');
    expect((await part.arrayBuffer()).byteLength).toBe(10);
    expect((await serveMedia(new Request(url, { headers: { Range: 'bytes=100-' } }), [renders])).status).toBe(416);
  });

  it('leaves other replies, and failed ones, as they were', async () => {
    const studio = withDesktopMediaUrls(new FakeStudio());
    expect(await studio.execute({ type: 'snapshot' }, 'tester')).toEqual({ ok: true, result: { did: 'snapshot' } });
    expect(await studio.execute({ type: 'jobDetail', jobId: 'missing' }, 'tester')).toMatchObject({ ok: false, error: { code: 'not_found' } });
  });
});
