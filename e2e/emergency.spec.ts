import { expect, test } from '@playwright/test';
import { CIRCUITS, circuitState, openStudio, renderFromScratch } from './studio.ts';

test('emergency stop during a render latches every circuit, requeues the job; reset re-arms; resume completes', async ({ page }, testInfo) => {
  await openStudio(page);
  // Earlier specs share this host and leave their finished rows: count only the rows this test adds.
  await expect(page.getByTestId('circuit-chip-video_export')).toBeVisible(); // the snapshot has arrived
  const rows = page.locator('[data-testid^="queue-row-"]');
  const idsOf = (locator: typeof rows) => locator.evaluateAll((trs) => trs.map((r) => r.getAttribute('data-testid')!));
  const earlierIds = new Set(await idsOf(rows));
  await renderFromScratch(page);
  await page.getByTestId('add-demo').click();
  await expect(rows).toHaveCount(earlierIds.size + 3);
  // One of this test's jobs running (an earlier spec's job may still be finishing: it is not the one stopped).
  const ownRunning = async () => (await idsOf(page.locator('[data-testid^="queue-row-"][data-status="running"]'))).find((id) => !earlierIds.has(id)) ?? null;
  await expect.poll(ownRunning, { timeout: 30_000, intervals: [50] }).not.toBeNull();
  const runningId = (await ownRunning())!;

  await page.getByTestId('emergency-stop').click();
  for (const name of CIRCUITS) await expect(circuitState(page, name)).toHaveAttribute('data-state', 'forced_open');
  await expect(page.getByTestId(runningId)).toHaveAttribute('data-status', 'queued');
  await expect(page.getByTestId('stopped-banner')).toBeVisible();
  await page.screenshot({ path: testInfo.outputPath('stopped.png'), fullPage: true });

  // The audit entry, in the history view: who, why, the scope and the job it interrupted. The latched
  // stop and the control bar are shown there too.
  await page.getByTestId('tab-history').click();
  const entry = page.locator('[data-testid^="audit-row-"][data-action="emergency_stop"]').first();
  await expect(entry).toContainText('Emergency Stop button');
  await expect(entry).toContainText('token');
  await expect(entry).toContainText('scope: immediate');
  await expect(entry).toContainText(runningId.replace('queue-row-', ''));
  await expect(page.getByTestId('stopped-banner')).toBeVisible();
  await expect(page.getByTestId('emergency-stop')).toBeEnabled();
  await page.screenshot({ path: testInfo.outputPath('history-stopped.png'), fullPage: true });
  await page.getByTestId('tab-queue').click();

  await page.getByTestId('resume').click();
  await expect(page.getByTestId('command-error')).toContainText('reset the circuits first');

  // Reset arms first, listing what it re-arms; only the confirmation resets.
  await page.getByTestId('reset').click();
  await expect(page.getByTestId('reset-rearm')).toContainText('video_interpolation (STOPPED → CLOSED)');
  await expect(page.getByTestId('reset-clears-stop')).toBeVisible();
  await expect(circuitState(page, 'video_export')).toHaveAttribute('data-state', 'forced_open');
  await page.getByTestId('reset-confirm').click();
  await expect(page.getByTestId('reset-plan')).toHaveCount(0);
  for (const name of CIRCUITS) await expect(circuitState(page, name)).toHaveAttribute('data-state', 'closed');
  await expect(page.getByTestId('stopped-banner')).toHaveCount(0);
  await page.waitForTimeout(1000);
  await expect(page.locator('[data-testid^="queue-row-"][data-status="running"]')).toHaveCount(0);
  const queued = await page.locator('[data-testid^="queue-row-"][data-status="queued"]').count();
  expect(queued).toBeGreaterThan(0);
  await expect(page.getByTestId('resume-preview')).toContainText(`${queued} queued`);

  await page.getByTestId('resume').click();
  const mine = (await idsOf(rows)).filter((id) => !earlierIds.has(id));
  expect(mine).toHaveLength(3);
  for (const id of mine) await expect(page.getByTestId(id)).toHaveAttribute('data-status', 'done', { timeout: 150_000 });
  await page.screenshot({ path: testInfo.outputPath('done.png'), fullPage: true });
});
