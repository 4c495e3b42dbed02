import { type APIRequestContext, expect, type Page, test } from '@playwright/test';
import type { Job, Snapshot } from '../src-preload/contract.ts';
import { E2E_TOKEN, openStudio, renderFromScratch } from './studio.ts';

/** The host's own view of the queue: what "nothing was queued" is checked against, not the page. */
async function hostJobs(request: APIRequestContext): Promise<Job[]> {
  const response = await request.post('/api/command', { headers: { Authorization: `Bearer ${E2E_TOKEN}` }, data: { command: { type: 'snapshot' } } });
  expect(response.ok()).toBe(true);
  return ((await response.json()) as { result: Snapshot }).result.jobs;
}

async function openQueue(page: Page): Promise<void> {
  await openStudio(page);
  await expect(page.getByTestId('circuit-chip-video_export')).toBeVisible(); // the snapshot has arrived
}

test('bad input in the shot form shows a message at the field and queues nothing; a good shot is queued', async ({ page, request }, testInfo) => {
  await openQueue(page);
  const before = (await hostJobs(request)).length;

  await page.getByTestId('add-shot').click();
  await page.getByTestId('shot-field-id').fill('bad id!');
  await page.getByTestId('shot-field-duration').fill('0');
  await page.getByTestId('shot-field-width').fill('641');
  await page.getByTestId('shot-field-color').fill('red');
  await page.getByTestId('shot-submit').click();

  await expect(page.getByTestId('shot-error-id')).toContainText('id may only use letters, digits, _ and -');
  await expect(page.getByTestId('shot-error-duration')).toContainText('duration must be at least 0.25 seconds');
  await expect(page.getByTestId('shot-error-width')).toContainText('width must be even');
  await expect(page.getByTestId('shot-error-color')).toContainText('color must be a hex colour like #3366ff');
  await expect(page.getByTestId('shot-form-invalid')).toContainText('Nothing was queued');
  // The message sits at its field: the field's input points to it, and is marked invalid.
  await expect(page.getByTestId('shot-field-duration')).toHaveAttribute('aria-describedby', 'shot-error-duration');
  await expect(page.getByTestId('shot-field-duration')).toHaveAttribute('aria-invalid', 'true');
  await page.getByTestId('shot-form').screenshot({ path: testInfo.outputPath('shot-form-errors.png') });
  expect((await hostJobs(request)).length).toBe(before);

  // A project file with problems: listed by field path, nothing queued.
  const broken = { version: 1, name: 'broken', shots: [{ id: 'x', duration: 1, fps: 12, keyframes: [] }, { id: 'y', duration: 1, keyframes: [{ image: 'a.png' }] }] };
  await page.getByTestId('project-file').setInputFiles({ name: 'broken.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(broken)) });
  await expect(page.getByTestId('project-file-errors')).toContainText('shots[0].keyframes: keyframes needs at least one keyframe');
  expect((await hostJobs(request)).length).toBe(before);

  // Fixed, the same form queues the shot (small, so it renders quickly).
  for (const [field, value] of Object.entries({ id: 'form_shot', duration: '1', fps: '12', width: '160', height: '90', color: '', sourceFps: '6', keyframeCount: '1' })) {
    await page.getByTestId(`shot-field-${field}`).fill(value);
  }
  await page.getByTestId('shot-submit').click();
  await expect(page.getByTestId('shot-queued')).toContainText('Queued form_shot');
  await expect(page.getByTestId('shot-error-duration')).toHaveCount(0);
  const added = (await hostJobs(request)).filter((j) => j.shotId === 'form_shot');
  expect(added).toHaveLength(1);
  await expect(page.getByTestId(`queue-row-${added[0]!.id}`)).toHaveAttribute('data-status', 'done', { timeout: 120_000 });
});

test('the demo renders: progress, every row done, the detail shows the trace and ffmpeg log, and the preview plays', async ({ page, request }, testInfo) => {
  test.setTimeout(300_000);
  await openQueue(page);
  const earlier = new Set((await hostJobs(request)).map((j) => j.id));

  await renderFromScratch(page);
  await page.getByTestId('add-demo').click();
  await expect.poll(async () => (await hostJobs(request)).filter((j) => !earlier.has(j.id)).length).toBe(3);
  const demo = (await hostJobs(request)).filter((j) => !earlier.has(j.id));
  const rows = demo.map((j) => page.getByTestId(`queue-row-${j.id}`));

  // Progress moves: a row shows a running stage with a bar above zero before anything is done.
  await expect(page.locator('[data-testid^="queue-row-"][data-status="running"]').first()).toBeVisible({ timeout: 60_000 });
  await expect
    .poll(async () => Math.max(...(await page.locator('[data-testid^="queue-row-"][data-status="running"] progress').evaluateAll((bars) => bars.map((b) => (b as HTMLProgressElement).value)))), { timeout: 60_000 })
    .toBeGreaterThan(0);
  await page.screenshot({ path: testInfo.outputPath('queue-running.png'), fullPage: true });
  for (const row of rows) await expect(row).toHaveAttribute('data-status', 'done', { timeout: 240_000 });
  await page.screenshot({ path: testInfo.outputPath('queue-done.png'), fullPage: true });

  // The mp4 shot's detail: its shot, a trace of all three stages, the ffmpeg log tail, and the preview.
  const chart = demo.find((j) => j.shotId === 'chart_zoom')!;
  await page.getByTestId(`job-details-${chart.id}`).click();
  const detail = page.getByTestId('job-detail');
  await expect(detail).toBeVisible();
  // The detail never covers or disables the Emergency Stop: a trial click checks it would land.
  await page.getByTestId('emergency-stop').click({ trial: true });
  await expect(page.getByTestId('job-detail-status')).toHaveAttribute('data-status', 'done');
  await expect(detail).toContainText('3 s · 24 fps · 72 frames');
  const attempts = page.getByTestId('trace-attempt');
  await expect(attempts.first()).toBeVisible();
  const seen = await attempts.evaluateAll((trs) => trs.map((tr) => `${tr.getAttribute('data-stage')}:${tr.getAttribute('data-outcome')}`));
  expect(new Set(seen)).toEqual(new Set(['frame_processing:ok', 'interpolation:ok', 'export:ok']));
  await expect(page.getByTestId('trace-interpolation')).toContainText('requested optical_flow, used optical_flow');
  // The last attempt (the export) is shown by default: its encode and its SSIM/PSNR measurement.
  await expect(page.getByTestId('ffmpeg-log')).toContainText('encode');
  await expect(page.getByTestId('ffmpeg-log')).toContainText(/SSIM .*All:/);

  const video = page.getByTestId('preview-video');
  await expect(video).toBeVisible();
  await expect.poll(() => video.evaluate((v: HTMLVideoElement) => v.readyState), { timeout: 20_000 }).toBeGreaterThanOrEqual(2);
  const duration = await video.evaluate((v: HTMLVideoElement) => v.duration);
  expect(Math.abs(duration - 3)).toBeLessThanOrEqual(1 / 24 + 1e-3);
  await expect(page.getByTestId('preview-caption')).toContainText('matches the shot');
  await video.evaluate((v: HTMLVideoElement) => v.play());
  await expect.poll(() => video.evaluate((v: HTMLVideoElement) => v.currentTime), { timeout: 20_000 }).toBeGreaterThan(0.3);
  await video.evaluate((v: HTMLVideoElement) => v.pause());
  await page.screenshot({ path: testInfo.outputPath('job-detail.png') });
  await page.getByTestId('ffmpeg-log').scrollIntoViewIfNeeded();
  await page.screenshot({ path: testInfo.outputPath('job-detail-log.png') });

  // Escape closes the dialog, and the queue is there again.
  await page.keyboard.press('Escape');
  await expect(detail).toHaveCount(0);
  await expect(rows[0]!).toBeVisible();
});
