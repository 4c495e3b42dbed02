import { expect, type Page, type TestInfo, test } from '@playwright/test';
import { CIRCUITS, openStudio, showView, renderFromScratch } from './studio.ts';

/** A viewport screenshot (what the operator sees) saved and attached to the report. */
async function shoot(page: Page, testInfo: TestInfo, name: string, size: { width: number; height: number }): Promise<void> {
  await page.setViewportSize(size);
  // One sample tick, so the charts have redrawn at the new width.
  await page.waitForTimeout(1200);
  const path = testInfo.outputPath(`${name}.png`);
  await page.screenshot({ path });
  await testInfo.attach(name, { path, contentType: 'image/png' });
}

test('the dashboard draws live data: a stop and a reset on the timeline and in the log, charts filling, screenshots at two sizes', async ({ page }, testInfo) => {
  test.setTimeout(240_000);
  await openStudio(page);
  await showView(page, 'operator');
  for (const name of CIRCUITS) await expect(page.getByTestId(`circuit-card-${name}`)).toHaveAttribute('data-state', 'closed');
  const cards = await page.locator('[data-testid^="circuit-card-"]').count();
  await expect(page.locator('[data-testid^="timeline-row-"]')).toHaveCount(cards);

  // Real data: resource_monitoring is called every 2 s, so its sparkline and the resource charts fill.
  await expect(page.getByTestId('sparkline-resource_monitoring')).toHaveAttribute('data-points', /^[2-9]|\d\d/, { timeout: 15_000 });
  // A drawn line of at least two points (M x,y L x,y ...), and its latest value in the legend.
  await expect(page.getByTestId('sparkline-resource_monitoring').locator('path.series-calls')).toHaveAttribute('d', /^M[\d.,]+L/);
  await expect(page.getByTestId('sparkline-resource_monitoring')).toContainText(/calls [\d.]+/);
  await expect(page.getByTestId('resource-chart-cpu')).toHaveAttribute('data-points', /^[2-9]|\d\d/, { timeout: 15_000 });
  await expect(page.getByTestId('resource-chart-memory').locator('path.recharts-line-curve').first()).toHaveAttribute('d', /^M[\d.,]+L/);
  await expect(page.getByTestId('resources-machine')).toContainText(/cores/);

  // A real transition on every circuit: the stop, drawn on the timeline within a tick.
  await page.getByTestId('emergency-stop').click();
  for (const name of CIRCUITS) await expect(page.getByTestId(`circuit-card-${name}`)).toHaveAttribute('data-state', 'forced_open');
  const exportRow = page.getByTestId('timeline-row-video_export');
  await expect(exportRow).toHaveAttribute('data-states', /forced_open/);
  await expect(exportRow.getByRole('img')).toHaveAttribute('aria-label', /now STOPPED; over the last 15 minutes: .*STOPPED/);

  // Reset arms first and says what it re-arms; Escape disarms and changes nothing.
  await page.getByTestId('reset').click();
  await expect(page.getByTestId('reset-rearm')).toContainText('video_export (STOPPED → CLOSED)');
  await expect(page.getByTestId('reset-clears-stop')).toBeVisible();
  await expect(page.getByTestId('reset-plan')).toContainText('The queue stays paused');
  await expect(page.getByTestId('reset-confirm')).toBeFocused();
  await page.screenshot({ path: testInfo.outputPath('reset-armed.png') });
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('reset-plan')).toHaveCount(0);
  await expect(page.getByTestId('reset')).toBeFocused();
  await page.waitForTimeout(500);
  await expect(page.getByTestId('circuit-card-video_export')).toHaveAttribute('data-state', 'forced_open');

  // By keyboard: Enter arms, Enter again confirms (the confirm button has the focus).
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('reset-confirm')).toBeFocused();
  await page.keyboard.press('Enter');
  for (const name of CIRCUITS) await expect(page.getByTestId(`circuit-card-${name}`)).toHaveAttribute('data-state', 'closed');
  await expect(page.getByTestId('stopped-banner')).toHaveCount(0);
  await expect(exportRow).toHaveAttribute('data-states', /forced_open.*closed|closed.*forced_open/);

  // The log, filtered to one circuit's state changes: this stop and this reset, nothing else.
  await page.getByTestId('log-filter-circuit').selectOption('video_export');
  await page.getByTestId('log-filter-kind').selectOption('circuit_transition');
  const entries = page.getByTestId('event-log').locator('li[data-kind]');
  await expect(entries.first()).toContainText('video_export: forced_open → closed');
  for (const text of await entries.allTextContents()) expect(text).toContain('video_export:');
  await page.getByTestId('log-filter-circuit').selectOption('');
  await page.getByTestId('log-filter-kind').selectOption('audit');
  await expect(entries.first()).toContainText('reset — Reset button');
  expect(await page.getByTestId('event-log').locator('li[data-kind]:not([data-kind="audit"])').count()).toBe(0);
  await page.getByTestId('log-filter-kind').selectOption('');

  // The stop paused the queue and reset starts nothing; Resume says what it starts, then starts it.
  await expect(page.getByTestId('paused-banner')).toBeVisible();
  await showView(page, 'queue');
  await renderFromScratch(page);
  await page.getByTestId('add-demo').click();
  await expect(page.getByTestId('resume-preview')).toContainText(/3 queued: fractal_pan, chart_zoom, fractal_ken_burns/);
  await page.getByTestId('resume').click();
  await expect(page.getByTestId('paused-banner')).toHaveCount(0);
  await expect(page.locator('[data-testid^="queue-row-"][data-status="running"]').first()).toBeVisible({ timeout: 30_000 });
  await showView(page, 'operator');

  // The views by keyboard: arrows move between the tabs; the control bar stays in each.
  await page.getByTestId('tab-dashboard').focus();
  await page.keyboard.press('ArrowRight');
  await expect(page.getByTestId('tab-history')).toBeFocused();
  await expect(page.getByTestId('tab-history')).toHaveAttribute('aria-selected', 'true');
  const reset = page.locator('[data-testid^="audit-row-"][data-action="reset"]').first();
  await expect(reset).toContainText('Reset button');
  await expect(reset).toContainText('token');
  await expect(page.getByTestId('emergency-stop')).toBeVisible();
  await page.keyboard.press('ArrowLeft');
  await expect(page.getByTestId('tab-dashboard')).toHaveAttribute('aria-selected', 'true');

  // Screenshots while the demo renders: both window sizes, both themes.
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  // Headless Chromium reports a light system theme unless told otherwise.
  await page.emulateMedia({ colorScheme: 'dark' });
  await shoot(page, testInfo, 'dashboard-1280x800', { width: 1280, height: 800 });
  await shoot(page, testInfo, 'dashboard-1920x1080', { width: 1920, height: 1080 });
  await page.emulateMedia({ colorScheme: 'light' });
  await shoot(page, testInfo, 'dashboard-1280x800-light', { width: 1280, height: 800 });
  await page.setViewportSize({ width: 1280, height: 800 });

  // Leave the shared host as found: the demo done, nothing running.
  await showView(page, 'queue');
  await expect(page.locator('[data-testid^="queue-row-"]:not([data-status="done"])')).toHaveCount(0, { timeout: 180_000 });
  await page.getByTestId('tab-history').click();
  await expect(page.locator('[data-testid^="past-job-"][data-status="done"]')).toHaveCount(3);
  await page.emulateMedia({ colorScheme: 'dark' });
  await shoot(page, testInfo, 'history-1280x800', { width: 1280, height: 800 });
  await page.getByTestId('tab-dashboard').click();
  await page.mouse.wheel(0, 900);
  await shoot(page, testInfo, 'dashboard-1280x800-scrolled', { width: 1280, height: 800 });
});
