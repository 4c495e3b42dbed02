import { type APIRequestContext, expect, type Page, type TestInfo, test } from '@playwright/test';
import type { Job, Snapshot } from '../src-preload/contract.ts';
import { CIRCUITS, E2E_TOKEN, circuitState, openStudio, showView } from './studio.ts';

const SIZES = [
  { width: 1280, height: 800 },
  { width: 1920, height: 1080 },
] as const;
const VIEWS = ['queue', 'operator', 'history'] as const;

async function hostJobs(request: APIRequestContext): Promise<Job[]> {
  const response = await request.post('/api/command', { headers: { Authorization: `Bearer ${E2E_TOKEN}` }, data: { command: { type: 'snapshot' } } });
  expect(response.ok()).toBe(true);
  return ((await response.json()) as { result: Snapshot }).result.jobs;
}

/** Emergency Stop on screen and not covered: the element at its centre is the button (or inside it). */
async function expectStopOnTop(page: Page): Promise<void> {
  const stop = page.getByTestId('emergency-stop');
  await expect(stop).toBeInViewport({ ratio: 1 });
  const onTop = await stop.evaluate((button) => {
    const box = button.getBoundingClientRect();
    const hit = document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2);
    return hit !== null && button.contains(hit);
  });
  expect(onTop, 'the element at the Emergency Stop button’s centre is the button').toBe(true);
}

async function expectInsideViewport(page: Page, testId: string): Promise<void> {
  const box = (await page.getByTestId(testId).boundingBox())!;
  const size = page.viewportSize()!;
  expect(box.x).toBeGreaterThanOrEqual(0);
  expect(box.y).toBeGreaterThanOrEqual(0);
  expect(box.x + box.width).toBeLessThanOrEqual(size.width);
  expect(box.y + box.height).toBeLessThanOrEqual(size.height);
}

async function shoot(page: Page, testInfo: TestInfo, name: string): Promise<void> {
  // One sample tick, so the charts have redrawn at the new width.
  await page.waitForTimeout(1200);
  const path = testInfo.outputPath(`${name}.png`);
  await page.screenshot({ path });
  await testInfo.attach(name, { path, contentType: 'image/png' });
}

test('browser alerts: the toggle asks permission, an opened circuit notifies once, its click shows the circuit; a reload keeps the events', async ({ page }) => {
  // The browser's Notification API, recorded: headless Chromium shows nothing to click.
  await page.addInitScript(() => {
    const shown: { title: string; body: string; click: () => void }[] = [];
    (window as unknown as { alerts: typeof shown }).alerts = shown;
    // A granted permission outlives a reload, as the browser's does.
    class RecordedNotification {
      static get permission(): NotificationPermission {
        return sessionStorage.getItem('granted') ? 'granted' : 'default';
      }
      static requestPermission = async (): Promise<NotificationPermission> => {
        sessionStorage.setItem('granted', '1');
        return 'granted';
      };
      onclick: (() => void) | null = null;
      constructor(title: string, options: NotificationOptions) {
        shown.push({ title, body: options.body ?? '', click: () => this.onclick?.() });
      }
      close() {}
    }
    (window as unknown as { Notification: unknown }).Notification = RecordedNotification;
  });
  await openStudio(page);
  const toggle = page.getByTestId('alerts-toggle');
  await expect(toggle).toHaveText('Alerts: off');
  await toggle.click();
  await expect(toggle).toHaveText('Alerts: on');
  expect(await page.evaluate(() => localStorage.getItem('storycore.alerts'))).toBe('on');

  await page.getByTestId('emergency-stop').click();
  for (const name of CIRCUITS) await expect(circuitState(page, name)).toHaveAttribute('data-state', 'forced_open');
  await expect.poll(() => page.evaluate(() => (window as unknown as { alerts: unknown[] }).alerts.length)).toBeGreaterThan(0);
  const alerts = await page.evaluate(() => (window as unknown as { alerts: { title: string }[] }).alerts.map((a) => a.title));
  // Seven circuits stopped in one batch: one alert that says so, not seven.
  expect(alerts[0]).toMatch(/circuits opened|is STOPPED/);
  await page.evaluate(() => (window as unknown as { alerts: { click: () => void }[] }).alerts[0]!.click());
  await expect(page.getByTestId('tab-dashboard')).toHaveAttribute('aria-selected', 'true');
  await expect(page.locator('[data-testid^="circuit-card-"]:focus')).toHaveCount(1);

  // Reset, then a reload: the panel and the timeline are filled from the stored history.
  await page.getByTestId('reset').click();
  await page.getByTestId('reset-confirm').click();
  for (const name of CIRCUITS) await expect(circuitState(page, name)).toHaveAttribute('data-state', 'closed');
  await page.getByTestId('resume').click();
  await page.reload();
  await expect(page.getByTestId('connection-status')).toHaveAttribute('data-state', 'connected');
  await expect(page.getByTestId('tab-dashboard')).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByTestId('alerts-toggle')).toHaveText('Alerts: on');
  const log = page.getByTestId('event-log');
  await expect(log.locator('li[data-kind="audit"]', { hasText: 'emergency_stop' }).first()).toBeVisible();
  await expect(log.locator('li[data-kind="circuit_transition"]', { hasText: 'video_export: forced_open → closed' }).first()).toBeVisible();
  await expect(page.getByTestId('timeline-row-video_export')).toHaveAttribute('data-states', /forced_open/);
  // Each stored event once: an audit entry seen live and then again in the reloaded history is one row.
  // By the entry's id, not its text: two specs' identical actions within one second read the same.
  const ids = await log.locator('li[data-kind="audit"]').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-audit-id')));
  expect(ids.length).toBeGreaterThan(1);
  expect(ids.every((id) => id !== null && id !== '')).toBe(true);
  expect(new Set(ids).size).toBe(ids.length);
});

