/**
 * An artist's own pictures, in Chromium against serve mode: uploaded in the shot form and rendered
 * with a camera move, a project folder with its pictures queued whole, and a non-picture refused at
 * its field. Pictures are made here with ffmpeg; screenshots at 1280×800 and 1920×1080.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type APIRequestContext, expect, type Page, test } from '@playwright/test';
import type { Job, Snapshot } from '../src-preload/contract.ts';
import { E2E_TOKEN, openStudio } from './studio.ts';

const dir = mkdtempSync(join(tmpdir(), 'storycore-e2e-pictures-'));
test.afterAll(() => rmSync(dir, { recursive: true, force: true }));

function picture(name: string, source: string, size = '640x360'): { name: string; mimeType: string; buffer: Buffer } {
  const path = join(dir, name);
  execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', `${source}${source.includes('=') ? ':' : '='}s=${size}`, '-frames:v', '1', path]);
  return { name, mimeType: name.endsWith('.png') ? 'image/png' : 'image/jpeg', buffer: readFileSync(path) };
}
const notAPicture = { name: 'notes.png', mimeType: 'image/png', buffer: Buffer.from('1\n00:00:01,000 --> 00:00:02,000\nnot a picture\n') };

async function hostJobs(request: APIRequestContext): Promise<Job[]> {
  const response = await request.post('/api/command', { headers: { Authorization: `Bearer ${E2E_TOKEN}` }, data: { command: { type: 'snapshot' } } });
  return ((await response.json()) as { result: Snapshot }).result.jobs;
}

async function shoot(page: Page, path: string): Promise<void> {
  for (const [width, height] of [[1280, 800], [1920, 1080]] as const) {
    await page.setViewportSize({ width, height });
    await page.screenshot({ path: path.replace('.png', `-${width}x${height}.png`) });
  }
  await page.setViewportSize({ width: 1280, height: 800 });
}

test('an artist uploads two pictures, sets a camera move, and the shot renders with a thumbnail and plays to its end', async ({ page, request }, testInfo) => {
  test.setTimeout(240_000);
  await openStudio(page);
  const earlier = new Set((await hostJobs(request)).map((j) => j.id));
  await page.getByTestId('add-shot').click();
  await page.getByTestId('shot-field-id').fill('my_pictures');
  await page.getByTestId('shot-field-duration').fill('2');

  await page.getByTestId('picture-files').setInputFiles([picture('sunrise.png', 'testsrc2'), picture('tiny.jpg', 'mandelbrot', '96x54')]);
  const pictures = page.getByTestId('picture');
  await expect(pictures).toHaveCount(2);
  await expect(pictures.nth(0)).toHaveAttribute('data-state', 'ready');
  await expect(pictures.nth(1)).toHaveAttribute('data-state', 'ready');
  await expect(pictures.nth(0).locator('img')).toHaveJSProperty('complete', true);
  expect(await pictures.nth(0).locator('img').evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(160);
  // The small one is warned about, next to its thumbnail; the big one is not.
  await expect(pictures.nth(1).getByTestId('picture-warning')).toContainText('much smaller than the shot');
  await expect(pictures.nth(0).getByTestId('picture-warning')).toHaveCount(0);

  // A camera move of the artist's own: from the top left, zoomed in, to the whole frame.
  await page.getByTestId('shot-field-movement').selectOption('ken_burns');
  await page.getByTestId('shot-field-fromX').fill('-1');
  await page.getByTestId('shot-field-fromY').fill('-1');
  await page.getByTestId('shot-field-fromZoom').fill('2');
  await page.getByTestId('shot-field-toZoom').fill('1');
  const from = await page.getByTestId('framing-from').boundingBox();
  const frame = await page.getByTestId('framing-preview').locator('.framing-frame').boundingBox();
  expect(from && frame && Math.abs(from.width - frame.width / 2) < 2 && Math.abs(from.x - frame.x) < 2).toBe(true);
  await expect(page.getByTestId('shot-estimate')).toHaveAttribute('data-kind', 'estimate', { timeout: 10_000 });
  await page.getByTestId('shot-pictures').scrollIntoViewIfNeeded();
  await shoot(page, testInfo.outputPath('shot-form-pictures.png'));

  await page.getByTestId('shot-submit').click();
  await expect(page.getByTestId('shot-queued')).toContainText('Queued my_pictures');
  const job = (await hostJobs(request)).find((j) => !earlier.has(j.id) && j.shotId === 'my_pictures')!;
  expect(job).toBeDefined();
  const row = page.getByTestId(`queue-row-${job.id}`);
  await expect(row).toHaveAttribute('data-status', 'done', { timeout: 180_000 });
  const thumbnail = page.getByTestId(`output-thumbnail-${job.id}`);
  await expect(thumbnail).toBeVisible();
  await expect.poll(() => thumbnail.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(160);
  await row.scrollIntoViewIfNeeded();
  await shoot(page, testInfo.outputPath('queue-thumbnail.png'));

  await page.getByTestId(`job-details-${job.id}`).click();
  const video = page.getByTestId('preview-video');
  await expect(video).toBeVisible();
  await expect.poll(() => video.evaluate((v: HTMLVideoElement) => v.readyState), { timeout: 20_000 }).toBeGreaterThanOrEqual(2);
  await video.evaluate((v: HTMLVideoElement) => ((v.muted = true), v.play()));
  await expect.poll(() => video.evaluate((v: HTMLVideoElement) => v.ended), { timeout: 30_000 }).toBe(true);
  await shoot(page, testInfo.outputPath('job-detail-pictures.png'));
});

test('a non-picture is refused at the field; a project folder with pictures queues all its shots', async ({ page, request }, testInfo) => {
  test.setTimeout(120_000);
  await openStudio(page);
  await page.getByTestId('add-shot').click();
  await page.getByTestId('picture-files').setInputFiles([notAPicture]);
  await expect(page.getByTestId('picture')).toHaveAttribute('data-state', 'refused');
  await expect(page.getByTestId('picture-error')).toContainText('notes.png is not a picture');
  await page.getByTestId('shot-pictures').scrollIntoViewIfNeeded();
  await shoot(page, testInfo.outputPath('picture-refused.png'));
  await page.getByTestId('picture-remove').click();
  await expect(page.getByTestId('picture')).toHaveCount(0);

  const earlier = new Set((await hostJobs(request)).map((j) => j.id));
  const project = {
    version: 1,
    name: 'Folder trip',
    quality: 'draft',
    shots: [
      { id: 'trip_a', duration: 1, fps: 12, resolution: { width: 320, height: 180 }, keyframes: [{ image: 'pictures/a.png' }], interpolation: { method: 'blend', sourceFps: 6 } },
      { id: 'trip_b', duration: 1, fps: 12, resolution: { width: 320, height: 180 }, keyframes: [{ image: 'pictures/b.jpg' }, { image: 'pictures/a.png' }], interpolation: { method: 'blend', sourceFps: 6, transition: 'cut' } },
    ],
  };
  const a = picture('a.png', 'testsrc2');
  const b = picture('b.jpg', 'mandelbrot');
  // Chromium gives each file of a picked folder its path inside it (webkitRelativePath): a real folder is picked.
  const folder = join(dir, 'trip');
  execFileSync('mkdir', ['-p', join(folder, 'pictures')]);
  execFileSync('cp', [join(dir, a.name), join(folder, 'pictures', 'a.png')]);
  execFileSync('cp', [join(dir, b.name), join(folder, 'pictures', 'b.jpg')]);
  execFileSync('sh', ['-c', `cat > '${join(folder, 'project.json')}'`], { input: JSON.stringify(project) });
  await page.getByTestId('project-folder').setInputFiles(folder);
  await expect(page.getByTestId('project-file-queued')).toContainText('Queued 2 shots of "Folder trip"');
  const queued = (await hostJobs(request)).filter((j) => !earlier.has(j.id));
  expect(queued.map((j) => j.shotId).sort()).toEqual(['trip_a', 'trip_b']);

  // The same folder with a picture that is not one: refused at its keyframe, nothing queued.
  execFileSync('sh', ['-c', `printf 'not a picture' > '${join(folder, 'pictures', 'b.jpg')}'`]);
  await page.getByTestId('project-folder').setInputFiles(folder);
  await expect(page.getByTestId('project-file-errors')).toContainText('shots[1].keyframes[0].image: pictures/b.jpg: b.jpg is not a picture');
  expect((await hostJobs(request)).filter((j) => !earlier.has(j.id))).toHaveLength(2);
  await shoot(page, testInfo.outputPath('project-folder-refused.png'));
});