test('every view and the job detail at 1280×800 and 1920×1080: the queue first, the dialog inside the window, Emergency Stop on top', async ({ page, request }, testInfo) => {
  test.setTimeout(300_000);
  await page.emulateMedia({ colorScheme: 'dark' });
  await openStudio(page);
  await expect(page.getByTestId('circuit-chip-video_export')).toBeVisible();

  // The artist's first screen: the queue and its Add buttons, without scrolling.
  expect(await page.evaluate(() => window.scrollY)).toBe(0);
  for (const id of ['add-shot', 'add-demo', 'open-project', 'queue-counts']) await expect(page.getByTestId(id)).toBeInViewport({ ratio: 1 });
  await expect(page.getByRole('region', { name: 'Render queue' })).toBeInViewport();

  // A finished mp4 to open: the demo's chart_zoom, rendered now unless an earlier spec left one.
  let chart = (await hostJobs(request)).find((j) => j.shotId === 'chart_zoom' && j.status === 'done');
  if (!chart) {
    const earlier = new Set((await hostJobs(request)).map((j) => j.id));
    await page.getByTestId('add-demo').click();
    await expect.poll(async () => (await hostJobs(request)).some((j) => !earlier.has(j.id) && j.shotId === 'chart_zoom')).toBe(true);
    chart = (await hostJobs(request)).find((j) => !earlier.has(j.id) && j.shotId === 'chart_zoom')!;
    await expect(page.getByTestId(`queue-row-${chart.id}`)).toHaveAttribute('data-status', 'done', { timeout: 240_000 });
  }

  for (const size of SIZES) {
    await page.setViewportSize(size);
    const tag = `${size.width}x${size.height}`;
    for (const view of VIEWS) {
      await showView(page, view);
      await expectStopOnTop(page);
      await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
      await shoot(page, testInfo, `view-${view}-${tag}`);
    }
    // The keys 1/2/3 switch the views from anywhere outside a field.
    await page.keyboard.press('2');
    await expect(page.getByTestId('tab-dashboard')).toHaveAttribute('aria-selected', 'true');
    await page.keyboard.press('1');
    await expect(page.getByTestId('tab-queue')).toHaveAttribute('aria-selected', 'true');

    // The job detail: a modal dialog inside the window, its player whole, the stop still on top.
    const opener = page.getByTestId(`job-details-${chart.id}`);
    await opener.click();
    const detail = page.getByTestId('job-detail');
    await expect(detail).toBeVisible();
    const video = page.getByTestId('preview-video');
    await expect.poll(() => video.evaluate((v: HTMLVideoElement) => v.readyState), { timeout: 20_000 }).toBeGreaterThanOrEqual(1);
    await expectInsideViewport(page, 'job-detail');
    // The player with its controls (drawn inside the video's box) is fully on screen within the dialog.
    await expect(video).toBeInViewport({ ratio: 1 });
    const videoBox = (await video.boundingBox())!;
    const dialogBox = (await detail.boundingBox())!;
    expect(videoBox.y + videoBox.height).toBeLessThanOrEqual(dialogBox.y + dialogBox.height);
    await expectStopOnTop(page);
    await page.getByTestId('emergency-stop').click({ trial: true });
    // The page under the dialog takes no clicks or focus; Tab stays in the dialog and the control bar.
    await expect(page.locator('main')).toHaveAttribute('inert', '');
    for (let i = 0; i < 12; i++) {
      await page.keyboard.press('Tab');
      expect(await page.evaluate(() => document.activeElement?.closest('.job-detail, .control-bar') !== null)).toBe(true);
    }
    await shoot(page, testInfo, `job-detail-${tag}`);
    // Scrolled to its end inside itself: the trace and the ffmpeg log, the dialog still inside the window.
    await page.getByTestId('ffmpeg-log').scrollIntoViewIfNeeded();
    await expectInsideViewport(page, 'job-detail');
    await shoot(page, testInfo, `job-detail-log-${tag}`);
    await page.keyboard.press('Escape');
    await expect(detail).toHaveCount(0);
    await expect(page.locator('main')).not.toHaveAttribute('inert', '');
    await expect(opener).toBeFocused();
  }
  await page.setViewportSize(SIZES[0]);
});
